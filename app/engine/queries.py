"""Read-only helpers for the staff screens: instance lists, the tasks of an
instance and the diagram marks (user names: ``app.engine.people``). Nothing
here changes state and nothing deserializes a workflow."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from app.engine import clock, sla, tasks
from app.engine.actor import Actor
from app.engine.history import Event
from app.engine.task_actions import allowed_actions
from app.engine.tasks import Page, department_ids, offer_conditions
from app.extensions import db
from app.models import Department, HumanTask, ProcessInstance, TaskCandidate

INSTANCE_STATUSES = ("running", "incident", "suspended", "completed", "terminated")
# history events that mean "this element ran to its end"
DONE_EVENTS = {"task_completed", "gateway_taken", "script_run", "service_run", "message_sent",
               "message_received", "event_caught", "timer_fired", "start_event", "end_event",
               "call_activity_completed", "subprocess_completed", "compensation_thrown"}


def follow_up_waiting(waiting: bool = True, now: datetime | None = None):
    """The follow-up rule (Camunda Tasklist's): a task whose follow-up date is still ahead waits out
    of *My tasks*; ``waiting=False`` is the rest, the tasks My tasks shows."""
    now = now or clock.now()
    if waiting:
        return and_(HumanTask.follow_up_at.is_not(None), HumanTask.follow_up_at > now)
    return or_(HumanTask.follow_up_at.is_(None), HumanTask.follow_up_at <= now)


def inbox(actor: Actor, *, view: str = "mine", follow_ups: bool = False, **kwargs) -> Page:
    """``tasks.query_tasks`` for the inbox page and the API: *My tasks* leaves out the tasks waiting
    for their follow-up date unless ``follow_ups`` asks for them too."""
    where = follow_up_waiting(False) if view == "mine" and not follow_ups else None
    return tasks.query_tasks(actor, view=view, where=where, **kwargs)


def count_mine(actor: Actor) -> int:
    """My tasks' badge: what the page lists by default."""
    return tasks.count_mine(actor, where=follow_up_waiting(False))


def count_follow_ups(actor: Actor) -> int:
    """How many of my tasks wait for their follow-up date (the toggle's badge)."""
    return tasks.count_mine(actor, where=follow_up_waiting(True))


def department_names(actor: Actor) -> list[str]:
    """The names of the departments the actor heads or belongs to, as the page's language shows
    them (``Department.__repr__``), by code."""
    return [str(d) for d in db.session.scalars(select(Department).where(Department.id.in_(department_ids(actor)))
                                               .order_by(Department.code))]


def query_instances(*, page: int = 1, page_size: int = 25, process_key: str | None = None,
                    status: str | None = None, business_key: str | None = None, exact_key: bool = False,
                    started_from: datetime | None = None, started_to: datetime | None = None) -> Page:
    """Instances, newest first, filtered and paginated in SQL; the business key matches as a
    substring (screens) or, with ``exact_key``, exactly (API)."""
    q = select(ProcessInstance)
    if process_key:
        q = q.where(ProcessInstance.process_key == process_key)
    if status in INSTANCE_STATUSES:
        q = q.where(ProcessInstance.status == status)
    if business_key and exact_key:
        q = q.where(ProcessInstance.business_key == business_key)
    elif business_key:
        q = q.where(ProcessInstance.business_key.ilike(f"%{business_key.strip()[:100]}%"))
    if started_from:
        q = q.where(ProcessInstance.started_at >= started_from)
    if started_to:
        q = q.where(ProcessInstance.started_at < started_to)
    total = db.session.scalar(select(func.count()).select_from(q.subquery()))
    q = (q.options(joinedload(ProcessInstance.definition))
         .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
         .limit(page_size).offset((max(page, 1) - 1) * page_size))
    return Page(list(db.session.scalars(q).unique()), total or 0, page, page_size)


def instance_tasks(instance_id: int) -> list[HumanTask]:
    """Every task row of an instance, open ones first, then by creation."""
    rows = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                              .order_by(HumanTask.created_at, HumanTask.id)).all()
    return sorted(rows, key=lambda t: t.state != "open")


def open_tasks(instance_id: int) -> list[HumanTask]:
    """The open tasks of an instance, oldest first."""
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                           HumanTask.state == "open").order_by(HumanTask.id)
                                   .options(joinedload(HumanTask.candidates))).unique())


def open_after(step: HumanTask | ProcessInstance, instance_id: int) -> list[HumanTask]:
    """The open tasks of an instance after a step (a start, a completion), oldest first: those the step had
    in hand (``open_after``, set by ``runtime.start_process`` and ``tasks.complete``: no query), else read."""
    known = getattr(step, "open_after", None)
    return known if known is not None else open_tasks(instance_id)


def workable_task(instance_id: int, actor: Actor) -> HumanTask | None:
    """The first open task of an instance that this user may complete now."""
    return next((t for t in instance_tasks(instance_id) if "complete" in allowed_actions(t, actor)), None)


def diagram_marks(inst: ProcessInstance, events: list[Event], tasks: list[HumanTask]) -> dict:
    """Element ids for the diagram: completed (with counts), active, incidents."""
    counts = Counter(e.element_id for e in events if e.element_id and e.event in DONE_EVENTS)  # in order of history
    active = list(dict.fromkeys(t.element_id for t in tasks if t.state == "open"))
    incidents = [inst.incident_element] if inst.status == "incident" and inst.incident_element else []
    return {"completed": list(counts), "active": active, "incidents": incidents, "counts": dict(counts)}


def element_names(events: list[Event], tasks: list[HumanTask]) -> dict[str, str]:
    """{element id: its name} from what the instance already recorded."""
    names = {e.element_id: e.element_name for e in events if e.element_id and e.element_name}
    names.update({t.element_id: t.name for t in tasks})
    return names


def sla_counts(actor: Actor) -> dict[str, int]:
    """Open tasks that are overdue or at risk (``sla``'s rule): the user's own (``overdue_mine``,
    ``at_risk_mine``), the claimable group tasks (``..._group``, read from ``task_candidate``'s
    partial indexes; the task row only for one not yet overdue) and their sums. Only tasks due
    within the rule's cap can be at risk: each count is a range of a due-date index."""
    c, now = TaskCandidate, clock.now()
    soon = now + sla.rule().cap

    def count(rows, *where):
        return select(func.count()).select_from(rows).where(*where).scalar_subquery()

    mine = (select(HumanTask.due_at, HumanTask.created_at).where(
        HumanTask.assignee_id == actor.user_id, HumanTask.state == "open", HumanTask.due_at <= soon).subquery())
    group = (select(c.task_id, c.due_at).where(c.claimable, c.due_at <= soon, or_(*offer_conditions(actor)))
             .distinct().subquery())
    values = db.session.execute(select(
        count(mine, sla.sql_state(sla.OVERDUE, mine.c.due_at, mine.c.created_at, now)),
        count(mine, sla.sql_state(sla.AT_RISK, mine.c.due_at, mine.c.created_at, now)),
        count(group, sla.sql_state(sla.OVERDUE, group.c.due_at, None, now)),
        count(group.join(HumanTask, HumanTask.id == group.c.task_id),
              sla.sql_state(sla.AT_RISK, group.c.due_at, HumanTask.created_at, now)))).one()
    out = dict(zip(("overdue_mine", "at_risk_mine", "overdue_group", "at_risk_group"), (int(v or 0) for v in values)))
    out["overdue"] = out["overdue_mine"] + out["overdue_group"]
    out["at_risk"] = out["at_risk_mine"] + out["at_risk_group"]
    return out


def open_tasks_per_process() -> list[tuple[str, str, int, int]]:
    """(process key, process name, open tasks, overdue) for the supervisors' overview, most open first."""
    overdue = sla.sql_state(sla.OVERDUE, HumanTask.due_at, HumanTask.created_at, clock.now())
    rows = db.session.execute(
        select(HumanTask.process_key, func.max(HumanTask.process_name), func.count(),
               func.sum(case((overdue, 1), else_=0)))
        .where(HumanTask.state == "open").group_by(HumanTask.process_key)
        .order_by(func.count().desc(), HumanTask.process_key)).all()
    return [(key, name, count, int(overdue or 0)) for key, name, count, overdue in rows]
