"""Runtime and task services with persistence: start, claim, complete, history,
conflicts, incidents, status changes, messages."""
import pytest
from sqlalchemy import select

from app.engine import definitions, history, runtime, tasks
from app.engine.errors import Forbidden, Invalid, NotFound, TaskAlreadyClaimed, TaskAlreadyCompleted
from app.extensions import db
from app.models import HumanTask
from tests.engine.conftest import DATA


def open_task(inst, element):
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id=element, state="open")).one()


def test_deploy_is_versioned_and_idempotent(app_ctx, actors):
    xml = (DATA / "engine_complaint.bpmn").read_bytes()
    first = definitions.deploy(xml, actor=actors["owner"])
    again = definitions.deploy(xml, actor=actors["owner"])
    assert again.created is False and again.definition.id == first.definition.id
    changed = definitions.deploy(xml.replace(b"Engine test complaint", b"Engine test complaint 2"), actor=actors["owner"])
    assert changed.created and changed.definition.version == first.definition.version + 1
    assert len(changed.definition.checksum) == 64


def test_only_owners_deploy(app_ctx, actors):
    with pytest.raises(Forbidden):
        definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(), actor=actors["agent"])


def test_start_creates_group_task_with_form_due_date_and_history(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1001", customer="华东精密")
    assert inst.status == "running"
    task = open_task(inst, "register")
    assert task.assignee_id is None and task.priority == 60
    assert [c.role_name for c in task.candidates] == ["CustomerService"]
    assert task.due_at is not None and task.due_at > task.created_at
    assert "matter" in [f["id"] for f in task.form]
    assert "**matter**" in task.documentation
    ids = [t.id for t in tasks.query_tasks(actors["agent"], view="group", page_size=100).items]
    assert task.id in ids
    assert task.id not in [t.id for t in tasks.query_tasks(actors["tech"], view="group", page_size=100).items]
    events = [e.event for e in history.for_instance(inst.id)]
    assert events[0] == "instance_started" and "task_created" in events


def test_complete_validates_form_per_field(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1002")
    task = open_task(inst, "register")
    tasks.claim(task.id, actor=actors["agent"])
    with pytest.raises(Invalid) as err:
        tasks.complete(task.id, {"severity": "9", "bogus": 1}, actor=actors["agent"])
    fields = err.value.details["fields"]
    assert set(fields) == {"matter", "severity", "bogus"}
    assert open_task(inst, "register").state == "open"
    tasks.complete(task.id, {"matter": "噪音过大", "severity": "3"}, actor=actors["agent"])
    done = db.session.get(HumanTask, task.id)
    assert done.state == "completed" and done.submitted == {"matter": "噪音过大", "severity": 3}
    assert open_task(inst, "rectify").candidates[0].role_name == "TechSupport"


def test_full_loop_until_satisfied(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1003")
    for satisfied in (False, True):
        tasks.complete(open_task(inst, "register").id, {"matter": "m"}, actor=actors["agent"])
        tasks.complete(open_task(inst, "rectify").id, {"result": "fixed"}, actor=actors["tech"])
        tasks.complete(open_task(inst, "feedback").id, {"satisfied": satisfied}, actor=actors["agent"])
    db.session.refresh(inst)
    assert inst.status == "completed" and inst.ended_at is not None
    events = [e.event for e in history.for_instance(inst.id)]
    assert events.count("task_completed") == 6
    assert "gateway_taken" in events and events[-1] == "instance_completed"
    assert len(inst.state) < 4096, f"{len(inst.state)} bytes of state"


def test_claim_conflict_and_double_completion(app_ctx, actors, complaint_def):
    from app.engine.actor import Actor

    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1004")
    task = open_task(inst, "register")
    tasks.claim(task.id, actor=actors["agent"])
    other = Actor(actors["supervisor"].user_id, "supervisor", frozenset({"CustomerService"}))
    with pytest.raises(TaskAlreadyClaimed, match="agent"):
        tasks.claim(task.id, actor=other)
    with pytest.raises(Forbidden):
        tasks.complete(task.id, {"matter": "x"}, actor=other)
    tasks.complete(task.id, {"matter": "x"}, actor=actors["agent"])
    with pytest.raises(TaskAlreadyCompleted, match="already completed by agent"):
        tasks.complete(task.id, {"matter": "x"}, actor=actors["agent"])


def test_non_candidate_cannot_claim_or_see(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1005")
    task = open_task(inst, "register")
    with pytest.raises(Forbidden):
        tasks.claim(task.id, actor=actors["field"])
    with pytest.raises(NotFound):
        tasks.visible_task(task.id, actors["field"])
    assert tasks.visible_task(task.id, actors["supervisor"]).id == task.id


def test_supervisor_assigns_and_suspend_blocks_work(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1006")
    task = open_task(inst, "register")
    with pytest.raises(Forbidden):
        tasks.assign(task.id, actors["agent"].user_id, actor=actors["agent"])
    tasks.assign(task.id, actors["agent"].user_id, actor=actors["supervisor"])
    assert db.session.get(HumanTask, task.id).assignee_id == actors["agent"].user_id
    runtime.suspend(inst.id, actor=actors["supervisor"], reason="customer on holiday")
    with pytest.raises(Invalid, match="suspended"):
        tasks.complete(task.id, {"matter": "x"}, actor=actors["agent"])
    runtime.resume(inst.id, actor=actors["supervisor"])
    tasks.complete(task.id, {"matter": "x"}, actor=actors["agent"])
    with pytest.raises(Invalid):
        runtime.terminate(inst.id, actor=actors["supervisor"], reason=" ")
    runtime.terminate(inst.id, actor=actors["supervisor"], reason="duplicate complaint")
    db.session.refresh(inst)
    assert inst.status == "terminated" and inst.end_reason == "duplicate complaint"
    assert db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")).all() == []
    assert [e.event for e in history.for_instance(inst.id)][-1] == "instance_terminated"


def test_agent_cannot_suspend(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1007")
    with pytest.raises(Forbidden):
        runtime.suspend(inst.id, actor=actors["agent"])


def test_readonly_cannot_start(app_ctx, actors, complaint_def):
    with pytest.raises(Forbidden):
        runtime.start_process("engine_complaint", actor=actors["viewer"])


def test_bad_variables_refused(app_ctx, actors, complaint_def):
    with pytest.raises(Invalid):
        runtime.start_process("engine_complaint", actor=actors["agent"], variables={"__class__": 1})
    with pytest.raises(Invalid):
        runtime.start_process("engine_complaint", actor=actors["agent"], variables={"big": "x" * 300_000})


def test_my_tasks_and_completed_views(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="C-1008")
    task = open_task(inst, "register")
    tasks.claim(task.id, actor=actors["agent"])
    assert task.id in [t.id for t in tasks.query_tasks(actors["agent"], view="mine", page_size=500).items]
    page = tasks.query_tasks(actors["supervisor"], view="department", search="C-1008")
    assert [t.business_key for t in page.items] == ["C-1008"]
    tasks.complete(task.id, {"matter": "x"}, actor=actors["agent"])
    assert task.id in [t.id for t in tasks.query_tasks(actors["agent"], view="completed", page_size=500).items]
    with pytest.raises(Forbidden):
        tasks.query_tasks(actors["agent"], view="department")
