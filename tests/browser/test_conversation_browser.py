"""A case's conversation in the browser, in Chinese and in English: a customer's mail opens a request,
the agent replies and notes a call from the case page; an unknown sender's mail waits in the triage list.

售后服务: customers submit requests "通过电话、邮件或在线服务平台" (by phone, e-mail or the online platform)."""
from __future__ import annotations

import re
import uuid
from email.message import EmailMessage

from tests.browser.test_complaint_walk import shot, sign_in
from tests.records_helpers import make_customer

TEXT = {"zh": {"heading": "沟通记录", "in": "来自客户", "out": "发给客户", "triage": "待分拣的来信"},
        "en": {"heading": "Conversation", "in": "From the customer", "out": "To the customer",
               "triage": "Inbound mail to triage"}}


def _mail(sender: str, subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "service@cs.example.com", subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@customer.example.com>"
    msg.set_content(body)
    return msg.as_bytes()


def _received(app, sender: str, subject: str, body: str):
    from app.records.conversation import inbound

    with app.app_context():
        return inbound.receive(_mail(sender, subject, body), sender)


def test_the_case_page_shows_its_thread_and_the_agent_replies(app, live_server, browser, screenshots):
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db
    from pathlib import Path

    with app.app_context():
        owner = app.appbuilder.sm.find_user(username="owner")
        definitions.deploy_directory(Path(app.root_path).parent / "workflows", actor=Actor.from_user(owner))
        db.session.commit()
    agent = sign_in(browser, live_server, "agent")
    for lang in ("zh", "en"):
        t = TEXT[lang]
        address = f"wang-{uuid.uuid4().hex[:6]}@factory.example.com"
        make_customer(app, email=address)
        case = _received(app, address, "焊接机器人报警 E-203", "3号线焊接机器人报警 E-203，已停机。\nRobot on line 3 alarms E-203.")
        assert case.state == "created"
        agent.goto(f"{live_server}/lang/{lang}")
        agent.goto(f"{live_server}/servicerequestview/show/{case.record_id}")
        assert t["heading"] in agent.inner_text("#conversation .panel-title")
        agent.fill("#reply-body", "您好，工程师将于今天下午回电。" if lang == "zh" else "An engineer will call you this afternoon.")
        agent.click("#reply-form button[type=submit]")
        agent.wait_for_url(re.compile(rf".*/servicerequestview/show/{case.record_id}.*"))
        agent.fill("#phone-body", "客户来电确认已断电。" if lang == "zh" else "The customer called: power is off.")
        agent.click("#phone-note-form button[type=submit]")
        agent.wait_for_url(re.compile(rf".*/servicerequestview/show/{case.record_id}.*"))
        thread = agent.locator("ol.conversation-thread > li")
        assert thread.count() == 3
        assert t["in"] in thread.nth(0).inner_text() and t["out"] in thread.nth(1).inner_text()
        agent.locator("#conversation").scroll_into_view_if_needed()
        shot(agent, screenshots, f"conversation_case_{lang}")

    supervisor = sign_in(browser, live_server, "supervisor")
    _received(app, "stranger@unknown.example.net", "询价：备用夹爪 Gripper quote", "请报价两套夹爪。")
    for lang in ("zh", "en"):
        supervisor.goto(f"{live_server}/lang/{lang}")
        supervisor.goto(f"{live_server}/inboundmailview/list/")
        assert TEXT[lang]["triage"] in supervisor.inner_text("body")
        assert "stranger@unknown.example.net" in supervisor.inner_text("body")
        shot(supervisor, screenshots, f"conversation_triage_{lang}")
    supervisor.click("a[href*='/inboundmailview/show/']")
    supervisor.wait_for_selector("#assign-form")
    shot(supervisor, screenshots, "conversation_triage_show_en")
