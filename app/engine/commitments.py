"""The delay notice: 若无法按时完成,需提前向客户说明原因并承诺解决时限 (《机器人集成公司客户服务优化管理制度》
第十一条(二)). Whoever holds a task that will not be done in time tells the customer why and records a new
committed date: it becomes the task's due date (and the deadline variable its due date was read from,
so later steps keep it); history keeps the old date, the reason and that the customer was told."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from uuid import UUID

from app.engine import clock, history, hooks, notifications, runtime, work_calendar
from app.engine.actor import Actor
from app.engine.bpmn.parser import human_task_meta
from app.engine.errors import Invalid
from app.engine.task_actions import require
from app.engine.tasks import get_task
from app.models import HumanTask

MAX_REASON = 500
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def reason_problem(reason: str, missing: str) -> str | None:
    """What is wrong with the (stripped) reason given for moving a task's date, or None."""
    if not reason:
        return missing
    if "\x00" in reason:  # PostgreSQL cannot store it
        return "must not contain NUL characters"
    return f"is too long (at most {MAX_REASON} characters)" if len(reason) > MAX_REASON else None


def committed_due(value: str | date | datetime) -> datetime:
    """A date means close of business that day (the next working day's if it is none), as the
    after-sales process reads a committed date; a date and time means that moment (local time)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.zone())
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(0, 0), tzinfo=clock.zone())
            return work_calendar.current().add_working_days(start, 0)
        return clock.parse_datetime(text)
    except ValueError as err:
        raise Invalid("The new date is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM).",
                      fields={"new_due": "not a date"}) from err


def recommit(task_id: int, new_due: str | date | datetime, *, reason: str, customer_informed: bool,
             actor: Actor) -> HumanTask:
    """Move the task's due date to a later committed date; 422 names each field that does not stand."""
    reason = (reason or "").strip()
    errors = {}
    if problem := reason_problem(reason, "required: tell why it cannot be done in time"):
        errors["reason"] = problem
    if customer_informed is not True:
        errors["customer_informed"] = "tell the customer before committing to a new date"
    if errors:
        raise Invalid("The new date was not recorded.", fields=errors)
    due = committed_due(new_due)

    def operation() -> HumanTask:
        task = get_task(task_id)
        require(task, actor, "recommit")
        if due <= clock.now() or (task.due_at is not None and due <= task.due_at):
            raise Invalid("The new date must be later than the current due date and than now.",
                          fields={"new_due": "not later than the current due date"})
        old = task.due_at
        task.due_at = due
        _carry_to_variable(task, due)
        history.record(task.instance_id, "task_recommitted", actor=actor, task_id=task.id,
                       element_id=task.element_id, element_name=task.name,
                       data={"old_due": old.isoformat() if old else None, "new_due": due.isoformat(),
                             "reason": reason, "customer_informed": True})
        notifications.schedule_sla(task)  # reminders for the new date; the old ones are void
        hooks.emit(hooks.TASK_RECOMMITTED, task.instance, task)
        return task

    return runtime.with_retry(operation)


def _carry_to_variable(task: HumanTask, due: datetime) -> None:
    """A due date read from one variable (``${resolve_due}``): the variable takes the new date too."""
    inst = task.instance
    wf = runtime.load_workflow(inst)
    spiff_task = wf.get_task_from_id(UUID(task.task_guid))
    meta = human_task_meta(spiff_task.task_spec) if spiff_task is not None else None
    source = (meta.due_date or "").strip() if meta is not None else ""
    if not _NAME.fullmatch(source):
        return
    spiff_task.data[source] = due.isoformat()
    wf.data[source] = due.isoformat()
    runtime.save_workflow(inst, wf)
