"""The one rule of task actions (``app.engine.task_actions``): what each role may do in each task
state, every command refusing what the rule refuses, and the task page and the API showing the
same set."""
import re

import pytest
from sqlalchemy import event, select

from app.engine import commitments, runtime, tasks
from app.engine.actor import Actor
from app.engine.errors import EngineError, Forbidden, Invalid
from app.engine.task_actions import ACTIONS, allowed_actions, holds, refusal
from app.extensions import db
from app.models import HumanTask
from tests.api.helpers import api, complaint, diagram, engine, flow, tidy, tokens, unique  # noqa: F401
from tests.conftest import csrf_token

CONFIRM = "ta_confirm"  # a confirm-only task (bpmn:manualTask) for CustomerService
CONFIRM_XML = diagram(CONFIRM, '<bpmn:startEvent id="s"/><bpmn:manualTask id="ok" name="Confirm receipt" '
                      'camunda:candidateGroups="CustomerService"/><bpmn:endEvent id="e"/>' + flow("s", "ok")
                      + flow("ok", "e"))


@pytest.fixture
def setup(app_ctx, actors, complaint_def):
    from app.engine import definitions

    definitions.deploy(CONFIRM_XML, actor=actors["owner"])
    return actors


def _open(inst_id: int) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, state="open")).one()


def _start(actors, key="engine_complaint") -> HumanTask:
    return _open(runtime.start_process(key, actor=actors["agent"], business_key=unique("TA")).id)


def _other_agent(actors) -> Actor:
    """A second CustomerService member (the supervisor's id with the agent's role only)."""
    return Actor(actors["supervisor"].user_id, "other", frozenset({"CustomerService"}))


def _prepare(state: str, actors) -> HumanTask:
    agent, boss = actors["agent"], actors["supervisor"]
    if state.startswith("confirm"):
        task = _start(actors, CONFIRM)
        if state == "confirm_assigned":
            tasks.assign(task.id, agent.user_id, actor=boss)
        return _open(task.instance_id)
    task = _start(actors)
    if state in ("claimed", "suspended"):
        tasks.claim(task.id, actor=agent)
    if state == "suspended":
        runtime.suspend(task.instance_id, actor=boss)
    if state == "completed":
        tasks.complete(task.id, {"matter": "m"}, actor=agent)
        db.session.expire_all()
        return db.session.get(HumanTask, task.id)
    return _open(task.instance_id)


# (task state, who) -> the actions offered; "other" is another CustomerService member
RULE = {
    ("open", "agent"): {"complete", "claim"},
    ("open", "other"): {"complete", "claim"},
    # not a candidate: assigns it to someone who is; a supervisor may also move its committed date
    ("open", "supervisor"): {"assign", "recommit"},
    ("open", "admin"): {"assign", "recommit"},
    ("open", "tech"): set(),
    ("open", "owner"): set(),
    ("open", "viewer"): set(),
    ("claimed", "agent"): {"complete", "draft", "release", "recommit"},  # the delay notice: whoever holds it
    ("claimed", "other"): set(),
    ("claimed", "supervisor"): {"release", "assign", "recommit"},
    ("claimed", "admin"): {"release", "assign", "recommit"},
    ("claimed", "viewer"): set(),
    ("confirm", "agent"): {"complete"},  # confirm-only: completed directly, never claimed or drafted
    ("confirm", "supervisor"): {"assign"},
    ("confirm", "admin"): {"assign"},
    ("confirm_assigned", "agent"): {"complete"},  # and not released
    ("confirm_assigned", "supervisor"): {"assign"},
    ("completed", "agent"): set(),
    ("completed", "supervisor"): set(),
    ("completed", "admin"): set(),
    ("suspended", "agent"): set(),
    ("suspended", "supervisor"): set(),
    ("suspended", "admin"): set(),
}


def _who(name: str, actors) -> Actor:
    return _other_agent(actors) if name == "other" else actors[name]


def _run(action: str, task: HumanTask, actor: Actor, agent_id: int):
    data = {} if task.confirm_only else {"matter": "m"}
    return {"claim": lambda: tasks.claim(task.id, actor=actor), "release": lambda: tasks.release(task.id, actor=actor),
            "draft": lambda: tasks.save_draft(task.id, data, actor=actor),
            "complete": lambda: tasks.complete(task.id, data, actor=actor),
            "assign": lambda: tasks.assign(task.id, agent_id, actor=actor),
            "recommit": lambda: commitments.recommit(task.id, "2099-01-05", reason="等备件", customer_informed=True,
                                                     actor=actor)}[action]()


@pytest.mark.parametrize("state,who", list(RULE), ids=[f"{s}-{w}" for s, w in RULE])
def test_the_rule_and_every_command_refusing_what_it_refuses(setup, state, who):
    actors = setup
    task, actor = _prepare(state, actors), _who(who, actors)
    allowed = allowed_actions(task, actor)
    assert set(allowed) == RULE[(state, who)] and list(allowed) == [a for a in ACTIONS if a in allowed]
    before = (task.state, task.assignee_id, task.draft)
    for action in ACTIONS:
        if action in allowed:
            continue
        if action == "claim" and holds(task, actor) and "complete" in allowed:
            assert tasks.claim(task.id, actor=actor).assignee_id == actor.user_id  # repeated: a no-op, not offered
            continue
        expected = refusal(task, actor, action).error
        with pytest.raises(expected):
            _run(action, task, actor, actors["agent"].user_id)
        db.session.rollback()
        db.session.expire_all()
        again = db.session.get(HumanTask, task.id)
        assert (again.state, again.assignee_id, again.draft) == before, action


@pytest.mark.parametrize("state,who,action", [
    ("open", "agent", "claim"), ("open", "other", "complete"), ("open", "supervisor", "assign"),
    ("claimed", "agent", "draft"), ("claimed", "agent", "release"), ("claimed", "supervisor", "release"),
    ("claimed", "agent", "complete"), ("confirm", "agent", "complete"), ("confirm_assigned", "agent", "complete"),
])
def test_what_the_rule_allows_the_command_does(setup, state, who, action):
    actors = setup
    task, actor = _prepare(state, actors), _who(who, actors)
    assert action in allowed_actions(task, actor)
    _run(action, task, actor, actors["agent"].user_id)
    db.session.expire_all()
    done = db.session.get(HumanTask, task.id)
    expected = {"claim": (actor.user_id, "open"), "release": (None, "open"), "complete": (actor.user_id, "completed"),
                "assign": (actors["agent"].user_id, "open"), "draft": (actor.user_id, "open")}[action]
    assert (done.assignee_id, done.state) == expected
    assert action != "draft" or done.draft == {"matter": "m"}


def test_a_confirm_only_task_is_not_claimed_now_the_engine_says_so(setup):
    task = _prepare("confirm", setup)
    with pytest.raises(Invalid, match="only needs confirming"):
        tasks.claim(task.id, actor=setup["agent"])
    db.session.rollback()
    with pytest.raises(Forbidden):  # not a candidate comes first
        tasks.claim(task.id, actor=setup["tech"])


def test_a_repeated_claim_changes_nothing(setup):
    task = _prepare("claimed", setup)
    assert tasks.claim(task.id, actor=setup["agent"]).assignee_id == setup["agent"].user_id
    runtime.suspend(task.instance_id, actor=setup["supervisor"])
    with pytest.raises(Invalid, match="suspended"):  # ... while the task may still be worked on
        tasks.claim(task.id, actor=setup["agent"])


def test_messages_name_the_user_only_when_raised(setup):
    task = tasks.get_task(_prepare("claimed", setup).id)  # with its instance and candidates, as commands load it
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        why = refusal(task, _other_agent(setup), "claim")
        allowed_actions(task, setup["supervisor"])
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []
    err = why.exception()
    assert isinstance(err, EngineError) and err.code == "task_already_claimed"
    assert "agent" in err.message and err.details == {"claimed_by": "agent"}


def test_an_inbox_page_needs_no_query_per_task(setup):
    new = {_start(setup).id for _ in range(3)}
    db.session.expire_all()
    page = tasks.query_tasks(setup["agent"], view="group", page_size=100)
    assert len(page.items) >= 3
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        offered = {t.id: allowed_actions(t, setup["agent"]) for t in page.items}
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == [] and all(offered[i] == ("complete", "claim") for i in new)


# ---------------------------------------------------------------- the page and the API agree
def _page_actions(client, task_id: int) -> set[str]:
    html = client.get(f"/task/{task_id}/").get_data(as_text=True)
    buttons = set(re.findall(r'id="btn-(\w+)"', html))
    panels = {action for action in ("assign", "recommit") if f"task-{action}" in html}
    return buttons | panels


@pytest.mark.parametrize("state,username,role", [
    ("open", "agent", "CustomerService"), ("open", "supervisor", "Supervisor"), ("open", "admin", "Admin"),
    ("claimed", "agent", "CustomerService"), ("claimed", "supervisor", "Supervisor"),
    ("confirm", "agent", "CustomerService"), ("completed", "agent", "CustomerService"),
])
def test_the_api_returns_what_the_page_offers(app, engine, complaint, api, login_as, state, username, role):
    from app.engine import definitions

    engine.call(lambda: definitions.deploy(CONFIRM_XML, actor=engine.actor("owner")))
    inst = engine.start(CONFIRM if state == "confirm" else complaint, business_key=unique("TAP"))
    task = engine.open_task(inst)
    if state == "claimed":
        engine.call(tasks.claim, task, actor=engine.actor("agent"))
    if state == "completed":
        engine.call(tasks.complete, task, {"matter": "m"}, actor=engine.actor("agent"))
    detail = api(role).get(f"/api/v1/tasks/{task}").get_json()
    assert set(detail["allowed_actions"]) == _page_actions(login_as(username), task)
    if state != "completed":
        view = "mine" if state == "claimed" and username == "agent" else "group"
        view = "department" if username != "agent" else view
        items = api(role).get(f"/api/v1/tasks/?view={view}&page_size=100&search={detail['business_key']}")
        listed = {t["id"]: t["allowed_actions"] for t in items.get_json()["items"]}
        assert listed[task] == detail["allowed_actions"]


def test_the_api_releases_and_drafts_by_their_names(engine, complaint, api):
    task = engine.open_task(engine.start(complaint, business_key=unique("TAR")))
    agent = api("CustomerService")
    claimed = agent.post(f"/api/v1/tasks/{task}/claim").get_json()["allowed_actions"]
    assert claimed == ["complete", "draft", "release", "recommit"]
    saved = agent.post(f"/api/v1/tasks/{task}/draft", json={"data": {"matter": "草稿"}})
    assert saved.status_code == 200 and saved.get_json()["draft"] == {"matter": "草稿"}
    bad = agent.post(f"/api/v1/tasks/{task}/draft", json={"data": {"severity": "x"}})
    assert bad.status_code == 422 and "severity" in bad.get_json()["fields"]
    released = agent.post(f"/api/v1/tasks/{task}/release")
    assert released.status_code == 200 and released.get_json()["assignee"] is None
    again = agent.post(f"/api/v1/tasks/{task}/release")
    assert again.status_code == 403 and again.get_json()["code"] == "forbidden"
    assert agent.post(f"/api/v1/tasks/{task}/draft", json={"data": {}}).status_code == 403
    spec = api("Admin").get("/api/v1/_openapi").get_json()
    item = spec["components"]["schemas"]["Task"]["properties"]["allowed_actions"]["items"]
    assert item["enum"] == list(ACTIONS)
    assert spec["paths"]["/api/v1/tasks/{pk}/unclaim"]["post"].get("deprecated") is True


def test_the_page_posts_each_action_to_its_own_url(engine, complaint, login_as):
    task = engine.open_task(engine.start(complaint, business_key=unique("TAW")))
    agent = login_as("agent")
    html = agent.get(f"/task/{task}/").get_data(as_text=True)
    assert f'formaction="/task/{task}/claim"' in html
    agent.post(f"/task/{task}/claim", data={"csrf_token": csrf_token(agent, f"/task/{task}/")})
    html = agent.get(f"/task/{task}/").get_data(as_text=True)
    assert f'formaction="/task/{task}/release"' in html and 'id="btn-unclaim"' not in html
    resp = agent.post(f"/task/{task}/release", data={"csrf_token": csrf_token(agent, f"/task/{task}/")})
    assert resp.status_code == 302
    assert "btn-release" not in agent.get(f"/task/{task}/").get_data(as_text=True)


def test_the_api_list_costs_the_same_for_one_task_or_many(app, engine, complaint, api):
    for _ in range(4):
        engine.start(complaint, business_key=unique("TAN"))
    with app.app_context():
        bind = db.engine

    def statements(size: int) -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(bind, "before_cursor_execute", listener)
        try:
            items = api("CustomerService").get(f"/api/v1/tasks/?view=group&page_size={size}").get_json()["items"]
        finally:
            event.remove(bind, "before_cursor_execute", listener)
        assert len(items) == size and all("allowed_actions" in t for t in items)
        return len(seen)

    statements(4)  # warm the caches (the texts of every process the page shows, the calendar) ...
    assert statements(1) == statements(4)  # ... then measure at once, within their time boxes
