"""/api/v1/instances: start, get, list, history, suspend/resume/terminate."""
from tests.api.helpers import unique


def start(api, key, role="CustomerService", **body):
    return api(role).post("/api/v1/instances/", json={"process_key": key, **body})


def test_start_with_variables_and_business_key(api, complaint):
    bk = unique("BK")
    resp = start(api, complaint, business_key=bk, variables={"channel": "phone", "amount": 12}, customer="华东精密")
    assert resp.status_code == 201, resp.get_json()
    inst = resp.get_json()
    assert inst["status"] == "running" and inst["business_key"] == bk and inst["started_by"] == "agent"
    assert [t["element_id"] for t in inst["open_tasks"]] == ["register"]
    got = api("ReadOnly").get(f"/api/v1/instances/{inst['id']}").get_json()
    assert got["id"] == inst["id"] and got["open_tasks"][0]["candidate_groups"] == ["CustomerService"]
    assert "variables" not in inst and "variables" not in got  # process data: privileged roles only, like the UI
    variables = api("Supervisor").get(f"/api/v1/instances/{inst['id']}").get_json()["variables"]
    assert variables["channel"] == "phone" and variables["amount"] == 12 and variables["business_key"] == bk
    listed = api("ReadOnly").get(f"/api/v1/instances/?business_key={bk}").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == inst["id"]
    assert "variables" not in listed["items"][0]


def test_list_filters_and_validates(api, complaint):
    assert api("Admin").get("/api/v1/instances/?status=running&page_size=5").status_code == 200
    bad = api("Admin").get("/api/v1/instances/?status=sleeping&page=0")
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"status", "page"}


def test_history(api, complaint):
    inst = start(api, complaint, business_key=unique("H")).get_json()
    resp = api("Supervisor").get(f"/api/v1/instances/{inst['id']}/history?page_size=100")
    assert resp.status_code == 200
    events = [e["event"] for e in resp.get_json()["items"]]
    assert events[0] == "instance_started" and "task_created" in events
    assert resp.get_json()["items"][0]["user"] == "agent"


def test_suspend_resume_terminate(api, complaint):
    inst = start(api, complaint, business_key=unique("S")).get_json()
    url = f"/api/v1/instances/{inst['id']}"
    assert api("Supervisor").post(url + "/suspend", json={"reason": "waiting for parts"}).get_json()["status"] == "suspended"
    again = api("Supervisor").post(url + "/suspend")
    assert again.status_code == 409 and again.get_json()["code"] == "conflict"
    assert api("Supervisor").post(url + "/resume").get_json()["status"] == "running"
    no_reason = api("Supervisor").post(url + "/terminate", json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["fields"]
    blank = api("Supervisor").post(url + "/terminate", json={"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["fields"]
    done = api("Admin").post(url + "/terminate", json={"reason": "duplicate"}).get_json()
    assert done["status"] == "terminated" and done["end_reason"] == "duplicate" and done["open_tasks"] == []


def test_owner_may_not_suspend_engine_rule(api, complaint):
    inst = start(api, complaint).get_json()
    resp = api("ProcessOwner").post(f"/api/v1/instances/{inst['id']}/suspend")
    assert resp.status_code == 403 and resp.get_json()["code"] == "forbidden"


def test_start_errors(api, complaint):
    assert start(api, "no_such_process").status_code == 404
    bad = start(api, complaint, variables={"1x": 1, "_y": 2})
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"1x", "_y"}
    typed = api("CustomerService").post("/api/v1/instances/", json={"process_key": 5, "version": "two"})
    assert typed.status_code == 422 and set(typed.get_json()["fields"]) == {"process_key", "version"}
    assert start(api, complaint, role="ReadOnly").status_code == 403


def test_unknown_instance(api):
    for url in ("/api/v1/instances/999999", "/api/v1/instances/99999999999", "/api/v1/instances/999999/history"):
        resp = api("Admin").get(url)
        assert resp.status_code == 404 and resp.get_json()["code"] == "not_found", url


def test_history_data_is_redacted_like_the_instance_screen(api, engine, complaint):
    inst = start(api, complaint, business_key=unique("R")).get_json()
    task = inst["open_tasks"][0]["id"]
    api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "private detail"}})
    api("Supervisor").post(f"/api/v1/instances/{inst['id']}/terminate", json={"reason": "test"})

    def data(role, event):
        items = api(role).get(f"/api/v1/instances/{inst['id']}/history?page_size=100").get_json()["items"]
        return next(e["data"] for e in items if e["event"] == event)

    assert data("Supervisor", "task_completed") == {"matter": "private detail"}
    assert data("ReadOnly", "task_completed") is None
    assert data("ReadOnly", "instance_terminated") == {"reason": "test"}
