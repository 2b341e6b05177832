"""Messages, start by message, call activities across definitions, incidents and retry."""
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.engine import definitions, history, runtime, tasks
from app.engine.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import HumanTask
from tests.engine.conftest import DATA


def open_tasks(inst):
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")).all()


@pytest.fixture
def message_def(app_ctx, actors):
    return definitions.deploy((DATA / "engine_message.bpmn").read_bytes(), actor=actors["owner"]).definition


def test_message_delivered_by_business_key(message_def, actors):
    inst = runtime.start_process("engine_message", actor=actors["agent"], business_key="M-1")
    assert open_tasks(inst) == []
    with pytest.raises(Conflict):
        runtime.deliver_message("customer_reply", business_key="M-unknown", actor=actors["agent"], payload={"qty": 1})
    with pytest.raises(Conflict):
        runtime.deliver_message("wrong_name", business_key="M-1", actor=actors["agent"])
    delivered = runtime.deliver_message("customer_reply", business_key="M-1", actor=actors["agent"], payload={"qty": 3})
    assert delivered == [inst.id]
    assert [t.element_id for t in open_tasks(inst)] == ["review"]
    assert runtime.variables_of(inst)["total"] == 30
    events = [e.event for e in history.for_instance(inst.id)]
    assert "message_received" in events and "script_run" in events


def test_script_error_raises_incident_then_retry_after_fixing_data(message_def, actors):
    inst = runtime.start_process("engine_message", actor=actors["agent"], business_key="M-2")
    runtime.deliver_message("customer_reply", business_key="M-2", actor=actors["agent"], payload={"qty": "many"})
    db.session.refresh(inst)
    assert inst.status == "incident" and inst.incident_element == "check"
    assert "many" in inst.incident_message or "int" in inst.incident_message
    assert open_tasks(inst) == []
    runtime.set_variables(inst.id, {"qty": 4}, actor=actors["supervisor"])
    runtime.retry_incident(inst.id, actor=actors["supervisor"])
    db.session.refresh(inst)
    assert inst.status == "running" and inst.incident_element is None
    assert [t.element_id for t in open_tasks(inst)] == ["review"]
    assert runtime.variables_of(inst)["total"] == 40
    events = [e.event for e in history.for_instance(inst.id)]
    assert events.index("incident_raised") < events.index("incident_resolved")


def test_other_instances_go_on_while_one_has_an_incident(message_def, actors):
    bad = runtime.start_process("engine_message", actor=actors["agent"], business_key="M-3")
    good = runtime.start_process("engine_message", actor=actors["agent"], business_key="M-4")
    runtime.deliver_message("customer_reply", business_key="M-3", actor=actors["agent"], payload={"qty": "x"})
    runtime.deliver_message("customer_reply", business_key="M-4", actor=actors["agent"], payload={"qty": 2})
    db.session.refresh(bad)
    db.session.refresh(good)
    assert (bad.status, good.status) == ("incident", "running")
    with pytest.raises(Conflict):
        runtime.retry_incident(good.id, actor=actors["supervisor"])


def test_start_by_message(app_ctx, actors):
    definitions.deploy((DATA / "engine_message.bpmn").read_bytes().replace(
        b'id="engine_message" name="Engine test messages" isExecutable="true"',
        b'id="engine_message" name="Engine test messages" isExecutable="false"'), actor=actors["owner"])
    started = runtime.start_by_message("web_form_request", actor=actors["agent"], business_key="W-1",
                                       variables={"subject": "报修"})
    assert len(started) == 1
    inst = started[0]
    assert inst.process_key == "engine_msg_start"
    assert [t.element_id for t in open_tasks(inst)] == ["triage"]
    with pytest.raises(NotFound):
        runtime.start_by_message("nobody_listens", actor=actors["agent"])


def test_call_activity_across_definitions(app_ctx, actors):
    with force_locale("en"), pytest.raises(Invalid, match="problem"):  # outside a request: the default is zh
        definitions.deploy((DATA / "engine_caller.bpmn").read_bytes().replace(b"engine_callee", b"engine_missing"),
                           actor=actors["owner"])
    definitions.deploy((DATA / "engine_callee.bpmn").read_bytes(), actor=actors["owner"])
    definitions.deploy((DATA / "engine_caller.bpmn").read_bytes(), actor=actors["owner"])
    inst = runtime.start_process("engine_caller", actor=actors["agent"], business_key="CA-1")
    [inner] = open_tasks(inst)
    assert inner.element_id == "inner" and inner.candidates[0].role_name == "TechSupport"
    tasks.complete(inner.id, {}, actor=actors["tech"])
    [after] = open_tasks(inst)
    assert after.element_id == "after"
    tasks.complete(after.id, {}, actor=actors["agent"])
    db.session.refresh(inst)
    assert inst.status == "completed"


def test_history_per_user(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="H-1")
    [task] = open_tasks(inst)
    tasks.claim(task.id, actor=actors["agent"])
    tasks.complete(task.id, {"matter": "x"}, actor=actors["agent"])
    mine = history.for_user(actors["agent"].user_id, limit=500)
    assert {"task_claimed", "task_completed", "instance_started"} <= {e.event for e in mine if e.instance_id == inst.id}
