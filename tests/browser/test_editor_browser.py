"""The BPMN editor in a real browser: a process owner draws and deploys a
process through the modeler and its Camunda properties panel, validation marks
problems on the diagram, and every shipped workflow round-trips through the
editor without a semantic change."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELER = ROOT / "app" / "static" / "dist" / "modeler.js"
TWO_ERRORS = ROOT / "tests" / "data" / "editor" / "two_errors.bpmn"
PASSWORD = "Demo#2026Pass"

pytestmark = pytest.mark.skipif(not MODELER.exists(), reason="app/static/dist/modeler.js is missing (run `make assets`)")


@pytest.fixture(scope="module", autouse=True)
def no_login_rate_limit(app):
    """Every browser signs in from 127.0.0.1: the login limit (5 a minute) is for attackers, not this module."""
    from app.extensions import limiter

    was = limiter.enabled
    limiter.enabled = False
    yield
    limiter.enabled = was


def sign_in(browser, base: str, username: str, lang: str = "zh"):
    context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                  locale="zh-CN" if lang == "zh" else "en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"
    page.goto(f"{base}/lang/{lang}")
    page.errors = errors
    return page


def shot(page, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def element(page, element_id: str):
    return page.locator(f".djs-element[data-element-id='{element_id}']").first


def selected(page) -> list[str]:
    return page.evaluate("() => window.csModeler.get('selection').get().map(e => e.id)")


def select(page, element_id: str) -> None:
    """Click the element (clicking an already selected element would deselect it)."""
    if selected(page) != [element_id]:
        element(page, element_id).click()
    page.wait_for_function("id => window.csModeler.get('selection').get().some(e => e.id === id)", arg=element_id)


def context_action(page, action: str) -> None:
    page.locator(f".djs-context-pad .entry[data-action='{action}']:visible").first.click()


def open_group(page, group_id: str) -> None:
    group = page.locator(f"[data-group-id='{group_id}']")
    header = group.locator(".bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def new_element_ids(page, before: set[str]) -> list[str]:
    ids = page.evaluate("() => window.csModeler.get('elementRegistry').getAll().map(e => e.id)")
    return [i for i in ids if i not in before]


def all_ids(page) -> set[str]:
    return set(page.evaluate("() => window.csModeler.get('elementRegistry').getAll().map(e => e.id)"))


def wait_saved(page) -> None:
    page.wait_for_function("() => document.querySelector('#cs-status').classList.contains('text-success')")


def upload_file(page, base: str, path: Path, replace: bool = True) -> None:
    page.goto(f"{base}/processes/")
    page.set_input_files("#cs-upload-file", str(path))
    if replace:
        page.check("#cs-upload-form input[name=replace]")
    page.click("#cs-upload")
    page.wait_for_selector("#cs-canvas .djs-element")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_owner_draws_deploys_and_agent_gets_the_task(app, live_server, browser, screenshots, lang):
    from app.engine import runtime, tasks
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HumanTask

    base, key = live_server, f"drawn_{lang}_{uuid.uuid4().hex[:6]}"
    page = sign_in(browser, base, "owner", lang)
    page.goto(f"{base}/processes/")
    page.fill("#cs-new-key", key)
    page.fill("#cs-new-name", "回访流程" if lang == "zh" else "Call-back process")
    page.click("#cs-create")
    page.wait_for_selector(".djs-element[data-element-id='Task_1']")
    assert page.locator("#cs-status").inner_text()

    # remove the end event, append a task to Task_1, make it a user task, end it again
    select(page, "EndEvent_1")
    context_action(page, "delete")
    select(page, "Task_1")
    before = all_ids(page)
    context_action(page, "append.append-task")
    page.wait_for_selector(".djs-direct-editing-parent:visible")
    page.keyboard.type("回访客户" if lang == "zh" else "Call the customer back")  # the label editor is open
    page.click("#cs-canvas", position={"x": 700, "y": 60})  # done editing
    new_task = next(i for i in new_element_ids(page, before) if i.startswith("Activity_"))
    select(page, new_task)
    context_action(page, "replace")
    page.click(".djs-popup [data-id='replace-with-user-task']")
    assert page.evaluate(f"() => window.csModeler.get('elementRegistry').get('{new_task}').type") == "bpmn:UserTask"
    select(page, new_task)
    before = all_ids(page)
    context_action(page, "append.end-event")
    page.click("#cs-canvas", position={"x": 700, "y": 60})
    assert any(i.startswith("Event_") for i in new_element_ids(page, before))

    # name, candidate group and a form field through the properties panel
    select(page, new_task)
    assert page.input_value("#bio-properties-panel-name") == ("回访客户" if lang == "zh" else "Call the customer back")
    open_group(page, "group-CamundaPlatform__UserAssignment")
    groups = page.locator("#bio-properties-panel-candidateGroups")
    assert groups.get_attribute("list") == "cs-roles"  # the roles datalist is attached
    groups.fill("CustomerService")
    page.fill("#bio-properties-panel-dueDate", "${add_working_days(2)}")
    open_group(page, "group-CamundaPlatform__Form")
    page.select_option("#bio-properties-panel-formType", "formData")
    form_fields = page.locator("[data-group-id='group-CamundaPlatform__FormData']")
    form_fields.locator(".bio-properties-panel-add-entry").click()
    item = form_fields.locator(".bio-properties-panel-collapsible-entry").last
    if "open" not in (item.locator(".bio-properties-panel-collapsible-entry-entries").get_attribute("class") or ""):
        item.locator(".bio-properties-panel-collapsible-entry-header").click()
    field_id = item.locator("input[id$='-formFieldID']")
    field_id.fill("outcome")
    item.locator("input[id$='-formFieldLabel']").fill("回访结果" if lang == "zh" else "Outcome")
    item.locator("select[id$='-formFieldType']").select_option("string")
    page.click("#cs-canvas", position={"x": 700, "y": 60})  # commit the last input
    select(page, new_task)
    open_group(page, "group-CamundaPlatform__UserAssignment")
    shot(page, screenshots, f"editor_properties_{lang}")

    page.click("#cs-save")
    wait_saved(page)
    page.click("#cs-validate")
    page.wait_for_selector("#cs-notice:not([hidden])")
    assert page.locator(".djs-element.cs-problem-error").count() == 0
    page.click("#cs-deploy")
    page.wait_for_selector("#cs-versions tbody tr:has-text('v1')")
    assert "v1" in page.locator("#cs-notice").inner_text() or "1" in page.locator("#cs-notice").inner_text()
    shot(page, screenshots, f"editor_deployed_{lang}")

    # rename the task, deploy v2, compare v1 with v2: the task is marked changed
    select(page, new_task)
    open_group(page, "group-general")
    page.fill("#bio-properties-panel-name", "回访并记录" if lang == "zh" else "Call back and record")
    page.click("#cs-canvas", position={"x": 700, "y": 60})
    page.click("#cs-deploy")
    page.wait_for_selector("#cs-versions tbody tr:has-text('v2')")
    page.goto(f"{base}/processes/{key}/compare?a=1&b=2")
    page.wait_for_selector("#cs-compare[data-ready='1']")
    assert page.locator(f"#cs-compare-new .djs-element.cs-diff-changed[data-element-id='{new_task}']").count() == 1
    row = page.locator(f"#cs-diff-list tr.cs-diff-changed[data-element='{new_task}']")
    assert row.count() == 1
    old_name, new_name = ("回访客户", "回访并记录") if lang == "zh" else ("Call the customer back", "Call back and record")
    assert row.locator("del").inner_text() == old_name and row.locator("ins").inner_text() == new_name
    shot(page, screenshots, f"editor_compare_{lang}")
    page.goto(f"{base}/processes/{key}/versions")
    page.click("#cs-migrate-preview")
    page.wait_for_selector("#cs-migration-result table, #cs-migration-result .alert")
    shot(page, screenshots, f"editor_versions_{lang}")
    page.goto(f"{base}/processes/")
    assert page.locator(f"tr[data-key='{key}']").count() == 1
    shot(page, screenshots, f"editor_process_list_{lang}")
    assert not [e for e in page.errors if "favicon" not in e], page.errors

    # an agent starts it; after the first task the drawn task is in the agent's group inbox
    with app.app_context():
        agent = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        inst = runtime.start_process(key, actor=agent, business_key=f"BW-{key}")
        first = db.session.query(HumanTask).filter_by(instance_id=inst.id, state="open").one()
        assert first.element_id == "Task_1"
        tasks.complete(first.id, {}, actor=agent)
        page_ = tasks.query_tasks(agent, view="group", process_key=key, page_size=100)
        items = getattr(page_, "items", None) or getattr(page_, "rows", None) or list(page_)
        drawn = [t for t in items if t.element_id == new_task]
        assert drawn, f"the drawn task is not in the agent's group inbox: {items}"
        assert [f["id"] for f in drawn[0].form] == ["outcome"]
        assert drawn[0].due_at is not None
        assert {c.group_name for c in drawn[0].candidates} == {"CustomerService"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_validate_marks_both_problems_on_the_diagram(live_server, browser, screenshots, lang):
    base = live_server
    page = sign_in(browser, base, "owner", lang)
    upload_file(page, base, TWO_ERRORS)
    page.click("#cs-validate")
    page.wait_for_selector("#cs-problems:not([hidden])")
    for element_id in ("review", "compute"):
        page.wait_for_selector(f".djs-element.cs-problem-error[data-element-id='{element_id}']")
    assert page.locator(".djs-overlay-cs-problem, .djs-overlays .cs-problem-badge").count() >= 2
    items = page.locator("#cs-problems li.cs-problem-error")
    assert items.count() == 2
    assert {items.nth(i).get_attribute("data-element") for i in range(2)} == {"review", "compute"}
    items.first.click()  # the list selects the element on the diagram
    selected = page.evaluate("() => window.csModeler.get('selection').get().map(e => e.id)")
    assert selected and selected[0] in ("review", "compute")
    shot(page, screenshots, f"editor_validate_{lang}")


def _workflow_files() -> list[Path]:
    return sorted((ROOT / "workflows").glob("*.bpmn"))


def semantic(xml: bytes | str) -> dict:
    """What the engine makes of a diagram: every task spec serialized, human-task meta included."""
    from app.engine import store
    from app.engine.bpmn import parse_definition

    parsed = parse_definition(xml)
    assert parsed.deployable, [str(p) for p in parsed.errors]
    out = {}
    for spec_id, spec in parsed.specs.items():
        for name, ts in spec.task_specs.items():
            out[f"{spec_id}/{name}"] = json.loads(json.dumps(store._registry.convert(ts), sort_keys=True, default=str))
    return out


@pytest.mark.parametrize("path", _workflow_files(), ids=lambda p: p.name)
def test_workflow_round_trips_through_the_editor(app, live_server, browser, screenshots, path):
    from app.engine import drafts

    base = live_server
    page = sign_in(browser, base, "owner", "zh")
    upload_file(page, base, path)
    key = page.evaluate("() => JSON.parse(document.getElementById('cs-editor-config').textContent).key")
    # a real edit and its undo, then an explicit save: the modeler's own XML goes to the server
    page.evaluate("""() => {
        const m = window.csModeler;
        const start = m.get('elementRegistry').filter(e => e.type === 'bpmn:StartEvent')[0];
        m.get('modeling').moveElements([start], {x: 0, y: 10});
        m.get('commandStack').undo();
    }""")
    page.click("#cs-save")
    wait_saved(page)
    shot(page, screenshots, f"editor_roundtrip_{path.stem}")
    assert not [e for e in page.errors if "favicon" not in e], page.errors
    with app.app_context():
        saved = drafts.get_draft(key)
        assert saved is not None and saved.saved_by.username == "owner"
        assert "bpmn:definitions" in saved.bpmn_xml
        assert semantic(saved.bpmn_xml) == semantic(path.read_bytes())


def test_autosave_and_conflict_warning(app, live_server, browser, screenshots):
    """Two people edit one process: autosave stores the first one's change; the second one's
    save is refused (409) and the page says who saved, until they choose to overwrite."""
    from app.engine import drafts
    from app.extensions import db

    base, key = live_server, f"conflict_{uuid.uuid4().hex[:6]}"
    app.config["EDITOR_AUTOSAVE_MS"] = 1000
    try:
        owner = sign_in(browser, base, "owner", "en")
        owner.goto(f"{base}/processes/")
        owner.fill("#cs-new-key", key)
        owner.click("#cs-create")
        owner.wait_for_selector(".djs-element[data-element-id='Task_1']")
        admin = sign_in(browser, base, "admin", "zh")
        admin.goto(f"{base}/processes/editor/{key}")
        admin.wait_for_selector(".djs-element[data-element-id='Task_1']")
        rename = """name => { const m = window.csModeler;
            m.get('modeling').updateLabel(m.get('elementRegistry').get('Task_1'), name); }"""
        admin.evaluate(rename, "管理员的修改")
        wait_saved(admin)  # autosave, no button pressed
        with app.app_context():
            assert "管理员的修改" in drafts.get_draft(key).bpmn_xml
            db.session.remove()
        owner.evaluate(rename, "Owner change")
        owner.wait_for_selector("#cs-conflict:not([hidden])")
        text = owner.locator("#cs-conflict").inner_text()
        assert "admin" in text and "NOT" in text
        shot(owner, screenshots, "editor_conflict_en")
        with app.app_context():
            assert "管理员的修改" in drafts.get_draft(key).bpmn_xml  # nothing overwritten
            db.session.remove()
        owner.click("#cs-conflict-overwrite")  # an explicit choice (the confirm dialog is accepted)
        wait_saved(owner)
        assert owner.locator("#cs-conflict").is_hidden()
        with app.app_context():
            draft = drafts.get_draft(key)
            assert "Owner change" in draft.bpmn_xml and draft.saved_by.username == "owner"
            db.session.remove()
    finally:
        app.config.pop("EDITOR_AUTOSAVE_MS", None)
