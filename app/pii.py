"""Personal data of contacts: one set of masking rules for screens, exports and the API.

Everybody sees phone numbers and e-mail addresses masked. Users whose roles
grant ``can_reveal`` on ``ContactData`` get a reveal button; revealing is a
POST (CSRF-checked) that returns the full value and writes an audit entry.

Processes refer to contacts by id (``contact_id``) and never copy their phone
or e-mail; process data shown on screens and by the API still goes through
``masked_variables``, for diagrams that carry personal data anyway.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from flask import current_app, g, has_request_context, url_for
from markupsafe import Markup, escape

REVEAL_PERMISSION = ("can_reveal", "ContactData")
STARS = "****"  # fixed width, so the mask does not tell the length


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; first 3 and last 4 digits of any longer number."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 country code: mask the national number
    if len(digits) >= 8:
        return f"{digits[:3]}{STARS}{digits[-4:]}"
    if len(digits) >= 4:
        return f"{STARS}{digits[-2:]}"
    return STARS


def mask_email(value: str | None) -> str:
    """z***@example.com: first character of the local part and the domain."""
    if not value:
        return ""
    local, at, domain = value.strip().partition("@")
    if not at:
        return mask_text(value)
    return f"{local[:1]}***@{domain}"


def mask_text(value: str | None) -> str:
    if not value:
        return ""
    return f"{value[:1]}***"


# model -> field -> masking rule; the only place that says what is personal data.
PII_FIELDS: dict[str, dict[str, Callable[[str | None], str]]] = {
    "contact": {"phone": mask_phone, "email": mask_email},
}


def mask(record_type: str, field: str, value: str | None) -> str:
    return PII_FIELDS[record_type][field](value)


# Process variables are free-form (diagrams are written by process owners): their names say
# what they hold. A word of a snake_case/camelCase name (or two adjacent words: e_mail,
# id_card) from this list, or a Chinese fragment below, makes the variable personal data.
PII_VARIABLE_WORDS: dict[str, Callable[[str | None], str]] = {
    **dict.fromkeys(("phone", "phones", "mobile", "mobiles", "tel", "telephone", "cellphone", "fax"), mask_phone),
    **dict.fromkeys(("email", "emails"), mask_email),
    **dict.fromkeys(("idcard", "idnumber", "idno", "identity", "passport", "ssn"), mask_text),
}
PII_VARIABLE_FRAGMENTS: dict[str, Callable[[str | None], str]] = {
    "电话": mask_phone, "手机": mask_phone, "邮箱": mask_email, "身份证": mask_text, "证件号": mask_text,
}


def variable_rule(name: str) -> Callable[[str | None], str] | None:
    """The masking rule for a process variable called ``name``, or None when it is not personal data."""
    words = [w for w in re.split(r"[\W_]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()) if w]
    for word in words + [a + b for a, b in zip(words, words[1:])]:
        if word in PII_VARIABLE_WORDS:
            return PII_VARIABLE_WORDS[word]
    return next((rule for frag, rule in PII_VARIABLE_FRAGMENTS.items() if frag in name), None)


def masked_variables(data: Any) -> Any:
    """A copy of process data (variables, form values, event payloads) with every value under a
    personal-data name masked, at any depth. Masked for everybody: a clear value is only ever
    revealed from the contact record, where the reveal is audited."""
    return _mask_tree(data, None)


def _mask_tree(value: Any, rule: Callable[[str | None], str] | None) -> Any:
    if isinstance(value, dict):
        return {k: _mask_tree(v, rule or variable_rule(str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_tree(v, rule) for v in value]
    if rule is None or value is None or isinstance(value, bool):
        return value
    return rule(str(value))


def is_pii(record_type: str, field: str) -> bool:
    return field in PII_FIELDS.get(record_type, {})


def can_reveal() -> bool:
    """Whether the current user may reveal contact data (cached per request)."""
    if not has_request_context():
        return False
    user_id = getattr(getattr(g, "user", None), "id", None)
    cached = g.get("pii_can_reveal")
    if cached is None or cached[0] != user_id:  # keyed by user: g may outlive a request in tests
        cached = (user_id, bool(current_app.appbuilder.sm.has_access(*REVEAL_PERMISSION)))
        g.pii_can_reveal = cached
    return cached[1]


class MaskedValue(str):
    """The masked text (``str()``, exports) that renders in HTML with a
    reveal button for users who may reveal."""

    record_type: str
    record_id: int | None
    field: str

    def __new__(cls, masked: str, record_type: str, record_id: int | None, field: str) -> "MaskedValue":
        obj = super().__new__(cls, masked)
        obj.record_type, obj.record_id, obj.field = record_type, record_id, field
        return obj

    def __html__(self) -> Markup:
        text = Markup('<span class="pii-value">%s</span>') % str(self)
        if not str(self) or self.record_id is None or not can_reveal():
            return text
        from flask_babel import gettext
        from flask_wtf.csrf import generate_csrf

        action = url_for("ContactDataView.reveal", pk=self.record_id, field=self.field)
        return text + Markup(
            '<form method="post" action="{action}" class="pii-reveal" style="display:inline">'
            '<input type="hidden" name="csrf_token" value="{token}">'
            '<button type="submit" class="btn btn-link btn-xs" title="{title}">'
            '<i class="fa fa-eye"></i> {title}</button></form>'
        ).format(action=action, token=generate_csrf(), title=escape(gettext("Reveal")))


def masked_field(record, field: str) -> MaskedValue:
    record_type = record.__tablename__
    return MaskedValue(mask(record_type, field, getattr(record, field)), record_type, record.id, field)


def reveal(record, field: str) -> str:
    """The clear value, after writing the audit entry (commits)."""
    from app.audit import audit

    record_type = record.__tablename__
    if not is_pii(record_type, field):
        raise KeyError(field)
    audit("pii_reveal", target=f"{record_type}:{record.id}:{field}", commit=True)
    return getattr(record, field) or ""
