"""POST /api/v1/instances/ on a process that only a message starts: 409 naming the messages."""
from pathlib import Path

DIAGRAM = Path(__file__).resolve().parents[1] / "data" / "bpmn" / "camunda" / "parse_message_only_start.bpmn"


def test_a_plain_start_of_a_message_only_process_is_a_conflict(api, engine):
    key = engine.deploy(DIAGRAM.read_bytes())
    resp = api("Sales").post("/api/v1/instances/", json={"process_key": key})
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["code"] == "conflict" and body["messages"] == ["order_placed"]
    assert "'order_placed'" in body["message"]
