"""Conversation messages and their attachments."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import deferred, relationship

from app.models.base import UtcDateTime, utcnow

CHANNELS = ("portal", "email", "phone", "sms", "note")
DIRECTIONS = ("in", "out", "internal")  # in: from the customer; out: to the customer; internal: staff only


class ConversationMessage(Model):
    """A message of a record's conversation. ``record_type`` is the record's table name (as in
    app.records.process_link.LINKS); a note on a task of a process without a record keeps only
    ``instance_id``/``task_id``."""

    __tablename__ = "conversation_message"
    __table_args__ = (Index("ix_conversation_record", "record_type", "record_id", "created_at"),)
    id = Column(Integer, primary_key=True)
    record_type = Column(String(40))
    record_id = Column(Integer)
    instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    task_id = Column(Integer, ForeignKey("human_task.id", ondelete="SET NULL"), index=True)
    channel = Column(String(12), nullable=False)
    direction = Column(String(10), nullable=False)
    internal = Column(Boolean, nullable=False, default=False)  # never shown in the portal
    subject = Column(String(300))
    body = Column(Text, nullable=False, default="")
    author_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))  # staff
    contact_id = Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"))  # customer side
    sender = Column(String(200))  # the address a mail came from (kept for unknown or changed senders)
    mail_message_id = Column(String(250), unique=True)  # Message-ID in or out: replies thread by it
    outbox_id = Column(Integer, ForeignKey("mail_outbox.id", ondelete="SET NULL"))
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    author = relationship("User", foreign_keys=[author_id])
    contact = relationship("Contact")
    attachments = relationship("ConversationAttachment", back_populates="message", cascade="all, delete-orphan",
                               order_by="ConversationAttachment.id")


class ConversationAttachment(Model):
    """A file of a message: stored in the database (bounded by ``ATTACHMENT_MAX_BYTES``), served
    only as a download, never inline."""

    __tablename__ = "conversation_attachment"
    id = Column(Integer, primary_key=True)
    message_id = Column(Integer, ForeignKey("conversation_message.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    filename = Column(String(200), nullable=False)
    content_type = Column(String(100), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    data = deferred(Column(LargeBinary, nullable=False))
    message = relationship(ConversationMessage, back_populates="attachments")
