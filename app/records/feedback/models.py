"""Feedback left on the public form (no sign-in)."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow


class Feedback(Model):
    __tablename__ = "feedback"
    id = Column(Integer, primary_key=True)
    name = Column(String(100))
    contact = Column(String(200))  # how to answer them (e-mail or phone), optional
    company = Column(String(200))
    message = Column(Text, nullable=False)
    language = Column(String(5))
    ip = Column(String(64))
    status = Column(String(16), nullable=False, default="new", index=True)  # new | handled
    handling_note = Column(Text)  # what was done and told to the customer
    handled_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    handled_at = Column(UtcDateTime())
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    handled_by = relationship("User", foreign_keys=[handled_by_id])

    def __repr__(self) -> str:
        return f"#{self.id} {(self.name or '')[:40]}".strip()
