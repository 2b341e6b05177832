"""Job service: every piece of background work is a row in ``job``.

A worker leases due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
number of workers share the table without running a job twice), runs each in
its own transaction, and on failure retries with exponential back-off; when
retries run out the job becomes an incident an admin can retry. A worker that
dies mid-job leaves a lease that expires, and another worker takes the job.
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
LEASE = timedelta(minutes=5)
BACKOFF = timedelta(seconds=30)
HANDLERS: dict[str, Callable[[Job], None]] = {}


def handler(kind: str):
    def register(fn: Callable[[Job], None]):
        HANDLERS[kind] = fn
        return fn
    return register


def now() -> datetime:
    return datetime.now(timezone.utc)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- scheduling (called inside engine transactions) --------------------------

def schedule_instance_timer(inst: ProcessInstance, due: datetime | None) -> None:
    """Keep exactly one pending timer job per instance, due at its earliest timer."""
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


def enqueue(kind: str, payload: dict, *, due_at: datetime | None = None, instance_id: int | None = None,
            retries: int = 5) -> Job:
    job = Job(kind=kind, payload=payload, due_at=due_at or now(), instance_id=instance_id, retries_left=retries)
    db.session.add(job)
    return job


# --- execution ---------------------------------------------------------------

def lease_due_jobs(owner: str, *, limit: int = 10) -> list[int]:
    """Take up to ``limit`` due jobs (or jobs whose lease expired) for ``owner``."""
    t = now()
    q = (select(Job.id).where(Job.state == "pending", Job.due_at <= t,
                              or_(Job.lease_owner.is_(None), Job.lease_expires_at < t))
         .order_by(Job.due_at, Job.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(q))
    if ids:
        db.session.execute(update(Job).where(Job.id.in_(ids)).values(
            lease_owner=owner, lease_expires_at=t + LEASE).execution_options(synchronize_session=False))
    db.session.commit()
    return ids


def run_job(job_id: int, owner: str) -> bool:
    """Run one leased job in its own transaction; True when it is done."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != "pending" or job.lease_owner != owner:
        db.session.rollback()
        return False
    job.attempts += 1
    try:
        HANDLERS[job.kind](job)
        job.state, job.finished_at, job.lease_owner, job.lease_expires_at = "done", now(), None, None
        db.session.commit()
        return True
    except Exception as err:  # any failure: record it, retry later or raise an incident
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.attempts += 1
        job.last_error = f"{err.__class__.__name__}: {err}"[:4000]
        job.lease_owner = job.lease_expires_at = None
        job.retries_left -= 1
        if job.retries_left <= 0:
            job.state = "incident"
            log.error("job %s (%s) failed for good: %s", job.id, job.kind, err)
        else:
            job.due_at = now() + BACKOFF * (2 ** max(job.attempts - 1, 0))
            log.warning("job %s (%s) failed, retrying: %s", job.id, job.kind, err)
        db.session.commit()
        return False


def run_due_jobs(owner: str | None = None, *, limit: int = 50) -> int:
    """One pass of the executor: lease and run what is due. Returns jobs done."""
    owner = owner or worker_id()
    done = 0
    for job_id in lease_due_jobs(owner, limit=limit):
        done += run_job(job_id, owner)
    return done


def retry_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is not None and job.state == "incident":
        job.state, job.retries_left, job.due_at, job.last_error = "pending", 3, now(), None
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
    runtime.start_process(definition.key, actor=Actor.system(), commit=False)
    fired = int(job.payload.get("fired", 0)) + 1
    due = next_timer_start(definition.timer_start or "", after=now(), fired=fired) if definition.timer_start else None
    if due is not None:
        db.session.add(Job(kind="timer_start", due_at=due, payload={"key": definition.key, "fired": fired}))
