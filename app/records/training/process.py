"""A training plan item runs training_plan: the organiser's task "hold the training" is due on the
item's last day (the inbox and the SLA reminders are the reminder, 每月/每季度); completing it records
the session (attendance and exam results are then entered on the session's screen)."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from app.engine import clock
from app.extensions import db
from app.models import HumanTask, ProcessInstance, TrainingPlan, TrainingSession
from app.records.links import Link
from app.records.training import rules

PLAN_STATUS = {"hold_training": "planned"}


def _variables(plan: TrainingPlan) -> dict[str, Any]:
    return {"record_number": plan.number, "plan_title": plan.title, "plan_kind": plan.kind,
            "plan_due": rules.due_instant(plan.due_on).isoformat(), "plan_content": plan.content or ""}


def _drafts(plan: TrainingPlan) -> dict[str, dict]:
    hours = int(plan.course.hours) if plan.course is not None and plan.course.hours else 2
    return {"hold_training": {"session_hours": hours, "is_drill": plan.kind == "cross_dept"}}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _task_completed(plan: TrainingPlan, task: HumanTask, data: dict) -> None:
    if task.element_id != "hold_training":
        return
    held = _day(data.get("held_on")) or clock.local_today()
    at = datetime.combine(held, time(14, 0), tzinfo=clock.zone())
    plan.held_at, plan.status = at, "held"
    if plan.course_id is not None:
        db.session.add(TrainingSession(course_id=plan.course_id, plan=plan, starts_at=at,
                                       hours=data.get("session_hours") or 2, trainer=data.get("trainer") or None,
                                       place=data.get("place") or None, departments=data.get("departments") or None,
                                       is_drill=bool(data.get("is_drill")), notes=data.get("session_note") or None))


def _ended(plan: TrainingPlan, _inst: ProcessInstance) -> None:
    plan.status = "held" if plan.held_at else "missed"


LINK = Link(TrainingPlan, "training_plan", lambda p: p.number, lambda _p: None, _variables, _drafts, PLAN_STATUS,
            on_task_completed=_task_completed, on_ended=_ended, due_elements=("hold_training",))
