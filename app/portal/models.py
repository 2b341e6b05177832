"""Portal sign-in links: one row per link mailed to a contact; the signed-in portal session
names its row, so signing out (or a used, expired or replaced link) ends it on the server."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow


class PortalLink(Model):
    __tablename__ = "portal_link"
    id = Column(Integer, primary_key=True)
    contact_id = Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True)
    email = Column(String(200), nullable=False)  # the address it went to: a changed address ends the session
    token_hash = Column(String(64), unique=True, nullable=False)  # only the SHA-256 of the token
    language = Column(String(5), nullable=False, default="zh")
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    expires_at = Column(UtcDateTime(), nullable=False)
    used_at = Column(UtcDateTime())  # single use: set once, by a conditional UPDATE
    used_ip = Column(String(64))
    session_ends_at = Column(UtcDateTime())  # the portal session it opened lasts until here
    signed_out_at = Column(UtcDateTime())
    contact = relationship("Contact")
