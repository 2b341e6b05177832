"""A diagram's problems are in the reader's language: the API answers by Accept-Language, the process
editor by the page's language; each problem keeps its place (element id, name, type, line) whatever
the language, and the ids and values it names stay as the diagram has them."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.support import Translations
from flask_babel import force_locale

from app.engine.bpmn import parse_definition
from tests.api.helpers import api, tokens  # noqa: F401  (fixtures)
from tests.conftest import csrf_token
from tests.test_editor import Api

ROOT = Path(__file__).resolve().parents[1]


def _broken(key: str) -> str:
    """A script task in Groovy, a flow to an element that does not exist, and a task with no id."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_{key}"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="Broken" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="calc" name="Calculate" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask name="Check" camunda:assignee="admin" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="ghost"/>
  </bpmn:process>
</bpmn:definitions>"""


EXPECTED = {  # language -> element id -> (message, start of the hint)
    "zh": {"calc": ("不支持脚本格式 'groovy'。", "请将脚本格式设为“python”"),
           "f2": ("该顺序流指向一个不存在的元素（targetRef='ghost'）。", "请删除该顺序流并重新绘制"),
           "userTask_generated_1": ("该用户任务没有 ID；引擎已将其命名为“userTask_generated_1”。",
                                    "请在 Camunda Modeler 中打开并保存该流程图")},
    "en": {"calc": ("Script format 'groovy' is not supported.", 'Set the script format to "python"'),
           "f2": ("The sequence flow points to a missing element (targetRef='ghost').", "Delete the flow"),
           "userTask_generated_1": ("This userTask has no id; the engine named it 'userTask_generated_1'.",
                                    "Open and save the diagram in Camunda Modeler")},
}
PLACE = {"calc": ("Calculate", "scriptTask"), "f2": (None, "sequenceFlow"),
         "userTask_generated_1": ("Check", "userTask")}


def _check(problems: list[dict], lang: str, ids=("calc", "f2", "userTask_generated_1")) -> None:
    by_id = {p["element_id"]: p for p in problems}
    for element_id in ids:
        message, hint = EXPECTED[lang][element_id]
        found = by_id[element_id]
        assert found["message"] == message and found["hint"].startswith(hint), found
        assert (found["element_name"], found["element_type"]) == PLACE[element_id] and found["line"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_api_validates_a_diagram_in_the_readers_language(api, lang):
    key = f"bpmn_i18n_api_{lang}"
    resp = api("ProcessOwner").post("/api/v1/definitions/validate", data=_broken(key).encode(),
                                    content_type="application/xml", headers={"Accept-Language": lang})
    assert resp.status_code == 422 and resp.headers["Content-Language"] == lang
    body = resp.get_json()
    assert body["message"] == {"zh": "2 个问题导致无法发布。", "en": "2 problem(s) prevent deployment."}[lang]
    _check(body["problems"], lang)
    refused = api("ProcessOwner").post("/api/v1/definitions/", data=_broken(key).encode(),
                                       content_type="application/xml", headers={"Accept-Language": lang})
    assert refused.status_code == 422
    _check(refused.get_json()["problems"], lang, ids=("calc", "f2"))  # a deploy refusal lists the errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_process_editor_validates_in_the_pages_language(login_as, lang):
    client = login_as("owner")
    client.get(f"/lang/{lang}")
    owner = Api(client, csrf_token(client, "/processes/"))
    body = owner.post("/processes/editor/api/validate", {"xml": _broken(f"bpmn_i18n_editor_{lang}")}).get_json()
    assert body["errors"] == 2
    _check(body["problems"], lang)
    unreadable = owner.post("/processes/editor/api/validate", {"xml": "<bpmn:definitions"}).get_json()["problems"]
    assert unreadable[0]["line"] == 1 and unreadable[0]["message"].startswith(
        {"zh": "该文件在第 1 行", "en": "The file is not well-formed XML at line 1"}[lang])


def test_a_problem_renders_whenever_it_is_read_not_when_it_was_found(app_ctx):
    """The checks run once; each reader gets the text in their language (outside a request: the site's, zh)."""
    [problem] = [p for p in parse_definition(_broken("bpmn_i18n_lazy")).problems if p.element_id == "calc"]
    assert problem.to_dict()["message"] == EXPECTED["zh"]["calc"][0]
    with force_locale("en"):
        assert problem.to_dict()["message"] == EXPECTED["en"]["calc"][0]
        assert str(problem) == ("error: scriptTask 'calc' (Calculate), line 6: Script format 'groovy' is not "
                                'supported. — Set the script format to "python".')


SOURCES = ["app/engine/bpmn/*.py", "app/engine/forms.py", "app/engine/definitions.py", "app/engine/drafts.py",
           "app/engine/timers.py", "app/engine/dmn/task.py", "app/api/definitions.py"]


def test_every_bpmn_problem_template_has_a_zh_translation():
    """Every message and hint the BPMN checks can say (walked from the sources) is in the compiled zh catalogue,
    with the same %(name)s arguments, and tools/i18n/bpmnmsg.json says the same."""
    zh = Translations.load(str(ROOT / "app/translations"), ["zh"])
    keywords = {"_l": None, "gettext": None, "lazy_gettext": None}
    found = {msg for pattern in SOURCES for path in ROOT.glob(pattern)
             for _line, msg, _c, _ctx in extract_from_file("python", str(path), keywords=keywords)}
    assert len(found) > 200
    untranslated = [m for m in found if zh.gettext(m) == m]
    assert untranslated == []
    ours = json.loads((ROOT / "tools/i18n/bpmnmsg.json").read_text(encoding="utf-8"))
    assert set(ours) <= found  # no stale entries
    for msgid, text in ours.items():
        assert zh.gettext(msgid) == text
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", text)), msgid
