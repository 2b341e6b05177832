"""When a task is due, how urgent it is, and when its holder wants to see it again.

A supervisor (or admin, or the head of the task's department) changes a task's due date or
priority with a reason; history keeps the old and new values and the reason. The due date is the
one the SLA state, the reminders and every inbox's order read, so they follow at once.

Anyone who may see an open task sets its follow-up date (as in Camunda's Tasklist): until then the
task stays out of its assignee's *My tasks* (``queries.follow_up_waiting``)."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from app.engine import clock, commitments, history, hooks, notifications, people
from app.engine.actor import Actor
from app.engine.errors import Forbidden, Invalid, TaskAlreadyCompleted
from app.engine.tasks import visible_task
from app.extensions import db
from app.models import Department, HumanTask, UserProfile

MAX_REASON = commitments.MAX_REASON
PRIORITY_RANGE = (0, 100)  # 50 by default; URGENT_PRIORITY and above pin a task to the top of every inbox


def heads_department_of(task: HumanTask, actor: Actor) -> bool:
    """The actor heads a department the task belongs to: assigned to one of its members, or offered
    to a member or to a role a member holds (the supervisors' *Department tasks* rule)."""
    headed = db.session.scalars(select(Department.id).where(Department.head_id == actor.user_id)).all()
    if actor.user_id is None or not headed:
        return False
    members = set(db.session.scalars(select(UserProfile.user_id).where(UserProfile.department_id.in_(headed))))
    if task.assignee_id in members or any(c.user_id in members for c in task.candidates):
        return True
    roles = {c.role_name for c in task.candidates if c.role_name}
    staff = people.staff().people
    return any(staff[m].roles & roles for m in members if m in staff)


def may_reschedule(task: HumanTask, actor: Actor) -> bool:
    """Who changes due dates and priorities: what the task page offers and the API accepts."""
    return task.state == "open" and (actor.is_supervisor or heads_department_of(task, actor))


def _instant(value, field: str, *, day_start: time | None) -> datetime:
    """A date (at ``day_start``, local time) or a date and time; ``Invalid`` names the field."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.zone())
    text = str(value or "").strip()
    try:
        if len(text) == 10 and day_start is not None:
            return datetime.combine(date.fromisoformat(text), day_start, tzinfo=clock.zone())
        return clock.parse_datetime(text)
    except (ValueError, TypeError) as err:
        raise Invalid(f"{field}: not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM).",
                      fields={field: "not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM)"}) from err


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _priority(value) -> int:
    low, high = PRIORITY_RANGE
    text = str(value).strip()
    if isinstance(value, bool) or not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        raise Invalid(f"priority: a whole number from {low} to {high}.",
                      fields={"priority": f"must be a whole number from {low} to {high}"})
    return int(text)


def reschedule(task_id: int, *, due=None, priority=None, reason: str, actor: Actor) -> HumanTask:
    """Change the due date (a date alone means the end of that day) and/or the priority of an open task."""
    task = visible_task(task_id, actor)
    if task.state != "open":
        raise TaskAlreadyCompleted(f"Task '{task.name}' is no longer open ({task.state}).")
    if not may_reschedule(task, actor):
        raise Forbidden("Only supervisors, admins and the head of the task's department change due dates "
                        "and priorities.")
    reason = (reason or "").strip()
    errors = {}
    if problem := commitments.reason_problem(reason, "required: say why"):
        errors["reason"] = problem
    new_due = _instant(due, "due_at", day_start=time(23, 59)) if due not in (None, "") else task.due_at
    if new_due and task.due_at and _minute(new_due) == _minute(task.due_at):
        new_due = task.due_at  # a form shows minutes: the same minute sent back is no change
    new_priority = _priority(priority) if priority not in (None, "") else task.priority
    if new_due == task.due_at and new_priority == task.priority:
        errors.setdefault("due_at", "give a new due date or a new priority")
    if errors:
        raise Invalid("The change was not recorded.", fields=errors)
    old_due, old_priority = task.due_at, task.priority
    task.due_at, task.priority = new_due, new_priority  # the candidate rows follow by trigger (TaskCandidate)
    history.record(task.instance_id, "task_rescheduled", actor=actor, task_id=task.id, element_id=task.element_id,
                   element_name=task.name, data={
                       "old_due": old_due.isoformat() if old_due else None,
                       "new_due": new_due.isoformat() if new_due else None,
                       "old_priority": old_priority, "new_priority": new_priority, "reason": reason})
    if new_due != old_due:
        notifications.schedule_sla(task)  # reminders for the new date; the old ones see it moved
        hooks.emit(hooks.TASK_RECOMMITTED, task.instance, task)  # a record's deadline moves with its task
    db.session.commit()
    return task


def set_follow_up(task_id: int, when, *, actor: Actor) -> HumanTask:
    """Set (a date means from the start of that day) or clear (None, "") an open task's follow-up date."""
    task = visible_task(task_id, actor)
    if task.state != "open":
        raise TaskAlreadyCompleted(f"Task '{task.name}' is no longer open ({task.state}).")
    new = _instant(when, "follow_up_at", day_start=time(0, 0)) if when not in (None, "") else None
    old, task.follow_up_at = task.follow_up_at, new
    history.record(task.instance_id, "task_follow_up", actor=actor, task_id=task.id, element_id=task.element_id,
                   element_name=task.name, data={"old_follow_up": old.isoformat() if old else None,
                                                 "new_follow_up": new.isoformat() if new else None})
    db.session.commit()
    return task
