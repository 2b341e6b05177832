"""Six-step service plans (needs -> plan -> approval -> execution -> feedback ->
summary) and the case library."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow


class ServicePlan(Model):
    __tablename__ = "service_plan"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    needs = Column(Text)
    urgency = Column(String(8), nullable=False, default="low")  # high | low
    importance = Column(String(8), nullable=False, default="low")  # high | low
    plan = Column(Text)
    status = Column(String(20), nullable=False, default="draft", index=True)
    approved_by_id = Column(Integer, ForeignKey("ab_user.id"))
    approved_at = Column(UtcDateTime())
    problems = Column(Text)
    summary_report = Column(Text)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    closed_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    customer = relationship("Customer")
    process_instance = relationship("ProcessInstance")
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    feedback = relationship("ServicePlanFeedback", back_populates="service_plan", cascade="all, delete-orphan",
                            order_by="ServicePlanFeedback.at")

    def __repr__(self) -> str:
        return self.title

    @property
    def quadrant(self) -> int:
        """Eisenhower quadrant: 1 urgent+important ... 4 neither (sets the order of work)."""
        return {("high", "high"): 1, ("low", "high"): 2, ("high", "low"): 3}.get(
            (self.urgency, self.importance), 4)


class ServicePlanFeedback(Model):
    __tablename__ = "service_plan_feedback"
    id = Column(Integer, primary_key=True)
    plan_id = Column(Integer, ForeignKey("service_plan.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UtcDateTime(), nullable=False, default=utcnow)
    content = Column(Text, nullable=False)
    evaluation = Column(String(200))
    service_plan = relationship(ServicePlan, back_populates="feedback")


class Case(Model):
    __tablename__ = "service_case"
    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    category = Column(String(20), nullable=False, default="fault", index=True)
    summary = Column(Text)
    content = Column(Text)
    service_request_id = Column(Integer, ForeignKey("service_request.id", ondelete="SET NULL"))
    complaint_id = Column(Integer, ForeignKey("complaint.id", ondelete="SET NULL"))
    shared_by_id = Column(Integer, ForeignKey("ab_user.id"))
    shared_at = Column(UtcDateTime(), default=utcnow)
    is_published = Column(Boolean, nullable=False, default=False, index=True)
    service_request = relationship("ServiceRequest")
    complaint = relationship("Complaint")
    shared_by = relationship("User", foreign_keys=[shared_by_id])

    def __repr__(self) -> str:
        return self.title
