"""Business rule tasks run deployed decisions: camunda:decisionRef, resultVariable, each
mapDecisionResult, decisionRefBinding latest/version, a no-match or UNIQUE violation as an incident
naming the decision and the inputs, and a running instance keeping the table version it started with."""
import uuid

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.engine import decisions, definitions, history, runtime, tasks
from app.engine.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.models import HumanTask
from tests.engine.dmn_helpers import table

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">')


@pytest.fixture(autouse=True)
def tidy(app_ctx, actors):
    """Instances a test leaves waiting are terminated: other tests count the shared group inbox."""
    from sqlalchemy import func

    from app.models import ProcessInstance

    first = (db.session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
    yield
    db.session.rollback()
    for instance_id in db.session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.id >= first, ProcessInstance.status.in_(runtime.ACTIVE))).all():
        runtime.terminate(instance_id, actor=actors["supervisor"], reason="test clean-up")


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def process(key: str, steps: list[str], *, wait_first: bool = False) -> bytes:
    """start -> (wait) -> each business rule task -> done (a user task) -> end."""
    nodes = (['<bpmn:userTask id="wait" name="Wait" camunda:candidateGroups="CustomerService"/>'] if wait_first else [])
    ids = (["wait"] if wait_first else [])
    for n, attrs in enumerate(steps, 1):
        nodes.append(f'<bpmn:businessRuleTask id="rule{n}" name="Decide {n}" {attrs}/>')
        ids.append(f"rule{n}")
    chain = ["s", *ids, "done", "e"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(chain, chain[1:])))
    return (HEAD + f'<bpmn:process id="{key}" name="{key}" isExecutable="true"><bpmn:startEvent id="s"/>'
            + "".join(nodes) + '<bpmn:userTask id="done" name="Done" camunda:candidateGroups="CustomerService"/>'
            '<bpmn:endEvent id="e"/>' + flows + "</bpmn:process></bpmn:definitions>").encode()


def open_task(inst, element):
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id=element,
                                                          state="open")).one()


def finish(inst, element, actor):
    task = open_task(inst, element)
    tasks.claim(task.id, actor=actor)
    tasks.complete(task.id, {}, actor=actor)


GRADES = [("> 0", '"bronze"', "1"), ("> 50", '"silver"', "2"), ("> 100", '"gold"', "3")]
OUTPUTS = (("grade", "string"), ("level", "integer"))


def test_each_map_decision_result(app_ctx, actors):
    key = uid("grade")
    decisions.deploy(table(key, GRADES, policy="RULE ORDER", outputs=OUTPUTS), actor=actors["owner"])
    single = uid("grade1")
    decisions.deploy(table(single, [("> 100", '"gold"'), ("> 0", '"basic"')], policy="FIRST",
                           outputs=(("grade", "string"),)), actor=actors["owner"])
    pkey = uid("brt_map")
    definitions.deploy(process(pkey, [
        f'camunda:decisionRef="{key}" camunda:resultVariable="all" camunda:mapDecisionResult="resultList"',
        f'camunda:decisionRef="{key}" camunda:resultVariable="plain"',  # Camunda's default: resultList
        f'camunda:decisionRef="{single}" camunda:resultVariable="entry" camunda:mapDecisionResult="singleEntry"',
        f'camunda:decisionRef="{single}" camunda:resultVariable="row" camunda:mapDecisionResult="singleResult"',
        f'camunda:decisionRef="{key}" camunda:resultVariable="names" camunda:mapDecisionResult="collectEntries"'
        .replace(key, single),
        f'camunda:decisionRef="{single}"',  # no result variable: the outputs become variables
    ]), actor=actors["owner"])
    inst = runtime.start_process(pkey, actor=actors["agent"], variables={"amount": 120})
    assert inst.status == "running", inst.incident_message
    data = runtime.variables_of(inst)
    assert data["all"] == [{"grade": "bronze", "level": 1}, {"grade": "silver", "level": 2},
                           {"grade": "gold", "level": 3}]
    assert data["plain"] == data["all"]
    assert data["entry"] == "gold" and data["row"] == {"grade": "gold"} and data["names"] == ["gold"]
    assert data["grade"] == "gold"
    done = [e for e in history.for_instance(inst.id) if e.event == "service_run" and e.element_id == "rule1"]
    assert done[0].data == {"decision": key, "version": 1, "matched": [
        {"index": 1, "id": "Rule_1"}, {"index": 2, "id": "Rule_2"}, {"index": 3, "id": "Rule_3"}]}


def test_no_match_where_a_result_is_required_is_an_incident_naming_decision_and_inputs(app_ctx, actors):
    key, pkey = uid("route"), uid("brt_nomatch")
    decisions.deploy(table(key, [('"a"', '"TECH"')], inputs=(("category", "string"),), name="投诉分派"),
                     actor=actors["owner"])
    definitions.deploy(process(pkey, [f'camunda:decisionRef="{key}" camunda:resultVariable="department" '
                                      'camunda:mapDecisionResult="singleEntry"']), actor=actors["owner"])
    inst = runtime.start_process(pkey, actor=actors["agent"], variables={"category": "zzz"})
    assert inst.status == "incident" and inst.incident_element == "rule1"
    assert key in inst.incident_message and "no rule matches" in inst.incident_message
    assert "category='zzz'" in inst.incident_message and "version 1" in inst.incident_message
    runtime.set_variables(inst.id, {"category": "a"}, actor=actors["supervisor"])
    runtime.retry_incident(inst.id, actor=actors["supervisor"])
    assert inst.status == "running" and runtime.variables_of(inst)["department"] == "TECH"
    # with resultList an empty list is a result: no incident
    other = uid("brt_list")
    definitions.deploy(process(other, [f'camunda:decisionRef="{key}" camunda:resultVariable="found"']),
                       actor=actors["owner"])
    inst2 = runtime.start_process(other, actor=actors["agent"], variables={"category": "zzz"})
    assert inst2.status == "running" and runtime.variables_of(inst2)["found"] == []


def test_a_unique_violation_is_an_incident(app_ctx, actors):
    key, pkey = uid("overlap"), uid("brt_unique")
    decisions.deploy(table(key, [("> 0", '"x"'), ("> 5", '"y"')]), actor=actors["owner"])
    definitions.deploy(process(pkey, [f'camunda:decisionRef="{key}" camunda:resultVariable="r" '
                                      'camunda:mapDecisionResult="singleEntry"']), actor=actors["owner"])
    inst = runtime.start_process(pkey, actor=actors["agent"], variables={"amount": 9})
    assert inst.status == "incident"
    assert "UNIQUE" in inst.incident_message and "rules 1, 2" in inst.incident_message
    assert "amount=9" in inst.incident_message and key in inst.incident_message


def test_version_binding_and_running_instances_keep_their_version(app_ctx, actors):
    key = uid("tariff")
    v1 = decisions.deploy(table(key, [("-", '"old"')]), actor=actors["owner"])
    v2_xml = table(key, [("-", '"new"')])
    pinned, latest = uid("brt_v1"), uid("brt_latest")
    definitions.deploy(process(pinned, [f'camunda:decisionRef="{key}" camunda:decisionRefBinding="version" '
                                        'camunda:decisionRefVersion="1" camunda:resultVariable="r" '
                                        'camunda:mapDecisionResult="singleEntry"']), actor=actors["owner"])
    definitions.deploy(process(latest, [f'camunda:decisionRef="{key}" camunda:resultVariable="r" '
                                        'camunda:mapDecisionResult="singleEntry"'], wait_first=True),
                       actor=actors["owner"])
    running = runtime.start_process(latest, actor=actors["agent"], variables={"amount": 1})  # waits at "wait"
    v2 = decisions.deploy(v2_xml, actor=actors["owner"])
    assert (v1.decisions[0].version, v2.decisions[0].version, v2.created) == (1, 2, True)
    assert decisions.deploy(v2_xml, actor=actors["owner"]).created is False  # the same file again: no version
    finish(running, "wait", actors["agent"])
    assert runtime.variables_of(running)["r"] == "old"  # started under v1, keeps v1
    fresh = runtime.start_process(latest, actor=actors["agent"], variables={"amount": 1})
    finish(fresh, "wait", actors["agent"])
    assert runtime.variables_of(fresh)["r"] == "new"
    by_version = runtime.start_process(pinned, actor=actors["agent"], variables={"amount": 1})
    assert runtime.variables_of(by_version)["r"] == "old"


def test_a_diagram_naming_an_undeployed_decision_is_refused_located(app_ctx, actors):
    pkey = uid("brt_missing")
    xml = process(pkey, ['camunda:decisionRef="no_such_decision" camunda:resultVariable="r"'])
    problems = definitions.validate(xml)
    [problem] = [p for p in problems if p.is_error]
    assert problem.element_id == "rule1" and "no_such_decision" in problem.message
    with pytest.raises(Invalid) as info:
        definitions.deploy(xml, actor=actors["owner"])
    assert info.value.details["problems"][0]["element_id"] == "rule1"
    key = uid("exists")
    decisions.deploy(table(key, [("-", '"x"')]), actor=actors["owner"])
    wrong_version = process(uid("brt_v9"), [f'camunda:decisionRef="{key}" camunda:decisionRefBinding="version" '
                                            'camunda:decisionRefVersion="9" camunda:resultVariable="r"'])
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        assert "version 9" in [p for p in definitions.validate(wrong_version) if p.is_error][0].message


def test_business_rule_task_attributes_are_checked_at_deploy(app_ctx, actors):
    xml = process(uid("brt_bad"), ['camunda:decisionRef="x" camunda:mapDecisionResult="everything"'])
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        messages = [str(p.message) for p in definitions.validate(xml) if p.is_error and p.element_id == "rule1"]
    assert any("mapDecisionResult 'everything'" in m for m in messages)
    assert any("needs camunda:resultVariable" in m for m in messages)


def test_a_java_business_rule_task_deploys_with_a_warning_and_stops_when_reached(app_ctx, actors):
    """Like a Java service task (README, BPMN coverage): camunda:class cannot run here."""
    pkey = uid("brt_java")
    xml = process(pkey, ['camunda:class="org.example.Rules"'])
    [warning] = [p for p in definitions.validate(xml) if p.element_id == "rule1"]
    assert warning.severity == "warning" and "Java" in warning.message
    definitions.deploy(xml, actor=actors["owner"])
    inst = runtime.start_process(pkey, actor=actors["agent"])
    assert inst.status == "incident" and "camunda:class" in inst.incident_message


def test_decision_service(app_ctx, actors):
    key = uid("svc")
    xml = table(key, [("< 10", '"small"'), (">= 10", '"big"')], name="大小")
    with pytest.raises(Forbidden):
        decisions.deploy(xml, actor=actors["agent"])
    with pytest.raises(Invalid) as info:
        decisions.deploy(xml.replace("&lt; 10", "&lt; ["), actor=actors["owner"])
    assert info.value.details["problems"][0]["rule_index"] == 1
    row = decisions.deploy(xml, actor=actors["owner"]).decisions[0]
    assert (row.key, row.name, row.version, row.hit_policy) == (key, "大小", 1, "UNIQUE")
    result = decisions.evaluate(key, {"amount": 12})
    assert result.outputs == [{"result": "big"}] and result.version == 1
    assert decisions.download(key) == (f"{key}_v1.dmn", xml)
    assert key in [d.key for d in decisions.list_decisions()]
    decisions.deploy(xml.replace('"big"', '"large"'), actor=actors["owner"])
    assert [v.version for v in decisions.versions(key)] == [2, 1]
    changed = decisions.diff_versions(key, 1, 2)["rules"]
    assert [(r["change"], r["rule_id"]) for r in changed] == [("changed", "Rule_2")]
    with pytest.raises(NotFound):
        decisions.evaluate("no_such_decision", {})
    with pytest.raises(Invalid) as bad:
        decisions.evaluate(key, {"amount": "lots"})
    assert list(bad.value.details["fields"]) == ["amount"]
    with pytest.raises(Invalid):
        decisions.evaluate(key, {"not valid": 1})


def test_a_draft_is_evaluated_before_it_is_deployed(app_ctx):
    """The editor's test panel: the changed table decides before anyone deploys it."""
    key = uid("draft")
    xml = table(key, [("< 10", '"small"'), (">= 10", '"big"')])
    result = decisions.evaluate_draft(xml, {"amount": 3})
    assert result.outputs == [{"result": "small"}] and result.matched == [{"index": 1, "id": "Rule_1"}]
    assert result.version is None and decisions.versions(key) == []
    with pytest.raises(Invalid) as broken:
        decisions.evaluate_draft(xml.replace("&lt; 10", "&lt; ["), {"amount": 3})
    assert broken.value.details["problems"][0]["rule_index"] == 1
    with pytest.raises(Invalid) as bad_input:
        decisions.evaluate_draft(xml, {"amount": "x"})
    assert "amount" in bad_input.value.details["fields"]
    with pytest.raises(NotFound):
        decisions.evaluate_draft(xml, {}, key="other")
