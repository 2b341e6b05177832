"""Every mail the inbound endpoint accepted, once (its Message-ID is unique): what became of it,
and the mails from unknown senders waiting in the triage list."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import deferred, relationship

from app.models.base import UtcDateTime, utcnow

# threaded: a message on an existing case; created: a new request; triage: waits for a person;
# assigned: turned into a request from the triage list; attached: added to an existing case from it;
# discarded: dropped from it; ignored: an auto-reply, a bounce or a loop (never answered, never a case)
INBOUND_STATES = ("threaded", "created", "triage", "assigned", "attached", "discarded", "ignored")


class InboundMail(Model):
    __tablename__ = "inbound_mail"
    id = Column(Integer, primary_key=True)
    message_id = Column(String(250), nullable=False, unique=True)  # a mail is processed once
    sender = Column(String(200))
    subject = Column(String(300))
    body = Column(Text)  # sanitised text (never HTML)
    state = Column(String(12), nullable=False, index=True)
    reason = Column(String(200))  # why ignored or sent to triage
    record_type = Column(String(40))
    record_id = Column(Integer)
    raw = deferred(Column(LargeBinary))  # kept only while in triage: assigning re-reads its attachments
    received_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    handled_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    handled_at = Column(UtcDateTime())
    handled_by = relationship("User", foreign_keys=[handled_by_id])

    def __repr__(self) -> str:
        return f"{self.sender or '?'}: {self.subject or ''}"
