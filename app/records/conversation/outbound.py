"""The agent's side of a case's conversation: a reply mailed to the case's contact through the
outbox, and a phone call noted by hand. Views call these; the rules live here once."""
from __future__ import annotations

from app.engine import mail
from app.engine.errors import Invalid
from app.extensions import db
from app.records.conversation import service
from app.records.conversation.models import ConversationMessage
from app.records.delivery.process import customer_locale

REPLY_TEMPLATE = "case_reply"


def case_token(record) -> str:
    """What a case mail's subject carries, so that the customer's answer finds its case."""
    return f"[{record.number}]"


def topic(record) -> str:
    text = getattr(record, "subject", None) or getattr(record, "matter", None) or ""
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:79] + "…"


def reply(record, body: str, author) -> ConversationMessage:
    """Mail ``body`` to the case's contact in the customer's language, and log it as sent. The
    mail's Message-ID is kept on the message: the customer's answer threads back by it."""
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
                          locale=customer_locale(record.customer), instance_id=record.process_instance_id)
    db.session.flush()
    return service.post(record=record, channel="email", direction="out", body=body, subject=row.subject,
                        author_id=author.id, contact_id=contact.id, mail_message_id=row.message_id,
                        outbox_id=row.id)


def phone_note(record, body: str, direction: str, author) -> ConversationMessage:
    """A call from (``in``) or to (``out``) the customer, as the agent noted it; a call to the
    customer is a reply (it can be the first one)."""
    if direction not in ("in", "out"):
        raise Invalid("Say whether the customer called or was called.",
                      fields={"direction": "Say whether the customer called or was called."})
    return service.post(record=record, channel="phone", direction=direction, body=(body or "").strip(),
                        author_id=author.id, contact_id=record.contact_id)
