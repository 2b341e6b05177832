"""Service requests, field-service records, follow-up surveys."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import deferred, relationship

from app.engine import clock, sla
from app.models.base import UtcDateTime, utcnow
from app.models.numbering import number_on_insert


class ServiceRequest(Model):
    __tablename__ = "service_request"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    contact_id = Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    equipment_id = Column(Integer, ForeignKey("equipment.id", ondelete="SET NULL"), index=True)
    kind = Column(String(16), nullable=False, default="after_sales")
    channel = Column(String(16), nullable=False, default="phone")
    type = Column(String(24), nullable=False, default="general_question")
    priority = Column(String(10), nullable=False, default="normal")
    subject = Column(String(200))
    description = Column(Text)
    status = Column(String(16), nullable=False, default="new", index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    accepted_at = Column(UtcDateTime())
    first_reply_at = Column(UtcDateTime())  # the customer's first reply from us (the response-time KPI)
    # customer messages since our last reply or "mark read" (app.records.conversation.service.post)
    unread_in = Column(Integer, nullable=False, default=0, server_default="0")
    last_in_at = Column(UtcDateTime())
    due_at = Column(UtcDateTime(), index=True)
    resolved_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    customer = relationship("Customer")
    contact = relationship("Contact")
    equipment = relationship("Equipment")
    # a problem found at the follow-up visit opens a new request that follows this one
    previous_request_id = Column(Integer, ForeignKey("service_request.id", name="fk_service_request_previous",
                                                     ondelete="SET NULL"), index=True)
    process_instance = relationship("ProcessInstance")
    previous_request = relationship("ServiceRequest", remote_side=[id])
    field_records = relationship("FieldServiceRecord", back_populates="service_request",
                                 cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.number or "SR-?"

    def sla_state_at(self, now: datetime) -> str | None:
        """on_time / at_risk / overdue against ``due_at`` by the engine's one rule (``app.engine.sla``),
        the window running from acceptance (else receipt); None without a deadline or once closed
        or cancelled unresolved."""
        if self.due_at is None or (self.resolved_at is None and self.status in ("closed", "cancelled")):
            return None
        return sla.state(self.due_at, start=self.accepted_at or self.created_at or now, now=now,
                         finished=self.resolved_at, closed=self.resolved_at is not None)

    @property
    def sla_state(self) -> str | None:
        return self.sla_state_at(clock.now())


class FieldServiceRecord(Model):
    __tablename__ = "field_service_record"
    id = Column(Integer, primary_key=True)
    service_request_id = Column(Integer, ForeignKey("service_request.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    engineer_id = Column(Integer, ForeignKey("ab_user.id"), index=True)
    appointment_at = Column(UtcDateTime())
    arrived_at = Column(UtcDateTime())
    work_done = Column(Text)
    cause = Column(Text)
    advice = Column(Text)
    customer_confirmed = Column(Boolean, nullable=False, default=False)
    confirmed_by_name = Column(String(100))
    confirmed_at = Column(UtcDateTime())
    # 由客户签字确认: the signature drawn on the engineer's touch screen, as a PNG (loaded only when shown)
    signature_png = deferred(Column(LargeBinary))
    # how the customer confirmed: signature (touch screen) | link (confirmation link) | engineer (ticked on the step)
    confirmed_via = Column(String(12))
    # the confirmation link (app.records.service.confirmation): only its SHA-256 is kept
    confirm_token_hash = Column(String(64), unique=True)
    confirm_sent_at = Column(UtcDateTime())
    confirm_expires_at = Column(UtcDateTime())
    confirm_channels = Column(String(20))  # "email", "sms" or "email,sms"
    confirm_language = Column(String(5))
    customer_comment = Column(Text)  # the customer's comment when confirming or disputing by link
    disputed_at = Column(UtcDateTime(), index=True)  # the customer disputed the record: supervisors see it
    service_request = relationship(ServiceRequest, back_populates="field_records")
    engineer = relationship("User", foreign_keys=[engineer_id])

    def __repr__(self) -> str:
        return f"{self.service_request} #{self.id}"

    @property
    def confirmation_state(self) -> str:
        """disputed / signature / link / engineer / sent (a link awaits the customer) / none."""
        if self.disputed_at is not None and not self.customer_confirmed:
            return "disputed"
        if self.customer_confirmed:
            return self.confirmed_via or "engineer"
        return "sent" if self.confirm_token_hash else "none"

    @property
    def signature_ref(self) -> int | None:
        """This record's id when the customer signed it (the screen shows the image), else None."""
        return self.id if self.signature_png else None


class Survey(Model):
    """A follow-up visit or satisfaction survey; answered through a signed
    public link of which only the SHA-256 is stored (see app.records.surveys)."""

    __tablename__ = "survey"
    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False, default="satisfaction")
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    service_request_id = Column(Integer, ForeignKey("service_request.id", ondelete="SET NULL"), index=True)
    complaint_id = Column(Integer, ForeignKey("complaint.id", ondelete="SET NULL"), index=True)
    language = Column(String(5), nullable=False, default="zh")
    score = Column(Integer)
    comments = Column(Text)
    channel = Column(String(16))
    token_hash = Column(String(64), unique=True)
    sent_at = Column(UtcDateTime())
    expires_at = Column(UtcDateTime())
    answered_at = Column(UtcDateTime())
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    customer = relationship("Customer")
    service_request = relationship(ServiceRequest)
    complaint = relationship("Complaint")

    def __repr__(self) -> str:
        return f"{self.customer} #{self.id}"


number_on_insert(ServiceRequest, "SR", "created_at")
