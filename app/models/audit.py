"""Append-only log of security events (logins, role changes, PII reveals, deploys)."""
from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String, Text

from app.models.base import UtcDateTime, utcnow


class AuditLog(Model):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    event = Column(String(40), nullable=False, index=True)
    user_id = Column(Integer, index=True)
    username = Column(String(100))
    target = Column(String(200))
    detail = Column(Text)
    ip = Column(String(64))
