"""Hostile timers and expressions, end to end through the API: a literal the engine cannot run
safely is refused at deploy (422, located); a hostile value from process data is an incident on
its element, answered quickly; a bad due date is an incident, not a 500, and a retry after fixing
the data creates the task; other instances' timers still fire on time with the real worker."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.api.helpers import diagram, flow, unique
from tests.conftest import ROLE_USERS
from tests.engine.ops_support import start_worker, stop_worker, wait_for

OWNER, AGENT, SUPERVISOR = "ProcessOwner", "CustomerService", "Supervisor"


def timer(kind: str, value: str) -> str:
    return f'<bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>'


def user(element: str, attrs: str = "") -> str:
    return f'<bpmn:userTask id="{element}" name="{element.title()}" camunda:candidateGroups="CustomerService" {attrs}/>'


def timer_process(key: str, kind: str = "timeDuration", value: str = "${delay}") -> bytes:
    """start -> timer 'wait' -> user task 'call' -> end."""
    return diagram(key, '<bpmn:startEvent id="s"/>'
                   f'<bpmn:intermediateCatchEvent id="wait" name="Wait a bit">{timer(kind, value)}'
                   '</bpmn:intermediateCatchEvent>' + user("call") + '<bpmn:endEvent id="e"/>'
                   + flow("s", "wait") + flow("wait", "call") + flow("call", "e"))


def deploy(api, xml: bytes):
    return api(OWNER).post("/api/v1/definitions/", data=xml, content_type="application/xml",
                           headers={"Accept-Language": "en"})  # without it: the site's language, zh


def start(api, key: str, **variables):
    started = time.monotonic()
    resp = api(AGENT).post("/api/v1/instances/", json={"process_key": key, "variables": variables})
    return resp, time.monotonic() - started


def instance(api, instance_id: int) -> dict:
    return api(SUPERVISOR).get(f"/api/v1/instances/{instance_id}").get_json()


@pytest.mark.parametrize("kind,value,needle", [
    ("timeDuration", "PT0S", "zero"), ("timeDuration", "P0D", "zero"), ("timeDuration", "-PT1H", "negative"),
    ("timeDuration", "PT-30M", "negative"), ("timeDuration", "P4000000Y", "horizon"),
    ("timeDate", "9999-12-31T00:00:00Z", "horizon"), ("timeCycle", "R/PT0S", "zero"),
    ("timeCycle", "R/2000-01-01T00:00:00Z/PT1S", "would fire at once"), ("timeCycle", "R/P4000000Y", "horizon"),
])
def test_unsafe_literal_timers_are_refused_at_deploy(api, kind, value, needle):
    started = time.monotonic()
    resp = deploy(api, timer_process(unique("ht"), kind, value))
    assert time.monotonic() - started < 3
    assert resp.status_code == 422, resp.get_json()
    problems = resp.get_json()["problems"]
    assert [p["element_id"] for p in problems] == ["wait"] and needle in problems[0]["message"], problems


@pytest.mark.parametrize("value", ["R/PT0S", "R5/2026-01-01T00:00:00Z/PT0S", "${'R/PT0S'}", "${'P4000000Y'}"])
def test_a_timer_start_event_that_would_loop_is_refused_at_deploy(api, value):
    xml = diagram(unique("hs"), f'<bpmn:startEvent id="tick" name="Tick">{timer("timeCycle", value)}</bpmn:startEvent>'
                  + user("check") + '<bpmn:endEvent id="e"/>' + flow("tick", "check") + flow("check", "e"))
    started = time.monotonic()
    resp = deploy(api, xml)
    assert time.monotonic() - started < 3  # no loop at deploy
    assert resp.status_code == 422, resp.get_json()
    assert [p["element_id"] for p in resp.get_json()["problems"]] == ["tick"]


@pytest.mark.parametrize("delay,needle", [
    ("P4000000Y", "beyond the 10-year horizon"), ("PT0S", "zero"), ("-PT1M", "negative"),
    ("R/2000-01-01T00:00:00Z/PT1S", "not an ISO 8601 duration"), ("P99999999999999999999D", "horizon"),
])
def test_a_hostile_start_variable_in_a_timer_is_a_quick_located_incident(api, delay, needle):
    key = unique("hv")
    assert deploy(api, timer_process(key)).status_code == 201
    resp, elapsed = start(api, key, delay=delay)
    assert resp.status_code == 201, resp.get_json()
    assert elapsed < 3, f"start took {elapsed:.1f}s"
    got = instance(api, resp.get_json()["id"])
    assert (got["status"], got["incident_element"]) == ("incident", "wait")
    assert "Timer 'Wait a bit' (wait)" in got["incident_message"] and needle in got["incident_message"]


def test_a_past_date_fires_once_with_a_history_note(api):
    key = unique("hp")
    assert deploy(api, timer_process(key, "timeDate", "${when}")).status_code == 201
    resp, _ = start(api, key, when="2020-01-01T09:00:00+08:00")
    inst = resp.get_json()
    assert inst["status"] == "running" and [t["element_id"] for t in inst["open_tasks"]] == ["call"]
    items = api(SUPERVISOR).get(f"/api/v1/instances/{inst['id']}/history").get_json()["items"]
    fired = [e for e in items if e["event"] == "timer_fired"]
    assert [(e["element_id"], e["data"]) for e in fired] == [
        ("wait", {"late": True, "due": "2020-01-01T01:00:00+00:00"})]


def test_a_bad_due_date_is_an_incident_not_a_500_and_retry_creates_the_task(api, engine):
    from app.engine import runtime
    from app.engine.scripting import current_calendar

    key = unique("hd")
    xml = diagram(key, '<bpmn:startEvent id="s"/>' + user("register") + user("follow", 'camunda:dueDate="${due}"')
                  + '<bpmn:endEvent id="e"/>' + flow("s", "register") + flow("register", "follow") + flow("follow", "e"))
    assert deploy(api, xml).status_code == 201
    resp, _ = start(api, key)
    instance_id = resp.get_json()["id"]
    task_id = engine.open_task(instance_id, "register")
    done = api(AGENT).post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}})
    assert done.status_code == 200, done.get_data(as_text=True)[:500]  # was a 500, every time
    assert done.get_json()["state"] == "completed"
    got = instance(api, instance_id)
    assert (got["status"], got["incident_element"]) == ("incident", "follow")
    assert got["incident_message"] == "dueDate: name 'due' is not defined"
    assert got["open_tasks"] == []

    supervisor = engine.actor(ROLE_USERS[SUPERVISOR])
    engine.call(runtime.set_variables, instance_id, {"due": "P2D"}, actor=supervisor)
    engine.call(runtime.retry_incident, instance_id, actor=supervisor)
    expected = engine.call(lambda: current_calendar().add_working(datetime.now(timezone.utc), "P2D"))
    got = instance(api, instance_id)
    assert got["status"] == "running" and got["incident_element"] is None
    [task] = got["open_tasks"]
    assert task["element_id"] == "follow"
    assert datetime.fromisoformat(task["due_at"].replace("Z", "+00:00")) == expected


def _park_pending_jobs(app) -> None:
    """Other tests leave due jobs (mails, SLA reminders): the worker here sees only this test's."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import Job

    with app.app_context():
        db.session.execute(update(Job).where(Job.state == "pending").values(state="done", last_error="parked by test"))
        db.session.commit()


def test_other_instances_timers_fire_on_time_beside_hostile_ones(app, api, engine, tmp_path):
    """A normal 3 s timer, started among hostile instances, is fired by the real worker on time."""
    from app.extensions import db
    from app.engine import history
    from app.models import Job

    normal, hostile = unique("hn"), unique("hh")
    assert deploy(api, timer_process(normal, value="PT3S")).status_code == 201
    assert deploy(api, timer_process(hostile)).status_code == 201
    _park_pending_jobs(app)
    log = tmp_path / "worker.log"
    proc = start_worker(app.config["SQLALCHEMY_DATABASE_URI"], log_path=log, poll=0.1)
    try:
        wait_for(lambda: log.exists() and " started " in log.read_text(), 60, "the worker to start")
        for delay in ("P4000000Y", "PT0S", "-PT1S", "P99999999999999999999D", "R/PT0S") * 2:
            resp, elapsed = start(api, hostile, delay=delay)
            assert resp.get_json()["status"] == "incident" and elapsed < 3
        resp, _ = start(api, normal)
        instance_id = resp.get_json()["id"]
        due = engine.call(lambda: db.session.scalars(select(Job.due_at).where(
            Job.instance_id == instance_id, Job.kind == "timer")).one())

        def fired():
            return engine.call(lambda: next((e.at for e in history.for_instance(instance_id)
                                             if e.event == "timer_fired"), None))

        fired_at = wait_for(fired, 30, "the normal timer to fire")
        print(f"\nnormal timer fired {(fired_at - due).total_seconds():.3f} s after its due time")
        assert timedelta(0) <= fired_at - due < timedelta(seconds=2), (due, fired_at)
        assert stop_worker(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _park_pending_jobs(app)
