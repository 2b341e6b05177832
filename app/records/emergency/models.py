"""Emergencies: contingency plans, incidents, affected customers, notifications."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow

incident_customer = Table(
    "incident_customer",
    Model.metadata,
    Column("incident_id", Integer, ForeignKey("emergency_incident.id", ondelete="CASCADE"), primary_key=True),
    Column("customer_id", Integer, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ContingencyPlan(Model):
    __tablename__ = "contingency_plan"
    id = Column(Integer, primary_key=True)
    type = Column(String(20), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    response_organisation = Column(Text)
    steps = Column(Text)

    def __repr__(self) -> str:
        return self.name


class EmergencyIncident(Model):
    __tablename__ = "emergency_incident"
    id = Column(Integer, primary_key=True)
    type = Column(String(20), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    description = Column(Text)
    reported_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    contingency_plan_id = Column(Integer, ForeignKey("contingency_plan.id", ondelete="SET NULL"), index=True)
    status = Column(String(16), nullable=False, default="reported", index=True)
    closed_at = Column(UtcDateTime())
    summary = Column(Text)
    improvements = Column(Text)
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    contingency_plan = relationship(ContingencyPlan)
    process_instance = relationship("ProcessInstance")
    customers = relationship("Customer", secondary=incident_customer)
    notifications = relationship("IncidentNotification", back_populates="incident", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.title


class IncidentNotification(Model):
    __tablename__ = "incident_notification"
    id = Column(Integer, primary_key=True)
    incident_id = Column(Integer, ForeignKey("emergency_incident.id", ondelete="CASCADE"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = Column(String(16), nullable=False, default="phone")
    sent_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    content = Column(Text)
    incident = relationship(EmergencyIncident, back_populates="notifications")
    customer = relationship("Customer")
