"""Engine throughput with persistence vs bare SpiffWorkflow, and storage per instance.

The workload is the complaint loop with 6 user-task completions:
register -> rectify -> feedback (not satisfied) -> register -> rectify -> feedback (satisfied).
"""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

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


def persistent(n: int) -> dict:
    """The same steps through the engine services, each step its own transaction."""
    from app.engine import definitions, runtime, tasks
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HistoryEvent, HumanTask, ProcessInstance

    sm = __import__("flask").current_app.appbuilder.sm
    actor = Actor(sm.find_user(username="admin").id, "admin", frozenset({"Admin", "CustomerService", "TechSupport"}))
    definitions.deploy(DIAGRAM.read_bytes(), actor=Actor(actor.user_id, "admin", frozenset({"Admin"})))
    ids = []
    t0 = time.perf_counter()
    for i in range(n):
        inst = runtime.start_process("engine_complaint", actor=actor, business_key=f"B-{time.time_ns()}-{i}")
        ids.append(inst.id)
        for element, data in STEPS:
            task_id = db.session.scalar(select(HumanTask.id).where(
                HumanTask.instance_id == inst.id, HumanTask.element_id == element, HumanTask.state == "open"))
            tasks.complete(task_id, data, actor=actor)
    seconds = time.perf_counter() - t0
    # storage of a completed instance: state + task rows + history rows (as stored)
    state = db.session.scalar(select(func.avg(func.length(ProcessInstance.state))).where(ProcessInstance.id.in_(ids)))
    task_rows = db.session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.instance_id.in_(ids)))
    hist_rows = db.session.scalar(select(func.count()).select_from(HistoryEvent).where(HistoryEvent.instance_id.in_(ids)))
    # a running instance: started, waiting at its first task
    running = runtime.start_process("engine_complaint", actor=actor, business_key=f"R-{time.time_ns()}")
    return {"instances_per_s": n / seconds, "completions_per_s": 6 * n / seconds, "seconds": seconds, "n": n,
            "completed_state_bytes": float(state), "running_state_bytes": len(running.state),
            "task_rows_per_instance": task_rows / n, "history_rows_per_instance": hist_rows / n,
            "db_bytes_per_completed_instance": _db_bytes_per_instance(ids)}


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
