"""Safe retries on the API (issue "Performance round 2"): answers built before the commit, a completion
that says what comes next, and Idempotency-Key on the writes a client may have to repeat."""
from datetime import timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.api.helpers import diagram, flow, message_diagram, unique

def _key() -> dict:
    return {"Idempotency-Key": unique("key")}


def _completions(app, task_id: int) -> int:
    from app.engine import history
    from app.extensions import db
    from app.models import HumanTask

    with app.app_context():
        events = history.for_instance(db.session.get(HumanTask, task_id).instance_id)
        return sum(e.task_id == task_id and e.event == "task_completed" for e in events)


def test_a_completion_answers_what_comes_next(api, engine, complaint):
    inst = engine.start(complaint, "agent", business_key=unique("N"))
    task = engine.open_task(inst, "register")
    done = api("CustomerService").post(f"/api/v1/tasks/{task}/complete",
                                       json={"data": {"matter": "漏水", "severity": 2}})
    body = done.get_json()
    assert done.status_code == 200 and body["state"] == "completed"
    nxt = body["next"]
    assert nxt["instance_id"] == inst and nxt["instance_status"] == "running"
    assert nxt["tasks"] == []  # rectify is TechSupport's: nothing the agent may work

    key = engine.deploy(diagram(unique("two_steps"), '<bpmn:startEvent id="s"/>'
                                '<bpmn:userTask id="one" name="One" camunda:candidateGroups="CustomerService"/>'
                                '<bpmn:userTask id="two" name="Two" camunda:candidateGroups="CustomerService">'
                                '<bpmn:extensionElements><camunda:formData><camunda:formField id="note" '
                                'label="Note" type="string"><camunda:validation><camunda:constraint '
                                'name="required"/></camunda:validation></camunda:formField></camunda:formData>'
                                '</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e"/>'
                                + flow("s", "one") + flow("one", "two") + flow("two", "e")))
    inst = engine.start(key, "agent", business_key=unique("N"))
    done = api("CustomerService").post(f"/api/v1/tasks/{engine.open_task(inst, 'one')}/complete", json={"data": {}})
    offered = done.get_json()["next"]["tasks"]
    assert [t["element_id"] for t in offered] == ["two"]
    assert offered[0]["form_schema"]["required"] == ["note"] and "claim" in offered[0]["allowed_actions"]
    last = api("CustomerService").post(f"/api/v1/tasks/{offered[0]['id']}/complete", json={"data": {"note": "ok"}})
    assert last.get_json()["next"] == {"instance_id": inst, "instance_status": "completed", "tasks": []}


def test_a_repeated_key_answers_the_first_result_and_acts_once(api, engine, complaint, app):
    inst = engine.start(complaint, "agent", business_key=unique("I"))
    task = engine.open_task(inst, "register")
    agent, key = api("CustomerService"), _key()
    data = {"data": {"matter": "异响", "severity": 1}}
    first = agent.post(f"/api/v1/tasks/{task}/complete", json=data, headers=key)
    again = agent.post(f"/api/v1/tasks/{task}/complete", json=data, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _completions(app, task) == 1
    without = agent.post(f"/api/v1/tasks/{task}/complete", json=data)  # no key: a second action, refused
    assert without.status_code == 409


def test_a_key_reused_for_another_request_is_refused(api, engine, complaint):
    inst = engine.start(complaint, "agent", business_key=unique("R"))
    task = engine.open_task(inst, "register")
    agent, key = api("CustomerService"), _key()
    agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "a", "severity": 1}}, headers=key)
    other = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"matter": "b", "severity": 1}}, headers=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["fields"]
    bad = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {}}, headers={"Idempotency-Key": "é" * 3})
    assert bad.status_code == 422 and "Idempotency-Key" in bad.get_json()["fields"]


def test_keys_are_per_user(api, engine, complaint):
    """The same key from another user is another request (keys are not shared secrets)."""
    key = _key()
    started = [api(role).post("/api/v1/instances/", json={"process_key": complaint, "business_key": unique("U")},
                              headers=key) for role in ("CustomerService", "Supervisor")]
    assert [r.status_code for r in started] == [201, 201]
    assert started[0].get_json()["id"] != started[1].get_json()["id"]


def test_a_repeated_start_starts_one_instance_and_answers_the_forms(api, complaint, app):
    from app.extensions import db
    from app.models import ProcessInstance

    business_key, key = unique("S"), _key()
    body = {"process_key": complaint, "business_key": business_key}
    first = api("CustomerService").post("/api/v1/instances/", json=body, headers=key)
    again = api("CustomerService").post("/api/v1/instances/", json=body, headers=key)
    assert first.status_code == again.status_code == 201 and again.get_json() == first.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.business_key == business_key)) == 1
    register = first.get_json()["open_tasks"][0]
    assert register["element_id"] == "register" and register["form_schema"]["required"] == ["matter"]


def test_a_repeated_message_is_delivered_once(api, engine, app):
    from app.engine import history

    key_ = engine.deploy(message_diagram(unique("idem_msg")))
    business_key = unique("M")
    started = api("CustomerService").post("/api/v1/messages/start", json={
        "name": f"order_{key_}", "business_key": business_key}, headers=_key())
    inst = started.get_json()["instances"][0]["id"]
    task = engine.open_task(inst, "review")
    api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": {"note": "ok"}})
    key = _key()
    body = {"name": f"reply_{key_}", "business_key": business_key}
    first = api("CustomerService").post("/api/v1/messages/deliver", json=body, headers=key)
    again = api("CustomerService").post("/api/v1/messages/deliver", json=body, headers=key)
    assert first.status_code == again.status_code == 200 and first.get_json() == {"instance_ids": [inst]}
    assert again.get_json() == first.get_json()
    with app.app_context():
        assert [e.element_name for e in history.for_instance(inst)
                if e.event == "message_received"].count(f"reply_{key_}") == 1


def test_no_query_after_the_commit_of_a_completion(api, engine, complaint, app):
    """A connection lost after the commit cannot turn a saved completion into a 500: once the
    transaction committed, answering needs the database no more."""
    from app.extensions import db

    inst = engine.start(complaint, "agent", business_key=unique("C"))
    task = engine.open_task(inst, "register")
    after_commit: list[str] = []
    committed = []

    def on_commit(_session):
        committed.append(True)

    def on_statement(_conn, _cursor, statement, *_args):
        if committed:
            after_commit.append(statement)

    with app.app_context():
        engine_ = db.engine
    event.listen(Session, "after_commit", on_commit)
    event.listen(engine_, "before_cursor_execute", on_statement)
    try:
        resp = api("CustomerService").post(f"/api/v1/tasks/{task}/complete",
                                           json={"data": {"matter": "停机", "severity": 3}})
    finally:
        event.remove(Session, "after_commit", on_commit)
        event.remove(engine_, "before_cursor_execute", on_statement)
    assert resp.status_code == 200 and committed
    assert [s for s in after_commit if not s.lstrip().upper().startswith(("ROLLBACK", "COMMIT"))] == []


def test_expired_records_are_purged_and_the_key_acts_again(api, engine, complaint, app):
    from app.engine import clock, idempotency
    from app.extensions import db
    from app.models import IdempotencyRecord

    key, body = _key(), {"process_key": complaint, "business_key": unique("E")}
    first = api("CustomerService").post("/api/v1/instances/", json=body, headers=key)
    with app.app_context():
        record = db.session.scalars(select(IdempotencyRecord).where(
            IdempotencyRecord.key == key["Idempotency-Key"])).one()
        record.created_at = clock.now() - idempotency.ttl() - timedelta(minutes=1)
        db.session.commit()
        assert idempotency.purge() >= 1
        assert db.session.scalars(select(IdempotencyRecord).where(
            IdempotencyRecord.key == key["Idempotency-Key"])).first() is None
    again = api("CustomerService").post("/api/v1/instances/", json=body, headers=key)
    assert again.status_code == 201 and again.get_json()["id"] != first.get_json()["id"]
