"""A complaint walked through the real screens by three people in their roles:
the agent starts and registers it (fixing a validation error first), the
engineer rectifies it, the agent records the customer's feedback, and the
instance page shows every step done."""
import re
import uuid
from pathlib import Path

import pytest

from tests.browser.signin import PASSWORD, sign_in_page  # noqa: F401  (PASSWORD: for importers)
from tests.engine.conftest import DATA

VIEWER = Path(__file__).resolve().parents[2] / "app" / "static" / "dist" / "viewer.js"


@pytest.fixture(scope="module")
def complaint_deployed(app):
    from app.engine import definitions
    from app.engine.actor import Actor

    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        return definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(), actor=owner).definition.key


def sign_in(browser, base: str, username: str):
    return sign_in_page(browser, base, username, context={"viewport": {"width": 1366, "height": 900},
                                                          "locale": "zh-CN"}, timeout=15_000)


def shot(page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def open_from_inbox(page, base: str, tab: str, business_key: str) -> None:
    page.goto(f"{base}/inbox/{tab}/?q={business_key}")
    page.click(f"tr.task-row:has-text('{business_key}') a.task-link")
    page.wait_for_selector("#task-form")


def test_complaint_walk(live_server, browser, screenshots, complaint_deployed):
    base, key = live_server, f"BW-{uuid.uuid4().hex[:6].upper()}"
    agent = sign_in(browser, base, "agent")

    # the agent starts the complaint from the start page
    agent.goto(f"{base}/start/")
    shot(agent, screenshots, "start_list_zh")
    agent.click(f"a.start-item[data-key='{complaint_deployed}']")
    agent.fill("#f-business_key", key)
    agent.fill("#f-customer", "华东精密机械有限公司")
    shot(agent, screenshots, "start_form_zh")
    agent.click("#btn-start")
    agent.wait_for_selector("#task-form")
    assert "/task/" in agent.url and key in agent.inner_text(".record-summary")
    agent.click("#btn-claim")
    agent.wait_for_selector("#btn-draft")

    # a first attempt with an error, shown at the field, the typed data kept
    agent.fill("#f-severity", "9")
    agent.click("#btn-complete")
    agent.wait_for_selector("#err-matter")
    assert agent.input_value("#f-severity") == "9"
    assert "此项为必填项" in agent.inner_text("#err-matter")
    shot(agent, screenshots, "task_validation_zh")
    agent.fill("#f-matter", "设备运行噪音过大")
    agent.fill("#f-severity", "3")
    agent.click("#btn-complete")
    agent.wait_for_selector("#inbox")
    assert "/inbox/mine/" in agent.url

    # the engineer (another department) takes it over from the group inbox
    tech = sign_in(browser, base, "tech")
    tech.goto(f"{base}/inbox/group/?q={key}")
    shot(tech, screenshots, "inbox_group_tech_zh")
    open_from_inbox(tech, base, "group", key)
    assert "设备运行噪音过大" not in tech.inner_text("#task-form")  # rectify has its own form
    tech.click("#btn-claim")
    tech.wait_for_selector("#f-result")
    tech.fill("#f-result", "更换轴承，复测噪音正常")
    tech.click("#btn-complete")
    tech.wait_for_selector("#inbox")

    # back with the agent: the menu counts the waiting group task; the customer is satisfied
    agent.goto(f"{base}/")
    agent.click("a.dropdown-toggle:has-text('工作台')")
    assert int(agent.inner_text(".inbox-badge[data-count=group]")) >= 1
    shot(agent, screenshots, "menu_badge_zh")
    open_from_inbox(agent, base, "group", key)
    agent.check("#f-satisfied")
    shot(agent, screenshots, "task_feedback_zh")
    agent.click("#btn-complete")
    agent.wait_for_selector("#inbox")

    # the instance is complete and every step is marked done
    boss = sign_in(browser, base, "supervisor")
    boss.goto(f"{base}/instances/?business_key={key}")
    shot(boss, screenshots, "instances_zh")
    boss.click(f"tr.instance-row:has-text('{key}') a >> nth=0")
    boss.wait_for_selector("#instance")
    assert boss.get_attribute("#instance", "data-status") == "completed"
    done = boss.eval_on_selector_all(".mark-completed", "els => els.map(e => e.dataset.element)")
    assert {"start", "register", "rectify", "feedback", "gw", "end"} <= set(done)
    assert boss.locator(".mark-active").count() == 0
    history = boss.inner_text(".instance-history")
    assert history.count("任务已完成") == 3 and "流程已完成" in history
    shot(boss, screenshots, "instance_zh")

    # the same screens in English
    boss.goto(f"{base}/lang/en")
    boss.goto(f"{base}/instances/?business_key={key}")
    boss.click(f"tr.instance-row:has-text('{key}') a >> nth=0")
    boss.wait_for_selector("#instance")
    assert "Process completed" in boss.inner_text(".instance-history")
    shot(boss, screenshots, "instance_en")
    boss.goto(f"{base}/inbox/department/")
    assert re.search(r"Department tasks", boss.inner_text("h2"))
    shot(boss, screenshots, "inbox_department_en")
    agent.goto(f"{base}/lang/en")
    agent.goto(f"{base}/inbox/completed/?q={key}")
    assert agent.locator("tr.task-row").count() == 2
    shot(agent, screenshots, "inbox_completed_en")
    for page in (agent, tech, boss):
        page.context.close()


def test_instance_diagram_is_drawn(app, live_server, browser, screenshots):
    """With the bundled viewer the diagram is drawn and marked, CSP-clean; without it the marks are text."""
    from app.engine import definitions, runtime
    from app.engine.actor import Actor
    from tests.test_inbox_views import CONFIRM_BPMN

    with app.app_context():
        sm = app.appbuilder.sm
        definitions.deploy(CONFIRM_BPMN, actor=Actor.from_user(sm.find_user(username="owner")))
        inst = runtime.start_process("inbox_confirm", actor=Actor.from_user(sm.find_user(username="agent")),
                                     business_key=f"DG-{uuid.uuid4().hex[:6]}", variables={"kind": "a"})
        inst_id = inst.id
    admin = sign_in(browser, live_server, "admin")
    errors = []
    admin.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    admin.goto(f"{live_server}/instances/{inst_id}/")
    assert admin.get_attribute(".mark-active", "data-element") == "confirm"
    if VIEWER.exists():
        admin.wait_for_selector("#diagram-canvas svg")
        admin.wait_for_selector(".djs-element.cs-active[data-element-id='confirm']")
        assert admin.locator(".djs-element.cs-completed[data-element-id='start']").count() == 1
    shot(admin, screenshots, "instance_diagram_zh")
    assert errors == []
    admin.context.close()
