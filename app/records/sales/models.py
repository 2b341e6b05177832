"""Pre-sales records: a prospect (opportunity) with its solution versions, the customer's questions
and the contacts of the follow-up ledger (第九条 需求对接 / 方案咨询 / 跟进维护)."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow
from app.models.numbering import number_on_insert


class Opportunity(Model):
    """One prospect: who, what they need, budget range and wanted date, where it stands, who owns
    it, when it was last contacted and is next to be followed up, and how it ended."""

    __tablename__ = "opportunity"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    contact_id = Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    service_request_id = Column(Integer, ForeignKey("service_request.id", ondelete="SET NULL"), index=True)
    owner_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    product_line = Column(String(24), nullable=False, default="robot_integration")
    channel = Column(String(16))
    needs = Column(Text, nullable=False)
    budget_range = Column(String(16))
    wanted_date = Column(Date)
    time_requirement = Column(String(200))
    language = Column(String(5), nullable=False, default="zh")  # the customer's language (mails)
    status = Column(String(20), nullable=False, default="new", index=True)
    received_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    first_contact_due = Column(UtcDateTime())
    first_contact_at = Column(UtcDateTime())
    last_contact_at = Column(UtcDateTime())
    next_followup_at = Column(UtcDateTime(), index=True)
    followup_count = Column(Integer, nullable=False, default=0)
    outcome = Column(String(10), index=True)
    lost_reason = Column(Text)
    decided_at = Column(UtcDateTime(), index=True)
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    customer = relationship("Customer")
    contact = relationship("Contact")
    service_request = relationship("ServiceRequest")
    owner = relationship("User", foreign_keys=[owner_id])
    process_instance = relationship("ProcessInstance")
    solutions = relationship("SalesSolution", back_populates="opportunity", cascade="all, delete-orphan",
                             order_by="SalesSolution.version")
    questions = relationship("PresalesQuestion", back_populates="opportunity", cascade="all, delete-orphan",
                             order_by="PresalesQuestion.asked_at")
    contacts = relationship("PresalesContact", back_populates="opportunity", cascade="all, delete-orphan",
                            order_by="PresalesContact.at")

    def __repr__(self) -> str:
        return self.number or "PS-?"

    @property
    def is_open(self) -> bool:
        return self.outcome is None and self.status not in ("won", "lost", "stopped", "closed", "cancelled")

    def followup_overdue_at(self, now: datetime) -> bool:
        """The weekly follow-up is late: the prospect is open and its next follow-up date has passed."""
        return self.is_open and self.next_followup_at is not None and self.next_followup_at < now

    @property
    def latest_solution(self) -> "SalesSolution | None":
        return self.solutions[-1] if self.solutions else None


class SalesSolution(Model):
    """A version of the solution/quotation: feasibility, advantages, steps, costs; for air
    conditioning the recommended models and the system design; the technical department's review."""

    __tablename__ = "sales_solution"
    __table_args__ = (UniqueConstraint("opportunity_id", "version", name="uq_sales_solution_version"),)
    id = Column(Integer, primary_key=True)
    opportunity_id = Column(Integer, ForeignKey("opportunity.id", ondelete="CASCADE"), nullable=False, index=True)
    version = Column(Integer, nullable=False, default=1)
    title = Column(String(200), nullable=False)
    feasibility = Column(Text)
    advantages = Column(Text)
    implementation_steps = Column(Text)
    cost_structure = Column(Text)
    quoted_amount = Column(Numeric(14, 2))
    product_models = Column(Text)   # 空调: 推荐型号与产品资料
    system_design = Column(Text)    # 空调: 选型、安装位置、线路铺设、通风设计
    attachments = Column(Text)      # document names or links, one a line
    review_status = Column(String(12), nullable=False, default="pending", index=True)
    review_note = Column(Text)
    reviewed_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    reviewed_at = Column(UtcDateTime())
    presented_at = Column(UtcDateTime())
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    opportunity = relationship(Opportunity, back_populates="solutions")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    def __repr__(self) -> str:
        return f"{self.opportunity} v{self.version}"


class PresalesQuestion(Model):
    """A question the customer asked about the solution: answered within 2 working days (第九条(二))."""

    __tablename__ = "presales_question"
    id = Column(Integer, primary_key=True)
    opportunity_id = Column(Integer, ForeignKey("opportunity.id", ondelete="CASCADE"), nullable=False, index=True)
    question = Column(Text, nullable=False)
    asked_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    due_at = Column(UtcDateTime())
    answer = Column(Text)
    answered_at = Column(UtcDateTime())
    answered_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    escalated_at = Column(UtcDateTime())
    opportunity = relationship(Opportunity, back_populates="questions")
    answered_by = relationship("User", foreign_keys=[answered_by_id])

    def __repr__(self) -> str:
        return f"{self.opportunity} Q{self.id}"

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None or self.due_at is None:
            return None
        return self.answered_at <= self.due_at


class PresalesContact(Model):
    """One line of the pre-sales follow-up ledger (售前客户跟进台账): who contacted the customer, when,
    how, what was said and what the customer decided."""

    __tablename__ = "presales_contact"
    id = Column(Integer, primary_key=True)
    opportunity_id = Column(Integer, ForeignKey("opportunity.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    kind = Column(String(16), nullable=False, default="followup")
    method = Column(String(16))
    summary = Column(Text)
    decision = Column(String(16))
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    opportunity = relationship(Opportunity, back_populates="contacts")
    user = relationship("User", foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"{self.opportunity} {self.kind}"


number_on_insert(Opportunity, "PS", "received_at")
