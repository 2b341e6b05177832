"""Personal data stays in its ledger: processes refer to contacts by id, the instance API and
page mask personal-data variables (defence in depth), the task page shows the contact masked
with the audited reveal, and the migration cleans the copies out of existing instances."""
from __future__ import annotations

import json
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.records_helpers import make_customer
from tests.test_migrations import scratch_url  # noqa: F401  (fixture)

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
PHONE, PHONE_MASK = "13766665555", "137****5555"
EMAIL, EMAIL_MASK = "pii.owner.test@example.com", "p***@example.com"
REVISION, BEFORE = "c4d2a7e9b613", "9e3f6a2c71d4"


@pytest.fixture(scope="module")
def shipped(app):
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db

    with app.app_context():
        definitions.deploy_directory(WORKFLOWS, actor=Actor.system())
        db.session.commit()


@pytest.fixture(scope="module")
def contact(app, shipped):
    return make_customer(app, prefix="隐私客户", phone=PHONE, email=EMAIL)


def in_app(app, fn):
    from app.extensions import db

    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def finish(app, inst_id: int) -> None:
    """Leave no running instance in the demo users' inboxes."""
    from app.engine import runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import ProcessInstance

    def run():
        if db.session.get(ProcessInstance, inst_id).status in runtime.ACTIVE:
            runtime.terminate(inst_id, actor=Actor.system(), reason="end of test")
    in_app(app, run)


def assert_no_clear_values(text: str) -> None:
    assert PHONE not in text and EMAIL not in text
    assert "137 6666 5555" not in text and "1376666" not in text


def add_request(app, login_as, contact) -> int:
    from app.extensions import db
    from app.models import ServiceRequest

    customer_id, contact_id, _name = contact
    c = login_as("agent")
    resp = c.post("/servicerequestview/add", data={
        "customer": str(customer_id), "contact": str(contact_id), "kind": "after_sales", "channel": "phone",
        "type": "routine_fault", "priority": "high", "subject": "主轴异响", "description": "设备运行时主轴异响",
        "due_at": "", "csrf_token": csrf_token(c, "/servicerequestview/add")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return in_app(app, lambda: db.session.scalars(select(ServiceRequest.process_instance_id).filter_by(
        customer_id=customer_id).order_by(ServiceRequest.id.desc())).first())


def open_task(app, inst_id: int, element: str) -> int:
    from app.extensions import db
    from app.models import HumanTask

    return in_app(app, lambda: db.session.scalars(select(HumanTask.id).filter_by(
        instance_id=inst_id, element_id=element, state="open")).one())


def test_a_request_from_its_record_carries_ids_and_no_copies(app, api, login_as, contact):
    from app.extensions import db
    from app.models import MailOutbox, ProcessInstance

    customer_id, contact_id, _name = contact
    inst_id = add_request(app, login_as, contact)
    try:
        state = in_app(app, lambda: db.session.get(ProcessInstance, inst_id).state)
        assert_no_clear_values(zlib.decompress(state).decode())  # not copied at all, not merely hidden
        got = api("ProcessOwner").get(f"/api/v1/instances/{inst_id}")
        assert got.status_code == 200
        assert_no_clear_values(got.get_data(as_text=True))
        variables = got.get_json()["variables"]
        assert (variables["contact_id"], variables["customer_id"]) == (contact_id, customer_id)
        assert "contact_phone" not in variables
        history = api("ProcessOwner").get(f"/api/v1/instances/{inst_id}/history?page_size=100")
        assert history.status_code == 200
        assert_no_clear_values(history.get_data(as_text=True))
        page = login_as("owner").get(f"/instances/{inst_id}/")
        assert page.status_code == 200 and "instance-variables" in page.get_data(as_text=True)
        assert_no_clear_values(page.get_data(as_text=True))
        mails = in_app(app, lambda: [(m.subject, m.body_text, m.body_html or "") for m in db.session.scalars(
            select(MailOutbox).filter_by(instance_id=inst_id))])
        assert_no_clear_values(json.dumps(mails, ensure_ascii=False))
    finally:
        finish(app, inst_id)


def test_a_start_through_the_api_takes_no_copies(app, api, contact):
    _customer_id, _contact_id, name = contact
    body = {"process_key": "after_sales_service", "business_key": "PII-API", "customer": name,
            "variables": {"customer_name": name, "issue_description": "远程无法开机"}}
    for copy in ({"contact_phone": PHONE}, {"contact_email": EMAIL}):
        copied = api("CustomerService").post("/api/v1/instances/", json=dict(
            body, variables=dict(body["variables"], **copy)))
        assert copied.status_code == 422 and set(copy) <= set(copied.get_json()["fields"])
    resp = api("CustomerService").post("/api/v1/instances/", json=body)
    assert resp.status_code == 201, resp.get_json()
    inst_id = resp.get_json()["id"]
    try:
        got = api("ProcessOwner").get(f"/api/v1/instances/{inst_id}")
        assert got.status_code == 200 and got.get_json()["variables"]["customer_name"] == name
        assert "contact_phone" not in got.get_json()["variables"]
        assert_no_clear_values(got.get_data(as_text=True))
    finally:
        finish(app, inst_id)


def test_the_task_page_shows_the_contact_masked_and_the_reveal_is_audited(app, login_as, contact):
    from app.extensions import db
    from app.models import AuditLog

    _customer_id, contact_id, _name = contact
    inst_id = add_request(app, login_as, contact)
    try:
        task_id = open_task(app, inst_id, "accept")
        c = login_as("agent")
        html = c.get(f"/task/{task_id}/").get_data(as_text=True)
        assert "task-contact" in html and PHONE_MASK in html and EMAIL_MASK in html
        assert_no_clear_values(html)
        assert f"/contactdata/reveal/{contact_id}/phone" in html  # agents may reveal, as on the record screens
        target = f"contact:{contact_id}:phone"

        def audits():
            return db.session.query(AuditLog).filter_by(event="pii_reveal", target=target, username="agent").count()

        before = in_app(app, audits)
        resp = c.post(f"/contactdata/reveal/{contact_id}/phone", headers={
            "Accept": "application/json", "X-CSRFToken": csrf_token(c, f"/task/{task_id}/")})
        assert resp.status_code == 200 and resp.get_json() == {"value": PHONE}
        assert in_app(app, audits) == before + 1
        other = login_as("owner").get(f"/task/{task_id}/")
        if other.status_code == 200:  # whoever else sees the task sees it masked, without a reveal
            text = other.get_data(as_text=True)
            assert_no_clear_values(text)
            assert f"/contactdata/reveal/{contact_id}/phone" not in text
    finally:
        finish(app, inst_id)


def test_personal_data_variables_are_masked_for_everyone(app, api, engine, login_as):
    """A process owner's own diagram may still carry personal data: the API and the page mask it."""
    from app.engine import runtime
    from app.extensions import db
    from tests.api.helpers import script_diagram, unique

    key = engine.deploy(script_diagram(unique("pii_vars"), "noted = True"))
    inst_id = engine.start(key, variables={"customer_mobile": PHONE, "reply_to": {"email": EMAIL},
                                           "feedback_method": "phone"})
    try:
        supervisor = engine.actor("supervisor")

        def fix():
            runtime.set_variables(inst_id, {"backupPhone": PHONE}, actor=supervisor)
            db.session.commit()
        in_app(app, fix)
        for role in ("ProcessOwner", "Supervisor", "Admin"):
            got = api(role).get(f"/api/v1/instances/{inst_id}")
            assert_no_clear_values(got.get_data(as_text=True))
            variables = got.get_json()["variables"]
            assert variables["customer_mobile"] == PHONE_MASK and variables["reply_to"] == {"email": EMAIL_MASK}
            assert variables["backupPhone"] == PHONE_MASK and variables["feedback_method"] == "phone"
            assert_no_clear_values(api(role).get(f"/api/v1/instances/{inst_id}/history").get_data(as_text=True))
        page = login_as("owner").get(f"/instances/{inst_id}/").get_data(as_text=True)
        assert PHONE_MASK in page
        assert_no_clear_values(page)
    finally:
        finish(app, inst_id)


@pytest.mark.parametrize("name,rule", [
    ("contact_phone", "mask_phone"), ("contactPhone", "mask_phone"), ("mobile_no", "mask_phone"),
    ("customer_email", "mask_email"), ("e_mail", "mask_email"), ("id_card", "mask_text"),
    ("联系电话", "mask_phone"), ("contact_id", None), ("hotel_name", None), ("feedback_method", None),
])
def test_variable_names_that_are_personal_data(name, rule):
    from app.pii import variable_rule

    found = variable_rule(name)
    assert (found.__name__ if found else None) == rule


def test_the_start_page_asks_for_no_phone_and_shows_no_reference_fields(login_as, shipped):
    html = login_as("agent").get("/start/after_sales_service/").get_data(as_text=True)
    assert 'name="customer_name"' in html and 'name="issue_description"' in html
    for hidden in ("customer_id", "contact_id", "record_number", "request_priority", "contact_phone"):
        assert f'data-field="{hidden}"' not in html and f'name="{hidden}"' not in html


# --------------------------------------------------------------------------- the migration

def _real_state(app) -> tuple[bytes, int]:
    """The state of an after-sales instance as the record link used to start it (phone copied)."""
    from app.engine import runtime
    from app.engine.actor import Actor
    from app.extensions import db

    def run():
        inst = runtime.start_process("after_sales_service", actor=Actor.system(), business_key="PII-OLD",
                                     internal={"customer_name": "旧客户", "contact_phone": PHONE,
                                               "contact_email": EMAIL, "issue_description": "旧的请求"},
                                     commit=False)
        blob, definition_id = bytes(inst.state), inst.definition_id
        db.session.rollback()  # only the blob is wanted
        return blob, definition_id
    return in_app(app, run)


def _load(app, blob: bytes, definition_id: int) -> dict:
    """The variables the engine sees in a (migrated) state blob: it must still load."""
    from app.engine import store
    from app.engine.definitions import specs_of
    from app.extensions import db
    from app.models import ProcessDefinition

    def run():
        wf = store.load_state(blob, *specs_of(db.session.get(ProcessDefinition, definition_id)))
        data = dict(wf.data)
        for task in wf.get_tasks():
            data.update(task.data)
        return data
    return in_app(app, run)


def _insert_fixture(conn, blob: bytes) -> dict[str, int]:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    ins = lambda table, **values: conn.execute(sa.text(  # noqa: E731
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"), values)
    ins("customer", id=1, name="客户甲", channel_preference="phone", created_at=now)
    ins("contact", id=10, customer_id=1, name="次要", phone="010-1111 2222", is_primary=False)
    ins("contact", id=11, customer_id=1, name="主要", phone="139 0000 1111", is_primary=True)
    ins("service_request", id=5, number="SR-1", customer_id=1, kind="after_sales", channel="phone",
        type="routine_fault", priority="high", status="new", created_at=now)  # no contact: the primary one
    ins("process_definition", id=1, key="after_sales_service", name="售后", version=1, checksum="x",
        bpmn_xml="<x/>", spec=b"x", has_di=True, start_messages="[]", starter_groups="[]", start_form="[]",
        deployed_at=now, source="file")
    plain = json.dumps({"data": {"contact_email": EMAIL, "other": 1}, "tasks": {}}).encode()
    untouched = zlib.compress(json.dumps({"data": {"feedback_method": "phone"}, "tasks": {}}).encode())
    for iid, state, record in ((1, blob, ("service_request", 5)), (2, zlib.compress(json.dumps(
            {"data": {}, "tasks": {"t": {"data": {"contact_phone": "13900001111"}}}}).encode()), (None, None)),
            (3, plain, (None, None)), (4, untouched, (None, None))):
        ins("process_instance", id=iid, definition_id=1, process_key="after_sales_service", status="running",
            state=state, rev=1, started_at=now, record_type=record[0], record_id=record[1])
    form = [{"id": "customer_name", "type": "string"}, {"id": "contact_phone", "type": "string", "required": True}]
    ins("human_task", id=1, instance_id=1, task_guid="g1", element_id="register", name="登记",
        form=json.dumps(form), confirm_only=False, state="open", priority=50, created_at=now,
        process_key="k", process_name="n", draft=json.dumps({"contact_phone": PHONE, "customer_name": "甲"}))
    ins("human_task", id=2, instance_id=1, task_guid="g2", element_id="record_needs", name="记录",
        form=json.dumps(form), confirm_only=False, state="completed", priority=50, created_at=now,
        process_key="k", process_name="n", submitted=json.dumps({"contact_phone": PHONE, "customer_name": "甲"}))
    for eid, event, data in ((1, "task_completed", {"contact_phone": PHONE, "customer_name": "甲"}),
                             (2, "variables_changed", {"backupMobile": PHONE, "payload": {"email": EMAIL}}),
                             (3, "instance_started", {"version": 1, "business_key": "SR-1"})):
        ins("history_event", id=eid, instance_id=1, event=event, at=now, data=json.dumps(data))
    return {"untouched": untouched}


def test_the_migration_cleans_existing_instances(app, shipped, scratch_url):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    from app import create_app

    blob, definition_id = _real_state(app)
    assert PHONE.encode() in zlib.decompress(blob)
    scratch = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "TESTING": True})
    engine = sa.create_engine(scratch_url)
    try:
        with scratch.app_context():
            upgrade(revision=BEFORE)
            with engine.begin() as conn:
                fixture = _insert_fixture(conn, blob)
            upgrade(revision=REVISION)
            first = _read(engine)
            downgrade(revision=BEFORE)  # the values cannot come back: a no-op
            upgrade(revision=REVISION)  # and running it again changes nothing
            assert _read(engine) == first
            from app.extensions import db

            db.engine.dispose()
    finally:
        engine.dispose()
    states, tasks, events = first
    migrated = _load(app, states[1][0], definition_id)
    assert "contact_phone" not in migrated and "contact_email" not in migrated
    assert (migrated["contact_id"], migrated["customer_id"]) == (11, 1)  # the record's customer's primary contact
    assert migrated["issue_description"] == "旧的请求" and states[1][1] == 2
    assert_no_clear_values(zlib.decompress(states[1][0]).decode())
    by_phone = json.loads(zlib.decompress(states[2][0]))["tasks"]["t"]["data"]
    assert by_phone == {"contact_id": 11, "customer_id": 1}  # no record: the one contact with that phone
    assert json.loads(states[3][0]) == {"data": {"other": 1}, "tasks": {}}  # stored uncompressed, stays so
    assert states[4] == (fixture["untouched"], 1)
    assert [f["id"] for f in tasks[1][0]] == ["customer_name"] and tasks[1][1] == {"customer_name": "甲"}
    assert tasks[2][2] == {"contact_phone": PHONE_MASK, "customer_name": "甲"}
    assert events[1] == {"contact_phone": PHONE_MASK, "customer_name": "甲"}
    assert events[2] == {"backupMobile": PHONE_MASK, "payload": {"email": EMAIL_MASK}}
    assert events[3] == {"version": 1, "business_key": "SR-1"}


def _read(engine) -> tuple[dict, dict, dict]:
    def js(value):
        return json.loads(value) if isinstance(value, str) else value

    with engine.connect() as conn:
        states = {r.id: (bytes(r.state), r.rev) for r in conn.execute(sa.text(
            "SELECT id, state, rev FROM process_instance"))}
        tasks = {r.id: (js(r.form), js(r.draft), js(r.submitted)) for r in conn.execute(sa.text(
            "SELECT id, form, draft, submitted FROM human_task"))}
        events = {r.id: js(r.data) for r in conn.execute(sa.text("SELECT id, data FROM history_event"))}
    return states, tasks, events



def test_submitted_task_values_are_masked_in_the_task_api(app, api, engine):
    """A task form of the owner's own may ask for a phone: what was submitted reads masked."""
    from tests.api.helpers import diagram, flow, unique

    key = engine.deploy(diagram(unique("pii_task"), '<bpmn:startEvent id="s"/>'
                                '<bpmn:userTask id="call" name="Call" camunda:candidateGroups="CustomerService">'
                                '<bpmn:extensionElements><camunda:formData>'
                                '<camunda:formField id="callback_phone" label="Phone" type="string"/>'
                                '</camunda:formData></bpmn:extensionElements></bpmn:userTask>'
                                '<bpmn:endEvent id="e"/>' + flow("s", "call") + flow("call", "e")))
    inst_id = engine.start(key)
    try:
        task = engine.open_task(inst_id, "call")
        agent = api("CustomerService")
        assert agent.post(f"/api/v1/tasks/{task}/claim").status_code == 200
        done = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"callback_phone": PHONE}})
        assert done.status_code == 200, done.get_json()
        for role in ("CustomerService", "Supervisor", "Admin"):
            got = api(role).get(f"/api/v1/tasks/{task}")
            assert got.status_code == 200 and got.get_json()["submitted"] == {"callback_phone": PHONE_MASK}
            assert_no_clear_values(got.get_data(as_text=True))
    finally:
        finish(app, inst_id)
