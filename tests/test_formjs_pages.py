"""Camunda Forms on the task and start pages: the form-js viewer gets the schema in the reader's
language and the values to show (personal data masked where the page only shows them); what the page
posts is checked by the engine like any task form."""
import json
import re

import pytest
from sqlalchemy import select

from tests.api.helpers import api, tokens  # noqa: F401
from tests.conftest import csrf_token
from tests.engine.test_formjs import PROCESS, SCHEMA

TASK_PROCESS = PROCESS.replace("fj_proc", "fj_pages").replace("REF", 'camunda:formRef="fj_review"')
START_PROCESS = (PROCESS.replace("fj_proc", "fj_start_pages").replace("REF", "")
                 .replace('<bpmn:startEvent id="start"/>', '<bpmn:startEvent id="start" camunda:formRef="fj_review"/>'))


@pytest.fixture(scope="module")
def deployed(app):
    from app.engine import definitions, form_defs
    from app.engine.actor import Actor

    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        form_defs.deploy(SCHEMA, actor=owner)
        definitions.deploy(TASK_PROCESS, actor=owner)
        definitions.deploy(START_PROCESS, actor=owner)


def config_of(html: str) -> dict:
    match = re.search(r'<script type="application/json" class="cs-formjs-config">(.*?)</script>', html, re.S)
    assert match, "no form-js form on the page"
    return json.loads(match.group(1))


def new_task(app) -> int:
    from app.engine import runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HumanTask

    with app.app_context():
        inst = runtime.start_process("fj_pages", actor=Actor.from_user(app.appbuilder.sm.find_user(username="agent")))
        return db.session.scalars(select(HumanTask.id).filter_by(instance_id=inst.id, state="open")).one()


def test_task_page_draws_the_form_in_the_readers_language(app, deployed, login_as):
    task_id = new_task(app)
    agent = login_as("agent")
    agent.get("/lang/en")
    config = config_of(agent.get(f"/task/{task_id}/").get_data(as_text=True))
    labels = [c.get("label") for c in config["schema"]["components"][:4]]
    assert labels == ["Summary", "Channel", "Hours", "Phone number"] and config["lang"] == "en"
    assert config["schema"]["components"][1]["values"][0] == {"value": "phone", "label": "Phone"}
    assert config["readonly"] is False and config["keys"] == ["channel", "hours", "phone", "summary"]
    agent.get("/lang/zh")
    config = config_of(agent.get(f"/task/{task_id}/").get_data(as_text=True))
    assert config["schema"]["components"][0]["label"] == "摘要"


def test_posted_values_are_checked_by_the_engine(app, deployed, login_as):
    from app.extensions import db
    from app.models import HumanTask

    task_id = new_task(app)
    agent = login_as("agent")
    agent.get("/lang/en")
    page = f"/task/{task_id}/"
    resp = agent.post(f"/task/{task_id}/complete", data={
        "csrf_token": csrf_token(agent, page), "summary": "", "hours": "12", "channel": "fax"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    errors = {"summary": "This field is required.", "hours": "The largest allowed value is 8.",
              "channel": "Choose one of: phone, mail."}
    assert config_of(html)["errors"] == errors  # the engine's verdicts, in the reader's words
    assert all(f"<strong>{label}</strong>: {errors[key]}" in html
               for key, label in (("summary", "Summary"), ("hours", "Hours"), ("channel", "Channel")))
    resp = agent.post(f"/task/{task_id}/complete", data={
        "csrf_token": csrf_token(agent, page), "summary": "已回访", "hours": "2", "channel": "mail"})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(HumanTask, task_id).submitted == {"summary": "已回访", "hours": 2, "channel": "mail"}


def test_personal_data_is_masked_where_the_form_only_shows_it(app, deployed, login_as, api):
    """A phone number typed into a Camunda Form is masked like one typed into a generated form."""
    task_id = new_task(app)
    agent = login_as("agent")
    resp = agent.post(f"/task/{task_id}/complete", data={
        "csrf_token": csrf_token(agent, f"/task/{task_id}/"), "summary": "已回访", "phone": "13812345678"})
    assert resp.status_code == 302
    html = login_as("supervisor").get(f"/task/{task_id}/").get_data(as_text=True)
    config = config_of(html)
    assert config["readonly"] is True and config["data"]["phone"] != "13812345678"
    assert "13812345678" not in html and "5678" in config["data"]["phone"]
    detail = api("Supervisor").get(f"/api/v1/tasks/{task_id}").get_json()
    assert detail["submitted"]["phone"] == config["data"]["phone"]


def test_start_page_draws_a_camunda_start_form(app, deployed, login_as):
    from app.engine import definitions
    from app.extensions import db
    from app.models import FormDefinition

    with app.app_context():
        definition = definitions.latest_definition("fj_start_pages")
        form = db.session.get(FormDefinition, definition.start_form_id)
        assert form.key == "fj_review" and [f["id"] for f in definition.start_form][0] == "summary"
    agent = login_as("agent")
    agent.get("/lang/en")
    config = config_of(agent.get("/start/fj_start_pages/").get_data(as_text=True))
    assert config["schema"]["id"] == "fj_review"
    resp = agent.post("/start/fj_start_pages/", data={"csrf_token": csrf_token(agent, "/start/fj_start_pages/"),
                                                       "hours": "0"})
    assert resp.status_code == 422 and "The smallest allowed value is 1." in resp.get_data(as_text=True)
    resp = agent.post("/start/fj_start_pages/", data={"csrf_token": csrf_token(agent, "/start/fj_start_pages/"),
                                                       "summary": "开始", "hours": "1"})
    assert resp.status_code == 302


def test_builder_converts_a_generated_form(app, deployed, login_as):
    """The builder turns a deployed task's camunda:formData into a form-js form with the same fields."""
    from app.engine import definitions, formjs
    from app.engine.actor import Actor
    from tests.engine.conftest import DATA

    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(), actor=owner)
    client = login_as("owner")
    page = client.get("/forms/build/").get_data(as_text=True)
    assert '"element": "register"' in page and "engine_complaint" in page
    schema = client.get("/forms/api/convert?process=engine_complaint&element=register").get_json()["schema"]
    assert schema["id"] == "engine_complaint_register"
    assert [c["key"] for c in schema["components"]][:2] == ["matter", "severity"]
    assert formjs.to_fields(schema)[1] == []  # deployable as it is
    resp = client.post("/forms/api/deploy", json={"schema": schema},
                       headers={"X-CSRFToken": csrf_token(client, "/forms/build/")})
    assert resp.status_code == 200 and resp.get_json()["version"] >= 1
    assert client.get("/forms/api/convert?process=engine_complaint&element=nowhere").status_code == 404
    assert login_as("agent").get("/forms/build/").status_code in (302, 403)


def test_fields_the_platform_fills_are_never_drawn():
    from app.views.form_render import _without

    schema = {"components": [{"key": "record_id"}, {"type": "group", "components": [{"key": "record_id"},
                                                                                   {"key": "note"}]}]}
    assert _without(schema, {"record_id"}) == {"components": [{"type": "group", "components": [{"key": "note"}]}]}
