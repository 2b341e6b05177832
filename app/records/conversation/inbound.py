"""Mail-in: ``receive(raw, envelope_from)`` is the one rule for a mail reaching the inbound
endpoint (the SMTP receiver in app.records.conversation.smtp_in only hands it over).

* a mail is processed once: its Message-ID (or, without one, a digest of its bytes) is unique;
* auto-replies, bounces, lists and our own mails are recorded as ``ignored`` and never answered;
* a reply to a case mail (In-Reply-To/References naming a message of the case) becomes a message on
  that case; so does a mail whose subject carries the case token ([SR-2026-000001]) when it comes
  from a contact of the case's customer (anyone can type a token);
* a mail from a known contact (one contact with that address) opens a new service request, received
  at the moment the mail arrived, and starts its process;
* anything else waits in the triage list, where a person turns it into a new request of a contact,
  adds it to an existing case of that contact's customer (by the case's number), or discards it.

Bodies are stored as text (HTML converted, quoted tails trimmed); files go through
``service.check_file``: a refused file is named in the message, never fatal."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.engine import clock, sla_policy
from app.engine.actor import Actor
from app.engine.errors import Invalid
from app.extensions import db
from app.models import Complaint, Contact, ConversationMessage, InboundMail, ServiceRequest
from app.records.conversation import mailtext, service
from app.records.conversation.service import Upload

log = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 15 * 1024 * 1024
CASE_TOKEN = re.compile(r"\[((SR|CP)-\d{4}-\d{1,10})\]", re.I)
CASE_NUMBER = re.compile(r"(SR|CP)-\d{4}-\d{1,10}")
CASE_MODELS = {"SR": ServiceRequest, "CP": Complaint}


@dataclass(frozen=True)
class Outcome:
    """threaded / created / triage / ignored / duplicate / too_large, and the case it went to."""
    state: str
    record_type: str | None = None
    record_id: int | None = None
    reason: str | None = None


def max_bytes() -> int:
    return int(current_app.config.get("INBOUND_MAX_BYTES") or DEFAULT_MAX_BYTES)


def own_address() -> str:
    return mailtext.address(str(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(msg.get(name) or "").split())
    except (ValueError, IndexError, TypeError):  # a header the parser cannot read counts as absent
        return ""


def message_id_of(msg: EmailMessage, raw: bytes) -> str:
    found = re.search(r"<[^<>\s]+>", _header(msg, "Message-ID"))
    return (found.group(0) if found else f"<sha256.{hashlib.sha256(raw).hexdigest()}@inbound>")[:250]


def contacts_with(address: str) -> list[Contact]:
    if not address:
        return []
    return list(db.session.scalars(select(Contact).where(func.lower(func.trim(Contact.email)) == address)))


def case_of(msg: EmailMessage, subject: str, sender_contacts: list[Contact]):
    """The case this mail answers: by the ids it replies to, else by the subject's token when the
    sender is a contact of that case's customer; None otherwise."""
    ids = mailtext.referenced_ids(msg)
    if ids:
        known = db.session.scalars(select(ConversationMessage).where(
            ConversationMessage.mail_message_id.in_(ids), ConversationMessage.record_type.isnot(None))).first()
        if known is not None:
            model = {"service_request": ServiceRequest, "complaint": Complaint}.get(known.record_type)
            record = db.session.get(model, known.record_id) if model else None
            if record is not None:
                return record
    token = CASE_TOKEN.search(subject)
    return numbered_case(token.group(1), {c.customer_id for c in sender_contacts}) if token else None


def numbered_case(number: str, customer_ids: set[int]):
    """The service request or complaint numbered ``number`` (``SR-2026-000012``, any letter case,
    brackets allowed) when it belongs to one of ``customer_ids``; None otherwise."""
    found = CASE_NUMBER.fullmatch((number or "").strip().strip("[]").strip().upper())
    if found is None:
        return None
    model = CASE_MODELS[found.group(1)]
    record = db.session.scalars(select(model).where(model.number == found.group(0))).first()
    return record if record is not None and record.customer_id in customer_ids else None


def checked_files(msg: EmailMessage) -> tuple[list[Upload], list[str]]:
    """(files to store, why the others were not): the same checks as every upload."""
    accepted, refused = [], []
    for upload in mailtext.files(msg):
        try:
            service.check_file(upload)
        except Invalid as err:
            refused.append(err.message)
            continue
        if len(accepted) >= service.max_files():
            refused.append(f"{upload.filename}: more than {service.max_files()} files in one mail.")
            continue
        accepted.append(upload)
    return accepted, refused


def message_text(body: str, subject: str, refused: list[str]) -> str:
    text = body or subject or "-"
    if refused:
        text += "\n\n[附件未保存 / Attachments not stored]\n" + "\n".join(f"- {r}" for r in refused)
    return text


def open_request(contact: Contact, subject: str, body: str, at) -> ServiceRequest:
    """A new after-sales request by e-mail, received ``at`` (its SLA runs from there)."""
    request = ServiceRequest(customer_id=contact.customer_id, contact_id=contact.id, channel="email",
                             kind="after_sales", type="general_question", priority="normal",
                             subject=(subject or None) and subject[:200], description=body, created_at=at)
    request.due_at = sla_policy.resolve_due(request.type, at)
    db.session.add(request)
    db.session.flush()
    return request


def file_mail(msg: EmailMessage, row: InboundMail, record, contact: Contact | None, actor: Actor | None = None):
    """Put the mail on ``record``'s conversation; a new request (``actor`` given) starts its process."""
    from app.records.process_link import start_for_record  # imports every record kind

    accepted, refused = checked_files(msg)
    message = service.post(record=record, channel="email", direction="in",
                           body=message_text(row.body, row.subject, refused), subject=row.subject,
                           contact_id=contact.id if contact else None, sender=row.sender,
                           mail_message_id=row.message_id, attachments=accepted, at=row.received_at,
                           opens_case=actor is not None)
    if actor is not None:
        message.instance_id = start_for_record(record, actor, commit=False).id
    row.record_type, row.record_id = record.__tablename__, record.id


def receive(raw: bytes, envelope_from: str | None) -> Outcome:
    """Process one received mail and commit; see the module's rules."""
    if len(raw) > max_bytes():
        return Outcome("too_large", reason=f"more than {max_bytes()} bytes")
    msg = message_from_bytes(raw, policy=policy.default)
    message_id = message_id_of(msg, raw)
    if db.session.scalar(select(InboundMail.id).where(InboundMail.message_id == message_id)) is not None:
        return Outcome("duplicate")
    subject = _header(msg, "Subject")[:300]
    sender = mailtext.address(_header(msg, "From")) or mailtext.address(envelope_from)
    row = InboundMail(message_id=message_id, sender=sender[:200], subject=subject, received_at=clock.now())
    reason = mailtext.machine_sent(msg, envelope_from, own_address())
    if reason:
        row.state, row.reason = "ignored", reason
    else:
        row.body = mailtext.body_text(msg)
        contacts = contacts_with(sender)
        record = case_of(msg, subject, contacts)
        if record is not None:
            contact = next((c for c in contacts if c.customer_id == record.customer_id), None)
            file_mail(msg, row, record, contact)
            row.state = "threaded"
        elif len(contacts) == 1:
            file_mail(msg, row, open_request(contacts[0], subject, row.body, row.received_at), contacts[0],
                      Actor.system())
            row.state = "created"
        else:
            row.state, row.raw = "triage", raw
            row.reason = "address of several contacts" if contacts else "unknown sender"
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same mail delivered twice at once: the other delivery has it
        db.session.rollback()
        return Outcome("duplicate")
    log.info("inbound mail %s from %s: %s %s", message_id, sender, row.state, row.reason or "")
    return Outcome(row.state, row.record_type, row.record_id, row.reason)


# --- the triage list ---------------------------------------------------------------

def file_names(row: InboundMail) -> list[str]:
    """The names of a triaged mail's files (they are checked when the mail is assigned)."""
    return [upload.filename for upload in mailtext.files(message_from_bytes(row.raw, policy=policy.default))] \
        if row.raw else []


def _pending(row: InboundMail) -> None:
    if row.state != "triage":
        raise Invalid("This mail has already been handled.", fields={"state": row.state})


def assign(row: InboundMail, contact: Contact, actor: Actor) -> ServiceRequest:
    """Turn a triaged mail into a request of ``contact``, received when the mail arrived. The caller commits."""
    _pending(row)
    msg = message_from_bytes(row.raw or b"", policy=policy.default)
    request = open_request(contact, row.subject or "", row.body or "", row.received_at)
    file_mail(msg, row, request, contact, actor)
    _handled(row, "assigned", actor)
    return request


def attach(row: InboundMail, contact: Contact, number: str, actor: Actor):
    """Put a triaged mail on an existing case (a service request or complaint of ``contact``'s
    customer, chosen by its number): a message from the customer, as if it had threaded. The
    caller commits."""
    _pending(row)
    record = numbered_case(number, {contact.customer_id})
    if record is None:
        message = "No service request or complaint of this customer has that number."
        raise Invalid(message, fields={"number": message})
    file_mail(message_from_bytes(row.raw or b"", policy=policy.default), row, record, contact)
    _handled(row, "attached", actor)
    return record


def discard(row: InboundMail, actor: Actor) -> None:
    _pending(row)
    _handled(row, "discarded", actor)


def _handled(row: InboundMail, state: str, actor: Actor) -> None:
    row.state, row.raw = state, None
    row.handled_by_id, row.handled_at = actor.user_id, clock.now()
