"""Training courses, sessions, attendance, new hires and the training plan."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import UtcDateTime, utcnow
from app.models.numbering import number_on_insert

# 第七条(一) 新入职服务人员需参加为期不少于30学时的岗前培训 ... 经考核合格后方可上岗
PRE_POST_HOURS = 30


class TrainingCourse(Model):
    """A course of the catalogue: what is taught, how (kind), for how long, and whether it ends in an exam."""

    __tablename__ = "training_course"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False)
    title = Column(String(200), nullable=False)
    # pre_post 岗前 | on_job 在岗 | cross_dept 跨部门协同演练 | external 外部 | special 专项
    kind = Column(String(16), nullable=False, default="on_job", index=True)
    hours = Column(Numeric(5, 1), nullable=False, default=2)
    has_exam = Column(Boolean, nullable=False, default=False)
    provider = Column(String(200))  # the external training body, or the internal trainer
    content = Column(Text)
    active = Column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return f"{self.code} {self.title}"


class TrainingSession(Model):
    """One time a course was (or will be) held."""

    __tablename__ = "training_session"
    id = Column(Integer, primary_key=True)
    course_id = Column(Integer, ForeignKey("training_course.id"), nullable=False, index=True)
    starts_at = Column(UtcDateTime(), nullable=False, index=True)
    hours = Column(Numeric(5, 1), nullable=False, default=2)
    trainer = Column(String(100))
    place = Column(String(200))
    departments = Column(String(200))  # the departments taking part (a cross-department drill names several)
    is_drill = Column(Boolean, nullable=False, default=False)  # 模拟服务演练
    notes = Column(Text)
    plan_id = Column(Integer, ForeignKey("training_plan.id", ondelete="SET NULL"), index=True)
    course = relationship(TrainingCourse)
    plan = relationship("TrainingPlan", foreign_keys=[plan_id], back_populates="sessions")
    attendance = relationship("TrainingAttendance", back_populates="session", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"{self.course} @ {self.starts_at:%Y-%m-%d}" if self.starts_at else str(self.course)


class TrainingAttendance(Model):
    """Who attended a session, the class hours credited, and the exam result (where the course has one)."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_training_attendance"),)
    id = Column(Integer, primary_key=True)
    session_id = Column(Integer, ForeignKey("training_session.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    hours = Column(Numeric(5, 1), nullable=False, default=0)
    exam_score = Column(Integer)
    passed = Column(Boolean)  # None: no exam taken
    recorded_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    session = relationship(TrainingSession, back_populates="attendance")
    user = relationship("User", foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"{self.user} — {self.session}"


class NewHire(Model):
    """A new hire's pre-post training: until ``cleared_at`` is set they may not take tasks (the engine
    asks ``app.engine.people``). Cleared by the rule (30 hours and a passed exam of a pre-post course)
    or by an admin's audited override. Staff without a row (hired before this ledger) are not held."""

    __tablename__ = "new_hire"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, unique=True)
    hired_on = Column(Date, nullable=False)
    post = Column(String(100))
    required_hours = Column(Integer, nullable=False, default=PRE_POST_HOURS)
    cleared_at = Column(UtcDateTime(), index=True)
    cleared_by_override = Column(Boolean, nullable=False, default=False)
    override_reason = Column(Text)
    mentor_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    user = relationship("User", foreign_keys=[user_id])
    mentor = relationship("User", foreign_keys=[mentor_id])

    def __repr__(self) -> str:
        return str(self.user)

    @property
    def hours_done(self) -> str:
        """Class hours of pre-post courses recorded so far (the screens show it)."""
        from app.records.training.rules import pre_post  # the rule module imports these models

        return str(pre_post(self.user_id, self.required_hours).hours)

    @property
    def exam_done(self) -> bool:
        from app.records.training.rules import pre_post  # as above

        return pre_post(self.user_id, self.required_hours).exam_passed


class ReserveStaff(Model):
    """第五条(二) 针对核心服务岗位配备1-2名储备人员: who stands in for a core post."""

    __tablename__ = "reserve_staff"
    __table_args__ = (UniqueConstraint("post", "user_id", name="uq_reserve_staff"),)
    id = Column(Integer, primary_key=True)
    post = Column(String(100), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    method = Column(String(16), nullable=False, default="rotation")  # rotation 轮岗 | shadowing 跟岗
    since = Column(Date)
    notes = Column(String(300))
    user = relationship("User", foreign_keys=[user_id])


class TrainingPlan(Model):
    """One item of the yearly plan (年度培训计划): a month's on-the-job training or a quarter's
    cross-department drill. Its process (training_plan) reminds the organiser until it is held."""

    __tablename__ = "training_plan"
    id = Column(Integer, primary_key=True)
    number = Column(String(32), unique=True, nullable=False)
    year = Column(Integer, nullable=False, index=True)
    period = Column(String(8), nullable=False)  # M01..M12 | Q1..Q4 | Y
    kind = Column(String(16), nullable=False, default="on_job")
    title = Column(String(200), nullable=False)
    content = Column(Text)
    course_id = Column(Integer, ForeignKey("training_course.id", ondelete="SET NULL"), index=True)
    due_on = Column(Date, nullable=False, index=True)
    organiser_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))
    status = Column(String(16), nullable=False, default="planned", index=True)
    held_at = Column(UtcDateTime())
    created_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    process_instance_id = Column(Integer, ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    course = relationship(TrainingCourse)
    organiser = relationship("User", foreign_keys=[organiser_id])
    process_instance = relationship("ProcessInstance")
    sessions = relationship(TrainingSession, back_populates="plan", foreign_keys=[TrainingSession.plan_id])

    def __repr__(self) -> str:
        return f"{self.number} {self.title}"


number_on_insert(TrainingPlan, "TP", "created_at")
