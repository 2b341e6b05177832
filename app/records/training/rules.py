"""The training rules, in one place: when a new hire is cleared for their post, the admin's override,
each person's training history, and the yearly plan.

《机器人集成公司客户服务管理制度》第七条 培训管理:(一)岗前培训。新入职服务人员需参加为期不少于30学时的岗前培训
... 经考核合格后方可上岗;(二)在岗培训。每月组织不少于1次在岗培训 ... 每季度组织1次跨部门协同培训,联合销售、
技术等部门开展模拟服务演练;(三)外部学习。

The engine holds back a new hire (``app.engine.people.in_training``: a ``NewHire`` row without
``cleared_at``); this module clears the row."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.audit import audit
from app.engine import clock
from app.engine.errors import Forbidden, Invalid
from app.extensions import db
from app.models import NewHire, TrainingAttendance, TrainingCourse, TrainingPlan, TrainingSession
from app.records.training.models import PRE_POST_HOURS  # noqa: F401  (the screens read the rule's number here)


@dataclass(frozen=True)
class PrePost:
    hours: Decimal  # class hours of pre-post courses attended
    exam_passed: bool  # a passed exam of a pre-post course
    required: int

    @property
    def done(self) -> bool:
        return self.hours >= self.required and self.exam_passed


def pre_post(user_id: int, required: int) -> PrePost:
    """The new hire's pre-post record: hours of pre-post courses, and whether one of their exams was passed."""
    base = (select(TrainingAttendance).join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
            .join(TrainingCourse, TrainingCourse.id == TrainingSession.course_id)
            .where(TrainingAttendance.user_id == user_id, TrainingCourse.kind == "pre_post"))
    rows = db.session.scalars(base).all()
    hours = sum((Decimal(str(r.hours or 0)) for r in rows), Decimal(0))
    return PrePost(hours, any(r.passed for r in rows), required)


def hire_of(user_id: int) -> NewHire | None:
    return db.session.scalars(select(NewHire).where(NewHire.user_id == user_id)).first()


def refresh(user_id: int) -> NewHire | None:
    """Clear the user's new-hire row once the rule is met (called whenever attendance is recorded)."""
    hire = hire_of(user_id)
    if hire is None or hire.cleared_at is not None:
        return hire
    if pre_post(user_id, hire.required_hours).done:
        hire.cleared_at = clock.now()
        hire.cleared_by_override = False
        audit("new_hire_cleared", target=_name(hire), detail=f"pre-post training complete ({hire.required_hours}h + exam)")
    return hire


def override(hire: NewHire, reason: str, *, user) -> NewHire:
    """An admin clears a new hire without the recorded training (e.g. an experienced transfer); the
    reason is required and the override goes to the audit log."""
    if user is None or not any(r.name == "Admin" for r in getattr(user, "roles", [])):
        raise Forbidden("Only an admin may clear a new hire without the training.")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Some fields are not valid.", fields={"reason": "required"})
    if hire.cleared_at is not None:
        return hire
    hire.cleared_at, hire.cleared_by_override, hire.override_reason = clock.now(), True, reason[:2000]
    record = pre_post(hire.user_id, hire.required_hours)
    audit("new_hire_override", target=_name(hire), user=user,
          detail=f"hours={record.hours} exam_passed={record.exam_passed}; reason: {reason[:500]}")
    return hire


def _name(hire: NewHire) -> str:
    return hire.user.username if hire.user is not None else str(hire.user_id)


# ---------------------------------------------------------------- the yearly plan

def _last_day(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))


def year_plan(year: int, *, organiser_id: int | None = None) -> list[TrainingPlan]:
    """制定年度培训计划: one on-the-job training a month (due by month end) and one cross-department
    drill a quarter (due by quarter end); items the year already has are kept. Each new item starts its
    process (training_plan), whose task reminds the organiser until it is held."""
    have = set(db.session.scalars(select(TrainingPlan.period).where(TrainingPlan.year == year)))
    course = {kind: db.session.scalars(select(TrainingCourse).where(TrainingCourse.kind == kind,
                                                                    TrainingCourse.active.is_(True))
                                       .order_by(TrainingCourse.code)).first()
              for kind in ("on_job", "cross_dept")}
    items = []
    for month in range(1, 13):
        if f"M{month:02d}" not in have:
            items.append(TrainingPlan(year=year, period=f"M{month:02d}", kind="on_job", due_on=_last_day(year, month),
                                      title=f"{year}年{month}月在岗培训",
                                      course=course["on_job"], organiser_id=organiser_id))
    for quarter in range(1, 5):
        if f"Q{quarter}" not in have:
            items.append(TrainingPlan(year=year, period=f"Q{quarter}", kind="cross_dept",
                                      due_on=_last_day(year, quarter * 3),
                                      title=f"{year}年第{quarter}季度跨部门协同演练",
                                      course=course["cross_dept"], organiser_id=organiser_id))
    db.session.add_all(items)
    db.session.flush()
    return items


def due_instant(day: date) -> datetime:
    """A plan item is due at the end of its last working day."""
    return datetime.combine(day, time(18, 0), tzinfo=clock.zone())


def history(user_id: int) -> list[TrainingAttendance]:
    """培训档案: every session the person attended, newest first."""
    return db.session.scalars(select(TrainingAttendance).join(TrainingSession)
                              .where(TrainingAttendance.user_id == user_id)
                              .order_by(TrainingSession.starts_at.desc())).all()
