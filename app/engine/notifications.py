"""Who hears about what: task notifications go to the mail outbox.

* A new task mails its assignee, or else every candidate user and every member
  of its candidate groups, as they are when its ``task_mail`` job runs (the step that
  created the task only queues that one job); each user gets it at once or in the next daily
  digest (``UserProfile.notify_mode``), in their language (``UserProfile.locale``).
  The "at once" readers of a group task share one mail per language (Bcc).
* A reassigned task mails the new assignee (same preference).
* A task with a due date has one reminder job at a time (the first queued by its
  ``task_mail`` job): ``sla_warning`` when it becomes at risk (by the one rule of ``sla``),
  which queues ``sla_breach`` for when it is overdue. Each mails the assignee (or the
  candidates) and their department head, always at once, and does nothing if the task
  is no longer open or its due date changed meanwhile (the warning still queues the breach
  of an unchanged due date).

These are listeners on the engine's events (``hooks.TASK_CREATED``,
``hooks.TASK_ASSIGNED``) and job handlers, registered by ``register()`` in
``create_app``. They run inside the engine transaction that created/assigned
the task, so a rolled-back step sends nothing; a broken template is logged and
does not stop the work (``hooks``: guarded listeners).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Iterator

from flask import current_app
from flask_appbuilder.security.sqla.models import Group, Role, User
from sqlalchemy import bindparam, func, or_, select

from app.engine import clock, content, hooks, jobs, mail, sla
from app.extensions import db
from app.models import Department, HumanTask, Job, NewHire, ProcessInstance, UserProfile

URGENT_PRIORITY = 100  # tasks at this priority (emergencies) are mailed at once to everyone, digest or not
BREACH_GRACE = timedelta(seconds=1)  # "overdue" means strictly after the due time
_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Inside the block (this thread/task only) new and reassigned tasks mail nobody and get no
    SLA reminder jobs: e.g. the demo seeder's back-dated history must not mail the demo users."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    """Inside ``muted()``: listeners elsewhere (a record's customer mails) stay quiet too."""
    return _muted.get()


def task_created(_inst: ProcessInstance, task: HumanTask) -> None:
    """On ``hooks.TASK_CREATED``: mail its assignee or candidate group (per-user: at once or digest)."""
    if not _muted.get():
        _task_created(task)


def task_assigned(_inst: ProcessInstance, task: HumanTask) -> None:
    """On ``hooks.TASK_ASSIGNED`` (a supervisor): mail the new assignee."""
    if not _muted.get():
        _task_assigned(task)


def register() -> None:
    """The listeners and the SLA reminder job handlers (``create_app``)."""
    hooks.register(hooks.TASK_CREATED, task_created)
    hooks.register(hooks.TASK_ASSIGNED, task_assigned)
    jobs.register(TASK_MAIL, _task_mail)
    jobs.register("sla_warning", _sla_warning)
    jobs.register("sla_breach", _sla_breach)


TASK_MAIL = "task_mail"  # a new task: mail its people (read when the job runs), schedule its SLA job


def _task_created(task: HumanTask) -> None:
    """One job: who is told (and in which language, at once or by digest) is read when it runs."""
    jobs.enqueue(TASK_MAIL, {"task_id": task.id}, held=False)  # like the mail jobs: not one of the instance's


def _task_mail(job: Job) -> None:
    task = db.session.get(HumanTask, job.payload.get("task_id"))
    if task is not None:
        mail_new_task(task)


def mail_new_task(task: HumanTask) -> None:
    """Mail a new task to its assignee or candidates and schedule its SLA reminders."""
    people = people_with_prefs(task)
    if task.priority >= URGENT_PRIORITY:  # an emergency never waits for tomorrow's digest
        people = [(u, "instant", loc) for u, _mode, loc in people]
    context = task_context(task)  # after the query above: an assignee is already loaded
    at_once = [(u.email, mail.staff_locale(loc))
               for u, mode, loc in people if mode != "digest" and mail.is_address(u.email)]
    if task.assignee_id is None and len(at_once) > 1:
        # Offered to a group: one mail per language to every member who reads mail at once (Bcc),
        # not one each: a group of 800 costs 8 outbox rows (MAIL_MAX_RECIPIENTS per message), not 800.
        size = max(int(current_app.config.get("MAIL_MAX_RECIPIENTS") or 100), 1)
        for locale in mail.LOCALES:
            to = [email for email, loc in at_once if loc == locale]
            for i in range(0, len(to), size):
                mail.queue_mail("task_created", to[i:i + size], "task_created", context, locale=locale,
                                instance_id=task.instance_id)
        people = [(u, mode, loc) for u, mode, loc in people if mode == "digest"]
    for user, mode, locale in people:
        mail.notify_user(user, "task_created", "task_created", context, instance_id=task.instance_id, mode=mode,
                         locale=locale)
    schedule_sla(task)


def _task_assigned(task: HumanTask) -> None:
    if task.assignee_id:
        people = people_with_prefs(task)  # the assignee
        context = task_context(task)
        for user, mode, locale in people:
            mail.notify_user(user, "task_assigned", "task_assigned", context, instance_id=task.instance_id,
                             mode=mode, locale=locale)


# --- who --------------------------------------------------------------------------

def people_for(task: HumanTask) -> list:
    """The assignee; without one, the candidate users and the members of the candidate groups."""
    return [user for user, _mode, _locale in people_with_prefs(task)]


def people_with_prefs(task: HumanTask) -> list[tuple[Any, str, str | None]]:
    """``people_for`` with each one's ``UserProfile.notify_mode`` and ``locale``, in one query."""
    by_assignee, by_candidates = _people_queries()
    if task.assignee_id:
        q, params = by_assignee, {"user_id": task.assignee_id}
    else:
        user_ids = sorted({c.user_id for c in task.candidates if c.user_id})
        groups = sorted({c.role_name for c in task.candidates if c.role_name})
        if not user_ids and not groups:
            return []
        q, params = by_candidates, {"user_ids": user_ids, "groups": groups}
    with db.session.no_autoflush:  # users and roles only: the step's pending rows flush later, together
        return [tuple(row) for row in db.session.execute(q, params)]


@cache
def _people_queries():
    """Built once: composing this statement cost more CPU than running it. A user without a
    profile gets mails at once, as ``mail.mail_prefs`` says."""
    base = (select(User, func.coalesce(UserProfile.notify_mode, "instant"), UserProfile.locale)
            .outerjoin(UserProfile, UserProfile.user_id == User.id).order_by(User.id))
    groups = bindparam("groups", expanding=True)
    members = or_(User.id.in_(bindparam("user_ids", expanding=True)),
                  User.id.in_(select(User.id).join(User.roles).where(Role.name.in_(groups))),
                  User.id.in_(select(User.id).join(User.groups).join(Group.roles).where(Role.name.in_(groups))))
    # a new hire still in pre-post training may not take the task (app.engine.onboarding): not told of it
    in_training = User.id.in_(select(NewHire.user_id).where(NewHire.cleared_at.is_(None)))
    return (base.where(User.id == bindparam("user_id")),
            base.where(members, User.active.is_(True), ~in_training))


def supervisors_of(users: list) -> list:
    """Department heads of the users (a head is not their own supervisor)."""
    ids = [u.id for u in users]
    if not ids:
        return []
    head_ids = set(db.session.scalars(select(Department.head_id).join(UserProfile, UserProfile.department_id == Department.id)
                                      .where(UserProfile.user_id.in_(ids), Department.head_id.is_not(None))))
    head_ids -= set(ids)
    if not head_ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(head_ids)).order_by(User.id)))


# --- what -------------------------------------------------------------------------

def _local(value: datetime | None) -> str:
    return value.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M") if value else ""


def task_context(task: HumanTask) -> dict[str, Any]:
    assignee = db.session.get(User, task.assignee_id) if task.assignee_id else None
    return {"task": {
        "id": task.id, "name": task.name, "process_name": task.process_name, "business_key": task.business_key or "",
        "customer": task.customer or "", "priority": task.priority, "due": _local(task.due_at),
        "assignee": assignee.get_full_name() if assignee else "",
        "url": f"{mail.base_url()}/task/{task.id}/",
        "texts": content.task_texts(task, mail.LOCALES),  # name, process name: per recipient (mail.in_language)
    }}


# --- SLA reminders ------------------------------------------------------------------

def schedule_sla(task: HumanTask) -> None:
    """The task's one reminder job: ``sla_warning`` when it becomes at risk, which queues
    ``sla_breach`` for when it is overdue (at once ``sla_breach`` if the due time is past)."""
    if task.due_at is None:
        return
    now = clock.now()
    if task.due_at > now:
        _remind(task, "sla_warning", sla.rule().at_risk_from(task.created_at or now, task.due_at), now)
    else:
        _remind(task, "sla_breach", task.due_at + BREACH_GRACE, now)


def _remind(task: HumanTask, kind: str, at: datetime, now: datetime) -> None:
    jobs.enqueue(kind, {"task_id": task.id, "due_at": task.due_at.isoformat()}, due_at=max(at, now),
                 instance_id=task.instance_id)


def _sla_task(job: Job) -> HumanTask | None:
    """The task if the reminder still applies: open, same due date."""
    task = db.session.get(HumanTask, job.payload.get("task_id"))
    if task is None or task.state != "open" or task.due_at is None:
        return None
    if task.due_at.isoformat() != job.payload.get("due_at"):
        return None  # the due date changed: a reminder for the old one is void
    return task


def _sla_mail(task: HumanTask, template: str) -> int:
    people = people_for(task)
    context = task_context(task)
    sent = 0
    for user in people:
        sent += mail.notify_user(user, template, template, {**context, "role": "assignee"},
                                 instance_id=task.instance_id, instant=True) is not None
    for head in supervisors_of(people):
        sent += mail.notify_user(head, template, template, {**context, "role": "supervisor"},
                                 instance_id=task.instance_id, instant=True) is not None
    return sent


def _sla_warning(job: Job) -> None:
    task = _sla_task(job)
    if task is None:
        return
    now = clock.now()
    if sla.task_state(task, now) == sla.AT_RISK:
        _sla_mail(task, "sla_warning")
    _remind(task, "sla_breach", task.due_at + BREACH_GRACE, now)


def _sla_breach(job: Job) -> None:
    task = _sla_task(job)
    if task is not None and clock.now() > task.due_at:
        _sla_mail(task, "sla_breach")
