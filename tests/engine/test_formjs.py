"""Camunda Forms (form-js JSON): converted to the field model, refused at deploy when the server cannot
check a component, bound to tasks by camunda:formRef, validated by the one validator."""
import json

import pytest
from sqlalchemy import select

from app.engine import definitions, form_defs, formjs, runtime, tasks
from app.engine.bpmn import i18n
from app.engine.errors import Forbidden, Invalid
from app.engine.forms import form_schema, validate_form
from app.extensions import db
from app.models import HumanTask
from tests.engine.conftest import DATA

SCHEMA = json.loads((DATA / "fj_review.form").read_text(encoding="utf-8"))

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="Defs_fj" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="fj_proc" name="表单测试" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="复核" camunda:candidateGroups="CustomerService" REF/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D1"><bpmndi:BPMNPlane id="P1" bpmnElement="fj_proc">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="review_di" bpmnElement="review"><dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="360" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118"/><di:waypoint x="200" y="118"/></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118"/><di:waypoint x="360" y="118"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


def process(ref: str) -> str:
    return PROCESS.replace("REF", ref)


def with_label(label: str) -> dict:
    schema = json.loads(json.dumps(SCHEMA))
    schema["components"][0]["label"] = label
    return schema


def test_schema_becomes_the_field_model():
    fields, issues = formjs.to_fields(SCHEMA)
    assert issues == []
    by_id = {f.id: f for f in fields}
    assert list(by_id) == ["summary", "channel", "hours", "phone"]  # text and button carry no value
    assert by_id["summary"].type == "string" and by_id["summary"].required and by_id["summary"].maxlength == 40
    assert by_id["channel"].type == "enum" and by_id["channel"].options == [("phone", "电话"), ("mail", "邮件")]
    assert (by_id["hours"].type, by_id["hours"].min, by_id["hours"].max) == ("long", 1, 8)
    assert by_id["phone"].pattern == formjs.VALIDATION_PATTERNS["phone"]
    assert by_id["summary"].properties["help"] == "一句话说明"
    schema = form_schema(fields)  # the API's schema: the same as for a formData form
    assert schema["required"] == ["summary"] and schema["properties"]["hours"]["maximum"] == 8
    assert schema["properties"]["channel"]["enum"] == ["phone", "mail"]


def test_one_validator_checks_formjs_fields():
    fields, _ = formjs.to_fields(SCHEMA)
    cleaned, errors = validate_form(fields, {"summary": "x" * 41, "channel": "fax", "hours": "9",
                                             "phone": "call me", "extra": 1})
    assert errors == {"summary": "must be at most 40 characters", "channel": "must be one of: phone, mail",
                      "hours": "must be at most 8", "phone": "does not have the expected form",
                      "extra": "unknown field"}
    cleaned, errors = validate_form(fields, {"summary": "ok", "channel": "mail", "hours": 3, "phone": "+86 21 5555 0101"})
    assert errors == {} and cleaned["hours"] == 3
    assert validate_form(fields, {"hours": 1.5})[1]["hours"] == "must be a whole number"


@pytest.mark.parametrize("component, located", [
    ({"id": "Field_f", "type": "filepicker", "key": "upload"}, "Field_f / upload"),
    ({"id": "Field_e", "type": "expression", "key": "total", "expression": "=a+b"}, "Field_e / total"),
    ({"id": "Field_s", "type": "select", "key": "dept", "valuesKey": "departments"}, "Field_s / dept"),
    ({"id": "Field_n", "type": "number", "key": "rate", "decimalDigits": 2}, "Field_n / rate"),
    ({"id": "Field_c", "type": "textfield", "key": "note", "conditional": {"hide": "=x"}}, "Field_c / note"),
    ({"id": "Field_m", "type": "number", "key": "n", "validate": {"min": "=lower"}}, "Field_m / n"),
    ({"id": "Field_p", "type": "textfield", "key": "code", "validate": {"pattern": "([a-"}}, "Field_p / code"),
    ({"id": "Field_k", "type": "textfield", "key": "not a name"}, "Field_k / not a name"),
    ({"id": "Group_1", "type": "group", "path": "address", "components": []}, "Group_1"),
])
def test_unvalidatable_components_are_refused_located(component, located):
    schema = dict(SCHEMA, components=SCHEMA["components"] + [component])
    problems = form_defs.validate(schema)
    assert {(p["form"], p["component"]) for p in problems} == {("fj_review", located)}
    assert problems[0]["message"] and problems[0]["hint"]


def test_deploy_refuses_unvalidatable_form_with_location(app_ctx, actors):
    bad = dict(SCHEMA, id="fj_bad", components=[{"id": "Field_t", "type": "taglist", "key": "tags"}])
    with pytest.raises(Invalid) as err:
        form_defs.deploy(json.dumps(bad), actor=actors["owner"])
    assert err.value.http_status == 422
    assert err.value.details["problems"][0]["component"] == "Field_t / tags"
    assert form_defs.latest_form("fj_bad", required=False) is None
    with pytest.raises(Forbidden):
        form_defs.deploy(SCHEMA, actor=actors["agent"])
    with pytest.raises(Invalid):
        form_defs.deploy("{not json", actor=actors["owner"])


def test_forms_are_versioned_and_idempotent(app_ctx, actors):
    first = form_defs.deploy(with_label("版本一"), actor=actors["owner"])
    again = form_defs.deploy(with_label("版本一"), actor=actors["owner"])
    assert not again.created and again.form.id == first.form.id
    second = form_defs.deploy(with_label("版本二"), actor=actors["owner"])
    assert second.form.version == first.form.version + 1
    assert [f.version for f in form_defs.list_versions("fj_review")][:2] == [second.form.version, first.form.version]


def open_task(inst) -> HumanTask:
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")).one()


def test_form_ref_bindings_latest_version_and_deployment(app_ctx, actors):
    v1 = form_defs.deploy(with_label("绑定一"), actor=actors["owner"]).form
    definitions.deploy(process('camunda:formRef="fj_review" camunda:formRefBinding="version" '
                               f'camunda:formRefVersion="{v1.version}"'), actor=actors["owner"])
    v2 = form_defs.deploy(with_label("绑定二"), actor=actors["owner"]).form
    pinned = open_task(runtime.start_process("fj_proc", actor=actors["agent"]))
    assert pinned.form_id == v1.id and pinned.form[0]["label"] == "绑定一"
    definitions.deploy(process('camunda:formRef="fj_review"'), actor=actors["owner"])  # binding latest
    latest = open_task(runtime.start_process("fj_proc", actor=actors["agent"]))
    assert latest.form_id == v2.id
    v3 = form_defs.deploy(with_label("绑定三"), actor=actors["owner"]).form
    assert open_task(runtime.start_process("fj_proc", actor=actors["agent"])).form_id == v3.id  # at task creation
    definitions.deploy(process('camunda:formKey="camunda-forms:deployment:forms/fj_review.form"'),
                       actor=actors["owner"])
    assert open_task(runtime.start_process("fj_proc", actor=actors["agent"])).form_id == v3.id
    v4 = form_defs.deploy(with_label("绑定四"), actor=actors["owner"]).form  # after the diagram: not its version
    assert v4.version == v3.version + 1
    assert open_task(runtime.start_process("fj_proc", actor=actors["agent"])).form_id == v3.id


def test_form_ref_to_missing_form_or_version_is_located(app_ctx, actors):
    problems = definitions.validate(process('camunda:formRef="fj_nowhere"'))
    assert [(p.element_id, p.severity) for p in problems] == [("review", "error")]
    assert "fj_nowhere" in problems[0].message
    problems = definitions.validate(process('camunda:formRef="fj_review" camunda:formRefBinding="version" '
                                            'camunda:formRefVersion="999"'))
    assert problems[0].element_id == "review" and "999" in problems[0].message
    problems = definitions.validate(process('camunda:formRef="fj_review" camunda:formRefBinding="sometimes"'))
    assert problems[0].element_id == "review" and "sometimes" in problems[0].message
    with pytest.raises(Invalid):
        definitions.deploy(process('camunda:formRef="fj_nowhere"'), actor=actors["owner"])


def test_task_of_a_formjs_form_refuses_bad_values_like_formdata(app_ctx, actors):
    form_defs.deploy(SCHEMA, actor=actors["owner"])
    definitions.deploy(process('camunda:formRef="fj_review"'), actor=actors["owner"])
    task = open_task(runtime.start_process("fj_proc", actor=actors["agent"]))
    with pytest.raises(Invalid) as err:
        tasks.complete(task.id, {"summary": "", "hours": 0, "bogus": "x"}, actor=actors["agent"])
    assert err.value.details["fields"] == {"summary": "is required", "hours": "must be at least 1",
                                           "bogus": "unknown field"}
    tasks.complete(task.id, {"summary": "已核对", "channel": "phone", "hours": "2"}, actor=actors["agent"])
    assert db.session.get(HumanTask, task.id).submitted["hours"] == 2


def test_bilingual_labels_follow_the_reader():
    fields, _ = formjs.to_fields(SCHEMA)
    en = formjs.localized(SCHEMA, fields, "en")
    zh = formjs.localized(SCHEMA, fields, "zh")
    assert [c.get("label") for c in en["components"][:3]] == ["Summary", "Channel", "Hours"]
    assert en["components"][0]["description"] == "One sentence"
    assert en["components"][1]["values"] == [{"value": "phone", "label": "Phone"}, {"value": "mail", "label": "E-mail"}]
    assert [c.get("label") for c in zh["components"][:3]] == ["摘要", "渠道", "工时"]
    assert (en["components"][4]["text"], en["components"][5]["label"]) == ("Check, then submit", "Submit")
    assert (zh["components"][4]["text"], zh["components"][5]["label"]) == ("请核对后提交", "提交")
    assert not any(k.startswith(i18n.PREFIX) for c in en["components"] for k in c.get("properties", {}))
    assert SCHEMA["components"][0]["label"] == "摘要"  # the stored schema is never changed


def test_formdata_form_converts_to_an_equivalent_formjs_form(app_ctx, actors):
    from app.engine.bpmn.meta import human_task_meta

    definition = definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(), actor=actors["owner"]).definition
    spec, _ = definitions.specs_of(definition)
    meta = human_task_meta(spec.task_specs["register"])
    schema = formjs.from_fields(meta.form, "register_form")
    fields, issues = formjs.to_fields(schema)
    assert issues == []
    assert [(f.id, f.type, f.required, f.min, f.max, f.options) for f in fields] == \
        [(f.id, f.type, f.required, f.min, f.max, f.options) for f in meta.form]


@pytest.mark.parametrize("schema", [
    {"id": "x", "components": 3},
    {"id": "x", "components": [{"type": ["textfield"], "key": ["k"]}, {"type": "group", "components": 5}]},
    {"id": "x", "components": [{"id": {}, "type": "textfield", "key": "k", "validate": {"validationType": [1],
                                                                                       "pattern": 7}}]},
    {"id": "x", "components": [{"type": "select", "key": "s", "values": [1, {"value": 2}, {"value": ""}]}]},
    {"id": "x", "components": [{"type": "number", "key": "n", "validate": {"min": True, "minLength": -1}}]},
])
def test_hostile_schemas_are_problems_never_exceptions(schema):
    problems = form_defs.validate(schema)
    assert problems and all(p["message"] for p in problems)
    fields, _ = formjs.to_fields(schema)
    formjs.localized(schema, fields, "en")  # showing it never raises either


def test_a_folder_deploys_its_forms_before_its_diagrams(app_ctx, actors, tmp_path):
    (tmp_path / "a_process.bpmn").write_text(process('camunda:formRef="fj_folder"'), encoding="utf-8")
    (tmp_path / "z_form.form").write_text(json.dumps(dict(SCHEMA, id="fj_folder")), encoding="utf-8")
    deployed = definitions.deploy_directory(tmp_path, actor=actors["owner"])
    assert [d.definition.key for d in deployed] == ["fj_proc"]
    assert form_defs.latest_form("fj_folder").fields[0]["id"] == "summary"
    (tmp_path / "z_form.form").write_text('{"id": "fj_folder", "components": [{"type": "filepicker"}]}')
    with pytest.raises(Invalid) as err:
        definitions.deploy_directory(tmp_path, actor=actors["owner"])
    assert err.value.message.startswith("z_form.form:") and err.value.details["problems"]
