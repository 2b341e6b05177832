"""Process content in the reader's language: the shipped complaint process carries zh names in the
diagram and en ones beside them (README "Bilingual process content"); an English page shows only the
English name, a Chinese page only the Chinese one — never the two glued ("登记投诉 Register complaint").

Rule (000_ee3fc44b2199283b.txt, 客户服务优化管理制度): "客戶服務專員接收客戶投訴後,需立即登記投訴信息,
明確投訴事項、訴求及責任部門" — the register task the agent sees first, named in the agent's language.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.api.helpers import api, tokens  # noqa: F401  (fixtures)
from tests.conftest import csrf_token
from tests.engine.ops_support import run_task_mail_jobs

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
GLUED = re.compile(r"登记投诉\s*Register complaint|投诉处理流程\s*Complaint handling")


@pytest.fixture
def shipped(app):
    """The shipped diagrams deployed (a no-op when they are already), in an app context of its own:
    the test clients' requests must not share it (they would share the signed-in user too)."""
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db

    with app.app_context():
        actor = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy_directory(WORKFLOWS, actor=actor)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def complaint(shipped, login_as, app):
    """A running complaint; returns (agent client, business key, register task id, instance id)."""
    from app.extensions import db
    from app.models import HumanTask

    agent = login_as("agent")
    key = f"BI-{uuid.uuid4().hex[:8]}"
    resp = agent.post("/start/complaint_handling/", data={"csrf_token": csrf_token(agent, "/start/"), "business_key": key,
                                                          "customer": "华东精密"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    with app.app_context():
        task = db.session.scalars(select(HumanTask).filter_by(business_key=key, element_id="register")).one()
        assert task.name == "登记投诉"  # the row keeps the diagram's default-language name
        return agent, key, task.id, task.instance_id


def page(client, path, lang):
    client.get(f"/lang/{lang}")
    resp = client.get(path)
    assert resp.status_code == 200, path
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("view", ["group", "department"])
def test_inbox_names_the_task_in_the_readers_language(complaint, login_as, view):
    agent, key, _task_id, _inst = complaint
    client = agent if view == "group" else login_as("supervisor")
    en = page(client, f"/inbox/{view}/?q={key}", "en")
    assert "Register complaint" in en and "Complaint handling" in en
    assert "登记投诉" not in en and "投诉处理流程" not in en
    zh = page(client, f"/inbox/{view}/?q={key}", "zh")
    assert "登记投诉" in zh and "投诉处理流程" in zh
    assert "Register complaint" not in zh and not GLUED.search(zh)


def test_task_form_labels_options_and_instructions(complaint):
    agent, _key, task_id, _inst = complaint
    en = page(agent, f"/task/{task_id}/", "en")
    assert re.search(r'<h2 class="page-title">\s*Register complaint', en)
    assert "Channel" in en and ">Phone</option>" in en and ">Web / online chat</option>" in en
    assert "Register the complaint at once" in en  # the English documentation
    assert "投诉渠道" not in en and ">电话</option>" not in en and "立即登记投诉" not in en
    zh = page(agent, f"/task/{task_id}/", "zh")
    assert re.search(r'<h2 class="page-title">\s*登记投诉', zh)
    assert "投诉渠道" in zh and ">电话</option>" in zh and "立即登记投诉" in zh
    assert "Register complaint" not in zh and "Channel" not in zh and not GLUED.search(zh)


def test_instance_and_start_pages(complaint, login_as):
    agent, _key, _task_id, inst = complaint
    en = page(agent, f"/instances/{inst}/", "en")
    assert "Complaint handling" in en and "Register complaint" in en and "Complaint received" in en
    assert "投诉处理流程" not in en and "登记投诉" not in en
    zh = page(agent, f"/instances/{inst}/", "zh")
    assert "投诉处理流程" in zh and "登记投诉" in zh and not GLUED.search(zh)
    assert "Register complaint" not in zh
    start_en = page(agent, "/start/", "en")
    assert "Complaint handling" in start_en and "投诉处理流程" not in start_en
    start_zh = page(agent, "/start/", "zh")
    assert "投诉处理流程" in start_zh and "Complaint handling" not in start_zh
    owner = login_as("owner")
    listing = page(owner, "/processes/", "en")
    assert "Complaint handling" in listing and "After-sales service" in listing


def test_task_mails_in_each_recipients_language(shipped, login_as, app):
    """The register task's mail to the agent names it in the agent's mail language."""
    from app.extensions import db
    from app.models import HumanTask, MailOutbox, UserProfile

    with app.app_context():
        agent_user = app.appbuilder.sm.find_user(username="agent")
        agent_id, agent_email = agent_user.id, agent_user.email
        profile = db.session.get(UserProfile, agent_id)
        before = (profile.locale, profile.notify_mode) if profile else None
        if profile is None:
            profile = UserProfile(user_id=agent_id)
            db.session.add(profile)
        profile.locale, profile.notify_mode = "en", "instant"
        db.session.commit()
    try:
        agent = login_as("agent")
        key = f"BM-{uuid.uuid4().hex[:8]}"
        assert agent.post("/start/complaint_handling/", data={
            "csrf_token": csrf_token(agent, "/start/"), "business_key": key}).status_code == 302
        with app.app_context():
            task = db.session.scalars(select(HumanTask).filter_by(business_key=key, element_id="register")).one()
            run_task_mail_jobs(task.id)  # a new task's mails are written by its task_mail job, as a worker runs it
            rows = db.session.scalars(select(MailOutbox).where(MailOutbox.instance_id == task.instance_id,
                                                               MailOutbox.kind == "task_created")).all()
            mine = [r for r in rows if agent_email in r.recipients]
            assert mine, [r.recipients for r in rows]
            assert all("Register complaint" in r.subject and "登记投诉" not in r.subject for r in mine)
            assert all("Complaint handling" in r.body_text and "投诉处理流程" not in r.body_text for r in mine)
            others = [r for r in rows if r not in mine]
            assert all("登记投诉" in r.subject and "Register complaint" not in r.subject for r in others)
    finally:
        with app.app_context():
            profile = db.session.get(UserProfile, agent_id)
            if before is None:
                db.session.delete(profile)
            else:
                profile.locale, profile.notify_mode = before
            db.session.commit()


def _diagram(key: str, zh: str, en: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_{key}" targetNamespace="t">
  <bpmn:process id="{key}" name="双语测试" isExecutable="true">
    <bpmn:extensionElements><camunda:properties>
      <camunda:property name="i18n:name:en" value="Bilingual test" /></camunda:properties></bpmn:extensionElements>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <bpmn:manualTask id="check" name="{zh}" camunda:candidateGroups="CustomerService">
      <bpmn:extensionElements><camunda:properties>
        <camunda:property name="i18n:name:en" value="{en}" /></camunda:properties></bpmn:extensionElements>
    </bpmn:manualTask>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_each_version_translates_its_own_names(app):
    """A task row keeps the name its version gave it; its English comes from that version, not from a
    later one that renamed the step; a name no version has is shown as recorded."""
    from types import SimpleNamespace

    from app.engine import content, definitions
    from app.engine.actor import Actor
    from app.extensions import db

    key = f"bilingual_versions_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy(_diagram(key, "核对", "Check"), actor=owner)
        definitions.deploy(_diagram(key, "复核", "Review"), actor=owner)
        db.session.commit()

        def row(name):
            return SimpleNamespace(process_key=key, element_id="check", name=name, process_name="双语测试",
                                   documentation=None)

        assert content.task_name(row("核对"), "en") == "Check"
        assert content.task_name(row("复核"), "en") == "Review"
        assert content.task_name(row("复核"), "zh") == "复核"
        assert content.task_name(row("手工改名"), "en") == "手工改名"
        assert content.task_process_name(row("核对"), "en") == "Bilingual test"
        assert content.process_name("no_such_process", "en", "记录的名字") == "记录的名字"
        db.session.remove()


def test_inbox_search_finds_a_task_by_its_name_in_either_language(complaint):
    """The rows hold the zh name; an English reader searching "Register complaint" finds the task too."""
    agent, key, task_id, _inst = complaint
    for lang, words in (("en", "register COMPLAINT"), ("zh", "登记投诉"), ("en", "登记投诉")):
        listing = page(agent, f"/inbox/group/?q={words}&size=100", lang)
        assert f'href="/task/{task_id}/"' in listing, (lang, words)
    assert f'href="/task/{task_id}/"' not in page(agent, "/inbox/group/?q=no-such-words-anywhere", "en")


def test_the_api_names_tasks_and_form_labels_in_the_clients_language(complaint, api):
    """A token client chooses by Accept-Language (or ?_l_=); the answer says Content-Language."""
    _agent, _key, task_id, _inst = complaint
    client = api("CustomerService")
    en = client.get(f"/api/v1/tasks/{task_id}", headers={"Accept-Language": "en-US,en;q=0.9"})
    body = en.get_json()
    assert en.headers["Content-Language"] == "en"
    assert body["name"] == "Register complaint" and body["process_name"] == "Complaint handling"
    titles = {f["title"] for f in body["form_schema"]["properties"].values()}
    assert "Channel" in titles and "投诉渠道" not in titles
    zh = client.get(f"/api/v1/tasks/{task_id}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.headers["Content-Language"] == "zh"
    assert zh.get_json()["name"] == "登记投诉" and zh.get_json()["process_name"] == "投诉处理流程"
    forced = client.get(f"/api/v1/tasks/{task_id}?_l_=en", headers={"Accept-Language": "zh-CN"}).get_json()
    assert forced["name"] == "Register complaint"
    schema = client.get(f"/api/v1/tasks/{task_id}/form", headers={"Accept-Language": "en"}).get_json()["schema"]
    assert "Channel" in {f["title"] for f in schema["properties"].values()}


def test_the_api_history_names_elements_in_the_clients_language(complaint, api):
    _agent, _key, _task_id, inst = complaint
    client = api("Supervisor")
    names = {e["element_name"] for e in client.get(f"/api/v1/instances/{inst}/history",
                                                  headers={"Accept-Language": "en"}).get_json()["items"]}
    assert "Register complaint" in names and "登记投诉" not in names
    names = {e["element_name"] for e in client.get(f"/api/v1/instances/{inst}/history",
                                                  headers={"Accept-Language": "zh"}).get_json()["items"]}
    assert "登记投诉" in names
