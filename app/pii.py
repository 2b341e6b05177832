"""Personal data of contacts: one set of masking rules for screens, exports and the API.

Everybody sees phone numbers and e-mail addresses masked. Users whose roles
grant ``can_reveal`` on ``ContactData`` get a reveal button; revealing is a
POST (CSRF-checked) that returns the full value and writes an audit entry.
"""
from __future__ import annotations

import re
from typing import Callable

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
