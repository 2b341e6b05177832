"""Site-wide settings an admin edits on a screen (e.g. the retention of done jobs and sent mails)."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String

from app.models.base import JSONType, UtcDateTime


class SiteSetting(Model):
    """One setting by key; its value is JSON. No row: the code's default (see app.engine.retention)."""

    __tablename__ = "site_setting"
    key = Column(String(60), primary_key=True)
    value = Column(JSONType)
    updated_by_id = Column(Integer, ForeignKey("ab_user.id"))
    updated_at = Column(UtcDateTime())
