"""Engine throughput with persistence vs bare SpiffWorkflow, and storage per instance.

The workload is the complaint loop with 6 user-task completions:
register -> rectify -> feedback (not satisfied) -> register -> rectify -> feedback (satisfied).
"""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select, update

DIAGRAM = Path(__file__).resolve().parents[1] / "tests" / "data" / "engine_complaint.bpmn"
STEPS = [("register", {"matter": "噪音"}), ("rectify", {"result": "ok"}), ("feedback", {"satisfied": False}),
         ("register", {"matter": "噪音"}), ("rectify", {"result": "ok"}), ("feedback", {"satisfied": True})]


def bare_spiff(n: int) -> dict:
    """The library's own limit: in memory, one JSON serialise+deserialise per step."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from app.engine.bpmn import parse_definition
    from app.engine.bpmn.parser import create_serializer
    from app.engine.scripting import script_engine

    parsed = parse_definition(DIAGRAM.read_bytes(), filename=DIAGRAM.name)
    specs = dict(parsed.specs)
    spec = specs.pop(parsed.process_id)
    engine = script_engine()
    serializer = create_serializer()  # the library's own format: spec included
    t0 = time.perf_counter()
    for _ in range(n):
        wf = BpmnWorkflow(spec, specs, script_engine=engine)
        wf.do_engine_steps()
        for element, data in STEPS:
            blob = serializer.serialize_json(wf)
            wf = serializer.deserialize_json(blob)
            wf.script_engine = engine
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element)
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
        assert wf.completed
    seconds = time.perf_counter() - t0
    return {"instances_per_s": n / seconds, "completions_per_s": 6 * n / seconds, "seconds": seconds, "n": n}


def floor_db(n: int) -> dict:
    """A floor with persistence: the engine's own state format (compressed, spec cached), and per
    step one UPDATE of the state blob and a COMMIT: no task rows, history, mails or checks."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState
    from sqlalchemy import text

    from app.engine import definitions, store
    from app.engine.actor import Actor
    from app.engine.scripting import script_engine
    from app.extensions import db

    definition = definitions.deploy(DIAGRAM.read_bytes(), actor=Actor.system()).definition
    spec, subs = definitions.specs_of(definition)
    engine = script_engine()
    insert = text("INSERT INTO process_instance (definition_id, process_key, status, state, rev, started_at) "
                  "VALUES (:d, 'floor', 'completed', :s, 1, CURRENT_TIMESTAMP) RETURNING id")
    update = text("UPDATE process_instance SET state = :s WHERE id = :id")
    t0 = time.perf_counter()
    for _ in range(n):
        wf = BpmnWorkflow(spec, subs, script_engine=engine)
        wf.do_engine_steps()
        row_id = db.session.scalar(insert, {"d": definition.id, "s": store.dump_state(wf)})
        db.session.commit()
        for element, data in STEPS:
            blob = db.session.scalar(text("SELECT state FROM process_instance WHERE id = :id"), {"id": row_id})
            wf = store.load_state(blob, spec, subs, engine)
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element)
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            db.session.execute(update, {"s": store.dump_state(wf), "id": row_id})
            db.session.commit()
        assert wf.completed
    seconds = time.perf_counter() - t0
    return {"instances_per_s": n / seconds, "completions_per_s": 6 * n / seconds, "seconds": seconds, "n": n}


def floor_and_engine(n: int, chunks: int = 4) -> tuple[dict, dict]:
    """``floor_db`` and ``persistent`` over ``n`` instances each, in alternating chunks: the host's speed
    drifts by a third within minutes (bench/README.md), so their ratio compares the same windows."""
    sizes = [size for size in (n // chunks + (i < n % chunks) for i in range(chunks)) if size]
    floors, engines = [], []
    for size in sizes:
        floors.append(floor_db(size))
        engines.append(persistent(size))
    persisted = dict(engines[-1])  # the running instance's state: the last chunk's
    for key in ("completed_state_bytes", "task_rows_per_instance", "history_rows_per_instance",
                "db_bytes_per_completed_instance"):
        values = [(e[key], e["n"]) for e in engines if e[key] is not None]
        persisted[key] = sum(v * k for v, k in values) / sum(k for _, k in values) if values else None
    return _summed(floors), persisted | _summed(engines)


def _summed(runs: list[dict]) -> dict:
    n, seconds = sum(r["n"] for r in runs), sum(r["seconds"] for r in runs)
    return {"instances_per_s": n / seconds, "completions_per_s": 6 * n / seconds, "seconds": seconds, "n": n,
            "chunks": len(runs)}


def isolated_diagram() -> bytes:
    """The same process, its tasks offered to the admin user instead of a whole role: the engine
    cost without mailing every member of a large group (see the fan-out figure of the inbox part)."""
    xml = DIAGRAM.read_bytes().replace(b'id="engine_complaint"', b'id="engine_complaint_iso"')
    for group in (b"CustomerService", b"TechSupport"):
        xml = xml.replace(b'camunda:candidateGroups="' + group + b'"', b'camunda:candidateUsers="admin"')
    return xml


def persistent(n: int, xml: bytes | None = None, key: str = "engine_complaint") -> dict:
    """The same steps through the engine services, each step its own transaction."""
    from app.engine import definitions, runtime, tasks
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HistoryEvent, HumanTask, ProcessInstance

    sm = __import__("flask").current_app.appbuilder.sm
    actor = Actor(sm.find_user(username="admin").id, "admin", frozenset({"Admin", "CustomerService", "TechSupport"}))
    definitions.deploy(xml or DIAGRAM.read_bytes(), actor=Actor(actor.user_id, "admin", frozenset({"Admin"})))
    ids = []
    t0 = time.perf_counter()
    for i in range(n):
        # Each step's answer names the instance's open tasks (``open_after``, read before the commit as the
        # API builds its answer): the next task needs no query, as for an API client.
        now = {}
        runtime.start_process(key, actor=actor, business_key=f"B-{time.time_ns()}-{i}",
                              before_commit=lambda inst: now.update(_open(inst.open_after), id=inst.id))
        ids.append(now["id"])
        for element, data in STEPS:
            task_id = now.get(element) or db.session.scalar(select(HumanTask.id).where(
                HumanTask.instance_id == ids[-1], HumanTask.element_id == element, HumanTask.state == "open"))
            now = {}
            tasks.complete(task_id, data, actor=actor, before_commit=lambda task: now.update(_open(task.open_after)))
    seconds = time.perf_counter() - t0
    # storage of a completed instance: state + task rows + history rows (as stored)
    state = db.session.scalar(select(func.avg(func.length(ProcessInstance.state))).where(ProcessInstance.id.in_(ids)))
    task_rows = db.session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.instance_id.in_(ids)))
    hist_rows = db.session.scalar(select(func.count()).select_from(HistoryEvent).where(HistoryEvent.instance_id.in_(ids)))
    # a running instance: started, waiting at its first task
    running = runtime.start_process(key, actor=actor, business_key=f"R-{time.time_ns()}")
    return {"instances_per_s": n / seconds, "completions_per_s": 6 * n / seconds, "seconds": seconds, "n": n,
            "completed_state_bytes": float(state), "running_state_bytes": len(running.state),
            "task_rows_per_instance": task_rows / n, "history_rows_per_instance": hist_rows / n,
            "db_bytes_per_completed_instance": _db_bytes_per_instance(ids)}


def _open(rows) -> dict:
    """{element id: task id} of a step's open tasks (none when the step did not have them in hand)."""
    return {row.element_id: row.id for row in rows or ()}


def _db_bytes_per_instance(ids: list[int]) -> float | None:
    """On PostgreSQL: the on-disk size of one instance's rows (state, tasks, history)."""
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        return None
    q = text("""SELECT (SELECT sum(pg_column_size(p.*)) FROM process_instance p WHERE id = ANY(:ids))
                    + (SELECT coalesce(sum(pg_column_size(t.*)),0) FROM human_task t WHERE instance_id = ANY(:ids))
                    + (SELECT coalesce(sum(pg_column_size(h.*)),0) FROM history_event h WHERE instance_id = ANY(:ids))""")
    return float(db.session.scalar(q, {"ids": ids})) / len(ids)


def _run_task_mail_jobs(after: int) -> None:
    """Lease and run the task_mail jobs queued after job id ``after`` (only those: the data set's other
    jobs stay as they are)."""
    from datetime import timedelta

    from app.engine import clock, jobs, notifications
    from app.extensions import db
    from app.models import Job

    ids = db.session.scalars(select(Job.id).where(Job.id > after, Job.kind == notifications.TASK_MAIL)).all()
    db.session.execute(update(Job).where(Job.id.in_(ids)).values(
        lease_owner="bench-fanout", lease_expires_at=clock.now() + timedelta(minutes=5)))
    db.session.commit()
    jobs.run_jobs(list(ids), "bench-fanout")


def fanout(n: int = 3) -> dict:
    """Start the complaint process as is: its first task goes to the whole CustomerService role,
    and every member is mailed (one Bcc mail). Milliseconds per start, outbox rows and recipients per start."""
    from app.engine import runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import Job, MailOutbox

    actor = Actor(None, "system", frozenset({"Admin"}))
    before = db.session.scalar(select(func.max(MailOutbox.id))) or 0
    last_job = db.session.scalar(select(func.max(Job.id))) or 0
    times, job_times = [], []
    for i in range(n):
        t0 = time.perf_counter()
        runtime.start_process("engine_complaint", actor=actor, business_key=f"F-{time.time_ns()}-{i}")
        t1 = time.perf_counter()
        _run_task_mail_jobs(after=last_job)  # the new task's task_mail job writes the mails, as a worker does
        last_job = db.session.scalar(select(func.max(Job.id))) or 0
        times.append(t1 - t0)
        job_times.append(time.perf_counter() - t1)
    rows = db.session.scalars(select(MailOutbox.recipients).where(MailOutbox.id > before)).all()
    return {"ms_per_start": 1000 * sum(times) / n, "ms_task_mail_job": 1000 * sum(job_times) / n,
            "mails_per_start": len(rows) / n, "recipients_per_start": sum(len(r or []) for r in rows) / n, "n": n}
