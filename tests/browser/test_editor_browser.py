"""The BPMN editor in a real browser: a process owner draws and deploys a
process through the modeler and its Camunda properties panel, validation marks
problems on the diagram, and every shipped workflow round-trips through the
editor without a semantic change."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.browser.signin import sign_in_page

ROOT = Path(__file__).resolve().parents[2]
MODELER = ROOT / "app" / "static" / "dist" / "modeler.js"
TWO_ERRORS = ROOT / "tests" / "data" / "editor" / "two_errors.bpmn"

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
    errors: list[str] = []

    def listen(page) -> None:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "Failed to load resource" not in msg.text else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None)
        page.on("dialog", lambda dialog: dialog.accept())

    page = sign_in_page(browser, base, username, lang=lang, setup=listen, timeout=20_000,
                        context={"viewport": {"width": 1440, "height": 1000},
                                 "locale": "zh-CN" if lang == "zh" else "en-US"})
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
        assert {c.role_name for c in drawn[0].candidates} == {"CustomerService"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_validate_marks_both_problems_on_the_diagram(live_server, browser, screenshots, lang):
    base = live_server
    page = sign_in(browser, base, "owner", lang)
    upload_file(page, base, TWO_ERRORS)
    page.click("#cs-validate")
    page.wait_for_selector("#cs-problems:not([hidden])")
    # marked with the server validator's severity for each (the badge shows the same verdict)
    for element_id in ("review", "compute"):
        page.wait_for_selector(f".djs-element.cs-problem-error[data-element-id='{element_id}'], "
                               f".djs-element.cs-problem-warning[data-element-id='{element_id}']")
    assert page.locator(".djs-overlay-cs-problem, .djs-overlays .cs-problem-badge").count() >= 2
    items = page.locator("#cs-problems li.cs-problem-item")
    assert {items.nth(i).get_attribute("data-element") for i in range(items.count())} >= {"review", "compute"}
    errors = page.locator("#cs-problems li.cs-problem-error").count()
    warnings = page.locator("#cs-problems li.cs-problem-warning").count()
    badge = page.locator("#cs-lint")
    assert (badge.get_attribute("data-errors"), badge.get_attribute("data-warnings")) == (str(errors), str(warnings))
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


# ------------------------------------------------------------------ item 8/2: layout, no changes, zh

NO_DI = ROOT / "tests" / "data" / "editor" / "no_di.bpmn"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_diagram_without_di_is_laid_out_with_a_notice(live_server, browser, screenshots, lang):
    page = sign_in(browser, live_server, "owner", lang)
    upload_file(page, live_server, NO_DI)
    notice = page.locator("#cs-layout-notice")
    notice.wait_for(state="visible")
    assert ("自动布局" if lang == "zh" else "laid out automatically") in notice.inner_text()
    assert "…" not in page.locator("#cs-status").inner_text()  # not stuck at "Loading…"
    shapes = page.evaluate("""() => window.csModeler.get('elementRegistry')
        .filter(e => e.parent && !e.waypoints && e.type !== 'label').map(e => e.id).sort()""")
    assert shapes == sorted(["start", "triage", "urgent", "call_back", "answer", "join", "end"])
    flows = page.evaluate("() => window.csModeler.get('elementRegistry').filter(e => e.waypoints).length")
    assert flows == 7
    page.wait_for_selector("#cs-lint:not([hidden])")
    shot(page, screenshots, f"editor_no_di_{lang}")
    page.screenshot(path=f"/tmp/shots_editor/editor_no_di_{lang}.png")
    assert not [e for e in page.errors if "favicon" not in e], page.errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_deploy_of_an_unchanged_draft_is_refused(app, live_server, browser, lang):
    from app.engine import definitions
    from app.extensions import db

    base, key = live_server, f"same_{lang}_{uuid.uuid4().hex[:6]}"
    page = sign_in(browser, base, "owner", lang)
    page.goto(f"{base}/processes/")
    page.fill("#cs-new-key", key)
    page.click("#cs-create")
    page.wait_for_selector(".djs-element[data-element-id='Task_1']")
    page.click("#cs-deploy")
    page.wait_for_selector("#cs-versions tbody tr:has-text('v1')")
    page.click("#cs-deploy")  # nothing changed since v1
    page.wait_for_selector("#cs-notice.alert-warning")
    assert ("没有任何改动" if lang == "zh" else "No changes since version 1") in page.locator("#cs-notice").inner_text()
    assert page.locator("#cs-problems li.cs-problem-error").count() == 1
    with app.app_context():
        assert [v.version for v in definitions.list_versions(key)] == [1]
        db.session.remove()
    # the deployment left no draft behind: nothing to discard on the versions page
    page.goto(f"{base}/processes/{key}/versions")
    assert page.locator("#cs-discard").count() == 0


# English words the zh editor must not show (the list and the panel's usual headings)
ENGLISH_UI = ["General", "Documentation", "User assignment", "Candidate groups", "Assignee", "Due date",
              "Forms", "Form fields", "Task listeners", "Execution listeners", "Asynchronous continuations",
              "Asynchronous before", "Inputs", "Outputs", "Extension properties", "Input/Output", "Errors",
              "Warnings", "Job execution", "Multi-instance", "Condition", "Timer", "User Task", "USER TASK",
              "Exclusive Gateway", "Boundary Event", "Name", "Properties", "Priority", "Executable",
              "Version tag", "History cleanup", "Tasklist", "Create", "Append", "Activate", "Delete",
              "Change element", "No problems", "Camunda EL", "EL expression"]

OPEN_ALL_GROUPS = """() => document.querySelectorAll('#cs-properties .bio-properties-panel-group-header:not(.open)')
    .forEach(h => h.click())"""
VISIBLE_UI_TEXT = """() => {
    const texts = [document.querySelector('#cs-properties').innerText, document.querySelector('#cs-lint').innerText,
                   document.querySelector('.cs-toolbar').innerText];
    document.querySelectorAll('.djs-palette [title], .djs-context-pad [title], #cs-properties [title]')
        .forEach(el => texts.push(el.getAttribute('title')));
    document.querySelectorAll('#cs-properties input[placeholder], #cs-properties textarea[placeholder]')
        .forEach(el => texts.push(el.getAttribute('placeholder')));
    return texts.join('\\n');
}"""


def test_zh_editor_shows_no_english(live_server, browser):
    """A user task, a gateway, a timer event and the process selected in turn, every panel group
    opened: the visible text (and tooltips) of the panel, palette, context pad and badge is Chinese."""
    import re

    page = sign_in(browser, live_server, "owner", "zh")
    upload_file(page, live_server, ROOT / "workflows" / "after_sales_service.bpmn")
    page.wait_for_selector("#cs-lint:not([hidden])")
    found: dict[str, set[str]] = {}
    for element_id in ("accept", "gw_type", "accept_overdue", None):
        if element_id:
            select(page, element_id)
        else:
            page.evaluate("() => window.csModeler.get('selection').select(null)")
        page.wait_for_timeout(200)
        page.evaluate(OPEN_ALL_GROUPS)
        page.wait_for_timeout(300)
        text = page.evaluate(VISIBLE_UI_TEXT)
        hits = {w for w in ENGLISH_UI if re.search(rf"(?<![\w$]){re.escape(w)}(?![\w(])", text)}
        if hits:
            found[element_id or "process"] = hits
        page.screenshot(path=f"/tmp/shots_editor/editor_zh_{element_id or 'process'}.png", full_page=True)
    # the "change element" menu of the user task: every entry and group in Chinese
    select(page, "accept")
    context_action(page, "replace")
    page.wait_for_selector(".djs-popup")
    popup = page.evaluate("""() => { const p = document.querySelector('.djs-popup');
        return [p.innerText, ...Array.from(p.querySelectorAll('[title], input[placeholder]'))
            .map(e => e.getAttribute('title') || e.getAttribute('placeholder'))].join('\\n'); }""")
    english = sorted(set(re.findall(r"[A-Za-z]{3,}", popup)) - {"BPMN"})
    if english:
        found["change element menu"] = set(english)
    page.screenshot(path="/tmp/shots_editor/editor_zh_replace_menu.png")
    missing = page.evaluate("() => Array.from(window.csMissingTranslations || [])")
    assert not found, f"English on the zh editor: {found}; untranslated templates: {missing}"


# ------------------------------------------------------------------ item 9: the instance diagram viewer

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_instance_diagram_is_readable_and_zooms(app, live_server, browser, lang):
    from app.engine import definitions, runtime
    from app.engine.actor import Actor
    from app.extensions import db

    from tests.test_editor import linear_process

    key = f"viewer_{lang}_{uuid.uuid4().hex[:6]}"  # twelve tasks in a row: too wide to fit readably
    xml = linear_process(key, [(f"t{i}", "CustomerService") for i in range(12)], name="Wide process")
    with app.app_context():
        admin = Actor.from_user(app.appbuilder.sm.find_user(username="admin"))
        definitions.deploy(xml, actor=admin)
        agent = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        inst_id = runtime.start_process(key, actor=agent, business_key=f"VW-{key}").id
        db.session.remove()
    page = sign_in(browser, live_server, "supervisor", lang)
    page.goto(f"{live_server}/instances/{inst_id}/")
    page.wait_for_selector("#diagram-canvas.diagram-drawn")

    def scale() -> float:
        return page.evaluate("() => { const m = document.querySelector('#diagram-canvas svg .viewport')"
                             ".transform.baseVal.consolidate(); return m ? m.matrix.a : 1; }")

    # readable on arrival: label text at >= 8 px on screen (bpmn-js draws labels at 11-12 px)
    assert scale() >= 0.7, scale()
    assert page.locator("#diagram-canvas .djs-element.cs-active[data-element-id='t0']").is_visible()
    font = page.evaluate("""() => { const t = document.querySelector('#diagram-canvas .djs-element text');
        return t ? t.getBoundingClientRect().height : 0; }""")
    assert font >= 8, font
    page.screenshot(path=f"/tmp/shots_editor/instance_viewer_{lang}.png", full_page=True)
    titles = [page.locator(f"#diagram-canvas .{c}").get_attribute("title")
              for c in ("cs-zoom-in", "cs-zoom-out", "cs-zoom-fit")]
    assert titles == (["放大", "缩小", "适应窗口"] if lang == "zh" else ["Zoom in", "Zoom out", "Fit the diagram"])
    before = scale()
    page.click("#diagram-canvas .cs-zoom-in")
    assert scale() > before
    page.click("#diagram-canvas .cs-zoom-fit")  # the whole diagram, every lane inside the canvas
    assert scale() < before
    fitted = page.evaluate("""() => { const c = document.querySelector('#diagram-canvas').getBoundingClientRect();
        const all = Array.from(document.querySelectorAll('#diagram-canvas .djs-element[data-element-id] .djs-visual'))
            .map(e => e.getBoundingClientRect()).filter(r => r.width);
        return all.every(r => r.left >= c.left - 1 && r.right <= c.right + 1 && r.top >= c.top - 1 && r.bottom <= c.bottom + 1); }""")
    assert fitted
    page.screenshot(path=f"/tmp/shots_editor/instance_viewer_fit_{lang}.png", full_page=True)
    assert not [e for e in page.errors if "favicon" not in e], page.errors


def test_import_and_export_from_the_editor(live_server, browser, tmp_path):
    """Import opens a file as the draft of its own process (here one without DI); Export saves
    what the editor shows."""
    base, key = live_server, f"impexp_{uuid.uuid4().hex[:6]}"
    page = sign_in(browser, base, "owner", "en")
    page.goto(f"{base}/processes/")
    page.fill("#cs-new-key", key)
    page.click("#cs-create")
    page.wait_for_selector(".djs-element[data-element-id='Task_1']")
    with page.expect_download() as download:
        page.click("#cs-download")
    saved = tmp_path / "export.bpmn"
    download.value.save_as(saved)
    assert f'id="{key}"' in saved.read_text(encoding="utf-8") and "BPMNShape" in saved.read_text(encoding="utf-8")
    page.set_input_files("#cs-import-file", str(NO_DI))  # the Import button opens this file input
    page.wait_for_url("**/processes/editor/editor_no_di")
    page.wait_for_selector(".djs-element[data-element-id='triage']")
    assert page.locator("#cs-layout-notice").is_visible()
    assert not [e for e in page.errors if "favicon" not in e], page.errors
