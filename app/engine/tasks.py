"""Task service: inbox queries, claim, release, assign, drafts, complete.

Inbox queries read only ``human_task``/``task_candidate`` (indexed) and never
deserialize a workflow; the Unassigned queue also reads the staff snapshot (``people.staff``).
Who may do what is decided by ``task_actions``: each command calls its ``require``, the task
page and the API show its ``allowed_actions``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Callable
from uuid import UUID

from flask_appbuilder.security.sqla.models import Group, Role, User
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, bindparam, case, exists, func, literal, or_, select, tuple_, union, union_all, update
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.engine import clock, content, history, hooks, people, runtime, sync, work_calendar
from app.engine import sla as sla_rule  # "sla" names the inbox filter below
from app.engine.actor import Actor
from app.engine.errors import Forbidden, Invalid, NotFound, TaskAlreadyClaimed, TaskAlreadyCompleted
from app.engine.forms import FormField, validate_form
from app.engine.task_actions import holds, is_candidate, is_eligible, require
from app.extensions import db
from app.models import (
    ConversationAttachment, ConversationMessage, Department, HumanTask, ProcessInstance, TaskCandidate, UserProfile,
)
from app.models.engine import read_task

sla_state = sla_rule.task_state  # on_time / at_risk / overdue / none: the rule is ``sla``'s (views and tests ask here)
SORTABLE = {"due": HumanTask.due_at, "created": HumanTask.created_at, "priority": HumanTask.priority,
            "name": HumanTask.name, "process": HumanTask.process_name, "business_key": HumanTask.business_key,
            "customer": HumanTask.customer, "assignee": HumanTask.assignee_id}
# 立即启动应急响应机制,通知...赶赴现场: emergency and escalation tasks (this priority and above) come first in
# every open-task inbox, highest priority first, then by due date; the rest follow in due order.
URGENT_PRIORITY = 80


def is_urgent(task: HumanTask) -> bool:
    return (task.priority or 0) >= URGENT_PRIORITY


def _urgency(priority_column):
    """The pinning key: the priority of an urgent task, 0 for the others."""
    return case((priority_column >= URGENT_PRIORITY, priority_column), else_=0)


def offer_conditions(actor: Actor) -> list:
    """``task_candidate`` rows offering a task to the actor: one condition per role and one for the
    user, each one ordered range of a partial index (``WHERE claimable``)."""
    c = TaskCandidate
    return [c.role_name == role for role in sorted(actor.roles)] + [c.user_id == actor.user_id]


def claimable_ids(actor: Actor):
    """Ids of the open, unassigned tasks the actor is a candidate for; a task offered to two of
    the actor's roles appears once."""
    return union(*(select(TaskCandidate.task_id).where(TaskCandidate.claimable, cond)
                   for cond in offer_conditions(actor)))


def department_ids(actor: Actor) -> list[int]:
    """The departments whose work the actor oversees: those they head and their own."""
    heads = select(Department.id).where(Department.head_id == actor.user_id)
    own = select(UserProfile.department_id).where(UserProfile.user_id == actor.user_id,
                                                   UserProfile.department_id.is_not(None))
    return sorted(set(db.session.scalars(union(heads, own))))


@dataclass(frozen=True)
class DepartmentScope:
    """The *Department tasks* of a supervisor: open tasks assigned to a member of their departments,
    and claimable ones offered to a member or to a role a member holds (work the department may
    pick up). Members and roles are read first, so each part is an indexed range
    (``ix_task_assignee_open``; the claimable candidate indexes): as subqueries inside an OR,
    PostgreSQL ran them once per task row (minutes at 1 M tasks)."""

    members: tuple[int, ...]
    roles: tuple[str, ...]

    def _assigned(self, *columns):
        return select(*columns).where(HumanTask.state == "open", HumanTask.assignee_id.in_(self.members))

    def _offered(self) -> list:
        """The claimable offers: one range per role, one for the members."""
        c = TaskCandidate
        return _offer_ranges([c.role_name == role for role in self.roles] + [c.user_id.in_(self.members)])

    def _offered_ids(self) -> list:
        return [select(r.subquery().c.task_id) for r in self._offered()]

    def ranges(self) -> list:
        """(due_at, task id) of each part, for ``_merged_page``."""
        return [self._assigned(HumanTask.due_at, HumanTask.id), *self._offered()]

    def ids(self):
        return union(self._assigned(HumanTask.id), *self._offered_ids())

    def count(self) -> int:
        """Assigned and claimable tasks are disjoint: two counts, de-duplicating only the offers."""
        offered = union(*self._offered_ids()).subquery()
        assigned = self._assigned(func.count()).scalar_subquery()
        return db.session.scalar(select(assigned + select(func.count()).select_from(offered).scalar_subquery())) or 0


def department_scope(actor: Actor) -> DepartmentScope | None:
    """None for admins: the whole company. A supervisor in no department sees nothing."""
    if actor.is_admin:
        return None
    members = sorted(set(db.session.scalars(select(UserProfile.user_id).where(
        UserProfile.department_id.in_(department_ids(actor) or [-1])))))
    roles = sorted(set(db.session.scalars(union(
        select(Role.name).select_from(User).join(User.roles).where(User.id.in_(members)),
        select(Role.name).select_from(User).join(User.groups).join(Group.roles).where(User.id.in_(members))))))
    return DepartmentScope(tuple(members), tuple(roles))


DUE_FILTERS = ("week",)  # due this working week (overdue included): work_calendar.week_end


def has_filters(*, process_key=None, sla=None, priority=None, created_from=None, created_to=None, search=None,
                due=None, **_ordering) -> bool:
    """Whether an inbox query narrows its view (sorting does not): an unfiltered total is the badge's."""
    return any(v not in (None, "") for v in (process_key, sla, priority, created_from, created_to, search, due))


@cache
def _page_loads() -> tuple:
    """What ``allowed_actions`` reads of a page of tasks: two queries for the page, not two per task
    (built on first use: the mappers are complete only once the app exists)."""
    return selectinload(HumanTask.candidates), selectinload(HumanTask.instance).load_only(ProcessInstance.status)


def _merged_page(ranges: list, page: int, page_size: int) -> list[HumanTask]:
    """A page of the union of ``(due_at, task id)`` ranges: urgent tasks first (``URGENT_PRIORITY``:
    priority, then due date), then the rest in due-date order (then id). The first ``page * page_size``
    keys of each range and every urgent task of each range (few: read from the open urgent tasks)
    are merged, a task in two parts counted once, then the page's task rows are read. Each range is
    one ordered index scan; the task table is read for the urgent tasks and the page only."""
    k = max(page, 1) * page_size
    urgent_ids = select(HumanTask.id).where(HumanTask.state == "open", HumanTask.priority >= URGENT_PRIORITY)
    parts = []
    for r in ranges:
        top = r.order_by(r.selected_columns[0].asc().nulls_last(), r.selected_columns[1]).limit(k).subquery()
        parts.append(select(top.c[0].label("due_at"), top.c[1].label("task_id"), literal(0).label("urgency")))
        pinned = r.where(r.selected_columns[1].in_(urgent_ids)).subquery()
        parts.append(select(pinned.c[0].label("due_at"), pinned.c[1].label("task_id"),
                            HumanTask.priority.label("urgency")).join(HumanTask, HumanTask.id == pinned.c[1]))
    merged = union_all(*parts).subquery()
    due = func.min(merged.c.due_at)
    keys = (select(merged.c.task_id).group_by(merged.c.task_id)
            .order_by(func.max(merged.c.urgency).desc(), due.is_(None), due, merged.c.task_id)
            .limit(page_size).offset(k - page_size))
    ids = list(db.session.scalars(keys))
    rows = {}
    if ids:
        rows = {t.id: t for t in db.session.scalars(select(HumanTask).where(HumanTask.id.in_(ids))
                                                    .options(*_page_loads()))}
    return [rows[i] for i in ids if i in rows]


def _offer_ranges(conditions: list) -> list:
    """(due_at, task id) of the claimable candidate rows meeting each condition: one ordered
    range of a partial index each."""
    c = TaskCandidate
    return [select(c.due_at, c.task_id).where(c.claimable, cond) for cond in conditions]


def _department_page(scope: DepartmentScope | None, page: int, page_size: int) -> Page:
    """The default Department tasks page; an admin (no scope) pages every open task by ``ix_task_state_due``."""
    if scope is None:
        everything = select(HumanTask.due_at, HumanTask.id).where(HumanTask.state == "open")
        total = db.session.scalar(select(func.count()).where(HumanTask.state == "open")) or 0
        return Page(_merged_page([everything], page, page_size), total, page, page_size)
    return Page(_merged_page(scope.ranges(), page, page_size), scope.count(), page, page_size)


def count_claimable(actor: Actor) -> int:
    """How many tasks the Group tasks inbox lists: index-only counts, no de-duplication pass unless
    the actor has several roles (a task offered to two of them counts once)."""
    c, g = TaskCandidate, aliased(TaskCandidate)
    roles = sorted(actor.roles)
    groups = select(func.count(c.task_id.distinct()) if len(roles) > 1 else func.count()).where(
        c.claimable, c.role_name.in_(roles))
    users = select(func.count()).select_from(c).where(c.claimable, c.user_id == actor.user_id, ~exists().where(
        g.task_id == c.task_id, g.claimable, g.role_name.in_(roles)))
    return db.session.scalar(select(groups.scalar_subquery() + users.scalar_subquery())) or 0


@dataclass
class Page:
    items: list[HumanTask]
    total: int
    page: int
    page_size: int


def query_tasks(actor: Actor, *, view: str = "mine", page: int = 1, page_size: int = 25, sort: str = "due",
                desc: bool = False, process_key: str | None = None, sla: str | None = None,
                priority: int | None = None, created_from: datetime | None = None,
                created_to: datetime | None = None, search: str | None = None, due: str | None = None,
                where=None) -> Page:
    """The inbox: ``mine``, ``group`` (claimable), ``completed`` (by me), ``department`` and
    ``unassigned`` (supervisors: work nobody can pick up, see ``unassigned_condition``).
    ``where``: one more condition (``queries.inbox`` passes the follow-up rule)."""
    q = select(HumanTask)
    filtered = has_filters(process_key=process_key, sla=sla, priority=priority, created_from=created_from,
                           created_to=created_to, search=search, due=due)
    default_order = not filtered and sort == "due" and not desc and where is None
    if view == "group" and default_order:
        total = count_claimable(actor)
        return Page(_merged_page(_offer_ranges(offer_conditions(actor)), page, page_size), total, page, page_size)
    scope = department_scope(actor) if view == "department" and actor.is_supervisor else None
    if view == "department" and actor.is_supervisor and default_order:
        return _department_page(scope, page, page_size)
    if view == "mine":
        q = q.where(HumanTask.assignee_id == actor.user_id, HumanTask.state == "open")
    elif view == "group":
        q = q.where(HumanTask.state == "open", HumanTask.assignee_id.is_(None), HumanTask.id.in_(claimable_ids(actor)))
    elif view == "completed":
        q = q.where(HumanTask.completed_by_id == actor.user_id, HumanTask.state == "completed")
    elif view == "unassigned":
        if not actor.is_supervisor:
            raise Forbidden("Only supervisors see the unassigned tasks.")
        q = q.where(unassigned_condition())
    elif view == "department":
        if not actor.is_supervisor:
            raise Forbidden("Only supervisors see the department's tasks.")
        q = q.where(HumanTask.state == "open")
        if scope is not None:
            q = q.where(HumanTask.id.in_(scope.ids()))
    else:
        raise Invalid(f"Unknown inbox view '{view}'.", fields={"view": "unknown"})
    now = clock.now()
    if where is not None:
        q = q.where(where)
    if process_key:
        q = q.where(HumanTask.process_key == process_key)
    if priority is not None:
        q = q.where(HumanTask.priority == priority)
    if created_from:
        q = q.where(HumanTask.created_at >= created_from)
    if created_to:
        q = q.where(HumanTask.created_at < created_to)
    if sla in (sla_rule.OVERDUE, sla_rule.AT_RISK, sla_rule.ON_TIME):
        q = q.where(sla_rule.sql_state(sla, HumanTask.due_at, HumanTask.created_at, now))
    if due == "week":  # 本周到期: due by the end of this working week, the overdue ones included
        q = q.where(HumanTask.due_at < work_calendar.week_end(now))
    elif due is not None:
        raise Invalid(f"Unknown due filter '{due}'.", fields={"due": "unknown"})
    if search:
        like = f"%{search.strip()[:100]}%"
        matches = [HumanTask.business_key.ilike(like), HumanTask.customer.ilike(like), HumanTask.name.ilike(like)]
        named = content.elements_named(search[:100])  # the task's name in the other languages
        if named:
            matches.append(tuple_(HumanTask.process_key, HumanTask.element_id).in_(named))
        q = q.where(or_(*matches))
    total = db.session.scalar(select(func.count()).select_from(q.subquery()))
    column = SORTABLE.get(sort, HumanTask.due_at)
    order = column.desc() if desc else column.asc()
    if sort == "due" and not desc and view != "completed":  # the inbox's own order: urgent tasks first
        q = q.order_by(_urgency(HumanTask.priority).desc())
    q = q.order_by(column.is_(None), order, HumanTask.id).limit(page_size).offset((max(page, 1) - 1) * page_size)
    q = q.options(*_page_loads())
    return Page(list(db.session.scalars(q)), total, page, page_size)


def unassigned_condition():
    """Open tasks nobody can pick up: unassigned with no candidate who can work them (none given,
    unknown users or roles, an expression naming nobody), or assigned to someone who no longer can
    (inactive, or without an inbox role). The staff snapshot is small; its ids go in as lists."""
    staff = people.staff()
    users, roles = sorted(staff.people), sorted(staff.held_roles)
    c = TaskCandidate
    offered = exists().where(c.task_id == HumanTask.id, or_(c.role_name.in_(roles), c.user_id.in_(users)))
    return and_(HumanTask.state == "open", or_(and_(HumanTask.assignee_id.is_(None), ~offered),
                                                HumanTask.assignee_id.not_in(users)))


def count_unassigned(actor: Actor) -> int:
    """The Unassigned tab's badge: supervisors and admins only (0 for others)."""
    if not actor.is_supervisor:
        return 0
    return db.session.scalar(select(func.count()).select_from(HumanTask).where(unassigned_condition())) or 0


def count_mine(actor: Actor, where=None) -> int:
    q = select(func.count()).where(HumanTask.assignee_id == actor.user_id, HumanTask.state == "open")
    return db.session.scalar(q if where is None else q.where(where)) or 0


def count_open(actor: Actor) -> dict[str, int]:
    """Badge counts for the menu."""
    return {"mine": count_mine(actor), "group": count_claimable(actor)}


def get_task(task_id: int) -> HumanTask:
    """The task with its instance and candidates: what every operation reads (one statement)."""
    task = read_task(db.session(), task_id)
    if task is None:
        raise NotFound(f"Task {task_id} does not exist.", task_id=task_id)
    return task


def can_view(task: HumanTask, actor: Actor) -> bool:
    return (task.assignee_id == actor.user_id or task.completed_by_id == actor.user_id or actor.is_supervisor
            or "ProcessOwner" in actor.roles or is_candidate(task, actor))


def visible_task(task_id: int, actor: Actor) -> HumanTask:
    task = get_task(task_id)
    if not can_view(task, actor):
        raise NotFound(f"Task {task_id} does not exist.", task_id=task_id)  # no hint that it exists
    return task


def _set_assignee(task: HumanTask, expected: int | None, new: int | None) -> bool:
    """Compare-and-set on the row, so two simultaneous claims cannot both win."""
    cond = HumanTask.assignee_id.is_(None) if expected is None else HumanTask.assignee_id == expected
    result = db.session.execute(update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == "open", cond)
                                .values(assignee_id=new, claimed_at=clock.now() if new else None)
                                .execution_options(synchronize_session=False))
    db.session.refresh(task)
    return result.rowcount == 1


def claim(task_id: int, *, actor: Actor) -> HumanTask:
    task = get_task(task_id)
    if holds(task, actor):  # a repeated claim, or a task assigned to me: nothing to do while I may work on it
        require(task, actor, "complete")
        return task
    require(task, actor, "claim")
    if not _set_assignee(task, None, actor.user_id):  # someone was faster: say who
        db.session.rollback()
        require(get_task(task_id), actor, "claim")
        raise TaskAlreadyClaimed(f"Task '{task.name}' was claimed by someone else meanwhile.")
    history.record(task.instance_id, "task_claimed", actor=actor, task_id=task.id, element_id=task.element_id,
                   element_name=task.name)
    db.session.commit()
    return task


def release(task_id: int, *, actor: Actor) -> HumanTask:
    """Put a claimed task back to its candidates."""
    task = get_task(task_id)
    require(task, actor, "release")
    _set_assignee(task, task.assignee_id, None)
    history.record(task.instance_id, "task_unclaimed", actor=actor, task_id=task.id, element_id=task.element_id,
                   element_name=task.name)  # the stored event keeps its first name: history rows hold it
    db.session.commit()
    return task


def assign(task_id: int, user_id: int | None, *, actor: Actor) -> HumanTask:
    """Supervisors (re)assign or delegate a task to someone who may work it (``is_eligible``), or
    put it back to its candidates (``user_id`` None; an unroutable one back in the Unassigned queue)."""
    task = get_task(task_id)
    require(task, actor, "assign")
    if user_id is not None and db.session.get(User, user_id) is None:
        raise Invalid("No such user.", fields={"user_id": "unknown user"})
    if user_id is not None and not is_eligible(task, user_id):
        who = people.username(user_id)
        raise Invalid(f"{who} may not work on task '{task.name}': not one of its candidates, inactive, "
                      f"or without a role that works tasks.", fields={"user_id": f"not eligible: {who}"},
                      user=who)
    _set_assignee(task, task.assignee_id, user_id)
    history.record(task.instance_id, "task_assigned", actor=actor, task_id=task.id, element_id=task.element_id,
                   element_name=task.name, data={"assignee": people.username(user_id)})
    hooks.emit(hooks.TASK_ASSIGNED, task.instance, task)
    db.session.commit()
    return task


def form_fields(task: HumanTask) -> list[FormField]:
    return [FormField.from_dict(f) for f in (task.form or [])]


def task_files(task_id: int) -> dict[int, tuple[str, int, str]]:
    """{attachment id: (content type, size, name)} of the files uploaded to the task (on its internal
    notes): what its file fields may name."""
    rows = db.session.execute(
        select(ConversationAttachment.id, ConversationAttachment.content_type, ConversationAttachment.size,
               ConversationAttachment.filename)
        .join(ConversationMessage, ConversationMessage.id == ConversationAttachment.message_id)
        .where(ConversationMessage.task_id == task_id, ConversationMessage.internal.is_(True)))
    return {row[0]: tuple(row[1:]) for row in rows}


def _validate(task: HumanTask, data: dict, *, partial: bool = False):
    """The form's one rule (``validate_form``); the task's files are read only for a form with a file field."""
    fields = form_fields(task)
    files = task_files(task.id) if any(f.type == "file" for f in fields) else None
    return validate_form(fields, data, partial=partial, files=files)


def save_draft(task_id: int, data: dict, *, actor: Actor) -> HumanTask:
    task = get_task(task_id)
    require(task, actor, "draft")
    cleaned, errors = _validate(task, data, partial=True)
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    task.draft = cleaned
    db.session.commit()
    return task


_TASKS = HumanTask.__table__
# Close an open task, compare-and-set (one completion wins); built once, a Core UPDATE (issue 22). Its
# candidate rows follow by trigger (``TaskCandidate``).
_CLOSE = _TASKS.update().where(_TASKS.c.id == bindparam("c_id"), _TASKS.c.state == "open").values(
    {name: bindparam("c_" + name) for name in
     ("state", "completed_at", "completed_by_id", "assignee_id", "submitted", "draft")})


def complete(task_id: int, data: dict | None = None, *, actor: Actor,
             before_commit: Callable[[HumanTask], None] | None = None, loaded: HumanTask | None = None) -> HumanTask:
    """Validate the form, run the task, advance the instance: all or nothing.
    ``before_commit(task)`` runs in that transaction, after the instance moved on. ``loaded``: the task
    as the caller read it (``get_task``) in the transaction still open, used by the first attempt."""
    data = dict(data or {})
    first = [loaded] if loaded is not None and loaded.id == task_id else []

    def operation() -> HumanTask:
        task = first.pop() if first else get_task(task_id)  # a retry reads it afresh
        require(task, actor, "complete")  # an unclaimed task is claimed on the way
        cleaned, errors = _validate(task, data)  # the one rule for the web page and the API
        if errors:
            raise Invalid("Some fields are not valid.", fields=errors)
        # A field left out is None only where the process has no value yet: a client that omits a
        # field does not erase data the form merely shows. History and `submitted` keep what was sent.
        left_out = {k for k in cleaned if k not in data}
        cleaned = {k: v for k, v in cleaned.items() if k not in left_out}
        inst = task.instance
        wf = runtime.load_workflow(inst)
        spiff_task = wf.get_task_from_id(UUID(task.task_guid))
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise TaskAlreadyCompleted(f"Task '{task.name}' is no longer waiting.")
        open_rows = sync.open_rows_in_hand(inst, wf, task)
        values = dict(state="completed", completed_at=clock.now(), completed_by_id=actor.user_id,
                      assignee_id=actor.user_id, submitted=cleaned, draft=None)
        params = {"c_" + key: value for key, value in values.items()} | {"c_id": task.id}
        if db.session.connection().execute(_CLOSE, params).rowcount != 1:  # someone was faster: say who
            db.session.rollback()
            require(get_task(task_id), actor, "complete")
            raise TaskAlreadyCompleted(f"Task '{task.name}' is no longer open.")
        for key, value in values.items():  # mirror the UPDATE without reloading the row
            set_committed_value(task, key, value)
        spiff_task.data.update(cleaned)
        for key in left_out:
            spiff_task.data.setdefault(key, None)
        sync.run_human_task(inst, wf, spiff_task, actor=actor)  # a successor's bad expression: an incident
        history.record(inst.id, "task_completed", actor=actor, task_id=task.id, element_id=task.element_id,
                       element_name=task.name, data=cleaned or None)
        hooks.emit(hooks.TASK_COMPLETED, inst, task)
        sync.advance(inst, wf, actor=actor, open_rows=open_rows)
        runtime.save_workflow(inst, wf)  # compare-and-set on the instance's rev: a concurrent step makes this one retry
        # the instance's open tasks now, when known without a query (``queries.open_after``)
        task.open_after = sync.open_after(inst, open_rows)
        return task

    return runtime.with_retry(operation, before_commit=before_commit)

