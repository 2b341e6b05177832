"""Demo staff assessments (第十六条 考核激励): last month's assessment of every department with staff, opened
through its process (each person's figures from the demo's own records, a grade proposed by the thresholds);
the first department's head confirms the grades, so its 不合格 people (if any) wait for their interview.
The assessment pages, the per-person results and the KPIs have a month to show. Idempotent: nothing
happens once an assessment exists."""
from __future__ import annotations

from sqlalchemy import select

from app.engine import clock, notifications, tasks
from app.engine.actor import Actor
from app.extensions import db
from app.models import HumanTask, StaffAssessment
from app.records.assessment.process import failed_lines, open_month, previous_month


def seed_assessments() -> dict[str, int]:
    if db.session.scalars(select(StaffAssessment.id).limit(1)).first() is not None:
        return {}
    with notifications.muted():
        opened = open_month(previous_month(clock.local_today()), Actor.system(), commit=False)
        confirmed = sum(_confirm(assessment) for assessment in opened[:1])
    db.session.commit()
    return {"assessments": len(opened), "confirmed": confirmed,
            "people": sum(len(a.lines) for a in opened)}


def _confirm(assessment: StaffAssessment) -> int:
    """The head confirms the proposed grades (the review task is theirs)."""
    head = assessment.department.head if assessment.department else None
    review = db.session.scalars(select(HumanTask).filter_by(instance_id=assessment.process_instance_id,
                                                             element_id="review", state="open")).first()
    if head is None or review is None:
        return 0
    tasks.complete(review.id, {"has_unsatisfactory": bool(failed_lines(assessment)),
                               "review_note": "按系统建议等级确认"}, actor=Actor.from_user(head))
    return 1
