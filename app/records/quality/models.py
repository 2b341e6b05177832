"""Quality records: spot checks and their sampled items, monthly inspections, quality meetings and
their improvement actions, maintenance return visits."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow
from app.models.numbering import number_on_insert

CHECKLIST = ("appearance", "manners", "procedure", "records")  # 仪容仪表、言行礼仪、服务流程、记录完整


class SpotCheck(Model):
    """One department head's spot check of one working day (a task of the daily check process)."""

    __tablename__ = "quality_spot_check"
    __table_args__ = (UniqueConstraint("human_task_id", name="uq_spot_check_task"),)
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    check_date = Column(Date, nullable=False, index=True)  # local working day
    department_id = Column(Integer, ForeignKey("department.id"), nullable=False, index=True)
    inspector_id = Column(Integer, ForeignKey("ab_user.id"), index=True)
    sample_size = Column(Integer, nullable=False, default=0)
    status = Column(String(16), nullable=False, default="open", index=True)  # open | done
    summary = Column(Text)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    completed_at = Column(UtcDateTime())
    human_task_id = Column(Integer, ForeignKey("human_task.id", ondelete="SET NULL"))
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    department = relationship("Department")
    inspector = relationship("User", foreign_keys=[inspector_id])
    process_instance = relationship("ProcessInstance")
    items = relationship("SpotCheckItem", back_populates="spot_check", cascade="all, delete-orphan",
                         order_by="SpotCheckItem.id")

    def __repr__(self) -> str:
        return self.number or "QC-?"


class SpotCheckItem(Model):
    """A sampled service record and its checklist verdict (None: not checked yet)."""

    __tablename__ = "quality_spot_check_item"
    id = Column(Integer, primary_key=True)
    spot_check_id = Column(Integer, ForeignKey("quality_spot_check.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    service_request_id = Column(Integer, ForeignKey("service_request.id", ondelete="SET NULL"), index=True)
    person_id = Column(Integer, ForeignKey("ab_user.id"), index=True)  # who served (last task done)
    appearance = Column(Boolean)
    manners = Column(Boolean)
    procedure = Column(Boolean)
    records = Column(Boolean)
    compliant = Column(Boolean, index=True)
    note = Column(Text)
    checked_at = Column(UtcDateTime(), index=True)
    spot_check = relationship(SpotCheck, back_populates="items")
    service_request = relationship("ServiceRequest")
    person = relationship("User", foreign_keys=[person_id])

    def __repr__(self) -> str:
        return f"{self.spot_check} · {self.service_request or '—'}"


class QualityInspection(Model):
    """The monthly quality inspection of one month: its report and to whom it was sent."""

    __tablename__ = "quality_inspection"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    period = Column(String(7), unique=True, nullable=False)  # YYYY-MM
    period_start = Column(Date, nullable=False)
    period_end = Column(Date, nullable=False)  # inclusive
    status = Column(String(16), nullable=False, default="drafting", index=True)  # drafting | sent
    checks_count = Column(Integer)
    items_checked = Column(Integer)
    items_compliant = Column(Integer)
    findings = Column(Text)
    suggestions = Column(Text)
    sent_at = Column(UtcDateTime())
    sent_to = Column(Text)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    process_instance = relationship("ProcessInstance")

    def __repr__(self) -> str:
        return f"{self.number or 'QI-?'} {self.period}"


class QualityMeeting(Model):
    """Minutes of a monthly quality analysis meeting."""

    __tablename__ = "quality_meeting"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    held_on = Column(Date, nullable=False, index=True)
    period = Column(String(7))  # the month discussed
    chair_id = Column(Integer, ForeignKey("ab_user.id"))
    attendees = Column(Text)
    common_problems = Column(Text, nullable=False)
    typical_cases = Column(Text)
    minutes = Column(Text)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    chair = relationship("User", foreign_keys=[chair_id])
    actions = relationship("ImprovementAction", back_populates="meeting", cascade="all, delete-orphan",
                           order_by="ImprovementAction.id")

    def __repr__(self) -> str:
        return f"{self.number or 'QM-?'} {self.held_on or ''}".strip()


class ImprovementAction(Model):
    """One improvement of a meeting: problem, cause, action, who and by when; tracked until closed."""

    __tablename__ = "quality_improvement_action"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    meeting_id = Column(Integer, ForeignKey("quality_meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    problem = Column(Text, nullable=False)
    cause = Column(Text)
    action = Column(Text, nullable=False)
    owner_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    due_on = Column(Date, nullable=False)
    status = Column(String(16), nullable=False, default="open", index=True)
    evidence = Column(Text)
    verify_note = Column(Text)
    rework_count = Column(Integer, nullable=False, default=0)
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    closed_at = Column(UtcDateTime())
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    meeting = relationship(QualityMeeting, back_populates="actions")
    owner = relationship("User", foreign_keys=[owner_id])
    process_instance = relationship("ProcessInstance")

    def __repr__(self) -> str:
        return self.number or "QA-?"


class MaintenanceVisit(Model):
    """A maintenance return visit of one equipment item, with the advice given (the equipment's history)."""

    __tablename__ = "maintenance_visit"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    equipment_id = Column(Integer, ForeignKey("equipment.id", ondelete="CASCADE"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(16), nullable=False, default="open", index=True)  # open | done | cancelled
    due_at = Column(UtcDateTime())
    method = Column(String(16))
    condition = Column(Text)
    advice = Column(Text)
    visited_at = Column(UtcDateTime())
    visited_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    human_task_id = Column(Integer, ForeignKey("human_task.id", ondelete="SET NULL"))
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    equipment = relationship("Equipment")
    customer = relationship("Customer")
    visited_by = relationship("User", foreign_keys=[visited_by_id])
    process_instance = relationship("ProcessInstance")

    def __repr__(self) -> str:
        return self.number or "MV-?"


number_on_insert(SpotCheck, "QC", "created_at")
number_on_insert(QualityInspection, "QI", "created_at")
number_on_insert(QualityMeeting, "QM", "created_at")
number_on_insert(ImprovementAction, "QA", "created_at")
number_on_insert(MaintenanceVisit, "MV", "created_at")
