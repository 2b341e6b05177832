"""The Unassigned queue and the reassign pickers through the test client and the API: supervisors
and admins see the work nobody can pick up, with its count in the inbox tabs, and assign it to
someone who may work it; the pickers offer nobody else, and a forged choice is refused."""
import re

import pytest

from tests.api.helpers import api, complaint, diagram, engine, flow, tidy, tokens, unique  # noqa: F401
from tests.conftest import csrf_token

def _unroutable(engine, owners: str = "") -> tuple[str, int]:
    """A started process whose one user task nobody named can work; (business key, task id)."""
    key = unique("uq")
    engine.deploy(diagram(key, f'<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Orphan {key}" {owners}/>'
                          '<bpmn:endEvent id="e"/>' + flow("s", "t") + flow("t", "e")))
    business_key = unique("UQ")
    return business_key, engine.open_task(engine.start(key, business_key=business_key))

def demo(names: list[str]) -> list[str]:
    """The demo users among those offered (other test modules add users of their own to the database)."""
    from app.demo.users import DEMO_USERS

    return [n for n in names if n in {u for u, *_ in DEMO_USERS}]


def _options(html: str, select_id: str | None = None) -> list[str]:
    """The user names (login in parentheses) a reassign select offers."""
    if select_id:
        html = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S).group(0)
    return sorted(set(re.findall(r'<option value="\d+"[^>]*>[^<]*\((\w+)\)</option>', html)))


def test_the_task_page_offers_only_the_people_who_may_work_it(engine, complaint, login_as):
    task = engine.open_task(engine.start(complaint, business_key=unique("UQP")))  # offered to CustomerService
    html = login_as("supervisor").get(f"/task/{task}/").get_data(as_text=True)
    assert demo(_options(html, "assign-user")) == ["agent"]  # not admin, owner, sales, viewer, tech...
    assert 'class="help-block assign-help"' in html


def test_the_instance_page_offers_only_the_people_who_may_work_each_task(engine, complaint, login_as):
    inst = engine.start(complaint, business_key=unique("UQI"))
    html = login_as("supervisor").get(f"/instances/{inst}/").get_data(as_text=True)
    form = re.search(r'<form[^>]*reassign-form.*?</form>', html, re.S).group(0)
    assert demo(_options(form)) == ["agent"]  # the register task is CustomerService's: not tech, viewer, admin...


def test_a_forged_choice_is_refused_with_the_users_name(engine, complaint, login_as, app):
    task = engine.open_task(engine.start(complaint, business_key=unique("UQF")))
    with app.app_context():
        viewer = app.appbuilder.sm.find_user(username="viewer").id
    boss = login_as("supervisor")
    token = csrf_token(boss, f"/task/{task}/")
    resp = boss.post(f"/task/{task}/assign", data={"user_id": str(viewer), "csrf_token": token},
                     headers={"Accept-Language": "en"})
    assert resp.status_code == 302
    page = boss.get(resp.headers["Location"]).get_data(as_text=True)
    assert "viewer may not work on this task" in page or "viewer 不能处理此任务" in page
    from app.engine import tasks

    assert engine.call(lambda: tasks.get_task(task).assignee_id) is None


def test_supervisors_see_the_queue_with_its_count_and_assign_from_it(engine, login_as):
    from app.views import inbox

    business_key, task = _unroutable(engine, 'camunda:candidateGroups="Marketing"')
    inbox._unassigned.clear()  # the badge's count is kept 10 s: an earlier test's count must not stand in
    boss = login_as("supervisor")
    html = boss.get(f"/inbox/unassigned/?q={business_key}").get_data(as_text=True)
    assert f'data-task-id="{task}"' in html and "Marketing" in html  # why it is there
    assert re.search(r'tab-unassigned.*?data-count="unassigned">(\d+)<', html, re.S)
    assert demo(_options(html)) == ["agent", "field", "supervisor", "tech"]  # any working member
    assert re.search(r'data-count="unassigned">\d+<', boss.get("/inbox/mine/").get_data(as_text=True))
    queue = boss.get("/inbox/unassigned/").get_data(as_text=True)  # unfiltered: counted afresh
    count = int(re.search(r'data-count="unassigned">(\d+)<', queue).group(1))
    token = csrf_token(boss, "/inbox/unassigned/")
    with engine.app.app_context():
        tech = engine.app.appbuilder.sm.find_user(username="tech").id
    done = boss.post(f"/task/{task}/assign", data={"user_id": str(tech), "csrf_token": token,
                                                   "next": "/inbox/unassigned/"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/inbox/unassigned/")
    after = boss.get("/inbox/unassigned/").get_data(as_text=True)
    assert f'data-task-id="{task}"' not in after
    left = re.search(r'data-count="unassigned">(\d+)<', after)
    assert (int(left.group(1)) if left else 0) == count - 1
    assert f'data-task-id="{task}"' in login_as("tech").get("/inbox/mine/").get_data(as_text=True)


@pytest.mark.parametrize("username,status", [("agent", 403), ("tech", 403), ("viewer", 403), ("admin", 200)])
def test_only_supervisors_and_admins_open_the_queue(login_as, username, status):
    client = login_as(username)
    assert client.get("/inbox/unassigned/").status_code == status
    if username in ("agent", "tech"):
        assert "/inbox/unassigned/" not in client.get("/inbox/mine/").get_data(as_text=True)


def test_the_queue_speaks_both_languages(engine, login_as):
    business_key, _task = _unroutable(engine)
    boss = login_as("supervisor")
    boss.get("/lang/zh")
    zh = boss.get(f"/inbox/unassigned/?q={business_key}").get_data(as_text=True)
    assert "未分派" in zh and "没有指定处理人" in zh
    boss.get("/lang/en")
    en = boss.get(f"/inbox/unassigned/?q={business_key}").get_data(as_text=True)
    assert "Unassigned" in en and "Nobody is named to work on it." in en


def test_the_api_lists_the_queue_and_refuses_an_ineligible_assignee(engine, api, app):
    business_key, task = _unroutable(engine)
    listed = api("Supervisor").get(f"/api/v1/tasks/?view=unassigned&search={business_key}").get_json()
    assert [t["id"] for t in listed["items"]] == [task]
    assert api("CustomerService").get("/api/v1/tasks/?view=unassigned").status_code == 403
    with app.app_context():
        sales = app.appbuilder.sm.find_user(username="sales").id
        field = app.appbuilder.sm.find_user(username="field").id
    refused = api("Admin").post(f"/api/v1/tasks/{task}/assign", json={"user_id": sales})
    assert refused.status_code == 422 and refused.get_json()["user"] == "sales"
    assert "user_id" in refused.get_json()["fields"]
    ok = api("Admin").post(f"/api/v1/tasks/{task}/assign", json={"user_id": field})
    assert ok.status_code == 200 and ok.get_json()["assignee"] == "field"
