"""One rule per input: a process's start form applies however the instance starts (web page, API,
message, call activity), and a task's form however the task is completed (web page, API). A field
left out is present as None, so conditions can test it instead of failing on an unknown name."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.helpers import diagram, flow, unique
from tests.conftest import csrf_token

START_FORM = ('<bpmn:extensionElements><camunda:formData>'
              '<camunda:formField id="title" label="Title" type="string"><camunda:validation>'
              '<camunda:constraint name="required"/><camunda:constraint name="maxlength" config="50"/>'
              '</camunda:validation></camunda:formField>'
              '<camunda:formField id="amount" label="Amount" type="long"><camunda:validation>'
              '<camunda:constraint name="min" config="0"/><camunda:constraint name="max" config="1000"/>'
              '</camunda:validation></camunda:formField>'
              '</camunda:formData></bpmn:extensionElements>')


def user_task(task_id: str, form: str = "") -> str:
    return (f'<bpmn:userTask id="{task_id}" name="{task_id}" camunda:candidateGroups="CustomerService">{form}'
            '</bpmn:userTask>')


def gated_diagram(key: str) -> bytes:
    """start (title required, amount 0..1000) -> amount is None or amount > 100 ? review : quick."""
    return diagram(key, f'<bpmn:startEvent id="s">{START_FORM}</bpmn:startEvent>'
                   '<bpmn:exclusiveGateway id="gw" default="f_gw_quick"/>'
                   + user_task("review") + user_task("quick") + '<bpmn:endEvent id="e"/>' + flow("s", "gw")
                   + '<bpmn:sequenceFlow id="f_gw_review" sourceRef="gw" targetRef="review">'
                   '<bpmn:conditionExpression>amount is None or amount &gt; 100</bpmn:conditionExpression>'
                   '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f_gw_quick" sourceRef="gw" targetRef="quick"/>'
                   + flow("review", "e") + flow("quick", "e"))


@pytest.fixture(scope="module")
def gated(engine) -> str:
    return engine.deploy(gated_diagram(unique("gated")))


def count(engine, key: str) -> int:
    from app.extensions import db
    from app.models import ProcessInstance

    return engine.call(lambda: db.session.scalar(
        select(func.count()).select_from(ProcessInstance).where(ProcessInstance.process_key == key)))


def open_elements(engine, instance_id: int) -> list[str]:
    from app.extensions import db
    from app.models import HumanTask

    return engine.call(lambda: sorted(db.session.scalars(select(HumanTask.element_id).filter_by(
        instance_id=instance_id, state="open"))))


def variables(engine, instance_id: int) -> dict:
    from app.engine import runtime

    return engine.call(lambda: runtime.variables_of(runtime.get_instance(instance_id)))


BAD_STARTS = [
    ({"amount": 5}, {"title": "is required"}),
    ({"title": "t", "amount": 5000}, {"amount": "must be at most 1000"}),
    ({"title": "t", "amount": "lots"}, {"amount": "must be a whole number"}),
    ({"title": ["t"]}, {"title": "must be text"}),
    ({"title": "t", "discount": 90}, {"discount": "unknown field"}),
    ({"title": "t", "starter": "admin"}, {"starter": "is set by the engine"}),
]


@pytest.mark.parametrize("sent,fields", BAD_STARTS)
def test_api_start_is_checked_against_the_start_form(api, engine, gated, sent, fields):
    before = count(engine, gated)
    resp = api("CustomerService").post("/api/v1/instances/", json={"process_key": gated, "variables": sent})
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["code"] == "invalid" and resp.get_json()["fields"] == fields
    assert count(engine, gated) == before


def test_api_start_without_variables_still_needs_the_required_fields(api, engine, gated):
    before = count(engine, gated)
    resp = api("CustomerService").post("/api/v1/instances/", json={"process_key": gated})
    assert resp.status_code == 422 and resp.get_json()["fields"] == {"title": "is required"}
    assert count(engine, gated) == before


@pytest.mark.parametrize("sent,fields", [
    ({"amount": "5"}, {"title": "is required"}),
    ({"title": "t", "amount": "5000"}, {"amount": "must be at most 1000"}),
    ({"title": "t", "amount": "lots"}, {"amount": "must be a whole number"}),
    ({"title": "t", "amount": "5", "discount": "90"}, {"discount": "unknown field"}),
])
def test_web_start_page_refuses_the_same_with_the_same_errors(login_as, engine, gated, sent, fields):
    agent = login_as("agent")
    before = count(engine, gated)
    resp = agent.post(f"/start/{gated}/", data={"csrf_token": csrf_token(agent, f"/start/{gated}/"), **sent})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    for field in fields:  # the page shows each message (translated) at its field, or names an unknown one
        assert f'id="err-{field}"' in page or f'field-error">{field}: ' in page
    assert count(engine, gated) == before


def test_optional_field_left_out_is_none_and_a_condition_can_test_it(api, engine, gated):
    left_out = api("CustomerService").post("/api/v1/instances/", json={"process_key": gated,
                                                                         "variables": {"title": "no amount"}})
    assert left_out.status_code == 201, left_out.get_json()
    inst = left_out.get_json()
    assert inst["status"] == "running" and [t["element_id"] for t in inst["open_tasks"]] == ["review"]
    assert variables(engine, inst["id"])["amount"] is None
    small = api("CustomerService").post("/api/v1/instances/", json={"process_key": gated,
                                                                      "variables": {"title": "small", "amount": "50"}})
    assert small.status_code == 201 and [t["element_id"] for t in small.get_json()["open_tasks"]] == ["quick"]
    assert variables(engine, small.get_json()["id"])["amount"] == 50  # typed by the form


def test_web_start_with_a_valid_form_starts(login_as, engine, gated):
    agent = login_as("agent")
    before = count(engine, gated)
    resp = agent.post(f"/start/{gated}/", data={"csrf_token": csrf_token(agent, f"/start/{gated}/"),
                                                "business_key": unique("WEB"), "title": "ok", "amount": ""})
    assert resp.status_code == 302 and count(engine, gated) == before + 1


def test_process_without_start_form_accepts_variables_but_not_the_engines_own(api, complaint):
    ok = api("CustomerService").post("/api/v1/instances/", json={"process_key": complaint,
                                                                  "variables": {"channel": "phone"}})
    assert ok.status_code == 201
    bad = api("CustomerService").post("/api/v1/instances/", json={
        "process_key": complaint, "variables": {"starter": "admin", "business_key": "X"}})
    assert bad.status_code == 422
    assert bad.get_json()["fields"] == {"starter": "is set by the engine", "business_key": "is set by the engine"}


def test_internal_values_of_server_code_are_trusted_and_stand_in_for_required_fields(app, engine, gated):
    from app.engine import runtime
    from app.engine.errors import Invalid

    agent = engine.actor("agent")
    with app.app_context():
        inst = runtime.start_process(gated, actor=agent, internal={"title": "from a record", "record_number": "R-1"})
        assert runtime.variables_of(inst)["record_number"] == "R-1"
        assert runtime.variables_of(inst)["amount"] is None
        with pytest.raises(Invalid) as err:  # what a person sends is still checked, next to internal values
            runtime.start_process(gated, actor=agent, variables={"amount": -1}, internal={"record_number": "R-2"})
        assert err.value.details["fields"] == {"title": "is required", "amount": "must be at least 0"}


# ----------------------------------------------------------------------------- message start

def message_start(key: str, message: str, form: str = "") -> bytes:
    return diagram(key, f'<bpmn:startEvent id="s">{form}<bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
                   + user_task("review") + '<bpmn:endEvent id="e"/>' + flow("s", "review") + flow("review", "e"),
                   extra=f'<bpmn:message id="m" name="{message}"/>')


def test_message_start_payload_is_checked_against_each_start_form(api, engine):
    message = unique("bypass_order")
    free = engine.deploy(message_start(unique("msg_free"), message))
    formed = engine.deploy(message_start(unique("msg_form"), message, START_FORM))
    before = count(engine, free), count(engine, formed)
    for payload, fields in [({"amount": 1}, {"title": "is required"}),
                            ({"title": "t", "amount": 1, "discount": 9}, {"discount": "unknown field"}),
                            ({"title": "t", "amount": -3}, {"amount": "must be at least 0"})]:
        resp = api("Sales").post("/api/v1/messages/start", json={"name": message, "variables": payload})
        assert resp.status_code == 422 and resp.get_json()["fields"] == fields, resp.get_json()
        assert (count(engine, free), count(engine, formed)) == before  # one refuses: none starts
    ok = api("Sales").post("/api/v1/messages/start", json={"name": message, "variables": {"title": "t"}})
    assert ok.status_code == 201, ok.get_json()
    assert sorted(i["process_key"] for i in ok.get_json()["instances"]) == sorted([free, formed])
    started = {i["process_key"]: i["id"] for i in ok.get_json()["instances"]}
    assert variables(engine, started[formed])["amount"] is None


# ----------------------------------------------------------------------------- call activity

CALLEE_FORM = ('<bpmn:extensionElements><camunda:formData>'
               '<camunda:formField id="amount" label="Amount" type="long"><camunda:validation>'
               '<camunda:constraint name="required"/><camunda:constraint name="min" config="0"/>'
               '</camunda:validation></camunda:formField>'
               '<camunda:formField id="note" label="Note" type="string"/>'
               '</camunda:formData></bpmn:extensionElements>')
RESULT_FORM = ('<bpmn:extensionElements><camunda:formData><camunda:formField id="result" type="string"/>'
               '</camunda:formData></bpmn:extensionElements>')


@pytest.fixture(scope="module")
def caller(engine) -> str:
    callee, caller = unique("callee"), unique("caller")
    engine.deploy(diagram(callee, f'<bpmn:startEvent id="s">{CALLEE_FORM}</bpmn:startEvent>'
                          + user_task("inner", RESULT_FORM) + '<bpmn:endEvent id="e"/>'
                          + flow("s", "inner") + flow("inner", "e")))
    return engine.deploy(diagram(caller, '<bpmn:startEvent id="s"/>'
                                 f'<bpmn:callActivity id="call" name="Call" calledElement="{callee}"/>'
                                 + user_task("after") + '<bpmn:endEvent id="e"/>'
                                 + flow("s", "call") + flow("call", "after") + flow("after", "e")))


def test_call_activity_input_is_checked_against_the_called_start_form(app, engine, caller):
    from app.engine import runtime, tasks

    bad = engine.start(caller, variables={"amount": -5, "secret": "s"}, business_key=unique("CALL"))
    state = engine.instance(bad)
    assert state["status"] == "incident" and state["incident_element"] == "call"
    assert "amount: must be at least 0" in state["incident_message"]
    missing = engine.start(caller, variables={"secret": "s"})
    assert "amount: is required" in engine.instance(missing)["incident_message"]

    boss = engine.actor("supervisor")
    engine.call(runtime.set_variables, bad, {"amount": 5}, actor=boss)
    engine.call(runtime.retry_incident, bad, actor=boss)
    assert engine.instance(bad)["status"] == "running" and open_elements(engine, bad) == ["inner"]
    inside = variables(engine, bad)
    assert inside["amount"] == 5 and inside["note"] is None and "secret" not in inside  # undeclared: dropped
    assert inside["business_key"].startswith("CALL")  # the engine's own variables go along

    inner = engine.open_task(bad, "inner")
    engine.call(tasks.complete, inner, {"result": "done"}, actor=engine.actor("agent"))
    after = variables(engine, bad)
    assert open_elements(engine, bad) == ["after"]
    assert after["secret"] == "s" and after["result"] == "done"  # the caller keeps its data, gets the results


def test_call_activity_with_valid_input_starts_at_once(engine, caller):
    inst = engine.start(caller, variables={"amount": "7", "other": 1})
    assert engine.instance(inst)["status"] == "running" and open_elements(engine, inst) == ["inner"]
    assert variables(engine, inst)["amount"] == 7


# ----------------------------------------------------------------------------- task completion

@pytest.fixture
def register(engine, complaint) -> tuple[int, int]:
    """(instance, its open 'register' task: matter required text, severity long 1..5) with severity 3 already set."""
    inst = engine.start(complaint, variables={"severity": 3}, business_key=unique("TC"))
    return inst, engine.open_task(inst, "register")


def test_api_task_completion_refuses_unknown_fields(api, engine, register):
    inst, task = register
    resp = api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "x", "vip": True}})
    assert resp.status_code == 422 and resp.get_json()["fields"] == {"vip": "unknown field"}
    assert open_elements(engine, inst) == ["register"]


def test_web_task_completion_refuses_unknown_fields_too(login_as, engine, register):
    inst, task = register
    agent = login_as("agent")
    token = csrf_token(agent, f"/task/{task}/")
    resp = agent.post(f"/task/{task}/complete", data={"csrf_token": token, "matter": "x", "vip": "1"})
    assert resp.status_code == 422 and 'field-error">vip: ' in resp.get_data(as_text=True)
    assert open_elements(engine, inst) == ["register"]
    done = agent.post(f"/task/{task}/complete", data={"csrf_token": token, "matter": "x", "severity": "",
                                                       "action": "complete"})
    assert done.status_code == 302 and open_elements(engine, inst) != ["register"]


def test_task_field_left_out_is_none_but_never_erases_a_value(api, engine, complaint, register):
    inst, task = register
    done = api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "x"}})
    assert done.status_code == 200 and done.get_json()["submitted"] == {"matter": "x"}
    assert variables(engine, inst)["severity"] == 3  # shown by the form, not sent: kept
    fresh = engine.start(complaint, business_key=unique("TC"))
    task = engine.open_task(fresh, "register")
    api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "x"}})
    data = variables(engine, fresh)
    assert "severity" in data and data["severity"] is None


def test_openapi_says_start_variables_are_checked(api):
    spec = api("Admin").get("/api/v1/_openapi").get_json()
    start = spec["paths"]["/api/v1/instances/"]["post"]
    assert "start form" in start["description"]
    schema = spec["components"]["schemas"]["StartInstance"]["properties"]["variables"]["description"]
    assert "start form" in schema and "unknown field" in schema


# ----------------------------------------------------------------------------- the rule itself

def test_validate_form_fills_left_out_fields_and_knows_platform_fields():
    from app.engine.forms import FormField, validate_form

    fields = [FormField("amount", "long"), FormField("ticket", readonly=True, default="T-1"),
              FormField("customer_id", "long", properties={"hidden": "true"})]
    assert validate_form(fields, {}) == ({"amount": None, "customer_id": None}, {})  # read-only: shown only
    assert validate_form(fields, {}, partial=True) == ({}, {})  # a draft keeps only what was typed
    assert validate_form(fields, {"customer_id": 7})[1] == {"customer_id": "is set by the platform"}
    assert validate_form(fields, {"customer_id": 7, "x": 1}, trusted=True, unknown="drop") == (
        {"amount": None, "customer_id": 7}, {})


def test_unattended_starts_require_nothing_but_still_check_types():
    from app.engine import runtime
    from app.engine.forms import FormField
    from app.models import ProcessDefinition

    definition = ProcessDefinition(start_form=[FormField("title", required=True).to_dict(),
                                               FormField("amount", "long").to_dict()])
    assert runtime.start_inputs(definition, None, timer_fired=True) == ({"title": None, "amount": None}, {})
    assert runtime.start_inputs(definition, None, internal={"ref": 1}) == ({"title": None, "amount": None,
                                                                            "ref": 1}, {})
    assert runtime.start_inputs(definition, None)[1] == {"title": "is required"}  # None is no way around it
    assert runtime.start_inputs(definition, {"amount": "x"}, internal={"title": "t"})[1] == {
        "amount": "must be a whole number"}
