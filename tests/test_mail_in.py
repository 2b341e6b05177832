"""Mail-in over a real loopback SMTP connection, and the agent's reply from the case page.

售后服务: customers submit requests "通过电话、邮件或在线服务平台" (by phone, e-mail or the online platform);
咨询响应时间: "从客户首次联系到首次回复" (from the customer's first contact to the first reply)."""
from __future__ import annotations

import smtplib
import uuid
from pathlib import Path
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from app.engine import clock, definitions
from app.engine.actor import Actor
from app.extensions import db
from app.models import Complaint, ConversationMessage, InboundMail, MailOutbox, ServiceRequest
from app.records import kpi
from app.records.conversation import inbound, outbound, service, smtp_in
from tests.conftest import csrf_token
from tests.engine.ops_support import clean_jobs, free_port, run_all_due, smtp, smtp_port  # noqa: F401
from tests.records_helpers import make_customer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def shipped(app_ctx):
    """The shipped diagrams: a request opened by mail starts after_sales_service."""
    owner = app_ctx.appbuilder.sm.find_user(username="owner")
    definitions.deploy_directory(Path(app_ctx.root_path).parent / "workflows", actor=Actor.from_user(owner))
    db.session.commit()


@pytest.fixture
def receiver(app):
    """The inbound endpoint on a free loopback port, as `flask mail-in` runs it."""
    port = free_port()
    server = smtp_in.controller(app, "127.0.0.1", port)
    server.start()
    yield port
    server.stop()


@pytest.fixture
def customer(app_ctx, shipped):
    """(customer_id, contact_id, address) of a customer whose contact writes in."""
    address = f"buyer-{uuid.uuid4().hex[:8]}@factory.example.com"
    customer_id, contact_id, _name = make_customer(app_ctx, email=address.upper())  # matched case-insensitively
    return customer_id, contact_id, address


def mail(sender: str, subject: str, body: str = "", **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"Zhang Wei <{sender}>", "service@cs.example.com", subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@factory.example.com>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body or "")
    return msg


def send(port: int, msg: EmailMessage, envelope_from: str | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(msg, from_addr=envelope_from if envelope_from is not None else msg["From"])
    db.session.rollback()  # see what the receiver committed


def inbound_row(msg: EmailMessage) -> InboundMail:
    return db.session.scalars(select(InboundMail).where(InboundMail.message_id == msg["Message-ID"])).one()


def test_a_mail_from_a_known_contact_opens_a_request_and_starts_its_process(receiver, customer):
    customer_id, contact_id, address = customer
    msg = mail(address, "机器人停机 Robot stops", "The robot on line 3 stops every hour.\n\nOn Mon, Li wrote:\n> old")
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="fault.png")
    msg.add_attachment(b"MZ\x90\x00binary", maintype="application", subtype="octet-stream", filename="tool.exe")
    before = clock.now()
    send(receiver, msg)
    row = inbound_row(msg)
    assert row.state == "created" and row.record_type == "service_request"
    request = db.session.get(ServiceRequest, row.record_id)
    assert (request.customer_id, request.contact_id, request.channel) == (customer_id, contact_id, "email")
    assert request.subject == "机器人停机 Robot stops" and request.process_instance_id is not None
    assert before <= request.created_at <= clock.now() and request.due_at > request.created_at
    [first] = service.thread("service_request", request.id)
    assert (first.channel, first.direction, first.contact_id, first.instance_id) == (
        "email", "in", contact_id, request.process_instance_id)
    assert first.body.startswith("The robot on line 3 stops every hour.") and "old" not in first.body
    assert [a.filename for a in first.attachments] == ["fault.png"]
    assert "tool.exe" in first.body  # the refused file is named, the mail still counts
    assert service.first_contact_at("service_request", request.id) == request.created_at


def test_a_reply_threads_into_its_case_by_in_reply_to_and_by_the_subject_token(receiver, customer, clean_jobs):
    _customer_id, _contact_id, address = customer
    send(receiver, mail(address, "Noise from the gearbox", "It is loud."))
    request = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id.desc())).first()
    sent = outbound.reply(request, "Please send a photo.", _user("agent"))
    db.session.commit()
    answer = mail(address, "Re: whatever the client wrote", "Here it is.\n\n-----Original Message-----\nPlease send",
                  In_Reply_To=sent.mail_message_id, References=sent.mail_message_id)
    send(receiver, answer)
    by_token = mail(address, f"Another thing {outbound.case_token(request)}", "Also the fan.")
    send(receiver, by_token)
    assert (inbound_row(answer).state, inbound_row(answer).record_id) == ("threaded", request.id)
    assert (inbound_row(by_token).state, inbound_row(by_token).record_id) == ("threaded", request.id)
    bodies = [(m.direction, m.body) for m in service.thread("service_request", request.id)]
    assert bodies == [("in", "It is loud."), ("out", "Please send a photo."), ("in", "Here it is."),
                      ("in", "Also the fan.")]
    assert db.session.query(ServiceRequest).filter_by(contact_id=request.contact_id).count() == 1


def _user(username: str):
    from flask_appbuilder.security.sqla.models import User

    return db.session.scalars(select(User).where(User.username == username)).one()


def test_a_token_from_a_stranger_does_not_reach_the_case(receiver, customer):
    _customer_id, _contact_id, address = customer
    send(receiver, mail(address, "Leak", "first"))
    request = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id.desc())).first()
    stranger = mail("someone@elsewhere.example.org", f"Re: {outbound.case_token(request)}", "let me in")
    send(receiver, stranger)
    assert inbound_row(stranger).state == "triage"
    assert len(service.thread("service_request", request.id)) == 1


@pytest.mark.parametrize("headers, envelope", [
    ({"Auto_Submitted": "auto-replied"}, None),
    ({"X_Autoreply": "yes"}, None),
    ({"Precedence": "bulk"}, None),
    ({"X_Auto_Response_Suppress": "All"}, None),
    ({}, ""),  # a bounce: empty envelope sender
])
def test_auto_replies_bounces_and_lists_are_ignored(receiver, customer, headers, envelope):
    _customer_id, contact_id, address = customer
    msg = mail(address, "Out of office", "I am away until Monday.", **headers)
    send(receiver, msg, envelope)
    assert inbound_row(msg).state == "ignored"
    assert db.session.query(ServiceRequest).filter_by(contact_id=contact_id).count() == 0


def test_our_own_mail_coming_back_is_ignored(app_ctx, receiver):
    own = app_ctx.config["MAIL_DEFAULT_SENDER"]
    msg = mail(own, "[SR-2026-000001] Re: loop", "our own words")
    send(receiver, msg)
    assert (inbound_row(msg).state, inbound_row(msg).reason) == ("ignored", "sent by this system")


def test_a_mail_is_processed_once(receiver, customer):
    _customer_id, contact_id, address = customer
    msg = mail(address, "Twice", "delivered twice by the relay")
    send(receiver, msg)
    send(receiver, msg)
    assert db.session.query(ServiceRequest).filter_by(contact_id=contact_id).count() == 1
    assert inbound.receive(msg.as_bytes(), address).state == "duplicate"


def test_a_mail_over_the_size_limit_is_refused_by_the_smtp_server(app, receiver, customer):
    _customer_id, _contact_id, address = customer
    msg = mail(address, "Huge", "x" * 2000)
    app.config["INBOUND_MAX_BYTES"] = 1000
    port = free_port()
    small = smtp_in.controller(app, "127.0.0.1", port)
    small.start()
    try:
        assert inbound.receive(msg.as_bytes(), address).state == "too_large"
        with pytest.raises(smtplib.SMTPException) as refused:
            send(port, msg)
    finally:
        small.stop()
        app.config.pop("INBOUND_MAX_BYTES")
    assert "552" in str(refused.value)
    assert db.session.scalars(select(InboundMail).where(InboundMail.message_id == msg["Message-ID"])).first() is None


def test_an_html_mail_is_stored_as_text(receiver, customer):
    _customer_id, _contact_id, address = customer
    msg = mail(address, "HTML", "")
    msg.clear_content()
    msg.set_content('<html><head><style>p{color:red}</style><script>alert("x")</script></head><body>'
                    '<p>The <b>screen</b> is <a href="javascript:evil()">black</a> &amp; hot.</p>'
                    '<img src="https://tracker.example/p.gif" onerror="steal()"><div>Line two</div></body></html>',
                    subtype="html")
    send(receiver, msg)
    request = db.session.get(ServiceRequest, inbound_row(msg).record_id)
    [first] = service.thread("service_request", request.id)
    assert first.body == "The screen is black & hot.\n\nLine two"
    assert "<" not in first.body and "alert" not in first.body and "javascript" not in first.body


def test_unknown_senders_wait_in_triage_and_are_assigned_or_discarded(app, receiver, customer, login_as):
    _customer_id, contact_id, _address = customer
    first = mail("new.person@unknown.example.net", "Please call me", "We bought a robot last year.")
    first.add_attachment(PNG, maintype="image", subtype="png", filename="nameplate.png")
    second = mail("spam@unknown.example.net", "Cheap watches", "buy now")
    received = clock.now()
    send(receiver, first)
    send(receiver, second)
    row, junk = inbound_row(first), inbound_row(second)
    assert (row.state, row.reason) == ("triage", "unknown sender")
    ids = (row.id, junk.id)

    web = login_as("agent")
    listing = web.get("/inboundmailview/list/").get_data(as_text=True)
    assert "Please call me" in listing and "Cheap watches" in listing
    page = web.get(f"/inboundmailview/show/{ids[0]}").get_data(as_text=True)
    assert f'value="{contact_id}"' in page and "nameplate.png" in page
    resp = web.post(f"/inboundmailview/{ids[0]}/assign",
                    data={"contact_id": contact_id, "csrf_token": csrf_token(web, "/inboundmailview/list/")})
    assert resp.status_code == 302 and "/servicerequestview/show/" in resp.headers["Location"]
    resp = web.post("/inboundmailview/action_post", data={"action": "discard", "rowid": [ids[1]],
                                                         "csrf_token": csrf_token(web, "/inboundmailview/list/")})
    assert resp.status_code == 302
    db.session.rollback()
    row, junk = db.session.get(InboundMail, ids[0]), db.session.get(InboundMail, ids[1])
    assert (junk.state, row.state, row.raw) == ("discarded", "assigned", None)
    request = db.session.get(ServiceRequest, row.record_id)
    assert request.contact_id == contact_id and request.process_instance_id is not None
    assert abs(request.created_at - received) < timedelta(seconds=30)  # received when the mail arrived
    [message] = service.thread("service_request", request.id)
    assert [a.filename for a in message.attachments] == ["nameplate.png"]
    listing = web.get("/inboundmailview/list/").get_data(as_text=True)
    assert "Please call me" not in listing and "Cheap watches" not in listing


def test_the_agent_replies_from_the_case_page_through_the_outbox(app, receiver, customer, clean_jobs, smtp,
                                                                  login_as):
    _customer_id, contact_id, address = customer
    send(receiver, mail(address, "Spare part price", "How much is the gripper?"))
    request = db.session.scalars(select(ServiceRequest).where(ServiceRequest.contact_id == contact_id)).one()
    web = login_as("agent")
    page = web.get(f"/servicerequestview/show/{request.id}").get_data(as_text=True)
    assert 'id="conversation"' in page and "How much is the gripper?" in page and 'id="reply-form"' in page
    token = csrf_token(web, f"/servicerequestview/show/{request.id}")
    resp = web.post(f"/servicerequestview/{request.id}/reply", data={"body": "It is 120 <EUR>.", "csrf_token": token})
    assert resp.status_code == 302
    resp = web.post(f"/servicerequestview/{request.id}/phone-note",
                    data={"body": "Called back, confirmed.", "direction": "out", "csrf_token": token})
    assert resp.status_code == 302
    no_csrf = web.post(f"/servicerequestview/{request.id}/reply", data={"body": "forged"})
    assert no_csrf.status_code in (400, 302)
    db.session.rollback()
    messages = service.thread("service_request", request.id)
    assert [(m.channel, m.direction) for m in messages] == [("email", "in"), ("email", "out"), ("phone", "out")]
    reply = messages[1]
    outbox = db.session.get(MailOutbox, reply.outbox_id)
    assert outbox.message_id == reply.mail_message_id and outbox.recipients == [address.upper()]
    assert outbox.subject.startswith(f"[{request.number}]")
    run_all_due()
    [sent] = smtp.with_id(reply.mail_message_id)
    assert f"[{request.number}]" in sent["Subject"] and "It is 120 <EUR>." in sent.get_body().get_content()
    assert "您好" in sent.get_body().get_content()  # the customer's language: the site's (zh) when unset
    page = web.get(f"/servicerequestview/show/{request.id}").get_data(as_text=True)
    assert "It is 120 &lt;EUR&gt;." in page and "Called back, confirmed." in page


def test_a_reply_needs_the_contacts_address_and_a_complaint_page_shows_its_thread(app_ctx, customer, login_as):
    customer_id, contact_id, _address = customer
    complaint = Complaint(customer_id=customer_id, contact_id=contact_id, matter="Rude engineer", channel="email")
    db.session.add(complaint)
    db.session.flush()
    service.post(record=complaint, channel="email", direction="in", body="He was rude.")
    service.post(record=complaint, channel="note", direction="internal", body="Check with the team lead.")
    complaint.contact.email = None
    db.session.commit()
    web = login_as("agent")
    page = web.get(f"/complaintview/show/{complaint.id}").get_data(as_text=True)
    assert "He was rude." in page and "dir-internal" in page and f"[{complaint.number}]" in page
    token = csrf_token(web, f"/complaintview/show/{complaint.id}")
    resp = web.post(f"/complaintview/{complaint.id}/reply", data={"body": "Sorry", "csrf_token": token},
                    follow_redirects=True)
    assert "no e-mail address" in resp.get_data(as_text=True) or "没有电子邮件" in resp.get_data(as_text=True)
    db.session.rollback()
    assert len(service.thread("complaint", complaint.id)) == 2


def test_the_response_time_kpi_counts_from_the_mail_to_the_first_reply_in_the_log(receiver, customer, clean_jobs):
    """咨询响应时间: 从客户首次联系到首次回复."""
    _customer_id, contact_id, address = customer
    send(receiver, mail(address, "Question", "Which oil?"))
    request = db.session.scalars(select(ServiceRequest).where(ServiceRequest.contact_id == contact_id)).one()
    contact_at = service.first_contact_at("service_request", request.id)
    assert contact_at == request.created_at  # the mail's receipt is the first contact
    request.first_reply_at = None  # whatever the process did: the log decides below
    replied_at = contact_at + timedelta(minutes=12)
    service.post(record=request, channel="phone", direction="out", body="Told them.", at=replied_at)
    db.session.commit()
    assert request.first_reply_at == replied_at == service.first_reply_at("service_request", request.id)
    [row] = [r for r in kpi.response_rows(contact_at - timedelta(hours=1), contact_at + timedelta(hours=1),
                                          now=contact_at + timedelta(days=3)) if r["request_id"] == request.id]
    assert row["received_at"] == contact_at and row["first_reply_at"] == replied_at
    assert row["minutes"] is not None and row["minutes"] <= 12


def test_only_the_roles_that_edit_a_case_reply_and_only_service_staff_triage(app, login_as):
    viewer, field = login_as("viewer"), login_as("field")
    token = csrf_token(viewer, "/servicerequestview/list/")
    assert viewer.get("/servicerequestview/list/").status_code == 200  # may read the case ...
    assert viewer.post("/servicerequestview/1/reply", data={"body": "x", "csrf_token": token}).status_code == 403
    assert viewer.post("/complaintview/1/phone-note", data={"body": "x", "direction": "in",
                                                            "csrf_token": token}).status_code == 403
    assert field.get("/inboundmailview/list/").status_code == 403  # ... the triage list is customer service's
    for username in ("supervisor", "agent"):
        page = login_as(username).get("/servicerequestview/list/").get_data(as_text=True)
        assert 'href="/inboundmailview/list/"' in page  # the Service menu offers the triage list
    assert 'href="/inboundmailview/list/"' not in field.get("/servicerequestview/list/").get_data(as_text=True)


@pytest.mark.parametrize("text, kept", [
    ("Yes, tomorrow.\n\nOn Tue, 3 Mar 2026 at 10:00, CS <cs@x.example> wrote:\n> When?", "Yes, tomorrow."),
    ("好的，明天可以。\n\n在 2026年3月3日 10:00，客服 <cs@x.example> 写道：\n> 什么时候方便？", "好的，明天可以。"),
    ("OK\n\n-----Original Message-----\nFrom: CS\nSent: Tuesday", "OK"),
    ("OK\n\nFrom: CS <cs@x.example>\nSent: Tuesday, 3 March 2026\nSubject: [SR-2026-000001]", "OK"),
    ("收到\n\n发件人：客服\n发送时间：2026年3月3日", "收到"),
    ("Line one\n> quoted\nLine two", "Line one\n> quoted\nLine two"),  # an inline quote stays
])
def test_the_quoted_earlier_mail_is_trimmed_from_a_reply(text, kept):
    from app.records.conversation import mailtext

    assert mailtext.clean_text(mailtext.trim_quoted(text)) == kept


def test_a_reply_goes_out_in_the_customers_language(app_ctx, customer, clean_jobs):
    customer_id, contact_id, address = customer
    from app.models import Customer

    db.session.get(Customer, customer_id).language = "en"
    request = ServiceRequest(customer_id=customer_id, contact_id=contact_id, subject="Gripper", channel="phone")
    db.session.add(request)
    db.session.flush()
    sent = outbound.reply(request, "It ships today.", _user("agent"))
    outbox = db.session.get(MailOutbox, sent.outbox_id)
    assert outbox.subject == f"[{request.number}] Re: Gripper"
    assert outbox.body_text.startswith("Dear 张伟,") and "It ships today." in outbox.body_text
    assert request.first_reply_at == sent.created_at  # the response-time KPI's first reply


@pytest.mark.parametrize("raw", [
    b"not a mail at all",
    b"From: \r\nSubject: =?bogus?Q?x?=\r\n\r\nbody",
    b"From: a@b.example\r\nMessage-ID: <odd-charset@x>\r\nContent-Type: text/plain; charset=x-unknown-9\r\n\r\n\xff\xfe text",
    b"From: <<<>>>\r\nIn-Reply-To: <<garbage\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n--zz--",
    b"From: c@d.example\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\x02",
])
def test_odd_mail_lands_somewhere_readable_and_never_raises(app_ctx, raw):
    outcome = inbound.receive(raw + uuid.uuid4().hex.encode(), "sender@odd.example")
    assert outcome.state in ("triage", "ignored")
    row = db.session.scalars(select(InboundMail).order_by(InboundMail.id.desc())).first()
    assert row.state == outcome.state and "<" not in (row.body or "")
