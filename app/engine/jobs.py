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
are registered ``external``, and each runs first in a transaction of its own
that commits right after it: a crash can repeat only a send whose acceptance
was not yet committed (one UPDATE later). See ``app.engine.mail``.

This module is the queue alone: which kind runs which handler is registered by
the rooms that own the work (``timers``, ``mail``, ``notifications``), in
``create_app``; the queue knows none of them.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event as sa_event, or_, select, update
from sqlalchemy.orm import Session

from app.engine import clock
from app.extensions import db
from app.models import Job, ProcessInstance
from app.models.engine import python_default, writes_together

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # default of JOB_LEASE_SECONDS
BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=2)
Handler = Callable[[Job], None]
FailureHook = Callable[[Job, Exception, bool], None]  # (job, error, final): in the transaction recording a failure
HANDLERS: dict[str, Handler] = {}
EXTERNAL: set[str] = set()  # kinds whose handler has effects outside the database: see run_jobs
FAILURE_HOOKS: dict[str, FailureHook] = {}
INSTANCE_KINDS: set[str] = set()  # kinds whose handler loads the job's instance: one query per batch


def register(kind: str, fn: Handler, *, external: bool = False, on_failure: FailureHook | None = None,
             loads_instance: bool = False) -> None:
    """``external``: the handler has an effect outside the database (an SMTP send); ``on_failure``
    runs when an attempt fails; ``loads_instance``: the batch loads the jobs' instances at once."""
    if len(kind) > Job.kind.type.length:  # SQLite would store a longer kind; PostgreSQL refuses it
        raise ValueError(f"job kind {kind!r} is longer than {Job.kind.type.length} characters")
    HANDLERS[kind] = fn
    for flag, kinds in ((external, EXTERNAL), (loads_instance, INSTANCE_KINDS)):
        if flag:
            kinds.add(kind)
    if on_failure is not None:
        FAILURE_HOOKS[kind] = on_failure


def handler(kind: str, *, external: bool = False) -> Callable[[Handler], Handler]:
    """``register`` as a decorator (test job kinds)."""
    def decorate(fn: Handler) -> Handler:
        register(kind, fn, external=external)
        return fn
    return decorate


def lease_duration() -> timedelta:
    seconds = current_app.config.get("JOB_LEASE_SECONDS") if has_app_context() else None
    seconds = seconds or os.environ.get("JOB_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else LEASE


now = clock.now  # the queue's "now" (tests and the bench read it here)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- queueing (inside the caller's transaction) --------------------------------

# The other columns take their defaults; inline: nobody reads the new id (no RETURNING on PostgreSQL).
_INSERT = Job.__table__.insert().inline()
# PostgreSQL: a job nobody holds waits for the step's state write, which carries it as a data-modifying CTE
# (``take_row``, ``runtime.save_workflow``): a round trip fewer. Without such a write the commit writes it.
_WAITING = "jobs_waiting"  # session.info: [values] of this transaction's jobs not yet written
_COLUMNS = ("kind", "instance_id", "due_at", "state", "retries_left", "attempts", "payload", "created_at")
ROW_CTE = Job.__table__.insert().values({key: bindparam("j_" + key) for key in _COLUMNS}).cte("job_row")


def enqueue(kind: str, payload: dict, *, due_at: datetime | None = None, instance_id: int | None = None,
            retries: int = 5, held: bool = True) -> Job | None:
    """Queue a job in the caller's transaction. ``held=False``: the caller never touches it again, so
    no ORM object: one Core INSERT instead of the unit of work (issue 22), and None. Outside a savepoint on
    PostgreSQL that INSERT waits for the step's state write (``take_row``) or the commit."""
    values = dict(kind=kind, payload=payload, due_at=due_at or clock.now(), instance_id=instance_id,
                  retries_left=retries)
    if not held:
        session = db.session()
        if writes_together(session) and not session.in_nested_transaction():
            session.info.setdefault(_WAITING, []).append(values)
        else:
            session.connection().execute(_INSERT, values)
        return None
    job = Job(**values)
    db.session.add(job)
    return job


def take_row(session: Session) -> dict | None:
    """The one job waiting to be written, taken out as ``ROW_CTE``'s parameters; None if not one."""
    waiting = session.info.get(_WAITING)
    if not waiting or len(waiting) != 1:
        return None
    values = session.info.pop(_WAITING)[0]
    values |= {key: python_default(Job.__table__.c[key].default) for key in _COLUMNS if key not in values}
    return {"j_" + key: value for key, value in values.items()}


@sa_event.listens_for(Session, "before_commit")
def _write_waiting(session: Session) -> None:
    if not session.in_nested_transaction() and (waiting := session.info.pop(_WAITING, None)):
        session.connection().execute(_INSERT, waiting)


@sa_event.listens_for(Session, "after_transaction_end")
def _transaction_ends(session: Session, transaction) -> None:
    if not transaction.nested and transaction.parent is None:  # written at the commit, or rolled back
        session.info.pop(_WAITING, None)


# --- execution ---------------------------------------------------------------

def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def lease_due_jobs(owner: str, *, limit: int = 10) -> list[int]:
    """Take up to ``limit`` due jobs (or jobs whose lease expired) for ``owner``."""
    t = clock.now()
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
        if kind in EXTERNAL and i > 0:  # commit what ran before: the send's transaction holds the send alone
            rest = todo[i:]
            break
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
            state="done", attempts=Job.attempts + 1, finished_at=clock.now(), lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False))
    return rest


def _lock(job_ids: list[int]) -> tuple[dict[int, Job], list[ProcessInstance]]:
    """The jobs, locked until the commit on PostgreSQL, and the instances of those whose handler
    loads it (``loads_instance``: one query for the batch instead of one per job)."""
    q = select(Job).where(Job.id.in_(job_ids)).order_by(Job.id).execution_options(populate_existing=True)
    locked = {job.id: job for job in db.session.scalars(q.with_for_update() if _postgres() else q)}
    wanted = [job.instance_id for job in locked.values() if job.kind in INSTANCE_KINDS]
    if not wanted:
        return locked, []
    return locked, db.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(wanted))).all()


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
            job.state, job.finished_at, job.lease_owner, job.lease_expires_at = "done", clock.now(), None, None
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
        job.due_at = clock.now() + backoff(job.attempts)
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
        job.state, job.retries_left, job.due_at, job.last_error = "pending", 3, clock.now(), None
        job.lease_owner = job.lease_expires_at = None
        db.session.commit()
    return job
