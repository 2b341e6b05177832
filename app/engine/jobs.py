"""Job service: every piece of background work is a row in ``job``.

A worker leases a batch of due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so any number of workers share the table without running a job twice) and runs
the batch in ONE transaction (``run_jobs``): the batch shares one commit (a
disk flush). A job that fails leaves no trace but its recorded failure (the
others run again, each inside its own SAVEPOINT) and is retried with
exponential back-off; when retries run out it becomes an incident an admin can
retry. A worker that dies mid-batch leaves leases that expire
(``JOB_LEASE_SECONDS``, default 300), and other workers take the jobs; a worker
that stops gracefully hands back the jobs it did not start (``release_leases``).

Exactly-once effects: a handler's database effects and its job's ``done``
state commit in the same transaction, so a crash before the batch's commit
leaves all its jobs pending for the next lease and nothing half-done. Handlers
never commit. On PostgreSQL ``run_jobs`` also holds the batch's job row locks
(``FOR UPDATE``) until it commits: a slow but alive worker keeps its jobs even
past the lease (the other workers' ``SKIP LOCKED`` lease query passes them by),
and a worker that finds a lease taken over by someone else skips that job.
Effects outside the database (an SMTP send) are at-least-once; their handlers
are registered ``external``, and the batch commits right after each of them:
see ``app.engine.mail``.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
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
EXTERNAL: set[str] = set()  # kinds whose handler has effects outside the database: see run_jobs
# kind -> fn(job, error, final): runs in the transaction that records a failure
FAILURE_HOOKS: dict[str, Callable[[Job, Exception, bool], None]] = {}
# Modules whose import registers more handlers (mail, digests, SLA reminders).
HANDLER_MODULES = ("app.engine.mail", "app.engine.notifications")


def handler(kind: str, *, external: bool = False):
    """``external``: the handler has an effect outside the database (an SMTP send)."""
    def register(fn: Callable[[Job], None]):
        HANDLERS[kind] = fn
        if external:
            EXTERNAL.add(kind)
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

def pending_timer(inst: ProcessInstance) -> Job | None:
    return db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.kind == "timer",
                                                Job.state == "pending")).first()


def schedule_instance_timer(inst: ProcessInstance, due: datetime | None, job: Job | None) -> None:
    """Keep exactly one pending timer job per instance, due at its earliest timer.

    ``job`` is the instance's pending timer job (``pending_timer``), None if it has none."""
    due = due + TIMER_SLACK if due is not None else None
    if due is None or inst.status in ("completed", "terminated"):
        if job is not None:
            job.state, job.finished_at = "done", now()
        return
    if job is None:
        db.session.add(Job(kind="timer", instance_id=inst.id, due_at=due, payload={}))
    elif job.due_at != due and job.lease_owner is None:
        job.due_at = due


def schedule_timer_start(definition: ProcessDefinition) -> None:
    """A process with a timer start event gets a job that starts it (at deploy: a refused timer
    value refuses the deployment, located on the start event)."""
    for old in db.session.scalars(select(Job).where(Job.kind == "timer_start", Job.state == "pending")):
        if old.payload.get("key") == definition.key:
            old.state, old.finished_at = "done", now()
    if not definition.timer_start:
        return
    t = now()
    try:
        due = next_timer_start(definition.timer_start, after=t)
    except Exception as err:  # the expression or its value: the diagram's problem, not a 500
        from app.engine.bpmn import Problem
        from app.engine.errors import Invalid

        element, name = _timer_start_element(definition)
        problem = Problem(element, name, "startEvent", f"Timer: {err}",
                          "Use a date, a positive duration or a cycle within the limits (see the message).")
        db.session.rollback()  # nothing of this deployment stays
        raise Invalid("1 problem(s) prevent deployment.", problems=[problem.to_dict()]) from err
    if due is not None:
        payload = {"key": definition.key, "fired": 0}
        if due < t:  # a date already past: fires once, now, and the instance's history says so
            payload["late"] = due.isoformat()
        db.session.add(Job(kind="timer_start", due_at=due, payload=payload))


def next_timer_start(source: str, *, after: datetime, fired: int = 0) -> datetime | None:
    """Next fire time of a timer start expression (ISO date, duration or cycle), within the bounds
    of ``timer_bounds``. A cycle does not catch up: its next occurrence after ``after``."""
    from app.engine import timer_bounds
    from app.engine.scripting import script_engine

    value = timer_bounds.as_text(script_engine().environment.evaluate(source, {}))
    lim = timer_bounds.limits()
    if value.upper().startswith("R"):
        cycles, start, interval = timer_bounds.check_cycle(value, after, lim, catchup=False)
        if cycles != -1 and fired >= cycles:
            return None
        return timer_bounds.next_occurrence(start, interval, after)
    if fired:
        return None
    if value.upper().startswith("P"):
        return timer_bounds.duration_due(value, after, lim)
    return timer_bounds.check_date(value, after, lim)


def _timer_start_element(definition: ProcessDefinition) -> tuple[str | None, str | None]:
    """(id, name) of the timer start event of a definition's main process (not via the spec cache:
    a refused deployment's id is rolled back and may be used again)."""
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

    from app.engine import store
    from app.engine.sync import _is_timer

    spec, _ = store.load_specs(definition.spec)
    for ts in spec.task_specs.values():
        if isinstance(ts, StartEvent) and _is_timer(ts):
            return ts.bpmn_id, ts.bpmn_name
    return None, None


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


@dataclass
class BatchResult:
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # failure recorded: retried later or an incident
    skipped: list[int] = field(default_factory=list)  # not ours any more (done meanwhile, lease taken over)
    left: list[int] = field(default_factory=list)  # not started: ``stop()`` said so


def run_jobs(job_ids: list[int], owner: str, *, stop: Callable[[], bool] = lambda: False) -> BatchResult:
    """Run leased jobs in ONE transaction and commit once.

    The jobs run one after the other, without savepoints (each costs two round
    trips). If one raises, the transaction rolls back and the same jobs run
    again, this time each inside its own SAVEPOINT, the failed one not at all:
    its failure is recorded, the others commit. Right after a job with effects
    outside the database (``handler(external=True)``) the batch commits and goes
    on in a new transaction. Before each job ``stop()`` may end the batch: the
    jobs not started are in ``left`` (still leased)."""
    load_handlers()
    result = BatchResult()
    todo, errors = list(job_ids), None
    while todo:
        part = BatchResult()
        try:
            rest = _run_part(todo, owner, stop, part, errors)
        except _Failed as failed:
            db.session.rollback()
            errors = {failed.job_id: failed.error}
            continue
        db.session.commit()
        for name in ("done", "failed", "skipped", "left"):
            getattr(result, name).extend(getattr(part, name))
        todo, errors = rest, None
    return result


class _Failed(Exception):
    def __init__(self, job_id: int, error: Exception) -> None:
        self.job_id, self.error = job_id, error


def _run_part(todo: list[int], owner: str, stop: Callable[[], bool], part: BatchResult,
              errors: dict[int, Exception] | None) -> list[int]:
    """Run jobs up to the end, an external one or ``stop()``; the ids still to run.

    ``errors`` None: the quick way, a failure raises ``_Failed``; else a savepoint
    per job, and the jobs in ``errors`` get that failure recorded."""
    locked, _instances = _lock(todo)  # the instances stay referenced: the identity map is weak
    rest: list[int] = []
    for i, job_id in enumerate(todo):
        if stop():
            part.left = todo[i:]
            break
        job = locked.get(job_id)
        if job is None or job.state != "pending" or job.lease_owner != owner:
            part.skipped.append(job_id)  # done meanwhile, or the lease expired and another worker took it
            continue
        kind = job.kind
        if errors is None:
            try:
                _handle(job)
            except Exception as err:
                raise _Failed(job_id, err) from err
            part.done.append(job_id)
        elif job_id in errors:
            _record_failure(job, errors[job_id])
            part.failed.append(job_id)
        else:
            (part.done if _run_in_savepoint(job) else part.failed).append(job_id)
        if kind in EXTERNAL:  # a crash from here to the commit would repeat the effect: commit now
            rest = todo[i + 1:]
            break
    if errors is None and part.done:
        db.session.execute(update(Job).where(Job.id.in_(part.done)).values(
            state="done", attempts=Job.attempts + 1, finished_at=now(), lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False))
    return rest


def _lock(job_ids: list[int]) -> tuple[dict[int, Job], list[ProcessInstance]]:
    """The jobs, locked until the commit on PostgreSQL, and the instances of the timers among
    them (their handler loads it: one query for the batch instead of one per job)."""
    q = select(Job).where(Job.id.in_(job_ids)).order_by(Job.id).execution_options(populate_existing=True)
    locked = {job.id: job for job in db.session.scalars(q.with_for_update() if _postgres() else q)}
    timers = [job.instance_id for job in locked.values() if job.kind == "timer"]
    if not timers:
        return locked, []
    return locked, db.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(timers))).all()


def _handle(job: Job) -> None:
    fn = HANDLERS.get(job.kind)
    if fn is None:
        raise LookupError(f"no handler for job kind {job.kind!r}")
    fn(job)
    db.session.flush()  # a failure shows here, with its job


def _run_in_savepoint(job: Job) -> bool:
    try:
        with db.session.begin_nested():
            _handle(job)
            job.attempts += 1
            job.state, job.finished_at, job.lease_owner, job.lease_expires_at = "done", now(), None, None
        return True
    except Exception as err:  # any failure: record it, retry later or raise an incident
        _record_failure(job, err)
        return False


def run_job(job_id: int, owner: str) -> bool:
    """Run one leased job (a batch of one); True when it is done."""
    return run_jobs([job_id], owner).done == [job_id]


def _record_failure(job: Job, err: Exception) -> None:
    """In the batch's transaction, after the job's savepoint rolled back."""
    job.attempts += 1
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
            with db.session.begin_nested():
                hook(job, err, final)
        except Exception:  # the failure itself must be recorded whatever the hook does
            log.exception("failure hook of job %s (%s)", job.id, job.kind)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at 2 h."""
    return min(BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def run_due_jobs(owner: str | None = None, *, limit: int = 50) -> int:
    """One pass of the executor: lease and run what is due. Returns jobs done."""
    owner = owner or worker_id()
    return len(run_jobs(lease_due_jobs(owner, limit=limit), owner).done)


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
    # This job is the instance's one pending timer job and ends now: a next timer gets a new job.
    sync.advance(inst, wf, timer_job=None)
    runtime.save_workflow(inst, wf)


@handler("timer_start")
def _timer_start(job: Job) -> None:
    from app.engine import definitions, runtime
    from app.engine.actor import Actor

    definition = definitions.latest_definition(job.payload["key"])
    # The instance must not wait for its own start timer again (it is what fired):
    # runtime.start_process(timer_fired=True) marks it fired before the first step.
    inst = runtime.start_process(definition.key, actor=Actor.system(), commit=False, timer_fired=True)
    if job.payload.get("late"):
        from app.engine import history

        element, name = _timer_start_element(definition)
        history.record(inst.id, "timer_fired", element_id=element, element_name=name,
                       data={"late": True, "due": job.payload["late"]})
    fired = int(job.payload.get("fired", 0)) + 1
    due = next_timer_start(definition.timer_start or "", after=now(), fired=fired) if definition.timer_start else None
    if due is not None:
        db.session.add(Job(kind="timer_start", due_at=due, payload={"key": definition.key, "fired": fired}))
