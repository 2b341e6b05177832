"""The BPMN editor's formRef picker in a real browser: a process owner picks a deployed Camunda Form for a
user task from a select (names in the page's language), binds it to a fixed version, deploys, and the
deployed diagram's task carries camunda:formRef / formRefBinding / formRefVersion as Camunda Modeler
writes them; the picker shows the value again and clears it. Screenshots (zh, en) in tests/screenshots/."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select as sql_select

from tests.browser.test_editor_browser import (  # noqa: F401
    MODELER, no_login_rate_limit, open_group, select, sign_in,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "data" / "fj_review.form").read_text(encoding="utf-8"))
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
PICKER = "#bio-properties-panel-formRef"

pytestmark = pytest.mark.skipif(not MODELER.exists(),
                                reason="app/static/dist/modeler.js is missing (run `make assets`)")


def task_attrs(page, element_id: str) -> dict:
    return page.evaluate("""id => {
        const bo = window.csModeler.get('elementRegistry').get(id).businessObject;
        return {ref: bo.get('camunda:formRef'), binding: bo.get('camunda:formRefBinding'),
                version: bo.get('camunda:formRefVersion')};
    }""", element_id)


def options(page, css: str) -> dict[str, str]:
    return dict(page.eval_on_selector_all(f"{css} option", "os => os.map(o => [o.value, o.textContent])"))


def panel_shot(page, screenshots: Path, name: str) -> None:
    page.locator("[data-group-id='group-CamundaPlatform__Form']").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=False)


def test_owner_picks_a_deployed_form_for_a_user_task(app, live_server, browser, screenshots):
    from app.engine import definitions, form_defs, runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HumanTask

    base, tag = live_server, uuid.uuid4().hex[:6]
    form_key, process_key = f"pick_form_{tag}", f"pick_{tag}"
    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        first = form_defs.deploy(dict(SCHEMA, id=form_key, name="回访记录",
                                      properties={"i18n:name:en": "Follow-up call"}), actor=owner).form.id
        form_defs.deploy(dict(SCHEMA, id=form_key, name="回访记录（二版）",
                              properties={"i18n:name:en": "Follow-up call (v2)"}), actor=owner)

    page = sign_in(browser, base, "owner", "zh")
    page.goto(f"{base}/processes/")
    page.fill("#cs-new-key", process_key)
    page.fill("#cs-new-name", "选表单")
    page.click("#cs-create")
    page.wait_for_selector(".djs-element[data-element-id='Task_1']")
    select(page, "Task_1")
    open_group(page, "group-CamundaPlatform__Form")
    # the picker is there at once (no "type" first), listing the deployed forms by their zh name
    page.wait_for_function("k => [...document.querySelectorAll('#bio-properties-panel-formRef option')]"
                           ".some(o => o.value === k)", arg=form_key)
    listed = options(page, PICKER)
    assert listed[""] == "（无表单）" and listed[form_key] == f"回访记录（二版） ({form_key})"
    page.select_option(PICKER, form_key)
    assert task_attrs(page, "Task_1") == {"ref": form_key, "binding": "latest", "version": None}
    assert page.locator("#bio-properties-panel-formType").input_value() == "formRef"
    page.select_option("#bio-properties-panel-formRefBinding", "version")
    page.wait_for_selector("select#bio-properties-panel-formRefVersion")
    assert options(page, "#bio-properties-panel-formRefVersion") == {"2": "v2", "1": "v1"}
    assert task_attrs(page, "Task_1")["version"] == "2"  # the latest, until another is chosen
    page.select_option("#bio-properties-panel-formRefVersion", "1")
    assert task_attrs(page, "Task_1") == {"ref": form_key, "binding": "version", "version": "1"}
    missing = page.evaluate("() => [...(window.csMissingTranslations || [])]")
    assert not [m for m in missing if "form" in m.lower() or "version" in m.lower()], missing
    panel_shot(page, screenshots, "form_ref_picker_zh")

    page.click("#cs-canvas", position={"x": 700, "y": 60})
    page.click("#cs-deploy")
    page.wait_for_selector("#cs-versions tbody tr:has-text('v1')")
    assert not page.errors, page.errors

    with app.app_context():
        definition = definitions.latest_definition(process_key)
        task = etree.fromstring(definition.bpmn_xml.encode()).xpath("//*[local-name()='userTask'][@id='Task_1']")[0]
        assert (task.get(f"{CAMUNDA}formRef"), task.get(f"{CAMUNDA}formRefBinding"),
                task.get(f"{CAMUNDA}formRefVersion")) == (form_key, "version", "1")
        inst = runtime.start_process(process_key, actor=Actor.from_user(app.appbuilder.sm.find_user(username="agent")))
        human = db.session.scalars(sql_select(HumanTask).filter_by(instance_id=inst.id, state="open")).one()
        assert human.form_id == first  # version 1, as bound

    # in English: the value is shown again, named in English; then cleared
    page.goto(f"{base}/lang/en")
    page.goto(f"{base}/processes/editor/{process_key}")
    page.wait_for_selector(".djs-element[data-element-id='Task_1']")
    select(page, "Task_1")
    open_group(page, "group-CamundaPlatform__Form")
    page.wait_for_function("k => (document.querySelector('#bio-properties-panel-formRef option:checked') || {})"
                           ".value === k && document.querySelector('#bio-properties-panel-formRef')"
                           ".textContent.includes('Follow-up')", arg=form_key)
    assert options(page, PICKER)[form_key] == f"Follow-up call (v2) ({form_key})"
    assert page.locator("#bio-properties-panel-formRefBinding").input_value() == "version"
    assert page.locator("#bio-properties-panel-formRefVersion").input_value() == "1"
    panel_shot(page, screenshots, "form_ref_picker_en")
    page.select_option("#bio-properties-panel-formRefBinding", "latest")  # no version left behind
    assert task_attrs(page, "Task_1") == {"ref": form_key, "binding": "latest", "version": None}
    page.wait_for_selector("#bio-properties-panel-formRefVersion", state="detached")
    page.select_option(PICKER, "")
    assert task_attrs(page, "Task_1") == {"ref": None, "binding": None, "version": None}
    xml = page.evaluate("async () => (await window.csModeler.saveXML()).xml")
    assert "formRef" not in xml
    assert page.locator(PICKER).input_value() == ""  # still offered: pick another at once
    select(page, "StartEvent_1")  # a start event takes a Camunda Form the same way
    open_group(page, "group-CamundaPlatform__Form")
    page.select_option(PICKER, form_key)
    assert task_attrs(page, "StartEvent_1") == {"ref": form_key, "binding": "latest", "version": None}
    page.select_option("#bio-properties-panel-formRefBinding", "deployment")
    assert task_attrs(page, "StartEvent_1") == {"ref": form_key, "binding": "deployment", "version": None}
    assert not page.errors, page.errors
