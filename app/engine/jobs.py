"""Job service: every piece of background work is a row in ``job``.

A worker leases due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
number of workers share the table without running a job twice), runs each in
its own transaction, and on failure retries with exponential back-off; when
retries run out the job becomes an incident an admin can retry. A worker that
dies mid-job leaves a lease that expires (``JOB_LEASE_SECONDS``, default 300),
and another worker takes the job.

Exactly-once effects: a handler's database effects and the job's ``done``
state commit in ONE transaction (``run_job``), so a crash before that commit
leaves the job pending for the next lease and nothing half-done. On PostgreSQL
``run_job`` also holds the job row lock (``FOR UPDATE``) while the handler
runs: a slow but alive worker keeps its job even past the lease (the other
workers' ``SKIP LOCKED`` lease query passes it by), and a worker that finds
the lease taken over by someone else does nothing. Effects outside the
database (an SMTP send) are at-least-once: see ``app.engine.mail``.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import Job, ProcessDefinition, ProcessInstance

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # default of JOB_LEASE_SECONDS
BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=2)
# SpiffWorkflow fires a timer only once the clock is strictly past its time: a job
# run at exactly that instant would find nothing to do and reschedule itself.
TIMER_SLACK = timedelta(milliseconds=1)
HANDLERS: dict[str, Callable[[Job], None]] = {}
# kind -> fn(job, error, final): runs in the transaction that records a failure
FAILURE_HOOKS: dict[str, Callable[[Job, Exception, bool], None]] = {}
# Modules whose import registers more handlers (mail, digests, SLA reminders).
HANDLER_MODULES = ("app.engine.mail", "app.engine.notifications")


def handler(kind: str):
    def register(fn: Callable[[Job], None]):
        HANDLERS[kind] = fn
        return fn
    return register


def on_failure(kind: str):
    def register(fn: Callable[[Job, Exception, bool], None]):
        FAILURE_HOOKS[kind] = fn
        return fn
    return register


def load_handlers() -> None:
    import importlib
    import sys

    for name in HANDLER_MODULES:
        if name not in sys.modules:
            importlib.import_module(name)


def lease_duration() -> timedelta:
    from flask import current_app, has_app_context

    seconds = current_app.config.get("JOB_LEASE_SECONDS") if has_app_context() else None
    seconds = seconds or os.environ.get("JOB_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else LEASE


def now() -> datetime:
    return datetime.now(timezone.utc)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- scheduling (called inside engine transactions) --------------------------

def schedule_instance_timer(inst: ProcessInstance, due: datetime | None) -> None:
    """Keep exactly one pending timer job per instance, due at its earliest timer."""
    due = due + TIMER_SLACK if due is not None else None
    job = db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.kind == "timer",
                                               Job.state == "pending")).first()
    if due is None or inst.status in ("completed", "terminated"):
        if job is not None:
            job.state, job.finished_at = "done", now()
        return
    if job is None:
        db.session.add(Job(kind="timer", instance_id=inst.id, due_at=due, payload={}))
    elif job.due_at != due and job.lease_owner is None:
        job.due_at = due


def schedule_timer_start(definition: ProcessDefinition) -> None:
    """A process with a timer start event gets a job that starts it."""
    for old in db.session.scalars(select(Job).where(Job.kind == "timer_start", Job.state == "pending")):
        if old.payload.get("key") == definition.key:
            old.state, old.finished_at = "done", now()
    if not definition.timer_start:
        return
    due = next_timer_start(definition.timer_start, after=now())
    if due is not None:
        db.session.add(Job(kind="timer_start", due_at=due, payload={"key": definition.key, "fired": 0}))


def next_timer_start(source: str, *, after: datetime, fired: int = 0) -> datetime | None:
    """Next fire time of a timer start expression (ISO date, duration or cycle)."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as T

    from app.engine.scripting import script_engine

    value = script_engine().environment.evaluate(source, {})
    value = str(value)
    if value.upper().startswith("R"):
        cycles, start, duration = T.parse_iso_recurring_interval(value)
        if cycles != -1 and fired >= cycles:
            return None
        due = start
        while due <= after:
            due += duration
        return due
    if value.upper().startswith("P"):
        return after + T.get_timedelta_from_start(T.parse_iso_duration(value), after) if fired == 0 else None
    return T.get_datetime(value) if fired == 0 else None


def mark_timer_start_fired(wf) -> None:
    """For an instance started BY its timer start event (the ``timer_start`` job): mark
    that timer as fired once, before the first engine step, so the instance neither
    waits for it again nor (for a cycle) fires it again inside the instance.
    Call right after ``BpmnWorkflow(...)`` in ``runtime.start_process(timer_fired=True)``."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
    from SpiffWorkflow.util.task import TaskState

    for task in wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        event = getattr(task.task_spec, "event_definition", None)
        if not isinstance(task.task_spec, StartEvent) or not isinstance(event, TimerEventDefinition):
            continue
        if isinstance(event, CycleTimerEventDefinition):  # exactly one cycle left, already due
            task._set_internal_data(event_value={"cycles": 1, "next": "2000-01-01T00:00:00+00:00", "duration": 0})
        else:
            task._set_internal_data(event_fired=True)


def enqueue(kind: str, payload: dict, *, due_at: datetime | None = None, instance_id: int | None = None,
            retries: int = 5) -> Job:
    job = Job(kind=kind, payload=payload, due_at=due_at or now(), instance_id=instance_id, retries_left=retries)
    db.session.add(job)
    return job


# --- execution ---------------------------------------------------------------

def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def lease_due_jobs(owner: str, *, limit: int = 10) -> list[int]:
    """Take up to ``limit`` due jobs (or jobs whose lease expired) for ``owner``."""
    t = now()
    lease = lease_duration()
    q = (select(Job.id).where(Job.state == "pending", Job.due_at <= t,
                              or_(Job.lease_owner.is_(None), Job.lease_expires_at < t))
         .order_by(Job.due_at, Job.id).limit(limit))
    if _postgres():
        q = q.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(q))
    if ids:  # the condition repeats the query's: without row locks (SQLite) a job leased meanwhile is skipped
        leased = set(db.session.scalars(
            update(Job).where(Job.id.in_(ids), Job.state == "pending",
                              or_(Job.lease_owner.is_(None), Job.lease_expires_at < t))
            .values(lease_owner=owner, lease_expires_at=t + lease).returning(Job.id)
            .execution_options(synchronize_session=False)))
        ids = [i for i in ids if i in leased]
    db.session.commit()
    return ids


def release_leases(ids: list[int], owner: str) -> None:
    """Give back leased jobs a stopping worker will not run (others take them at once)."""
    if ids:
        db.session.execute(update(Job).where(Job.id.in_(ids), Job.lease_owner == owner, Job.state == "pending")
                           .values(lease_owner=None, lease_expires_at=None)
                           .execution_options(synchronize_session=False))
    db.session.commit()


def _locked_job(job_id: int) -> Job | None:
    """The job row, locked until the end of the transaction on PostgreSQL."""
    return db.session.get(Job, job_id, with_for_update=_postgres() or None, populate_existing=True)


def run_job(job_id: int, owner: str) -> bool:
    """Run one leased job in its own transaction; True when it is done.

    The handler's effects and ``state = done`` commit together: a crash (or
    SIGKILL) before the commit loses nothing, the job stays pending and runs
    again when the lease expires."""
    load_handlers()
    job = _locked_job(job_id)
    if job is None or job.state != "pending" or job.lease_owner != owner:
        db.session.rollback()  # done meanwhile, or the lease expired and another worker took it
        return False
    job.attempts += 1
    try:
        fn = HANDLERS.get(job.kind)
        if fn is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        fn(job)
        job.state, job.finished_at, job.lease_owner, job.lease_expires_at = "done", now(), None, None
        db.session.commit()
        return True
    except Exception as err:  # any failure: record it, retry later or raise an incident
        db.session.rollback()
        _record_failure(job_id, owner, err)
        return False


def _record_failure(job_id: int, owner: str, err: Exception) -> None:
    job = _locked_job(job_id)
    if job is None or job.state != "pending" or job.lease_owner != owner:
        db.session.rollback()
        return
    job.attempts += 1  # the increment of the failed attempt was rolled back with it
    job.last_error = f"{err.__class__.__name__}: {err}"[:4000]
    job.lease_owner = job.lease_expires_at = None
    job.retries_left -= 1
    final = job.retries_left <= 0
    if final:
        job.state = "incident"
        log.error("job %s (%s) failed for good: %s", job.id, job.kind, err)
    else:
        job.due_at = now() + backoff(job.attempts)
        log.warning("job %s (%s) failed, retrying at %s: %s", job.id, job.kind, job.due_at, err)
    hook = FAILURE_HOOKS.get(job.kind)
    if hook is not None:
        try:
            hook(job, err, final)  # attribute changes only; no flush of its own
        except Exception:  # the failure itself must be recorded whatever the hook does
            log.exception("failure hook of job %s (%s)", job.id, job.kind)
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at 2 h."""
    return min(BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def run_due_jobs(owner: str | None = None, *, limit: int = 50) -> int:
    """One pass of the executor: lease and run what is due. Returns jobs done."""
    owner = owner or worker_id()
    done = 0
    for job_id in lease_due_jobs(owner, limit=limit):
        done += run_job(job_id, owner)
    return done


def retry_job(job_id: int) -> Job:
    """An admin retries an incident: three more attempts, the first one now."""
    job = db.session.get(Job, job_id)
    if job is not None and job.state == "incident":
        job.state, job.retries_left, job.due_at, job.last_error = "pending", 3, now(), None
        job.lease_owner = job.lease_expires_at = None
        db.session.commit()
    return job


# --- handlers ------------------------------------------------------------------

@handler("timer")
def _fire_timer(job: Job) -> None:
    from app.engine import runtime, sync

    inst = db.session.get(ProcessInstance, job.instance_id)
    if inst is None or inst.status != "running":
        return  # suspended/ended instances: a resume reschedules
    wf = runtime.load_workflow(inst)
    job.state = "done"  # advance() schedules the next timer as a new job
    db.session.flush()
    sync.advance(inst, wf)
    runtime.save_workflow(inst, wf)


@handler("timer_start")
def _timer_start(job: Job) -> None:
    from app.engine import definitions, runtime
    from app.engine.actor import Actor

    definition = definitions.latest_definition(job.payload["key"])
    # The instance must not wait for its own start timer again (it is what fired):
    # runtime.start_process(timer_fired=True) marks it fired before the first step.
    runtime.start_process(definition.key, actor=Actor.system(), commit=False, timer_fired=True)
    fired = int(job.payload.get("fired", 0)) + 1
    due = next_timer_start(definition.timer_start or "", after=now(), fired=fired) if definition.timer_start else None
    if due is not None:
        db.session.add(Job(kind="timer_start", due_at=due, payload={"key": definition.key, "fired": fired}))
