"""Job executor: retries with back-off, incidents and admin retry, lease expiry,
the `flask worker` process, and on PostgreSQL several worker processes sharing
the job table (2 000 timers, each fired exactly once) and a worker killed with
SIGKILL in the middle of a job."""
from __future__ import annotations

import os
import re
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, insert, select, update

from app.engine import definitions, history, jobs, runtime
from app.extensions import db
from app.models import Job, ProcessInstance
from app.models.audit import AuditLog
from tests.engine.ops_support import (  # noqa: F401  (fixtures)
    clean_jobs, diagram, flows, start_worker, stop_worker, stop_workers, wait_for,
)

CALLS: list[int] = []
FAIL = {"on": True}


@jobs.handler("test_flaky")
def _flaky(job: Job) -> None:
    CALLS.append(job.id)
    if FAIL["on"]:
        raise ConnectionError("service down")


@jobs.handler("test_effect")
def _effect(job: Job) -> None:
    from app.audit import audit

    CALLS.append(job.id)
    audit("test_effect", target=f"job {job.id}")


@jobs.handler("test_write_then_fail")
def _write_then_fail(job: Job) -> None:
    from app.audit import audit

    audit("test_write_then_fail", target=f"job {job.id}")
    db.session.flush()  # the write reached the database before the failure
    raise RuntimeError("crash after a write")


@jobs.handler("test_touch_instance")
def _touch_instance(job: Job) -> None:
    """Someone else changes an instance (a Core UPDATE: the session's copy of it goes stale)."""
    db.session.execute(update(ProcessInstance).where(ProcessInstance.id == job.payload["instance_id"])
                       .values(rev=ProcessInstance.rev + 1).execution_options(synchronize_session=False))


@jobs.handler("test_external", external=True)
def _external(job: Job) -> None:
    CALLS.append(job.id)  # stands for an SMTP send


@jobs.handler("test_external_sees", external=True)
def _external_sees(job: Job) -> None:
    """A send that looks, from another connection, at what the jobs before it committed."""
    with db.engine.connect() as conn:
        CALLS.append(conn.scalar(select(Job.state).where(Job.id == job.payload["job_id"])))


@jobs.handler("test_sees_committed")
def _sees_committed(job: Job) -> None:
    with db.engine.connect() as conn:  # another connection: committed rows only
        CALLS.append(conn.scalar(select(Job.state).where(Job.id == job.payload["job_id"])))


def _new_job(kind: str, payload: dict | None = None, **kw) -> int:
    job = jobs.enqueue(kind, payload or {}, **kw)
    db.session.commit()
    return job.id


def _effects(job_id: int, event: str = "test_effect") -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.event == event, AuditLog.target == f"job {job_id}"))


def test_retry_with_backoff_then_incident_then_admin_retry(clean_jobs):
    CALLS.clear()
    FAIL["on"] = True
    t0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    with time_machine.travel(t0, tick=False) as clock:
        job = jobs.enqueue("test_flaky", {}, retries=3)
        db.session.commit()
        job_id = job.id
        assert jobs.run_due_jobs("w1") == 0
        job = db.session.get(Job, job_id)
        assert (job.state, job.attempts, job.retries_left) == ("pending", 1, 2)
        assert job.due_at == t0 + timedelta(seconds=30) and job.last_error == "ConnectionError: service down"
        assert job.lease_owner is None

        clock.shift(timedelta(seconds=29))
        assert jobs.run_due_jobs("w1") == 0 and len(CALLS) == 1  # not due yet: back-off
        clock.shift(timedelta(seconds=1))
        jobs.run_due_jobs("w1")
        job = db.session.get(Job, job_id)
        assert (job.attempts, job.retries_left, len(CALLS)) == (2, 1, 2)
        assert job.due_at == t0 + timedelta(seconds=30 + 60)  # doubled

        clock.shift(timedelta(seconds=60))
        jobs.run_due_jobs("w1")
        job = db.session.get(Job, job_id)
        assert (job.state, job.attempts, job.retries_left) == ("incident", 3, 0)
        clock.shift(timedelta(days=1))
        assert jobs.run_due_jobs("w1") == 0 and len(CALLS) == 3  # incidents are not retried by themselves

        FAIL["on"] = False
        jobs.retry_job(job_id)
        assert jobs.run_due_jobs("w1") == 1
        job = db.session.get(Job, job_id)
        assert (job.state, job.attempts, job.last_error) == ("done", 4, None)
        assert job.finished_at == t0 + timedelta(seconds=90, days=1)


def test_backoff_is_capped():
    assert jobs.backoff(1) == timedelta(seconds=30)
    assert jobs.backoff(4) == timedelta(minutes=4)
    assert jobs.backoff(30) == jobs.MAX_BACKOFF


def test_expired_lease_is_taken_over_and_the_old_owner_loses_it(clean_jobs):
    CALLS.clear()
    t0 = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)
    with time_machine.travel(t0, tick=False) as clock:
        job_id = _new_job("test_effect")
        assert jobs.lease_due_jobs("A") == [job_id]  # A leases it ... and dies
        assert jobs.lease_due_jobs("B") == []  # the lease protects it meanwhile
        clock.shift(jobs.lease_duration() - timedelta(seconds=1))
        assert jobs.lease_due_jobs("B") == []
        clock.shift(timedelta(seconds=2))
        assert jobs.lease_due_jobs("B") == [job_id]  # expired: B takes over
        assert jobs.run_job(job_id, "A") is False  # A came back late: it is not A's any more
        assert jobs.run_job(job_id, "B") is True
        assert jobs.run_job(job_id, "B") is False  # done is done
    job = db.session.get(Job, job_id)
    assert (job.state, job.attempts, CALLS, _effects(job_id)) == ("done", 1, [job_id], 1)


def test_lease_length_is_configurable(app, clean_jobs):
    app.config["JOB_LEASE_SECONDS"] = 7
    try:
        assert jobs.lease_duration() == timedelta(seconds=7)
    finally:
        app.config.pop("JOB_LEASE_SECONDS")
    assert jobs.lease_duration() == jobs.LEASE


def test_failed_job_rolls_back_its_effects(clean_jobs):
    @jobs.handler("test_half")
    def _half(job):
        from app.audit import audit

        audit("test_half", target=f"job {job.id}")
        db.session.flush()
        raise RuntimeError("crash after a write")

    job_id = _new_job("test_half")
    jobs.run_due_jobs("w")
    assert _effects(job_id, "test_half") == 0
    assert db.session.get(Job, job_id).state == "pending"


def test_a_failing_job_in_a_batch_rolls_back_alone_and_the_others_commit(clean_jobs):
    CALLS.clear()
    first, bad, last = _new_job("test_effect"), _new_job("test_write_then_fail"), _new_job("test_effect")
    result = jobs.run_jobs(jobs.lease_due_jobs("w"), "w")
    assert (result.done, result.failed, result.left) == ([first, last], [bad], [])
    assert CALLS == [first, first, last]  # rolled back with the failure, the first job ran again (in a savepoint)
    db.session.expire_all()
    assert (_effects(first), _effects(last), _effects(bad, "test_write_then_fail")) == (1, 1, 0)
    failed = db.session.get(Job, bad)
    assert (failed.state, failed.attempts, failed.retries_left, failed.lease_owner) == ("pending", 1, 4, None)
    assert failed.last_error == "RuntimeError: crash after a write" and failed.due_at > jobs.now()
    assert [db.session.get(Job, i).attempts for i in (first, last)] == [1, 1]


def test_a_stopped_batch_commits_what_ran_and_leaves_the_rest_leased(clean_jobs):
    CALLS.clear()
    ids = [_new_job("test_effect") for _ in range(3)]
    result = jobs.run_jobs(jobs.lease_due_jobs("w"), "w", stop=lambda: len(CALLS) == 1)
    assert (result.done, result.left) == (ids[:1], ids[1:])
    db.session.expire_all()
    assert [db.session.get(Job, i).state for i in ids] == ["done", "pending", "pending"]
    assert {db.session.get(Job, i).lease_owner for i in ids[1:]} == {"w"}
    jobs.release_leases(result.left, "w")
    assert sorted(jobs.lease_due_jobs("other")) == ids[1:]


def test_a_job_with_effects_outside_the_database_commits_before_the_next_one_runs(clean_jobs):
    CALLS.clear()
    sent = _new_job("test_external")
    check = _new_job("test_sees_committed", {"job_id": sent})
    assert jobs.run_jobs(jobs.lease_due_jobs("w"), "w").done == [sent, check]
    assert CALLS == [sent, "done"]


def test_a_send_runs_in_a_transaction_of_its_own(clean_jobs):
    """The jobs before a send commit before it, so the send's transaction is the send and the
    acceptance alone (issue 22: "record the SMTP acceptance in a separate short transaction")."""
    CALLS.clear()
    before = _new_job("test_effect")
    send = _new_job("test_external_sees", {"job_id": before})
    assert jobs.run_jobs(jobs.lease_due_jobs("w"), "w").done == [before, send]
    assert CALLS == [before, "done"]


def test_a_timer_whose_instance_changed_meanwhile_fails_alone_and_fires_later(clean_jobs, actors):
    """The batch loads its timers' instances up front: one changed by someone else before its
    job runs is caught by the rev check; that job is retried, the batch goes on."""
    definitions.deploy(TIMER_XML, actor=actors["owner"])
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(hours=1), tick=False):
        inst = runtime.start_process("drain_timer", actor=actors["agent"], business_key="STALE")
    timer = db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.kind == "timer")).one()
    timer_id, inst_id = timer.id, inst.id
    touch = _new_job("test_touch_instance", {"instance_id": inst_id}, due_at=timer.due_at - timedelta(seconds=1))
    after = _new_job("test_effect")
    result = jobs.run_jobs(jobs.lease_due_jobs("w"), "w")
    assert (result.done, result.failed) == ([touch, after], [timer_id])
    db.session.expire_all()
    job = db.session.get(Job, timer_id)
    assert job.state == "pending" and "StaleDataError" in job.last_error
    def fired() -> int:
        return sum(e.event == "timer_fired" for e in history.for_instance(inst_id))

    assert fired() == 0 and db.session.get(ProcessInstance, inst_id).status == "running"
    with time_machine.travel(job.due_at + timedelta(seconds=1), tick=False):
        assert jobs.run_due_jobs("w") == 1
    assert fired() == 1 and db.session.get(ProcessInstance, inst_id).status == "completed"


def test_unknown_kind_becomes_an_error_not_a_crash(clean_jobs):
    job_id = _new_job("no_such_kind", retries=1)
    jobs.run_due_jobs("w")
    job = db.session.get(Job, job_id)
    assert job.state == "incident" and "no handler" in job.last_error


def test_release_leases_gives_jobs_back(clean_jobs):
    ids = [_new_job("test_effect") for _ in range(3)]
    assert sorted(jobs.lease_due_jobs("A")) == ids
    jobs.release_leases(ids[1:], "A")
    assert sorted(jobs.lease_due_jobs("B")) == ids[1:]


def test_worker_runs_due_jobs_once(app, clean_jobs):
    from app.engine.worker import Worker

    CALLS.clear()
    ids = [_new_job("test_effect") for _ in range(25)]
    worker = Worker(app, batch=10, owner="w-once")
    assert worker.run(once=True) == 25
    assert sorted(CALLS) == ids
    db.session.expire_all()
    assert {db.session.get(Job, i).state for i in ids} == {"done"}


# --- real worker processes ---------------------------------------------------------

def _db_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def test_flask_worker_process_runs_jobs_and_stops_on_sigterm(app, clean_jobs, tmp_path):
    log = tmp_path / "worker.log"
    proc = start_worker(_db_url(app), log_path=log)
    try:
        job_id = _new_job("sla_breach", {"task_id": 0})  # of no task: a no-op that must finish

        def finished():
            db.session.expire_all()
            return db.session.get(Job, job_id).state == "done"

        wait_for(finished, 30, "the worker process to run the job")
        assert stop_worker(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert "started" in text and "SIGTERM received" in text and re.search(r"stopped: \d+ jobs done", text)


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("several workers share the job table only on PostgreSQL (SQLite: one worker); "
                    "run with TEST_DATABASE_URL=postgresql://...")


TIMER_XML = diagram("drain_timer", '<bpmn:startEvent id="s"/>'
                    '<bpmn:intermediateCatchEvent id="wait" name="Wait a minute"><bpmn:timerEventDefinition>'
                    '<bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>'
                    '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>' + flows(("s", "wait"), ("wait", "e")))
N_TIMERS = 2000


def test_three_worker_processes_fire_2000_timers_exactly_once(app, clean_jobs, actors, postgres_only, tmp_path):
    definitions.deploy(TIMER_XML, actor=actors["owner"])
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(hours=1), tick=False):
        first = runtime.start_process("drain_timer", actor=actors["agent"], business_key="DRAIN")
    template = db.session.get(ProcessInstance, first.id)
    timer = db.session.scalars(select(Job).where(Job.instance_id == first.id, Job.kind == "timer")).one()
    rows = [{"definition_id": template.definition_id, "process_key": template.process_key, "business_key": "DRAIN",
             "status": "running", "state": template.state, "rev": 1, "started_by_id": template.started_by_id,
             "started_at": template.started_at} for _ in range(N_TIMERS - 1)]
    ids = [first.id, *db.session.scalars(insert(ProcessInstance).returning(ProcessInstance.id), rows)]
    due, later = timer.due_at, jobs.now() + timedelta(days=1)  # not due until all three workers are up
    db.session.execute(update(Job).where(Job.id == timer.id).values(due_at=later))
    db.session.execute(insert(Job), [{"kind": "timer", "instance_id": i, "due_at": later, "payload": {},
                                      "state": "pending", "retries_left": 3, "attempts": 0} for i in ids[1:]])
    db.session.commit()

    logs = [tmp_path / f"w{i}.log" for i in range(3)]
    procs = [start_worker(_db_url(app), log_path=p, batch=20, poll=0.1) for p in logs]

    def drained():
        return db.session.scalar(select(func.count()).select_from(Job).where(
            Job.instance_id.in_(ids), Job.kind == "timer", Job.state == "pending")) == 0

    try:
        wait_for(lambda: all(p.exists() and " started " in p.read_text() for p in logs), 90, "three workers to start")
        db.session.execute(update(Job).where(Job.instance_id.in_(ids), Job.kind == "timer", Job.state == "pending")
                           .values(due_at=due))
        db.session.commit()
        started = time.monotonic()
        wait_for(drained, 180, "three workers to drain 2 000 timers", interval=0.1)
        elapsed = time.monotonic() - started
    finally:
        codes = stop_workers(procs)
    assert codes == [0, 0, 0]
    done_jobs = db.session.scalars(select(Job).where(Job.instance_id.in_(ids), Job.kind == "timer")).all()
    assert len(done_jobs) == N_TIMERS and {j.state for j in done_jobs} == {"done"}
    assert max(j.attempts for j in done_jobs) == 1  # no job ran twice (nor failed)
    fired = {i: n for i in ids if (n := sum(e.event == "timer_fired" for e in history.for_instance(i)))}
    duplicates = {i: n for i, n in fired.items() if n != 1}
    assert len(fired) == N_TIMERS and duplicates == {}
    statuses = set(db.session.scalars(select(ProcessInstance.status).where(ProcessInstance.id.in_(ids))))
    assert statuses == {"completed"}
    per_worker = [int(re.search(r"stopped: (\d+) jobs done", p.read_text()).group(1)) for p in logs]
    finished = [j.finished_at for j in done_jobs]
    span = (max(finished) - min(finished)).total_seconds()
    print(f"\n2000 timers, 3 workers: {elapsed:.1f} s from due to drained, {span:.1f} s first-to-last job, "
          f"jobs per worker {per_worker}, duplicates {len(duplicates)}")
    assert sum(per_worker) >= N_TIMERS and min(per_worker) > 0  # all three took part


def test_worker_killed_mid_job_another_completes_it_exactly_once(app, clean_jobs, postgres_only, tmp_path):
    marker, flag = tmp_path / "attempts.txt", tmp_path / "go"
    job_id = _new_job("test_block", {"marker": str(marker), "flag": str(flag)})
    lease = 1.5
    a = start_worker(_db_url(app), log_path=tmp_path / "a.log", lease_seconds=lease)
    b = start_worker(_db_url(app), log_path=tmp_path / "b.log", lease_seconds=lease)
    procs = {a.pid: a, b.pid: b}
    try:
        first = wait_for(lambda: marker.exists() and marker.read_text().split(), 30, "a worker to start the job")
        assert len(first) == 1
        victim = procs[int(first[0])]
        survivor = b if victim is a else a
        # Past the lease the victim still holds the job's row lock: alive and slow, it keeps the job.
        time.sleep(lease + 1)
        assert marker.read_text().split() == first
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        flag.touch()

        def finished():
            db.session.expire_all()
            return db.session.get(Job, job_id).state == "done"

        wait_for(finished, 30, "the surviving worker to complete the job")
        attempts = marker.read_text().split()
        assert attempts == [str(victim.pid), str(survivor.pid)]
        job = db.session.get(Job, job_id)
        assert job.attempts == 1  # the killed attempt was never committed
        assert _effects(job_id, "test_block_done") == 1  # the effect happened exactly once
        assert stop_worker(survivor) == 0
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait(5)
    assert os.path.exists(tmp_path / "a.log")


def _unheld(marker: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "test_effect",
                                                                          Job.payload["m"].as_string() == marker))


def test_a_job_nobody_holds_is_written_by_the_commit_or_not_at_all(clean_jobs):
    """Issue 22: on PostgreSQL a ``held=False`` job waits for the step's state write (one round trip fewer).
    Whatever carries it, the commit has it written, a rollback drops it, and one queued inside a savepoint
    is written at once, so the savepoint's rollback takes it back and the rest stays."""
    assert jobs.enqueue("test_effect", {"m": "committed"}, held=False) is None
    db.session.commit()
    assert _unheld("committed") == 1

    jobs.enqueue("test_effect", {"m": "rolled back"}, held=False)
    db.session.rollback()
    db.session.commit()  # nothing left over for the next transaction to write
    assert _unheld("rolled back") == 0

    jobs.enqueue("test_effect", {"m": "before the savepoint"}, held=False)
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            jobs.enqueue("test_effect", {"m": "in the savepoint"}, held=False)
            raise RuntimeError("undo the savepoint")
    db.session.commit()
    assert (_unheld("before the savepoint"), _unheld("in the savepoint")) == (1, 0)


def test_a_step_writes_its_history_row_and_job_with_its_state(app_ctx, actors):
    """What the state write carries on PostgreSQL (the step's history row, the new task's task_mail job) is
    stored as the separate statements store it on SQLite: one history row with the step's events, one
    pending job for the new task."""
    from app.engine import tasks
    from app.engine.notifications import TASK_MAIL
    from app.models import HistoryEvent, HumanTask
    from tests.engine.conftest import DATA

    definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(), actor=actors["owner"])
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="JOB-CTE")
    instance_id = inst.id
    register = db.session.scalar(select(HumanTask.id).filter_by(instance_id=instance_id, element_id="register"))
    rows_before = db.session.scalar(select(func.count()).select_from(HistoryEvent).filter_by(instance_id=instance_id))
    tasks.complete(register, {"matter": "m"}, actor=actors["agent"])
    rectify = db.session.scalar(select(HumanTask.id).filter_by(instance_id=instance_id, element_id="rectify"))
    rows = db.session.scalars(select(HistoryEvent).filter_by(instance_id=instance_id).order_by(HistoryEvent.id)).all()
    assert len(rows) == rows_before + 1 and rows[-1].user_id == actors["agent"].user_id
    assert [e.event for e in history.for_instance(instance_id)][-2:] == ["task_completed", "task_created"]
    mail = db.session.scalars(select(Job).where(Job.kind == TASK_MAIL, Job.payload["task_id"].as_integer() == rectify)).all()
    assert [(j.state, j.attempts, j.instance_id, j.retries_left) for j in mail] == [("pending", 0, None, 5)]
    assert mail[0].created_at is not None and mail[0].due_at is not None
