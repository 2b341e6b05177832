"""The monthly staff assessment of a department (one per department and month) and its lines (one per
person): the figures the system computed, the grade it proposed, the grade the head confirmed and,
for 不合格, the interview and the improvement plan."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import JSONType, UtcDateTime, utcnow


class StaffAssessment(Model):
    __tablename__ = "staff_assessment"
    __table_args__ = (UniqueConstraint("department_id", "month", name="uq_staff_assessment_department_month"),)
    id = Column(Integer, primary_key=True)
    department_id = Column(Integer, ForeignKey("department.id", ondelete="CASCADE"), nullable=False, index=True)
    month = Column(Date, nullable=False, index=True)  # the month's first day
    status = Column(String(16), nullable=False, default="open", index=True)  # open | confirmed | improving | closed
    computed_at = Column(UtcDateTime())
    confirmed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    confirmed_at = Column(UtcDateTime())
    review_note = Column(Text)
    team_award = Column(Boolean, nullable=False, default=False)  # proposed for 服务先锋团队
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    department = relationship("Department")
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    process_instance = relationship("ProcessInstance")
    lines = relationship("AssessmentLine", back_populates="assessment", cascade="all, delete-orphan",
                         order_by="AssessmentLine.id")

    @property
    def number(self) -> str:
        code = self.department.code if self.department else self.department_id
        return f"KH-{self.month:%Y%m}-{code}"

    def __repr__(self) -> str:
        return self.number


class AssessmentLine(Model):
    __tablename__ = "staff_assessment_line"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id", name="uq_staff_assessment_line_user"),)
    id = Column(Integer, primary_key=True)
    assessment_id = Column(Integer, ForeignKey("staff_assessment.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    figures = Column(JSONType, nullable=False, default=dict)  # {figure: [num, den]}
    proposed_grade = Column(String(16))  # excellent | pass | fail; None: nothing measured
    grade = Column(String(16))  # the head's grade (the proposal unless overridden)
    override_reason = Column(Text)
    graded_by_id = Column(Integer, ForeignKey("ab_user.id"))
    graded_at = Column(UtcDateTime())
    award = Column(Boolean, nullable=False, default=False)  # proposed for 优秀服务专员
    interview_notes = Column(Text)
    improvement_plan = Column(Text)
    plan_deadline = Column(Date)
    improved = Column(Boolean)
    outcome = Column(Text)  # the change of post, when not improved
    assessment = relationship(StaffAssessment, back_populates="lines")
    user = relationship("User", foreign_keys=[user_id])
    graded_by = relationship("User", foreign_keys=[graded_by_id])
