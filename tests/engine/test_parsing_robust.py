"""Robust parsing of Camunda Modeler diagrams: ids the runtime can rely on, message-only starts,
formKey forms, DMN files, and JUEL attributes evaluated or refused at deploy (tests/data/bpmn/camunda)."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.engine import clock, definitions, runtime, tasks
from app.engine.bpmn import parse_definition
from app.engine.errors import Conflict, Invalid
from app.engine.script_helpers import add_months
from app.extensions import db
from app.models import HumanTask
from tests.engine.conftest import DATA

CAMUNDA = DATA / "bpmn" / "camunda"


def diagram(name: str) -> bytes:
    return (CAMUNDA / name).read_bytes()


def open_task(inst, element):
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id=element,
                                                          state="open")).one()


def test_ids_start_and_end_deploy_and_run(app_ctx, actors):
    parsed = parse_definition(diagram("parse_start_end_ids.bpmn"))
    assert parsed.deployable and parsed.problems == []
    ids = {ts.bpmn_id for ts in parsed.main_spec.task_specs.values() if ts.bpmn_id}
    assert {"Start", "Review", "End"} <= ids  # the drawn ids, not the renamed spec names
    definitions.deploy(diagram("parse_start_end_ids.bpmn"), actor=actors["owner"])
    inst = runtime.start_process("parse_start_end", actor=actors["agent"])
    tasks.complete(open_task(inst, "Review").id, {}, actor=actors["agent"])
    db.session.refresh(inst)
    assert inst.status == "completed"


def test_a_flow_without_id_gets_one_and_a_warning(app_ctx, actors):
    parsed = parse_definition(diagram("parse_flow_without_id.bpmn"))
    [warning] = parsed.problems
    assert (warning.severity, warning.element_type, warning.element_name) == ("warning", "sequenceFlow", "checked")
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        assert warning.element_id == "sequenceFlow_generated_1" and "has no id" in warning.message
    assert "该顺序流没有 ID" in warning.message
    assert warning.line == 12
    definitions.deploy(diagram("parse_flow_without_id.bpmn"), actor=actors["owner"])
    inst = runtime.start_process("parse_flow_without_id", actor=actors["agent"])
    tasks.complete(open_task(inst, "Check").id, {}, actor=actors["agent"])
    db.session.refresh(inst)
    assert inst.status == "completed"  # before: the flow was dropped and the instance stuck


def test_a_message_only_process_refuses_a_plain_start(app_ctx, actors):
    definitions.deploy(diagram("parse_message_only_start.bpmn"), actor=actors["owner"])
    with pytest.raises(Conflict) as info:
        runtime.start_process("parse_message_only", actor=actors["sales"])
    assert info.value.http_status == 409 and "'order_placed'" in info.value.message
    assert info.value.details["messages"] == ["order_placed"]
    [inst] = [i for i in runtime.start_by_message("order_placed", actor=actors["sales"])
              if i.process_key == "parse_message_only"]
    assert open_task(inst, "Handle").state == "open"


def test_form_key_tasks_warn_and_get_a_generic_form(app_ctx, actors):
    """An HTML formKey gets a generic form with a warning; a camunda:formRef names a Camunda Form, which
    must be deployed first (the form builder's forms, app.engine.form_defs)."""
    from app.engine import form_defs

    parsed = parse_definition(diagram("parse_form_key.bpmn"))
    warnings = {(p.element_id, p.severity) for p in parsed.problems}
    assert warnings == {("Approve", "warning")}
    if form_defs.latest_form("archive-form", required=False) is None:  # shared database: maybe deployed by an earlier run of this test
        with pytest.raises(Invalid) as refused:
            definitions.deploy(diagram("parse_form_key.bpmn"), actor=actors["owner"])
        assert [p["element_id"] for p in refused.value.details["problems"]] == ["Archive"]
    form_defs.deploy({"type": "default", "id": "archive-form", "schemaVersion": 16, "components": [
        {"type": "textfield", "id": "note_field", "key": "archive_note", "label": "归档备注"}]}, actor=actors["owner"])
    definitions.deploy(diagram("parse_form_key.bpmn"), actor=actors["owner"])
    inst = runtime.start_process("parse_form_key", actor=actors["agent"], variables={"customer": "华东", "amount": 5})
    task = open_task(inst, "Approve")
    assert [(f.id, f.required) for f in tasks.form_fields(task)] == [("customer", False), ("amount", False)]
    tasks.complete(task.id, {"amount": 7}, actor=actors["supervisor"])
    variables = runtime.variables_of(inst)
    assert (variables["customer"], variables["amount"]) == ("华东", 7)  # a field left out erases nothing
    tasks.complete(open_task(inst, "Archive").id, {}, actor=actors["agent"])
    db.session.refresh(inst)
    assert inst.status == "completed"


def test_a_dmn_file_gets_its_own_message(app_ctx, actors):
    [problem] = parse_definition(diagram("parse_decision.dmn")).problems
    assert problem.element_id == "approve_refund" and problem.element_type == "decision" and problem.line == 3
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        assert "DMN decision table" in problem.message and "root element" not in problem.message
    with pytest.raises(Invalid) as info, force_locale("en"):
        definitions.deploy(diagram("parse_decision.dmn"), actor=actors["owner"])
    assert "DMN decision table" in info.value.details["problems"][0]["message"]


def test_invoice_juel_attributes_run(app_ctx, actors):
    """The official invoice example's dueDate and JUEL conditions: no 500, no incident."""
    definitions.deploy(diagram("expr_invoice.bpmn"), actor=actors["owner"])
    inst = runtime.start_process("expr_invoice", actor=actors["agent"],
                                 variables={"approver": "supervisor", "team": "Supervisor", "amount": 1500,
                                            "clarified": "no"})
    first = open_task(inst, "assignApprover")
    assert abs(first.due_at - (clock.now() + timedelta(days=2))) < timedelta(minutes=1)
    tasks.complete(first.id, {}, actor=actors["agent"])
    second = open_task(inst, "approveInvoice")
    assert second.priority == 80 and second.assignee_id == actors["supervisor"].user_id
    assert [c.role_name for c in second.candidates] == ["Supervisor"]
    assert abs(second.follow_up_at - (clock.now() + timedelta(hours=4))) < timedelta(minutes=1)
    month_later = add_months(clock.now(), 1, clock.zone())  # plusMonths: a calendar month
    assert abs(second.due_at - month_later) < timedelta(minutes=1)
    runtime.set_variables(inst.id, {"clarified": "yes"}, actor=actors["supervisor"])
    tasks.complete(second.id, {}, actor=actors["supervisor"])
    db.session.refresh(inst)
    assert inst.status == "completed"


BAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="expr_bad" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="t1" camunda:assignee="${owner.getClass()}" camunda:candidateGroups="Sales"/>
    <bpmn:callActivity id="call" calledElement="${subKey.getClass()}"/>
    <bpmn:callActivity id="call3" calledElement="${subKey}"/>
    <bpmn:callActivity id="call2" calledElement="${'expr_missing_sub'}"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="call"/>
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="call3"/>
    <bpmn:sequenceFlow id="f5" sourceRef="call3" targetRef="call2"/>
    <bpmn:sequenceFlow id="f4" sourceRef="call2" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_untranslatable_attributes_are_refused_at_deploy_located(app_ctx, actors):
    problems = definitions.validate(BAD)
    by_id = {p.element_id: p for p in problems if p.is_error}
    warned = {p.element_id: p for p in problems if not p.is_error}
    with force_locale("en"):  # outside a request the site's language (zh) renders them
        assert "camunda:assignee '${owner.getClass()}'" in by_id["t1"].message
        assert "method 'getClass' is not supported" in by_id["t1"].message and by_id["t1"].line == 6
        assert "calledElement '${subKey.getClass()}' is not a valid expression" in by_id["call"].message
        # one that depends on data is evaluated when reached: a warning that the process must be deployed then
        assert "call3" not in by_id and "chooses the called process at run time" in warned["call3"].message
        # a constant ${'key'} is the key itself, and an undeployed one is located on its call activity
        assert by_id["call2"].message == "called process 'expr_missing_sub' is not deployed"
    assert str(by_id["call2"].message) == "被调用的流程“expr_missing_sub”尚未发布"
    assert by_id["call2"].element_type == "callActivity" and by_id["call2"].line == 9


def test_reserved_ids_and_their_references_are_renamed_for_the_library_only():
    from lxml import etree

    from app.engine.bpmn.xml import rename_reserved_ids

    root = etree.fromstring(
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        b'<bpmn:process id="p"><bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        b'<bpmn:userTask id="Root"/><bpmn:boundaryEvent id="b" attachedToRef="Root"/>'
        b'<bpmn:endEvent id="p.EndJoin"/>'
        b'<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Root"/>'
        b'<bpmn:sequenceFlow id="f2" sourceRef="Root" targetRef="p.EndJoin"/></bpmn:process></bpmn:definitions>')
    renamed = rename_reserved_ids(root)
    assert sorted(renamed.values()) == ["Root", "Start", "p.EndJoin"]
    back = {v: k for k, v in renamed.items()}
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    assert root.xpath("//bpmn:sequenceFlow[@id='f1']/@sourceRef", namespaces=ns) == [back["Start"]]
    assert root.xpath("//bpmn:sequenceFlow[@id='f2']/@targetRef", namespaces=ns) == [back["p.EndJoin"]]
    assert root.xpath("//bpmn:boundaryEvent/@attachedToRef", namespaces=ns) == [back["Root"]]
    assert root.xpath("//bpmn:process/@id", namespaces=ns) == ["p"]  # processes keep their ids
    assert not {"Start", "Root", "p.EndJoin"} & {el.get("id") for el in root.iter()}
