"""Every demo role against every API route, from ONE table of expected statuses.

Allowed calls answer 200/201. Denied ones answer 403 (FAB's permission or the
engine's actor rule) or 404 where the object must not even be visible to that
role (a task of another group) — never 200, never 500.
"""
import pytest

from tests.api.helpers import ROLES, Api, diagram, flow, message_diagram, unique

ALL = set(ROLES)
STAFF = ALL - {"ReadOnly"}
SUPERVISORS = {"Admin", "Supervisor"}
DESIGNERS = {"Admin", "ProcessOwner"}
DEF_READERS = {"Admin", "ProcessOwner", "Supervisor", "ReadOnly"}
TASK_VIEWERS = {"Admin", "ProcessOwner", "Supervisor", "CustomerService"}  # the task is CustomerService's
NOT_CANDIDATES = {"TechSupport", "FieldService", "Sales"}  # for them the task does not exist


def row(allow: set, ok: int = 200, hidden: set = frozenset()) -> dict[str, int]:
    return {role: ok if role in allow else 404 if role in hidden else 403 for role in ROLES}


# (method, url template) -> expected status per role. Placeholders are prepared fresh for every call.
MATRIX = {
    ("GET", "/api/v1/definitions/"): row(DEF_READERS),
    ("GET", "/api/v1/definitions/{key}"): row(DEF_READERS),
    ("GET", "/api/v1/definitions/{key}/versions"): row(DEF_READERS),
    ("GET", "/api/v1/definitions/{key}/xml"): row(DEF_READERS),
    ("POST", "/api/v1/definitions/validate"): row(DESIGNERS),
    ("POST", "/api/v1/definitions/"): row(DESIGNERS, 201),
    ("POST", "/api/v1/instances/"): row(STAFF, 201),
    ("GET", "/api/v1/instances/"): row(ALL),
    ("GET", "/api/v1/instances/{instance}"): row(ALL),
    ("GET", "/api/v1/instances/{instance}/history"): row(ALL),
    ("POST", "/api/v1/instances/{instance}/suspend"): row(SUPERVISORS),  # owners: FAB allows, the engine refuses
    ("POST", "/api/v1/instances/{suspended}/resume"): row(SUPERVISORS),
    ("POST", "/api/v1/instances/{instance}/terminate"): row(SUPERVISORS),
    ("GET", "/api/v1/tasks/"): row(STAFF),
    ("GET", "/api/v1/tasks/?view=group"): row(STAFF),
    ("GET", "/api/v1/tasks/?view=department"): row(SUPERVISORS),
    ("GET", "/api/v1/tasks/{task}"): row(TASK_VIEWERS, hidden=NOT_CANDIDATES),
    ("GET", "/api/v1/tasks/{task}/form"): row(TASK_VIEWERS, hidden=NOT_CANDIDATES),
    # only who may work the task claims or completes it; supervisors and admins assign it to them
    ("POST", "/api/v1/tasks/{task}/claim"): row({"CustomerService"}, hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/tasks/{claimed}/unclaim"): row({"Admin", "Supervisor", "CustomerService"},
                                                     hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/tasks/{claimed}/release"): row({"Admin", "Supervisor", "CustomerService"},
                                                     hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/tasks/{claimed}/draft"): row({"CustomerService"}, hidden=NOT_CANDIDATES),  # its assignee's
    ("POST", "/api/v1/tasks/{task}/assign"): row(SUPERVISORS, hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/tasks/{task}/complete"): row({"CustomerService"}, hidden=NOT_CANDIDATES),
    # notes and the follow-up date: whoever sees the task; due date and priority: supervisors (and department heads)
    ("GET", "/api/v1/tasks/{task}/notes"): row(TASK_VIEWERS, hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/tasks/{task}/notes"): row(TASK_VIEWERS, 201, hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/tasks/{task}/follow-up"): row(TASK_VIEWERS, hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/tasks/{task}/reschedule"): row(SUPERVISORS, hidden=NOT_CANDIDATES),
    ("POST", "/api/v1/messages/deliver"): row(STAFF),
    ("POST", "/api/v1/messages/start"): row(STAFF, 201),
    ("GET", "/api/v1/customers/"): row(ALL),
    ("GET", "/api/v1/contacts/{contact}"): row(ALL),
    ("GET", "/api/v1/kpis/"): row({"Admin", "ProcessOwner", "Supervisor", "ReadOnly"}),
    ("GET", "/api/v1/assessments/"): row(STAFF),  # each sees their own results; not read-only visitors
    # the records of issues 16/17, read-only, with the screens' permissions (app/security.py)
    ("GET", "/api/v1/opportunities/"): row(ALL - {"FieldService"}),
    ("GET", "/api/v1/handovers/"): row(ALL),
    ("GET", "/api/v1/projects/"): row(ALL),
    ("GET", "/api/v1/orders/"): row(ALL),
    ("GET", "/api/v1/spot_checks/"): row({"Admin", "ProcessOwner", "Supervisor", "ReadOnly"}),
    ("GET", "/api/v1/inspections/"): row({"Admin", "ProcessOwner", "Supervisor", "ReadOnly"}),
    ("GET", "/api/v1/improvement_actions/"): row(ALL),
    ("GET", "/api/v1/training_courses/"): row(ALL),
    ("GET", "/api/v1/training_sessions/"): row(ALL),
    ("GET", "/api/v1/spare_parts/"): row(ALL - {"Sales"}),
    ("GET", "/api/v1/stock_levels/"): row(ALL - {"Sales"}),
    ("GET", "/api/v1/_openapi"): row({"Admin"}),
    ("GET", "/api/v1/security/users/"): row({"Admin"}),
}
SIMPLE = ('<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Work" camunda:candidateGroups="Sales"/>'
          '<bpmn:endEvent id="e"/>' + flow("s", "t") + flow("t", "e"))
CASES = [(method, url, role) for (method, url) in MATRIX for role in ROLES]


@pytest.fixture(scope="module")
def ordered(engine):
    return engine.deploy(message_diagram(unique("mx_msg")))


@pytest.fixture
def prepare(engine, complaint, ordered):
    """Fresh objects for a URL template and the body that goes with it."""
    from app.engine import runtime, tasks

    def instance():
        return engine.start(complaint, business_key=unique("MX"))

    def waiting():  # an instance of `ordered` that waits for its reply message
        bk = unique("MXW")
        agent = engine.actor("agent")
        inst = engine.call(lambda: runtime.start_by_message(f"order_{ordered}", actor=agent, business_key=bk)[0].id)
        engine.call(tasks.complete, engine.open_task(inst), {"note": "x"}, actor=engine.actor("agent"))
        return bk

    def contact():
        from app.extensions import db
        from app.models import Contact, Customer

        with engine.app.app_context():
            row = Contact(customer=Customer(name=unique("MXC")), name="n", phone="13800000000")
            db.session.add(row)
            db.session.commit()
            return row.id

    def fill(method: str, url: str):
        if "{contact}" in url:
            url = url.replace("{contact}", str(contact()))
        if "{instance}" in url:
            url = url.replace("{instance}", str(instance()))
        if "{suspended}" in url:
            inst = instance()
            engine.call(runtime.suspend, inst, actor=engine.actor("supervisor"))
            url = url.replace("{suspended}", str(inst))
        if "{task}" in url:
            url = url.replace("{task}", str(engine.open_task(instance())))
        if "{claimed}" in url:
            task = engine.open_task(instance())
            engine.call(tasks.claim, task, actor=engine.actor("agent"))
            url = url.replace("{claimed}", str(task))
        url = url.replace("{key}", complaint)
        body = {
            "/api/v1/definitions/validate": {"data": diagram(unique("mx_v"), SIMPLE), "content_type": "application/xml"},
            "/api/v1/definitions/": {"data": diagram(unique("mx_d"), SIMPLE), "content_type": "application/xml"},
            "/api/v1/instances/": {"json": {"process_key": complaint}},
            "/api/v1/messages/deliver": {"json": {"name": f"reply_{ordered}", "business_key": waiting()}}
            if url.endswith("deliver") else {},
            "/api/v1/messages/start": {"json": {"name": f"order_{ordered}"}},
        }.get(url) if method == "POST" else None
        if url.endswith("/terminate"):
            body = {"json": {"reason": "matrix"}}
        elif url.endswith("/assign"):
            body = {"json": {"user_id": None}}
        elif url.endswith("/notes") and method == "POST":
            body = {"json": {"body": "matrix"}}
        elif url.endswith("/follow-up"):
            body = {"json": {"follow_up_at": "2030-01-01"}}
        elif url.endswith("/reschedule"):
            body = {"json": {"priority": 70, "reason": "matrix"}}
        elif url.endswith(("/complete", "/draft")):
            body = {"json": {"data": {"matter": "matrix"}}}
        return url, body or {}

    return fill


@pytest.mark.parametrize("method,url,role", CASES, ids=[f"{r}:{m} {u}" for m, u, r in CASES])
def test_api_role_matrix(app, tokens, prepare, method, url, role):
    real_url, body = prepare(method, url)
    resp = Api(app, tokens[role]).open(method, real_url, **body)
    expected = MATRIX[(method, url)][role]
    assert resp.status_code == expected, f"{role} {method} {real_url}: {resp.status_code} {resp.get_data(True)[:300]}"
    assert resp.mimetype == "application/json" or url.endswith("/xml")


@pytest.mark.parametrize("method,url", list(MATRIX), ids=[f"{m} {u}" for m, u in MATRIX])
def test_anonymous_is_refused(app, prepare, method, url):
    real_url, body = prepare(method, url)
    resp = Api(app, None).open(method, real_url, **body)
    assert resp.status_code == 401, resp.get_data(True)[:300]
    assert resp.get_json()["code"] == "unauthorized"
