"""In-sales records: a signed contract's handover meeting, the project in delivery (milestones,
installation and commissioning, progress reports to the customer) and the customer's orders
(lines, stock check, delivery, installation, payment, invoice)."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow
from app.models.numbering import number_on_insert


class ContractHandover(Model):
    """合同交底: the meeting with the customer within 3 working days of signing (第十条(一))."""

    __tablename__ = "contract_handover"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    contract_id = Column(Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    # the won prospect it follows (pre-sales -> in-sales); None for a contract signed without one
    opportunity_id = Column(Integer, ForeignKey("opportunity.id", ondelete="SET NULL"), index=True)
    signed_on = Column(Date, nullable=False)
    due_at = Column(UtcDateTime(), index=True)  # close of business of the 3rd working day after signing
    meeting_on = Column(Date)  # planned
    held_on = Column(Date)  # the handover took place
    attendees = Column(String(300))
    minutes = Column(Text)
    customer_confirmed = Column(Boolean)
    escalated = Column(Boolean, nullable=False, default=False)  # the deadline passed before the meeting
    status = Column(String(20), nullable=False, default="pending", index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    closed_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    contract = relationship("Contract")
    customer = relationship("Customer")
    opportunity = relationship("Opportunity")
    process_instance = relationship("ProcessInstance")

    def __repr__(self) -> str:
        return self.number or "HO-?"

    @property
    def on_time(self) -> bool | None:
        """Held by its due date (local date); None while not held and not yet due."""
        from app.engine import clock

        if self.due_at is None:
            return None
        due_day = self.due_at.astimezone(clock.zone()).date()
        if self.held_on is not None:
            return self.held_on <= due_day
        return False if clock.local_today() > due_day else None


class Project(Model):
    """A project in delivery (项目实施): milestones, installation and commissioning, site visits,
    acceptance; the after-sales specialist reports progress at least twice a month (第十条(二))."""

    __tablename__ = "delivery_project"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    contract_id = Column(Integer, ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    contact_id = Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    name = Column(String(200), nullable=False)
    started_on = Column(Date)
    planned_finish = Column(Date)
    installation_status = Column(String(16), nullable=False, default="not_started")
    commissioning_status = Column(String(16), nullable=False, default="not_started")
    site_escort = Column(String(100))  # the named person who accompanies site visits and acceptance
    accepted_on = Column(Date)
    status = Column(String(20), nullable=False, default="planning", index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    closed_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    customer = relationship("Customer")
    contract = relationship("Contract")
    contact = relationship("Contact")
    process_instance = relationship("ProcessInstance")
    milestones = relationship("ProjectMilestone", back_populates="project", cascade="all, delete-orphan",
                              order_by="ProjectMilestone.planned_on")
    reports = relationship("ProgressReport", back_populates="project", cascade="all, delete-orphan",
                           order_by="ProgressReport.reported_at")

    def __repr__(self) -> str:
        return f"{self.number} {self.name}" if self.number else self.name


class ProjectMilestone(Model):
    __tablename__ = "project_milestone"
    id = Column(Integer, primary_key=True)
    project_id = Column(Integer, ForeignKey("delivery_project.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    planned_on = Column(Date)
    done_on = Column(Date)
    customer_notified_at = Column(UtcDateTime())
    project = relationship(Project, back_populates="milestones")

    def __repr__(self) -> str:
        return self.name


class ProgressReport(Model):
    """One progress report to the customer (regular, a major milestone, or a sudden problem)."""

    __tablename__ = "progress_report"
    id = Column(Integer, primary_key=True)
    project_id = Column(Integer, ForeignKey("delivery_project.id", ondelete="CASCADE"), nullable=False, index=True)
    reported_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    kind = Column(String(16), nullable=False, default="regular")  # regular | milestone | incident
    channel = Column(String(16), nullable=False, default="email")
    content = Column(Text, nullable=False)
    construction = Column(Text)
    installation = Column(Text)
    mailed = Column(Boolean, nullable=False, default=False)
    reported_by_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    project = relationship(Project, back_populates="reports")
    reported_by = relationship("User", foreign_keys=[reported_by_id])

    def __repr__(self) -> str:
        return f"{self.project} {self.reported_at:%Y-%m-%d}" if self.reported_at else str(self.project)


class SalesOrder(Model):
    """订单处理 (空调部门 售中服务): review, stock, entry and tracking, delivery, installation and
    commissioning, payment, a formal invoice issued and delivered."""

    __tablename__ = "sales_order"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    contact_id = Column(Integer, ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    contract_id = Column(Integer, ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    ordered_at = Column(UtcDateTime(), nullable=False, default=utcnow, index=True)
    delivery_address = Column(String(300))
    reviewed = Column(Boolean)
    stock_status = Column(String(16))  # in_stock | shortage
    expected_stock_on = Column(Date)  # a shortage: when the goods arrive (told to the customer)
    delivery_on = Column(Date)  # agreed with the customer
    delivered_on = Column(Date)
    installed_on = Column(Date)
    commissioned = Column(Boolean)
    instructions_given = Column(Boolean)
    payment_method = Column(String(16))
    paid_on = Column(Date)
    amount = Column(Numeric(12, 2))
    invoice_number = Column(String(40), index=True)
    invoice_date = Column(Date)
    invoice_delivered_on = Column(Date)
    status = Column(String(20), nullable=False, default="received", index=True)
    closed_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    customer = relationship("Customer")
    contact = relationship("Contact")
    contract = relationship("Contract")
    process_instance = relationship("ProcessInstance")
    lines = relationship("OrderLine", back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id")

    def __repr__(self) -> str:
        return self.number or "SO-?"


class OrderLine(Model):
    __tablename__ = "sales_order_line"
    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("sales_order.id", ondelete="CASCADE"), nullable=False, index=True)
    product = Column(String(200), nullable=False)
    quantity = Column(Integer, nullable=False, default=1)
    unit_price = Column(Numeric(12, 2))
    # a catalogued part: the stock check reads its stock; shortfall = how many were missing at the check
    part_id = Column(Integer, ForeignKey("spare_part.id", ondelete="SET NULL"), index=True)
    shortfall = Column(Integer)
    order = relationship(SalesOrder, back_populates="lines")
    part = relationship("SparePart")

    def __repr__(self) -> str:
        return f"{self.product} × {self.quantity}"


number_on_insert(ContractHandover, "HO", "created_at")
number_on_insert(Project, "PJ", "created_at")
number_on_insert(SalesOrder, "SO", "ordered_at")
