"""The form builder in a real browser: a process owner builds a Camunda Form (form-js) with a required
text field, a select and a number with bounds, deploys it, names it in a user task's camunda:formRef in
the BPMN editor and deploys the diagram; an agent sees the form-js form on the task page and submits it;
a bad value posted straight to the API is refused with a located 422."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select as sql_select

from tests.api.helpers import Api, jwt_login
from tests.browser.test_editor_browser import (
    MODELER, context_action, no_login_rate_limit, open_group, select, sign_in, wait_saved,  # noqa: F401
)

ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "app" / "static" / "dist" / "form-builder.js"
SHOTS = Path(os.environ.get("FORMS_SHOTS", "/tmp/shots_forms"))

pytestmark = pytest.mark.skipif(not (BUILDER.exists() and MODELER.exists()),
                                reason="app/static/dist is missing (run `make assets`)")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def drop(page, field_type: str) -> None:
    """Drag a component from the palette to a new row under the form's last one (form-js drags with
    dragula: it needs real, gradual mouse moves), then select it."""
    fields = page.locator(".fjs-editor-form-root .fjs-form-field")
    before = fields.count()
    source = page.locator(f".fjs-palette-field[data-field-type='{field_type}']").bounding_box()
    root = page.locator(".fjs-editor-form-root").bounding_box()
    last = fields.last.bounding_box() if before else None
    x0, y0 = source["x"] + 20, source["y"] + 20
    x1, y1 = root["x"] + root["width"] / 3, (last["y"] + last["height"] + 40) if last else root["y"] + 100
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 30):
        page.mouse.move(x0 + (x1 - x0) * i / 29, y0 + (y1 - y0) * i / 29)
        page.wait_for_timeout(15)
    page.mouse.up()
    page.wait_for_function("n => document.querySelectorAll('.fjs-editor-form-root .fjs-form-field').length > n",
                           arg=before)
    selected = "t => (window.csFormEditor.get('selection').get() || {}).type === t"
    if not page.evaluate(selected, field_type):  # a click on the selected field would deselect it
        page.locator(f".fjs-editor-form-root .fjs-form-field-{field_type}").last.click()
    page.wait_for_function(selected, arg=field_type)


def set_text(page, entry: str, value: str) -> None:
    """Type into a properties-panel entry (an input, or the contenteditable of a FEEL-capable one)."""
    box = page.locator(f"#bio-properties-panel-{entry}")
    box.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Tab")


def open_panel_group(page, group: str) -> None:
    header = page.locator(f".fjs-properties-container [data-group-id='group-{group}'] "
                          ".bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


@pytest.fixture
def pages():
    """The pages a test opened: each is saved at the end as last_<n>.png, to see where it stopped."""
    opened = []
    yield opened
    for n, page in enumerate(opened):
        try:
            shot(page, f"last_{n}")
        except Exception:  # a closed page has nothing to show
            pass


def test_owner_builds_a_form_agent_submits_it(app, live_server, browser, pages):
    from app.engine import definitions, runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import FormDefinition, HumanTask

    base, tag = live_server, uuid.uuid4().hex[:6]
    form_key, process_key = f"visit_form_{tag}", f"visit_{tag}"
    page = sign_in(browser, base, "owner", "zh")
    pages.append(page)

    # --- build the form: three fields through the palette and the properties panel
    page.goto(f"{base}/forms/build/")
    page.wait_for_selector(".fjs-palette-field[data-field-type='textfield']")
    page.fill("#cs-form-key", form_key)
    page.fill("#cs-form-name", "回访记录")
    page.fill("#cs-form-name-en", "Follow-up visit")
    drop(page, "textfield")
    open_panel_group(page, "general")
    set_text(page, "label", "回访摘要")
    set_text(page, "key", "summary")
    open_panel_group(page, "validation")
    page.check("#bio-properties-panel-required")
    drop(page, "select")
    open_panel_group(page, "general")
    set_text(page, "label", "回访渠道")
    set_text(page, "key", "channel")
    # static options: the select comes with one ("Value"); set it and add a second
    open_panel_group(page, "staticOptions")
    for n, (label, value) in enumerate((("电话", "phone"), ("上门", "visit"))):
        if n:
            page.locator("[data-group-id='group-staticOptions'] .bio-properties-panel-add-entry").click()
        item = page.locator(f"[data-entry-id='staticOptions-{n}']")
        if not page.locator(f"#bio-properties-panel-staticOptions-{n}-label").is_visible():
            item.locator(".bio-properties-panel-collapsible-entry-header").click()
        set_text(page, f"staticOptions-{n}-label", label)
        set_text(page, f"staticOptions-{n}-value", value)
    drop(page, "number")
    open_panel_group(page, "general")
    set_text(page, "label", "通话分钟")
    set_text(page, "key", "minutes")
    open_panel_group(page, "validation")
    set_text(page, "min", "1")
    set_text(page, "max", "120")
    # English texts, kept as i18n:label:en properties
    page.wait_for_function("() => document.querySelectorAll('#cs-form-translations input.cs-en').length === 5")
    for zh, en in (("回访摘要", "Call summary"), ("回访渠道", "Channel"), ("回访渠道 · 电话", "Phone"),
                   ("回访渠道 · 上门", "Home visit"), ("通话分钟", "Minutes on the phone")):
        row = page.locator("#cs-form-translations tr", has=page.locator(f"td:text-is('{zh}')"))
        row.locator("input").fill(en)
        row.locator("input").press("Tab")
    # a component the server cannot check: refused, located by component id and key
    drop(page, "filepicker")
    page.click("#cs-form-validate")
    problem = page.locator("#cs-form-problems li.cs-form-problem").first
    problem.wait_for()
    picker = page.evaluate("() => window.csFormEditor.get('selection').get().id")
    assert picker in problem.inner_text() and "filepicker" in problem.inner_text()
    shot(page, "builder_refused_zh")
    page.locator(".fjs-editor-form-root .fjs-form-field-filepicker").hover()
    page.locator(".fjs-editor-selected .fjs-context-pad-item").click()
    page.wait_for_function("() => !document.querySelector('.fjs-editor-form-root .fjs-form-field-filepicker')")
    page.click("#cs-form-validate")
    page.wait_for_selector("#cs-form-status.text-success")
    assert page.locator("#cs-form-problems").is_hidden()
    shot(page, "builder_zh")
    page.click("#cs-form-deploy")
    page.wait_for_selector("#cs-form-status.text-success:has-text('1')")
    assert not page.errors, page.errors
    page.goto(f"{base}/lang/en")
    page.goto(f"{base}/forms/build/{form_key}")
    page.wait_for_selector(".fjs-form-container .fjs-form-field-number")
    shot(page, "builder_en")
    page.goto(f"{base}/forms/")
    assert page.locator(f"tr[data-key='{form_key}'] .cs-form-name").inner_text() == "Follow-up visit"
    shot(page, "forms_list_en")
    page.goto(f"{base}/lang/zh")

    with app.app_context():
        form = db.session.scalars(sql_select(FormDefinition).filter_by(key=form_key)).one()
        fields = {f["id"]: f for f in form.fields}
        assert fields["summary"]["required"] and fields["channel"]["options"] == [["phone", "电话"], ["visit", "上门"]]
        assert (fields["minutes"]["min"], fields["minutes"]["max"]) == (1, 120)
        assert fields["summary"]["properties"]["i18n:label:en"] == "Call summary"
        assert (form.name, form.name_i18n) == ("回访记录", {"i18n:name:en": "Follow-up visit"})

    # --- a diagram whose user task names the form (camunda:formRef), through the BPMN editor
    page.goto(f"{base}/processes/")
    page.fill("#cs-new-key", process_key)
    page.fill("#cs-new-name", "回访")
    page.click("#cs-create")
    page.wait_for_selector(".djs-element[data-element-id='Task_1']")
    select(page, "Task_1")  # the new diagram's user task, offered to CustomerService
    open_group(page, "group-CamundaPlatform__Form")
    page.select_option("#bio-properties-panel-formType", "formRef")
    page.wait_for_selector(f"#bio-properties-panel-formRef option[value='{form_key}']", state="attached")
    page.select_option("#bio-properties-panel-formRef", form_key)  # the picker of deployed forms
    page.click("#cs-canvas", position={"x": 700, "y": 60})
    page.click("#cs-deploy")
    page.wait_for_selector("#cs-versions tbody tr:has-text('v1')")

    with app.app_context():
        actor = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        inst = runtime.start_process(process_key, actor=actor, business_key=f"V-{tag}")
        task = db.session.scalars(sql_select(HumanTask).filter_by(instance_id=inst.id, state="open")).one()
        task_id, form_id = task.id, task.form_id
        assert form_id == form.id and definitions.latest_definition(process_key).version == 1

    # --- the agent sees the form-js form and submits it
    agent = sign_in(browser, base, "agent", "en")
    pages.append(agent)
    agent.goto(f"{base}/task/{task_id}/")
    agent.wait_for_selector(".cs-formjs .fjs-form-field-textfield input")
    assert agent.locator(".cs-formjs-fallback").count() == 0
    assert "Call summary" in agent.locator(".cs-formjs").inner_text()
    shot(agent, "task_en")
    agent.goto(f"{base}/lang/zh")
    agent.goto(f"{base}/task/{task_id}/")
    agent.wait_for_selector(".cs-formjs .fjs-form-field-textfield input")
    assert "回访摘要" in agent.locator(".cs-formjs").inner_text()
    agent.click("#btn-complete")  # the required summary is empty: form-js marks it, nothing is posted
    agent.wait_for_selector(".cs-formjs .fjs-form-field-error, .cs-formjs .fjs-has-errors")
    shot(agent, "task_zh_required")
    agent.fill(".cs-formjs .fjs-form-field-textfield input", "客户满意")
    agent.locator(".cs-formjs .fjs-form-field-select .fjs-input-group").click()
    agent.locator(".cs-formjs .fjs-dropdownlist-item", has_text="上门").click()
    agent.fill(".cs-formjs .fjs-form-field-number input", "15")
    shot(agent, "task_zh")
    agent.click("#btn-complete")
    agent.wait_for_url(lambda url: f"/task/{task_id}/" not in url)
    assert not [e for e in agent.errors if "favicon" not in e], agent.errors

    with app.app_context():
        done = db.session.get(HumanTask, task_id)
        assert done.state == "completed"
        assert done.submitted == {"summary": "客户满意", "channel": "visit", "minutes": 15}

    # --- a bad value posted directly to the API: a located 422
    with app.app_context():
        inst = runtime.start_process(process_key, actor=actor, business_key=f"V2-{tag}")
        task_id = db.session.scalars(sql_select(HumanTask.id).filter_by(instance_id=inst.id, state="open")).one()
    token = jwt_login(app, "agent").get_json()["access_token"]
    resp = Api(app, token).post(f"/api/v1/tasks/{task_id}/complete",
                                json={"data": {"summary": "好", "channel": "fax", "minutes": 500}})
    assert resp.status_code == 422
    assert resp.get_json()["fields"] == {"channel": "must be one of: phone, visit", "minutes": "must be at most 120"}
