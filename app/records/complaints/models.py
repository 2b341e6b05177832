"""Complaint ledger; a re-opened complaint keeps each earlier round."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow
from app.models.numbering import number_on_insert


class Complaint(Model):
    __tablename__ = "complaint"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    contact_id = Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    service_request_id = Column(Integer, ForeignKey("service_request.id", ondelete="SET NULL"), index=True)
    matter = Column(Text, nullable=False)
    customer_demand = Column(Text)
    channel = Column(String(16))  # how the complaint came in (the register step)
    category = Column(String(24))
    severity = Column(String(16))  # set when forwarded
    responsible_department_id = Column(Integer, ForeignKey("department.id"), index=True)
    received_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    forwarded_at = Column(UtcDateTime())
    rectified_at = Column(UtcDateTime())  # the result is due to the customer 3 working days after this
    rectification_plan = Column(Text)
    rectification_result = Column(Text)
    feedback = Column(Text)
    feedback_date = Column(Date)
    satisfaction = Column(Integer)  # 1-5; 4 and 5 count as satisfied
    status = Column(String(20), nullable=False, default="received", index=True)
    reopen_count = Column(Integer, nullable=False, default=0)
    closed_at = Column(UtcDateTime())
    # customer messages since our last reply or "mark read" (app.records.conversation.service.post)
    unread_in = Column(Integer, nullable=False, default=0, server_default="0")
    last_in_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    customer = relationship("Customer")
    contact = relationship("Contact")
    service_request = relationship("ServiceRequest")
    responsible_department = relationship("Department")
    process_instance = relationship("ProcessInstance")
    rounds = relationship("ComplaintRound", back_populates="complaint", cascade="all, delete-orphan",
                          order_by="ComplaintRound.round_no")

    def __repr__(self) -> str:
        return self.number or "CP-?"

    @property
    def is_satisfied(self) -> bool | None:
        return None if self.satisfaction is None else self.satisfaction >= 4

    def reopen(self) -> "ComplaintRound":
        """Archive the current round and start a new one (status ``reopened``)."""
        archived = ComplaintRound(
            round_no=(self.reopen_count or 0) + 1,
            plan=self.rectification_plan,
            result=self.rectification_result,
            feedback=self.feedback,
            satisfaction=self.satisfaction,
            satisfied=self.is_satisfied,
            at=utcnow(),
        )
        self.rounds.append(archived)
        self.reopen_count = (self.reopen_count or 0) + 1
        self.rectification_plan = self.rectification_result = self.feedback = None
        self.feedback_date = self.satisfaction = self.closed_at = None
        self.status = "reopened"
        return archived


class ComplaintRound(Model):
    """One finished rectification round of a complaint that was re-opened."""

    __tablename__ = "complaint_round"
    __table_args__ = (UniqueConstraint("complaint_id", "round_no", name="uq_complaint_round"),)
    id = Column(Integer, primary_key=True)
    complaint_id = Column(Integer, ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False, index=True)
    round_no = Column(Integer, nullable=False)
    plan = Column(Text)
    result = Column(Text)
    feedback = Column(Text)
    satisfaction = Column(Integer)
    satisfied = Column(Boolean)
    at = Column(UtcDateTime(), nullable=False, default=utcnow)
    complaint = relationship(Complaint, back_populates="rounds")

    def __repr__(self) -> str:
        return f"{self.complaint} R{self.round_no}"


number_on_insert(Complaint, "CP", "received_at")
