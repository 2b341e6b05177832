"""A customer's new message in the browser, in Chinese and in English: the case page and the inbox
row show it until the agent replies (with a file); the triage page adds a stray mail to an existing case.

咨询响应时间: "从客户首次联系到首次回复" (from the customer's first contact to the first reply)."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.browser.test_complaint_walk import shot, sign_in
from tests.browser.test_conversation_browser import _received
from tests.records_helpers import make_customer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TEXT = {"zh": {"new": "客户有新消息", "attach": "加入已有案件"},
        "en": {"new": "New message from the customer", "attach": "Add to an existing case"}}


def _deploy(app) -> None:
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db

    with app.app_context():
        owner = app.appbuilder.sm.find_user(username="owner")
        definitions.deploy_directory(Path(app.root_path).parent / "workflows", actor=Actor.from_user(owner))
        db.session.commit()


def _number(app, record_id: int) -> str:
    from app.extensions import db
    from app.models import ServiceRequest

    with app.app_context():
        return db.session.get(ServiceRequest, record_id).number


def test_the_new_message_shows_until_the_agent_replies_and_triage_adds_mail_to_a_case(
        app, live_server, browser, screenshots, tmp_path):
    _deploy(app)
    agent = sign_in(browser, live_server, "agent")
    picture = tmp_path / "接线图 wiring.png"
    picture.write_bytes(PNG)
    for lang in ("zh", "en"):
        t = TEXT[lang]
        address = f"li-{uuid.uuid4().hex[:6]}@factory.example.com"
        make_customer(app, email=address)
        case = _received(app, address, "码垛机器人抓取失败 Palletiser misses", "码垛机器人频繁抓取失败。")
        number = _number(app, case.record_id)
        threaded = _received(app, address, f"Re: [{number}]", "补充：只在夜班出现。\nOnly on the night shift.")
        assert threaded.state == "threaded"
        agent.goto(f"{live_server}/lang/{lang}")
        agent.goto(f"{live_server}/inbox/group/?q={number}")
        row = agent.locator(f"tr.task-row:has-text('{number}')").first
        assert t["new"] in row.inner_text()
        shot(agent, screenshots, f"customer_wrote_inbox_{lang}")
        agent.goto(f"{live_server}/servicerequestview/show/{case.record_id}")
        assert t["new"] in agent.inner_text("#conversation-unread")
        agent.locator("#conversation").scroll_into_view_if_needed()
        shot(agent, screenshots, f"customer_wrote_case_{lang}")
        agent.fill("#reply-body", "您好，请发送夜班的报警记录。" if lang == "zh" else "Please send the night shift's alarm log.")
        agent.set_input_files("#reply-files", str(picture))
        agent.click("#reply-form button[type=submit]")
        agent.wait_for_url(re.compile(rf".*/servicerequestview/show/{case.record_id}.*"))
        assert agent.locator("#conversation-unread").count() == 0
        last = agent.locator("ol.conversation-thread > li").last
        assert "wiring.png" in last.inner_text()
        shot(agent, screenshots, f"customer_wrote_replied_{lang}")

    supervisor = sign_in(browser, live_server, "supervisor")
    stray = _received(app, "helper@other-mail.example.net", "关于我们的请求 About our request", "请把这张照片加到请求里。")
    assert stray.state == "triage"
    for lang in ("zh", "en"):
        supervisor.goto(f"{live_server}/lang/{lang}")
        supervisor.goto(f"{live_server}/inboundmailview/list/")
        supervisor.click("a[href*='/inboundmailview/show/']")
        supervisor.wait_for_selector("#attach-form")
        assert TEXT[lang]["attach"] in supervisor.inner_text("#triage-attach")
        supervisor.locator("#triage-attach").scroll_into_view_if_needed()
        shot(supervisor, screenshots, f"customer_wrote_triage_{lang}")
