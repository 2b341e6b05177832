"""Safe by default, end to end: a real gunicorn server and the real ``flask worker`` on the
test database, one steady process waiting on a timer, and every class of hostile input of
the "safe by default" issue thrown at them at once. Each hostile input is contained within
2 s (a located incident or a 422), the server and the worker stay healthy, the steady
timer fires on time, and every instance is accounted for."""
from __future__ import annotations

import re

import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from tests.api.helpers import diagram, flow, script_diagram, unique
from tests.engine.ops_support import start_worker, stop_worker, wait_for
from tests.security.live_server import gunicorn

C_LEVEL_BOMB = "l = [k * 2305843009213693951 for k in range(1, 60000)]\nx = len(set(l))"  # 28 s in-process before
CONTAINED = 2.0  # seconds: the bound for a hostile input to be answered


def timer_then_task(key: str, timer: str, middle: str = "") -> bytes:
    """start -> timer (duration) -> [middle] -> user task 'after' -> end."""
    ids = ["s", "wait"] + (["run"] if middle else []) + ["after", "e"]
    return diagram(key, '<bpmn:startEvent id="s"/>'
                   '<bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:timerEventDefinition>'
                   f'<bpmn:timeDuration>{timer}</bpmn:timeDuration></bpmn:timerEventDefinition>'
                   '</bpmn:intermediateCatchEvent>' + middle +
                   '<bpmn:userTask id="after" name="After" camunda:candidateGroups="CustomerService"/>'
                   '<bpmn:endEvent id="e"/>' + "".join(flow(a, b) for a, b in zip(ids, ids[1:])))


def script_task(script: str) -> str:
    return (f'<bpmn:scriptTask id="run" name="Run" scriptFormat="python"><bpmn:script>{script}'
            '</bpmn:script></bpmn:scriptTask>')


BAD_DUE_DATE = ('<bpmn:startEvent id="s"/>'
                '<bpmn:userTask id="first" name="First" camunda:candidateGroups="CustomerService"/>'
                '<bpmn:userTask id="second" name="Second" camunda:candidateGroups="CustomerService" '
                'camunda:dueDate="${add_working_days(no_such_variable)}"/>'
                '<bpmn:endEvent id="e"/>' + flow("s", "first") + flow("first", "second") + flow("second", "e"))
START_FORM = ('<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:formData>'
              '<camunda:formField id="amount" label="Amount" type="long"><camunda:validation>'
              '<camunda:constraint name="required"/><camunda:constraint name="max" config="1000"/>'
              '</camunda:validation></camunda:formField></camunda:formData></bpmn:extensionElements>'
              '</bpmn:startEvent><bpmn:userTask id="t" name="T" camunda:candidateGroups="CustomerService"/>'
              '<bpmn:endEvent id="e"/>' + flow("s", "t") + flow("t", "e"))


@pytest.fixture(scope="module")
def stack(app, tmp_path_factory):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = start_worker(url, log_path=log, poll=0.1, batch=10)
    try:
        with gunicorn(url, workers=2, env={"SECRET_KEY": app.config["SECRET_KEY"]}) as base:
            yield base, worker
    finally:
        assert stop_worker(worker) == 0, log.read_text()[-2000:]


class Http:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.session = base, requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def timed(self, method: str, path: str, **kwargs) -> tuple[requests.Response, float]:
        started = time.monotonic()
        resp = self.session.request(method, self.base + path, timeout=30, **kwargs)
        return resp, time.monotonic() - started

    def deploy(self, xml: bytes) -> str:
        resp, _ = self.timed("POST", "/api/v1/definitions/", data=xml, headers={"Content-Type": "application/xml"})
        assert resp.status_code == 201, resp.text
        return resp.json()["definition"]["key"]


def instance_state(app, inst_id: int) -> dict:
    from app.extensions import db
    from app.engine import history
    from app.models import HumanTask, Job, ProcessInstance

    with app.app_context():
        inst = db.session.get(ProcessInstance, inst_id)
        events = history.for_instance(inst_id)
        tasks = db.session.scalars(select(HumanTask.element_id).where(HumanTask.instance_id == inst_id,
                                                                     HumanTask.state == "open")).all()
        jobs = db.session.scalars(select(Job.id).where(Job.instance_id == inst_id, Job.state == "pending")).all()
        out = {"status": inst.status, "element": inst.incident_element, "message": inst.incident_message,
               "open_tasks": list(tasks), "pending_jobs": len(jobs), "started": inst.started_at,
               "events": [(e.event, e.element_id, e.at, e.data) for e in events]}
        db.session.remove()
        return out


def test_everything_hostile_at_once_is_contained(app, stack, tokens):
    base, worker = stack
    owner, agent = Http(base, tokens["ProcessOwner"]), Http(base, tokens["CustomerService"])
    steady = owner.deploy(timer_then_task(unique("steady"), "PT3S"))
    timed_bomb = owner.deploy(timer_then_task(unique("timed_bomb"), "PT1S", script_task(C_LEVEL_BOMB)))
    web_bomb = owner.deploy(script_diagram(unique("web_bomb"), C_LEVEL_BOMB))
    far_timer = owner.deploy(timer_then_task(unique("far_timer"), "${wait}"))
    bad_due = owner.deploy(diagram(unique("bad_due"), BAD_DUE_DATE))
    form = owner.deploy(diagram(unique("form"), START_FORM))
    calm = owner.deploy(script_diagram(unique("calm"), "x = 1"))
    assert agent.timed("POST", "/api/v1/instances/", json={"process_key": calm})[0].status_code == 201  # warm

    started = {}
    for key in (steady, timed_bomb):
        resp, _ = agent.timed("POST", "/api/v1/instances/", json={"process_key": key})
        assert resp.status_code == 201 and resp.json()["status"] == "running", resp.text
        started[key] = resp.json()["id"]

    # Scripts: a single C-level operation in a web request.
    resp, took = agent.timed("POST", "/api/v1/instances/", json={"process_key": web_bomb})
    assert resp.status_code == 201 and resp.json()["status"] == "incident", resp.text
    # killed by its CPU limit, or by the 2 s wall-clock limit when the host is busy (CI runs both databases)
    assert resp.json()["incident_element"] == "run" and re.search(
        r"script exceeded 1 s of CPU|script timed out after 2 s", resp.json()["incident_message"])
    assert took <= CONTAINED, f"script bomb answered in {took:.2f}s"
    started[web_bomb] = resp.json()["id"]

    # Timers: a 4-million-year duration from a variable.
    resp, took = agent.timed("POST", "/api/v1/instances/", json={"process_key": far_timer,
                                                                 "variables": {"wait": "P4000000Y"}})
    assert resp.status_code == 201 and resp.json()["status"] == "incident", resp.text
    assert resp.json()["incident_element"] == "wait" and "horizon" in resp.json()["incident_message"]
    assert took <= CONTAINED
    started[far_timer] = resp.json()["id"]

    # One rule per input: the API start is held to the start form.
    for bad in ({}, {"amount": 5000}, {"amount": "many"}, {"amount": 5, "vip": True}):
        resp, took = agent.timed("POST", "/api/v1/instances/", json={"process_key": form, "variables": bad})
        assert resp.status_code == 422 and resp.json()["fields"], (bad, resp.text)
        assert took <= CONTAINED
    listed = agent.session.get(base + f"/api/v1/instances/?process_key={form}", timeout=10).json()
    assert listed["total"] == 0  # nothing was created by the refused starts

    # Expressions: a due date that cannot be evaluated is an incident, not a 500.
    resp, _ = agent.timed("POST", "/api/v1/instances/", json={"process_key": bad_due})
    started[bad_due] = inst_id = resp.json()["id"]
    [first] = [t["id"] for t in resp.json()["open_tasks"]]
    assert agent.timed("POST", f"/api/v1/tasks/{first}/claim")[0].status_code == 200
    resp, took = agent.timed("POST", f"/api/v1/tasks/{first}/complete", json={"data": {}})
    assert resp.status_code == 200, resp.text
    assert took <= CONTAINED
    assert wait_for(lambda: instance_state(app, inst_id)["status"] == "incident", 5, "the due-date incident")

    # The worker meets the timed bomb, contains it, and the steady timer still fires on time.
    bomb = wait_for(lambda: (s := instance_state(app, started[timed_bomb]))["status"] == "incident" and s, 20,
                    "the worker to contain the timed bomb")
    assert bomb["element"] == "run" and "script exceeded 1 s of CPU" in bomb["message"]
    calm_state = wait_for(lambda: (s := instance_state(app, started[steady]))["open_tasks"] and s, 20,
                          "the steady timer to fire")
    [(_, _, fired_at, _)] = [e for e in calm_state["events"] if e[0] == "timer_fired"]
    due = calm_state["started"] + timedelta(seconds=3)
    # The worker runs its due jobs one after another: a timer due while the timed bomb runs waits for the
    # bomb's end, at most its wall-clock limit (SCRIPT_TIMEOUT_SECONDS) on a busy host (CI: 2.35 s late
    # once), then fires within CONTAINED. Uncontained, the bomb alone would hold the worker for 28 s.
    late, bound = fired_at - due, timedelta(seconds=app.config["SCRIPT_TIMEOUT_SECONDS"] + CONTAINED)
    assert late <= bound, f"steady timer fired {late.total_seconds():.2f}s late"

    # Healthy afterwards: the server answers at once, the worker is alive and still works.
    resp, took = agent.timed("GET", "/api/v1/tasks/?view=group")
    assert resp.status_code == 200 and took <= CONTAINED
    assert worker.poll() is None
    again = agent.timed("POST", "/api/v1/instances/", json={"process_key": steady})[0].json()["id"]
    assert wait_for(lambda: instance_state(app, again)["open_tasks"] == ["after"], 15, "a later timer to fire")
    started["again"] = again

    # Nothing lost: every instance is waiting for someone, or in a located incident.
    for key, inst_id in started.items():
        state = instance_state(app, inst_id)
        if state["status"] == "incident":
            assert state["element"] and state["message"], (key, state)
        else:
            assert state["status"] == "running" and (state["open_tasks"] or state["pending_jobs"]), (key, state)
    for inst_id in started.values():  # leave nothing in the demo users' inboxes
        owner_admin = Http(base, tokens["Admin"])
        owner_admin.timed("POST", f"/api/v1/instances/{inst_id}/terminate", json={"reason": "end of test"})
