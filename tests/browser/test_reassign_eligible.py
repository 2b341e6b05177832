"""Reassign offers only the people who may work the task, in the real browser: the supervisor's
task page for a CustomerService task, and the Unassigned queue for a task nobody named can work,
assigned from there to an engineer who then finds it in their inbox. Both languages."""
import uuid

import pytest

from tests.api.helpers import diagram, flow
from tests.browser.test_complaint_walk import complaint_deployed, shot, sign_in  # noqa: F401


@pytest.fixture(scope="module")
def orphan(app):
    """A deployed process whose one user task names nobody (Camunda Modeler's default)."""
    from app.engine import definitions
    from app.engine.actor import Actor

    key = f"orphan_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy(diagram(key, '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="无人认领 Orphan"/>'
                                   '<bpmn:endEvent id="e"/>' + flow("s", "t") + flow("t", "e")), actor=owner)
    return key


def _start(app, key: str, business_key: str) -> int:
    from sqlalchemy import select

    from app.engine import runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HumanTask

    with app.app_context():
        agent = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        inst = runtime.start_process(key, actor=agent, business_key=business_key)
        return db.session.scalars(select(HumanTask.id).filter_by(instance_id=inst.id, state="open")).one()

def demo(names: list[str]) -> list[str]:
    """The demo users among those offered (other test modules add users of their own to the database)."""
    from app.demo.users import DEMO_USERS

    return [n for n in names if n in {u for u, *_ in DEMO_USERS}]


def _offered(page, selector: str) -> list[str]:
    """The login names a select offers (its options read "First Last (login)"), without the group entry."""
    texts = page.locator(f"{selector} option:not([value=''])").all_inner_texts()
    return sorted(t.rsplit("(", 1)[1].rstrip(")") for t in texts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pickers_offer_only_eligible_people(app, live_server, browser, screenshots, complaint_deployed,
                                                orphan, lang):
    base = live_server
    cs_task = _start(app, complaint_deployed, f"RE-{uuid.uuid4().hex[:6].upper()}")
    orphan_key = f"RO-{uuid.uuid4().hex[:6].upper()}"
    orphan_task = _start(app, orphan, orphan_key)
    boss = sign_in(browser, base, "supervisor")
    boss.goto(f"{base}/lang/{lang}")

    boss.goto(f"{base}/task/{cs_task}/")
    boss.wait_for_selector("#assign-user")
    assert demo(_offered(boss, "#assign-user")) == ["agent"]  # no viewer, sales, admin, owner, tech...
    shot(boss, screenshots, f"reassign_picker_{lang}")

    boss.goto(f"{base}/inbox/unassigned/?q={orphan_key}")
    row = f"tr.task-row[data-task-id='{orphan_task}']"
    boss.wait_for_selector(row)
    assert demo(_offered(boss, f"{row} select")) == ["agent", "field", "supervisor", "tech"]
    assert boss.locator(".tab-unassigned .badge").count() == 1
    shot(boss, screenshots, f"unassigned_queue_{lang}")
    boss.select_option(f"{row} select", label=boss.locator(f"{row} select option", has_text="(tech)").inner_text())
    boss.click(f"{row} button[type=submit]")
    boss.wait_for_selector(".alert-success")
    assert boss.locator(row).count() == 0

    tech = sign_in(browser, base, "tech")
    tech.goto(f"{base}/inbox/mine/?q={orphan_key}")
    assert tech.locator(f"tr.task-row[data-task-id='{orphan_task}']").count() == 1
    boss.context.close()
    tech.context.close()
