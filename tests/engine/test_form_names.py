"""A form's name in two languages: the default-language (zh) name in the form-js schema's ``name``, the
English one in the schema's root custom ``properties`` as ``i18n:name:en`` (the convention of the
fields' labels), kept by the builder and Camunda Modeler; a form without one shows its zh name."""
import json

import pytest

from app.engine import form_defs, formjs
from app.engine.bpmn import i18n
from app.engine.errors import Invalid
from tests.api.helpers import unique
from tests.engine.conftest import DATA

SCHEMA = json.loads((DATA / "fj_review.form").read_text(encoding="utf-8"))


def named(key: str, zh: str, en: str | None = None, **extra) -> dict:
    schema = dict(json.loads(json.dumps(SCHEMA)), id=key, name=zh, **extra)
    if en is not None:
        schema["properties"] = {"i18n:name:en": en, "owner": "客服部"}
    return schema


def test_name_round_trip_and_reader_language(app_ctx, actors):
    key = unique("fj_named").replace("-", "_")
    form = form_defs.deploy(named(key, "回访记录", "Follow-up call"), actor=actors["owner"]).form
    assert (form.name, form.name_i18n) == ("回访记录", {"i18n:name:en": "Follow-up call"})
    assert form_defs.name_in(form, "en") == "Follow-up call" and form_defs.name_in(form, "zh") == "回访记录"
    stored = form_defs.schema_of(form_defs.latest_form(key))
    assert stored["properties"] == {"i18n:name:en": "Follow-up call", "owner": "客服部"}  # what the builder loads
    fields = form_defs.fields_of(form)
    shown = formjs.localized(stored, fields, "en")
    assert shown["name"] == "Follow-up call" and shown["properties"] == {"owner": "客服部"}
    assert formjs.localized(stored, fields, "zh")["name"] == "回访记录"


def test_form_without_english_name_shows_the_chinese_one(app_ctx, actors):
    key = unique("fj_zh_only").replace("-", "_")
    form = form_defs.deploy(named(key, "只有中文"), actor=actors["owner"]).form
    assert form.name_i18n == {} and form_defs.name_in(form, "en") == "只有中文"
    blank = form_defs.deploy(named(key, "只有中文", "  "), actor=actors["owner"]).form  # a blank translation
    assert blank.version == 2 and form_defs.name_in(blank, "en") == "只有中文"


def test_a_new_english_name_is_a_new_version(app_ctx, actors):
    key = unique("fj_renamed").replace("-", "_")
    first = form_defs.deploy(named(key, "表单", "Form"), actor=actors["owner"])
    same = form_defs.deploy(named(key, "表单", "Form"), actor=actors["owner"])
    second = form_defs.deploy(named(key, "表单", "Review form"), actor=actors["owner"])
    assert (same.created, second.created, second.form.version) == (False, True, 2)
    assert [form_defs.name_in(f, "en") for f in form_defs.list_versions(key)] == ["Review form", "Form"]
    assert (key, 2) in form_defs.key_versions() and (key, 1) in form_defs.key_versions()


@pytest.mark.parametrize("extra, message", [
    ({"properties": "English"}, '"properties" must be an object'),
    ({"properties": None}, '"properties" must be an object'),  # as schemathesis sent it: null is no object
    ({"properties": {"owner": {}}}, "property 'owner' must be text"),  # schemathesis too
    ({"properties": {"i18n:name:en": "x" * 201}}, "'i18n:name:en' must be text of at most 200"),
    ({"properties": {"i18n:name:en": ["Form"]}}, "'i18n:name:en' must be text"),
    ({"name": {"zh": "表单"}}, "The form name must be text"),
    ({"name": "表\x00单"}, "The form name must be text"),
    ({"properties": {"i18n:name:en": "Fo\x00rm"}}, "'i18n:name:en' must be text"),
])
def test_bad_names_are_located_problems(app_ctx, actors, extra, message):
    schema = dict(json.loads(json.dumps(SCHEMA)), id="fj_bad_name", **extra)
    problems = form_defs.validate(schema)
    assert [p["form"] for p in problems] == ["fj_bad_name"] and message in problems[0]["message"]
    with pytest.raises(Invalid):
        form_defs.deploy(schema, actor=actors["owner"])


def test_converted_form_carries_both_names():
    fields, _ = formjs.to_fields(SCHEMA)
    schema = formjs.from_fields(fields, "fj_conv", "投诉登记", {i18n.key("name", "en"): "Complaint intake"})
    assert schema["name"] == "投诉登记" and schema["properties"] == {"i18n:name:en": "Complaint intake"}
    assert form_defs.validate(schema) == [] and form_defs.names_of(schema) == {"i18n:name:en": "Complaint intake"}
    assert "properties" not in formjs.from_fields(fields, "fj_conv", "投诉登记")
