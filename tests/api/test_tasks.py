"""/api/v1/tasks: inbox views, claim/unclaim/assign, form schema, complete."""
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.api.helpers import unique


def new_task(engine, complaint, username="agent"):
    inst = engine.start(complaint, username, business_key=unique("T"))
    return inst, engine.open_task(inst, "register")


def ids(resp):
    assert resp.status_code == 200, resp.get_json()
    return [t["id"] for t in resp.get_json()["items"]]


def test_group_then_mine_after_claim(api, engine, complaint):
    _, task = new_task(engine, complaint)
    agent = api("CustomerService")
    assert task in ids(agent.get("/api/v1/tasks/?view=group&page_size=100"))
    assert task not in ids(api("TechSupport").get("/api/v1/tasks/?view=group&page_size=100"))
    claimed = agent.post(f"/api/v1/tasks/{task}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "agent"
    assert task in ids(agent.get("/api/v1/tasks/?view=mine&page_size=100"))
    other = api("Supervisor").post(f"/api/v1/tasks/{task}/claim")
    assert other.status_code == 409 and other.get_json()["code"] == "task_already_claimed"
    released = agent.post(f"/api/v1/tasks/{task}/unclaim")
    assert released.status_code == 200 and released.get_json()["assignee"] is None


def test_form_schema(api, engine, complaint):
    _, task = new_task(engine, complaint)
    resp = api("CustomerService").get(f"/api/v1/tasks/{task}/form")
    assert resp.status_code == 200
    schema = resp.get_json()["schema"]
    assert schema["required"] == ["matter"] and schema["properties"]["severity"]["type"] == "integer"
    detail = api("CustomerService").get(f"/api/v1/tasks/{task}").get_json()
    assert detail["form_schema"] == schema and detail["documentation"].startswith("Record the")


def test_complete_validates_types_then_completes(api, engine, complaint):
    inst, task = new_task(engine, complaint)
    agent = api("CustomerService")
    bad = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"severity": "high", "extra": 1}})
    assert bad.status_code == 422
    assert set(bad.get_json()["fields"]) == {"matter", "severity", "extra"}
    ok = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "噪音", "severity": 3}})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["state"] == "completed" and ok.get_json()["submitted"] == {"matter": "噪音", "severity": 3}
    twice = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "x"}})
    assert twice.status_code == 409 and twice.get_json()["code"] == "task_already_completed"
    assert task in ids(agent.get("/api/v1/tasks/?view=completed&page_size=100&sort=created&desc=true"))
    nxt = api("Admin").get(f"/api/v1/instances/{inst}").get_json()["open_tasks"]
    assert [t["element_id"] for t in nxt] == ["rectify"]


def test_complete_body_must_be_an_object(api, engine, complaint):
    _, task = new_task(engine, complaint)
    resp = api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": [1, 2]})
    assert resp.status_code == 422 and "data" in resp.get_json()["fields"]


def test_supervisor_assigns(api, engine, complaint, app):
    _, task = new_task(engine, complaint)  # offered to CustomerService
    with app.app_context():
        ids = {u: app.appbuilder.sm.find_user(username=u).id for u in ("agent", "tech", "viewer", "admin")}
    for name in ("tech", "viewer", "admin"):  # no candidate: refused, naming the field and the user
        refused = api("Supervisor").post(f"/api/v1/tasks/{task}/assign", json={"user_id": ids[name]})
        body = refused.get_json()
        assert refused.status_code == 422 and body["code"] == "invalid", body
        assert body["user"] == name and name in body["fields"]["user_id"] and name in body["message"]
    assert api("Supervisor").get(f"/api/v1/tasks/{task}").get_json()["assignee"] is None  # nothing changed
    resp = api("Supervisor").post(f"/api/v1/tasks/{task}/assign", json={"user_id": ids["agent"]})
    assert resp.status_code == 200 and resp.get_json()["assignee"] == "agent"
    unknown = api("Supervisor").post(f"/api/v1/tasks/{task}/assign", json={"user_id": 999999})
    assert unknown.status_code == 422 and "user_id" in unknown.get_json()["fields"]
    by_agent = api("CustomerService").post(f"/api/v1/tasks/{task}/assign", json={"user_id": None})
    assert by_agent.status_code == 403
    back = api("Supervisor").post(f"/api/v1/tasks/{task}/assign", json={"user_id": None})
    assert back.status_code == 200 and back.get_json()["assignee"] is None


def test_department_view_is_for_supervisors(api):
    assert api("Supervisor").get("/api/v1/tasks/?view=department").status_code == 200
    assert api("CustomerService").get("/api/v1/tasks/?view=department").status_code == 403


def test_suspended_instance_blocks_work(api, engine, complaint):
    inst, task = new_task(engine, complaint)
    api("Supervisor").post(f"/api/v1/instances/{inst}/suspend")
    resp = api("CustomerService").post(f"/api/v1/tasks/{task}/claim")
    assert resp.status_code == 422 and "suspended" in resp.get_json()["message"]


def test_recommit_is_a_task_action_of_the_assignee(api, engine, complaint):
    """The delay notice over the API: offered to whoever holds the task (allowed_actions), refused with
    422 naming the field until the customer was told, then the task's due date is the new date."""
    _, task = new_task(engine, complaint)
    agent = api("CustomerService")
    assert "recommit" not in agent.get(f"/api/v1/tasks/{task}").get_json()["allowed_actions"]  # not held yet
    agent.post(f"/api/v1/tasks/{task}/claim")
    detail = agent.get(f"/api/v1/tasks/{task}").get_json()
    assert "recommit" in detail["allowed_actions"]
    body = {"new_due": "2099-06-01", "reason": "等待客户提供现场照片", "customer_informed": False}
    refused = agent.post(f"/api/v1/tasks/{task}/recommit", json=body)
    assert refused.status_code == 422 and set(refused.get_json()["fields"]) == {"customer_informed"}
    done = agent.post(f"/api/v1/tasks/{task}/recommit", json=dict(body, customer_informed=True))
    assert done.status_code == 200
    assert datetime.fromisoformat(done.get_json()["due_at"]) == datetime(2099, 6, 1, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    other = api("TechSupport").post(f"/api/v1/tasks/{task}/recommit", json=dict(body, new_due="2099-07-01",
                                                                               customer_informed=True))
    assert other.status_code in (403, 404)
