"""/api/v1/messages: start by message, deliver to an instance by business key."""
import pytest

from tests.api.helpers import message_diagram, unique


@pytest.fixture(scope="module")
def ordered(engine):
    return engine.deploy(message_diagram(unique("api_msg")))


def test_start_by_message_then_deliver(api, engine, ordered):
    bk = unique("ORDER")
    started = api("Sales").post("/api/v1/messages/start", json={
        "name": f"order_{ordered}", "business_key": bk, "variables": {"item": "pump"}})
    assert started.status_code == 201, started.get_json()
    [inst] = started.get_json()["instances"]
    assert inst["process_key"] == ordered and inst["business_key"] == bk
    early = api("Sales").post("/api/v1/messages/deliver", json={"name": f"reply_{ordered}", "business_key": bk})
    assert early.status_code == 409
    body = early.get_json()
    assert body["code"] == "conflict" and "waits for message" in body["message"]  # the message text survives
    task = engine.open_task(inst["id"], "review")
    done = api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": {"note": "ok"}})
    assert done.status_code == 200, done.get_json()
    delivered = api("Sales").post("/api/v1/messages/deliver", json={
        "name": f"reply_{ordered}", "business_key": bk, "payload": {"answer": "yes"}})
    assert delivered.status_code == 200 and delivered.get_json()["instance_ids"] == [inst["id"]]
    assert api("Admin").get(f"/api/v1/instances/{inst['id']}").get_json()["status"] == "completed"


def test_unknown_start_message(api):
    resp = api("Sales").post("/api/v1/messages/start", json={"name": "nobody_listens"})
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"


def test_message_body_is_validated(api):
    resp = api("Sales").post("/api/v1/messages/deliver", json={"name": "", "bogus": 1})
    assert resp.status_code == 422
    assert set(resp.get_json()["fields"]) == {"name", "business_key", "bogus"}
    assert api("ReadOnly").post("/api/v1/messages/start", json={"name": "x"}).status_code == 403


def test_signal_reaches_every_waiting_instance(api, engine):
    from tests.api.helpers import diagram, flow

    key = unique("api_sig")
    xml = diagram(key, '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
                  '<bpmn:signalEventDefinition signalRef="sg"/></bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
                  + flow("s", "wait") + flow("wait", "e"), extra=f'<bpmn:signal id="sg" name="recall_{key}"/>')
    engine.deploy(xml)
    first, second = engine.start(key, business_key=unique("SIG")), engine.start(key, business_key=unique("SIG"))
    sent = api("Sales").post("/api/v1/messages/signal", json={"name": f"recall_{key}", "payload": {"lot": 7}})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["instance_ids"] == [first, second]
    for inst in (first, second):
        assert api("Admin").get(f"/api/v1/instances/{inst}").get_json()["status"] == "completed"
    again = api("Sales").post("/api/v1/messages/signal", json={"name": f"recall_{key}"})
    assert again.status_code == 200 and again.get_json()["instance_ids"] == []  # a broadcast nobody awaits
    assert api("Sales").post("/api/v1/messages/signal", json={"bogus": 1}).status_code == 422
    assert api("ReadOnly").post("/api/v1/messages/signal", json={"name": "x"}).status_code == 403
