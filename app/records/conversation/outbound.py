"""The agent's side of a case's conversation: a reply mailed to the case's contact through the
outbox, and a phone call noted by hand. Views call these; the rules live here once."""
from __future__ import annotations

from sqlalchemy import select

from app.engine import mail
from app.engine.errors import Invalid
from app.extensions import db
from app.models.engine import MailOutbox
from app.records.conversation import service
from app.records.conversation.models import ConversationAttachment, ConversationMessage
from app.records.conversation.service import Upload
from app.records.delivery.process import customer_locale

REPLY_TEMPLATE = "case_reply"
MAX_REFERENCES = 10  # the References header names the case's latest mails, not all of them


def case_token(record) -> str:
    """What a case mail's subject carries, so that the customer's answer finds its case."""
    return f"[{record.number}]"


def topic(record) -> str:
    text = getattr(record, "subject", None) or getattr(record, "matter", None) or ""
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:79] + "…"


def thread_headers(record) -> dict[str, str] | None:
    """In-Reply-To the customer's last mail on the case and References to the case's mails up to it,
    so that the customer's mail client shows our reply in their thread; None before any mail in.
    Ids made up for mails that had none (``…@inbound``) name nothing a client knows, and a cut-off
    one is no id at all: both are left out."""
    mails = [m for m in service.thread(record.__tablename__, record.id, include_internal=False)
             if m.channel == "email" and mail.MESSAGE_ID.fullmatch(m.mail_message_id or "")
             and not m.mail_message_id.endswith("@inbound>")]
    last_in = max((i for i, m in enumerate(mails) if m.direction == "in"), default=None)
    if last_in is None:
        return None
    ids = [m.mail_message_id for m in mails[:last_in + 1]][-MAX_REFERENCES:]
    return {"In-Reply-To": ids[-1], "References": " ".join(ids)}


def reply(record, body: str, author, attachments: list[Upload] | tuple[Upload, ...] = ()) -> ConversationMessage:
    """Mail ``body`` (and ``attachments``, checked as every upload) to the case's contact in the
    customer's language, threaded under the customer's last mail, and log it as sent. The mail's
    Message-ID is kept on the message: the customer's answer threads back by it."""
    body = (body or "").strip()
    if not body:
        raise Invalid("Write the reply first.", fields={"body": "Write the reply first."})
    contact = record.contact
    if contact is None or not mail.is_address(contact.email):
        raise Invalid("The case's contact has no e-mail address.",
                      fields={"body": "The case's contact has no e-mail address."})
    name = author.get_full_name() if hasattr(author, "get_full_name") else str(author)
    row = mail.queue_mail(REPLY_TEMPLATE, [contact.email.strip()], REPLY_TEMPLATE,
                          {"token": case_token(record), "topic": topic(record), "body": body,
                           "name": contact.name, "agent": name},
                          locale=customer_locale(record.customer), instance_id=record.process_instance_id,
                          headers=thread_headers(record))
    db.session.flush()
    return service.post(record=record, channel="email", direction="out", body=body, subject=row.subject,
                        author_id=author.id, contact_id=contact.id, mail_message_id=row.message_id,
                        outbox_id=row.id, attachments=attachments)


def reply_files(row: MailOutbox) -> list[mail.Attachment]:
    """The files of the reply an outbox row sends (``mail.deliver`` asks at send time)."""
    found = db.session.execute(select(ConversationAttachment.filename, ConversationAttachment.content_type,
                                      ConversationAttachment.data)
                               .join(ConversationMessage, ConversationMessage.id == ConversationAttachment.message_id)
                               .where(ConversationMessage.outbox_id == row.id).order_by(ConversationAttachment.id))
    return [tuple(r) for r in found]


def register() -> None:
    """``reply_files`` as a source of outbox files (``create_app``)."""
    mail.register_attachments(reply_files)


def phone_note(record, body: str, direction: str, author) -> ConversationMessage:
    """A call from (``in``) or to (``out``) the customer, as the agent noted it; a call to the
    customer is a reply (it can be the first one)."""
    if direction not in ("in", "out"):
        raise Invalid("Say whether the customer called or was called.",
                      fields={"direction": "Say whether the customer called or was called."})
    return service.post(record=record, channel="phone", direction=direction, body=(body or "").strip(),
                        author_id=author.id, contact_id=record.contact_id)
