"""Deployed DMN decisions: one immutable row per decision and version (app/engine/decisions.py)."""
from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import deferred, relationship

from app.models.base import UtcDateTime, utcnow


class DecisionDefinition(Model):
    """A decision of a deployed DMN file. ``key`` is the decision's id (what camunda:decisionRef names);
    ``dmn_xml`` is the whole file as uploaded, so a download gives back exactly what was deployed."""

    __tablename__ = "decision_definition"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_decision_key_version"),)
    id = Column(Integer, primary_key=True)
    key = Column(String(100), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    version = Column(Integer, nullable=False)
    checksum = Column(String(64), nullable=False)  # sha256 of the file: the same file again is no new version
    hit_policy = Column(String(20), nullable=False)
    dmn_xml = deferred(Column(Text, nullable=False))
    deployed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    deployed_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    source = Column(String(20), nullable=False, default="file")  # file | editor | api
    deployed_by = relationship("User", foreign_keys=[deployed_by_id])

    def __repr__(self) -> str:
        return f"{self.key} v{self.version}"
