"""The customer confirms the field-service record through a link: 现场服务记录表由客户签字确认
(《机器人集成公司客户服务优化管理制度》第十一条(三)), when they did not sign on the engineer's screen
(``signature.py``).

A one-time, expiring link (an itsdangerous signature over the record id and a nonce, salted apart
from the survey links; the record keeps only the token's SHA-256, and a new link revokes the last)
is mailed to the contact in the customer's language and, for their phone, texted through the
pluggable SMS sender (``app.engine.sms``: without a gateway the text is recorded in the outbox as
channel ``sms``). On the public page the customer confirms, or disputes with a comment: a dispute is
flagged on the record and mailed to the supervisors at once."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import or_, select, update

from app.engine import clock, mail, sms
from app.extensions import db
from app.models import FieldServiceRecord, HumanTask
from app.models.choices import LANGUAGES
from app.records import signed_links
from app.records.signed_links import token_hash

SALT = "field-confirm-v1"
EXPIRES_DAYS = 7
MAX_AGE_DAYS = 60  # hard ceiling; the record's confirm_expires_at is the real limit
CHANNELS = ("email", "sms")
SUPERVISOR_ROLE = "Supervisor"


class ConfirmationError(ValueError):
    """Why a link could not be sent; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


ConfirmLinkError = signed_links.LinkError
ConfirmLinkExpired = signed_links.LinkExpired


def confirm_url(token: str, lang: str | None = None) -> str:
    args = {"lang": lang} if lang else {}
    if has_request_context():
        path = url_for("confirm_public.confirm", token=token, **args)
    else:
        path = f"/confirm/{token}" + (f"?lang={lang}" if lang else "")
    base = current_app.config.get("PUBLIC_BASE_URL") or mail.base_url()
    return base.rstrip("/") + path


def _contact(visit: FieldServiceRecord):
    sr = visit.service_request
    return sr.contact or (sr.customer.primary_contact if sr.customer else None)


def available_channels(visit: FieldServiceRecord) -> list[str]:
    """The channels the request's contact can be reached on."""
    contact = _contact(visit)
    out = []
    if contact is not None and mail.is_address(contact.email):
        out.append("email")
    if contact is not None and sms.is_phone(contact.phone):
        out.append("sms")
    return out


def send_link(visit: FieldServiceRecord, *, language: str | None = None, channels=None,
              expires_in_days: int = EXPIRES_DAYS) -> str:
    """Issue a fresh link for ``visit`` and send it (flushes, does not commit); returns the URL.
    ConfirmationError when the record is already confirmed or the contact cannot be reached."""
    if visit.customer_confirmed:
        raise ConfirmationError("channels", "The customer has already confirmed this record.")
    language = language if language in LANGUAGES else mail.site_locale()
    reachable = available_channels(visit)
    wanted = [c for c in (channels if channels is not None else reachable) if c in CHANNELS]
    if not wanted:
        raise ConfirmationError("channels", "Choose how to send the link: e-mail or SMS.")
    missing = [c for c in wanted if c not in reachable]
    if missing:
        raise ConfirmationError("channels", "The request's contact has no e-mail address."
                                if missing[0] == "email" else "The request's contact has no mobile number.")
    link = _issue(visit, language, wanted, expires_in_days)
    sr, contact = visit.service_request, _contact(visit)
    context = {"name": contact.name, "business_key": sr.number, "confirm_url": link,
               "expires": visit.confirm_expires_at.astimezone(clock.zone()).strftime("%Y-%m-%d"),
               "work_done": visit.work_done or ""}
    instance_id = sr.process_instance_id
    if "email" in wanted:
        mail.queue_mail("customer_confirmation", [contact.email], "confirmation_link", context,
                        locale=language, instance_id=instance_id)
    if "sms" in wanted:
        sms.send_sms(contact.phone, sms_text(sr.number, link, context["expires"], language),
                     kind="customer_confirmation", instance_id=instance_id)
    return link


def _issue(visit: FieldServiceRecord, language: str, channels: list[str], expires_in_days: int) -> str:
    """A fresh link for ``visit`` (revoking the last); returns its URL."""
    if visit.id is None:
        db.session.flush()
    now = clock.now()
    token = signed_links.issue(SALT, "v", visit.id)
    visit.confirm_token_hash, visit.confirm_sent_at = token_hash(token), now
    visit.confirm_expires_at = now + timedelta(days=expires_in_days)
    visit.confirm_channels, visit.confirm_language = ",".join(channels), language
    visit.disputed_at = None  # a new link after a dispute: the customer is asked again
    return confirm_url(token, language)


def portal_link(visit: FieldServiceRecord, language: str) -> str:
    """The signed-in portal customer opens the confirmation page at once: a fresh link, not mailed
    (flushes, does not commit). ConfirmationError when already confirmed."""
    if visit.customer_confirmed:
        raise ConfirmationError("channels", "The customer has already confirmed this record.")
    return _issue(visit, language if language in LANGUAGES else mail.site_locale(), ["portal"], EXPIRES_DAYS)


def sms_text(number: str, link: str, expires: str, language: str) -> str:
    with force_locale(language):
        return gettext("Please confirm the field service record of %(number)s (valid until %(date)s): %(link)s",
                       number=number, date=expires, link=link)


def send_if_unconfirmed(visit: FieldServiceRecord) -> str | None:
    """At the on-site step's completion: when the customer neither signed nor confirmed, send them
    the link on every channel they can be reached on, unless a link already waits for them."""
    if visit.customer_confirmed or not available_channels(visit):
        return None
    if visit.confirm_token_hash and visit.confirm_expires_at and clock.now() < visit.confirm_expires_at \
            and visit.disputed_at is None:
        return None
    return send_link(visit)


def load(token: str) -> FieldServiceRecord:
    """The record of a valid link, or ConfirmLinkError / ConfirmLinkExpired."""
    visit = db.session.get(FieldServiceRecord, signed_links.row_id(SALT, token, "v", MAX_AGE_DAYS * 86400))
    if visit is None or not signed_links.matches(visit.confirm_token_hash, token):
        raise ConfirmLinkError()  # forged, or replaced by a newer link
    answered = visit.customer_confirmed or visit.disputed_at is not None
    if not answered and visit.confirm_expires_at is not None and clock.now() >= visit.confirm_expires_at:
        raise ConfirmLinkExpired()
    return visit


def _answer(visit: FieldServiceRecord, values: dict) -> bool:
    """One answer per link: a conditional UPDATE (two simultaneous submits cannot both win)."""
    result = db.session.execute(
        update(FieldServiceRecord)
        .where(FieldServiceRecord.id == visit.id, FieldServiceRecord.confirm_token_hash == visit.confirm_token_hash,
               FieldServiceRecord.customer_confirmed.is_(False), FieldServiceRecord.disputed_at.is_(None))
        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def confirm(visit: FieldServiceRecord, name: str | None, comment: str | None) -> bool:
    """The customer confirms the record by link; False when the link was already used. An open
    on-site step of the request is prefilled as confirmed (the engineer completes it)."""
    contact = _contact(visit)
    signer = (name or "").strip()[:100] or (contact.name if contact else None)
    if not _answer(visit, {"customer_confirmed": True, "confirmed_via": "link", "confirmed_at": clock.now(),
                           "confirmed_by_name": signer, "customer_comment": (comment or "").strip() or None}):
        db.session.rollback()
        return False
    db.session.refresh(visit)
    for task in _open_onsite(visit):
        task.draft = {**(task.draft or {}), "customer_confirmed": True, "customer_signatory": signer or ""}
    db.session.commit()
    return True


def dispute(visit: FieldServiceRecord, comment: str) -> bool:
    """The customer disputes the record (a comment is required): flagged on the record and mailed
    to every supervisor at once. False when the link was already used."""
    comment = (comment or "").strip()
    if not comment:
        raise ConfirmationError("comment", "Please tell us what is wrong with the record.")
    if not _answer(visit, {"disputed_at": clock.now(), "customer_comment": comment[:2000]}):
        db.session.rollback()
        return False
    db.session.refresh(visit)
    _tell_supervisors(visit)
    db.session.commit()
    return True


def _open_onsite(visit: FieldServiceRecord) -> list[HumanTask]:
    inst = visit.service_request.process_instance_id
    if inst is None:
        return []
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst, HumanTask.state == "open",
                                                           HumanTask.element_id == "onsite_service")))


def _tell_supervisors(visit: FieldServiceRecord) -> None:
    from flask_appbuilder.security.sqla.models import Group, Role, User

    users = db.session.scalars(select(User).where(User.active.is_(True), or_(
        User.roles.any(Role.name == SUPERVISOR_ROLE),
        User.groups.any(Group.roles.any(Role.name == SUPERVISOR_ROLE))))).all()
    sr = visit.service_request
    context = {"business_key": sr.number, "customer": str(sr.customer or ""), "comment": visit.customer_comment,
               "record_url": mail.base_url() + f"/fieldrecordview/show/{visit.id}",
               "disputed_at": visit.disputed_at.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")}
    for user in users:
        mail.notify_user(user, "field_record_disputed", "confirmation_disputed", context,
                         instance_id=sr.process_instance_id, instant=True)
