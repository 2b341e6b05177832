"""Shared helpers and fixtures of the API and security tests (imported by their conftests)."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.conftest import ROLE_USERS, new_client

DATA = Path(__file__).resolve().parents[1] / "data"
PASSWORD = "Demo#2026Pass"
ROLES = ["Admin", "ProcessOwner", "Supervisor", "CustomerService", "TechSupport", "FieldService", "Sales", "ReadOnly"]
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">')
_keys = itertools.count(1)


def diagram(key: str, body: str, extra: str = "", name: str | None = None) -> bytes:
    return (HEAD + extra + f'<bpmn:process id="{key}" name="{name or key}" isExecutable="true">' + body
            + "</bpmn:process></bpmn:definitions>").encode()


def flow(a: str, b: str) -> str:
    return f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'


def script_diagram(key: str, script: str) -> bytes:
    """start -> script task -> user task (CustomerService) -> end."""
    from xml.sax.saxutils import escape

    return diagram(key, '<bpmn:startEvent id="s"/>'
                   f'<bpmn:scriptTask id="run" name="Run" scriptFormat="python"><bpmn:script>{escape(script)}'
                   '</bpmn:script></bpmn:scriptTask>'
                   '<bpmn:userTask id="after" name="After" camunda:candidateGroups="CustomerService"/>'
                   '<bpmn:endEvent id="e"/>' + flow("s", "run") + flow("run", "after") + flow("after", "e"))


def message_diagram(key: str) -> bytes:
    """message start 'order_<key>' -> review (form: note) -> wait for 'reply_<key>' -> end."""
    return diagram(key, f'<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m_start"/></bpmn:startEvent>'
                   '<bpmn:userTask id="review" name="Review" camunda:candidateGroups="CustomerService">'
                   '<bpmn:extensionElements><camunda:formData>'
                   '<camunda:formField id="note" label="Note" type="string"/>'
                   '</camunda:formData></bpmn:extensionElements></bpmn:userTask>'
                   '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m_reply"/>'
                   '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
                   + flow("s", "review") + flow("review", "wait") + flow("wait", "e"),
                   extra=f'<bpmn:message id="m_start" name="order_{key}"/><bpmn:message id="m_reply" name="reply_{key}"/>')


def unique(prefix: str) -> str:
    return f"{prefix}_{next(_keys)}"


def jwt_login(app, username: str, password: str = PASSWORD, refresh: bool = False):
    return new_client(app).post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": refresh})


class Api:
    """A test client that sends a bearer token (JWT or API key) with every call."""

    def __init__(self, app, token: str | None):
        self.client = new_client(app)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def open(self, method: str, url: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.open("POST", url, **kwargs)


_TOKENS: dict[int, dict[str, str]] = {}  # one login per role per app, however many modules import the fixture


@pytest.fixture(scope="session")
def tokens(app) -> dict[str, str]:
    """A JWT access token per demo role (each login from its own address: the login is rate limited,
    so every module that imports this fixture shares the first logins)."""
    if id(app) in _TOKENS:
        return _TOKENS[id(app)]
    out = {}
    for role in ROLES:
        resp = jwt_login(app, ROLE_USERS[role])
        assert resp.status_code == 200, resp.get_data(as_text=True)
        out[role] = resp.get_json()["access_token"]
    _TOKENS[id(app)] = out
    return out


@pytest.fixture(scope="session")
def api(app, tokens):
    """api('Supervisor') -> an Api client authenticated with that role's JWT."""
    return lambda role: Api(app, tokens[role])


class Engine:
    """Run engine services as demo users, each call in its own app context."""

    def __init__(self, app):
        self.app = app

    def actor(self, username: str):
        from app.engine.actor import Actor

        with self.app.app_context():
            return Actor.from_user(self.app.appbuilder.sm.find_user(username=username))

    def deploy(self, xml: bytes) -> str:
        from app.engine import definitions

        with self.app.app_context():
            return definitions.deploy(xml, actor=self.actor("owner")).definition.key

    def start(self, key: str, username: str = "agent", **kwargs) -> int:
        from app.engine import runtime

        with self.app.app_context():
            return runtime.start_process(key, actor=self.actor(username), **kwargs).id

    def open_task(self, instance_id: int, element: str | None = None) -> int:
        from sqlalchemy import select

        from app.extensions import db
        from app.models import HumanTask

        with self.app.app_context():
            q = select(HumanTask.id).filter_by(instance_id=instance_id, state="open")
            return db.session.scalars(q.filter_by(element_id=element) if element else q).one()

    def call(self, fn, *args, **kwargs):
        """fn(*args, **kwargs) in an app context, e.g. engine.call(tasks.claim, 3, actor=...)."""
        with self.app.app_context():
            return fn(*args, **kwargs)

    def instance(self, instance_id: int) -> dict:
        from app.extensions import db
        from app.models import ProcessInstance

        with self.app.app_context():
            inst = db.session.get(ProcessInstance, instance_id)
            return {"status": inst.status, "incident_element": inst.incident_element,
                    "incident_message": inst.incident_message}


@pytest.fixture(scope="session")
def engine(app) -> Engine:
    return Engine(app)


@pytest.fixture(scope="session")
def live_url(app):
    """The session app served for real on 127.0.0.1 (werkzeug, in a thread): for schemathesis and the browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def complaint(app, engine) -> str:
    """The deployed engine_complaint process (register -> rectify -> feedback)."""
    return engine.deploy((DATA / "engine_complaint.bpmn").read_bytes())


@pytest.fixture(scope="module", autouse=True)
def tidy(app):
    """Terminate what a test module started, so later tests (other inboxes) find the shared
    database as they expect: no leftover open tasks claimed by the demo users."""
    from sqlalchemy import func, select

    from app.engine import runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import ProcessInstance

    with app.app_context():
        first = (db.session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
    yield
    with app.app_context():
        active = db.session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.id >= first, ProcessInstance.status.in_(runtime.ACTIVE))).all()
        for instance_id in active:
            runtime.terminate(instance_id, actor=Actor.system(), reason="test clean-up")
