"""Read-only helpers for the staff screens: instance lists, user names in one
query, the tasks of an instance and the diagram marks. Nothing here changes
state and nothing deserializes a workflow."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.engine.actor import Actor
from app.engine.tasks import Page, department_ids, is_candidate
from app.extensions import db
from app.models import HistoryEvent, HumanTask, ProcessInstance

INSTANCE_STATUSES = ("running", "incident", "suspended", "completed", "terminated")
# history events that mean "this element ran to its end"
DONE_EVENTS = {"task_completed", "gateway_taken", "script_run", "service_run", "message_sent",
               "message_received", "event_caught", "timer_fired", "start_event", "end_event",
               "call_activity_completed", "subprocess_completed"}


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """{user id: "First Last"} for the given ids, in one query."""
    from flask_appbuilder.security.sqla.models import User

    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.first_name, User.last_name, User.username)
                              .where(User.id.in_(wanted))).all()
    return {r.id: (f"{r.first_name or ''} {r.last_name or ''}".strip() or r.username) for r in rows}


def department_names(actor: Actor) -> list[str]:
    """The names of the departments the actor heads or belongs to, as the page's language shows
    them (``Department.__repr__``), by code."""
    from app.models import Department

    return [str(d) for d in db.session.scalars(select(Department).where(Department.id.in_(department_ids(actor)))
                                               .order_by(Department.code))]


def usernames(ids: Iterable[int | None]) -> dict[int, str]:
    """{user id: username} for the given ids, in one query (the API names users by login)."""
    from flask_appbuilder.security.sqla.models import User

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


def assignable_users() -> list[tuple[int, str]]:
    """Active users as (id, "First Last (username)"), for reassign pickers."""
    from flask_appbuilder.security.sqla.models import User

    rows = db.session.execute(select(User.id, User.first_name, User.last_name, User.username)
                              .where(User.active.is_(True)).order_by(User.username)).all()
    return [(r.id, f"{r.first_name or ''} {r.last_name or ''} ({r.username})".strip()) for r in rows]


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
                                                           HumanTask.state == "open").order_by(HumanTask.id)))


def workable_task(instance_id: int, actor: Actor) -> HumanTask | None:
    """The first open task of an instance that this user may work on now."""
    for task in instance_tasks(instance_id):
        if task.state != "open":
            continue
        if task.assignee_id == actor.user_id or (task.assignee_id is None and is_candidate(task, actor)):
            return task
    return None


def diagram_marks(inst: ProcessInstance, events: list[HistoryEvent], tasks: list[HumanTask]) -> dict:
    """Element ids for the diagram: completed (with counts), active, incidents."""
    counts = Counter(e.element_id for e in events if e.element_id and e.event in DONE_EVENTS)  # in order of history
    active = list(dict.fromkeys(t.element_id for t in tasks if t.state == "open"))
    incidents = [inst.incident_element] if inst.status == "incident" and inst.incident_element else []
    return {"completed": list(counts), "active": active, "incidents": incidents, "counts": dict(counts)}


def element_names(events: list[HistoryEvent], tasks: list[HumanTask]) -> dict[str, str]:
    """{element id: its name} from what the instance already recorded."""
    names = {e.element_id: e.element_name for e in events if e.element_id and e.element_name}
    names.update({t.element_id: t.name for t in tasks})
    return names


def sla_counts(actor: Actor) -> dict[str, int]:
    """Open tasks that are overdue or at risk (due within 4 h): the user's own (``overdue_mine``,
    ``at_risk_mine``), the claimable group tasks (``..._group``, read from ``task_candidate``'s
    partial indexes) and their sums."""
    from datetime import timezone

    from sqlalchemy import case, or_

    from app.engine.tasks import AT_RISK_WINDOW, offer_conditions
    from app.models import TaskCandidate as C

    now = datetime.now(timezone.utc)
    soon = now + AT_RISK_WINDOW

    def split(due, query):
        return db.session.execute(select(func.sum(case((due < now, 1), else_=0)),
                                         func.sum(case((due >= now, 1), else_=0))).select_from(query)).one()

    mine = (select(HumanTask.due_at).where(HumanTask.assignee_id == actor.user_id, HumanTask.state == "open",
                                          HumanTask.due_at <= soon).subquery())
    group = (select(C.task_id, C.due_at).where(C.claimable, C.due_at <= soon, or_(*offer_conditions(actor)))
             .distinct().subquery())
    values = [*split(mine.c.due_at, mine), *split(group.c.due_at, group)]
    out = dict(zip(("overdue_mine", "at_risk_mine", "overdue_group", "at_risk_group"), (int(v or 0) for v in values)))
    out["overdue"] = out["overdue_mine"] + out["overdue_group"]
    out["at_risk"] = out["at_risk_mine"] + out["at_risk_group"]
    return out


def open_tasks_per_process() -> list[tuple[str, str, int, int]]:
    """(process key, process name, open tasks, overdue) for the supervisors' overview, most open first."""
    from datetime import timezone

    from sqlalchemy import case

    now = datetime.now(timezone.utc)
    rows = db.session.execute(
        select(HumanTask.process_key, func.max(HumanTask.process_name), func.count(),
               func.sum(case((HumanTask.due_at < now, 1), else_=0)))
        .where(HumanTask.state == "open").group_by(HumanTask.process_key)
        .order_by(func.count().desc(), HumanTask.process_key)).all()
    return [(key, name, count, int(overdue or 0)) for key, name, count, overdue in rows]
