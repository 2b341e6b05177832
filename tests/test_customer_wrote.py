"""When a customer writes on a case: the staff holding it are told and the case shows the new
message; triage adds a mail to an existing case; replies thread in the customer's mail client and
carry the agent's files. Mail goes in and out over real loopback SMTP.

咨询响应时间: "从客户首次联系到首次回复" (from the customer's first contact to the first reply): nobody
can reply to a message nobody has noticed."""
from __future__ import annotations

import io
import uuid

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.engine import mail as engine_mail, notifications
from app.extensions import db
from app.models import Complaint, Department, HumanTask, InboundMail, MailOutbox, ServiceRequest
from app.portal import service as portal
from app.records.conversation import customer_wrote, inbound, outbound, service
from app.records.conversation.service import Upload
from tests.conftest import csrf_token
from tests.engine.ops_support import clean_jobs, run_all_due, smtp, smtp_port  # noqa: F401
from tests.test_mail_in import PNG, customer, inbound_row, mail, receiver, send, shipped  # noqa: F401

PDF = b"%PDF-1.4\n% test\n"


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _notices(record) -> list[MailOutbox]:
    return [row for row in db.session.scalars(select(MailOutbox).where(MailOutbox.kind == "customer_wrote")
                                              .order_by(MailOutbox.id)) if f"{record.number}" in row.subject]


def _open_people(record) -> set[str]:
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == record.process_instance_id,
                                                       HumanTask.state == "open"))
    return {u.email for t in tasks for u in notifications.people_for(t)}


def _latest_request(contact_id: int) -> ServiceRequest:
    return db.session.scalars(select(ServiceRequest).where(ServiceRequest.contact_id == contact_id)
                              .order_by(ServiceRequest.id.desc())).first()


@pytest.fixture
def prefs(app_ctx):
    """Set users' mail preferences for one test; restored afterwards."""
    saved = {}

    def set_prefs(username: str, mode: str, locale: str | None):
        user = _user(username)
        saved.setdefault(user.id, engine_mail.mail_prefs(user.id))
        engine_mail.set_mail_prefs(user.id, mode, locale)

    yield set_prefs
    db.session.rollback()
    for user_id, (mode, locale) in saved.items():
        engine_mail.set_mail_prefs(user_id, mode, locale)


def test_a_mail_threaded_into_a_case_tells_the_staff_holding_its_open_tasks(receiver, customer, clean_jobs, smtp,
                                                                             prefs):
    _customer_id, contact_id, address = customer
    prefs("agent", "instant", "en")
    send(receiver, mail(address, "Gripper slips", "The gripper slips on wet parts."))
    request = _latest_request(contact_id)
    assert _notices(request) == []  # a new case: its process's new tasks tell the staff, not this
    holders = _open_people(request)
    assert "agent@example.com" in holders

    answer = mail(address, f"More {outbound.case_token(request)}", "It also happens with dry parts.")
    answer.add_attachment(PNG, maintype="image", subtype="png", filename="slip.png")
    send(receiver, answer)
    assert inbound_row(answer).state == "threaded"
    notices = _notices(request)
    assert {r for row in notices for r in row.recipients} == holders
    agent_notice = next(row for row in notices if row.recipients == ["agent@example.com"] or
                        "agent@example.com" in row.recipients)
    assert agent_notice.subject.startswith(f"The customer wrote: {request.number}")  # the agent reads English
    assert "It also happens with dry parts." in agent_notice.body_text and "Files attached: 1" in agent_notice.body_text
    assert f"/servicerequestview/show/{request.id}#conversation" in agent_notice.body_text
    run_all_due()
    [sent] = [m for m in smtp.to("agent@example.com") if m["Subject"].startswith("The customer wrote:")]
    assert request.number in sent["Subject"] and "dry parts" in sent.get_body(("plain",)).get_content()
    assert request.unread_in == 2 and request.last_in_at == inbound_row(answer).received_at


def test_a_digest_reader_gets_the_notice_in_the_digest_in_their_language(receiver, customer, clean_jobs, prefs):
    _customer_id, contact_id, address = customer
    prefs("agent", "digest", "zh")
    send(receiver, mail(address, "Oil leak", "Oil under the robot."))
    request = _latest_request(contact_id)
    send(receiver, mail(address, f"Re: {outbound.case_token(request)}", "Photo follows."))
    [row] = [r for r in _notices(request) if r.recipients == ["agent@example.com"]]
    assert row.state == "digest" and row.subject.startswith(f"客户来信：{request.number}")


def test_a_portal_message_on_an_existing_case_tells_the_staff_but_a_submission_does_not(app, shipped, clean_jobs,
                                                                                         smtp):
    from tests.portal_helpers import portal_customer

    _customer_id, contact_id, _email = portal_customer(app)
    with app.app_context():
        from app.models import Contact

        contact = db.session.get(Contact, contact_id)
        record = portal.submit_request(contact, type="routine_fault", subject="Welder alarm", description="E-102",
                                       equipment_id=None, uploads=[])
        assert _notices(record) == [] and record.unread_in == 1
        portal.add_message(contact, record, "Still alarming after a restart.", [Upload("screen.png", PNG)])
        notices = _notices(record)
        assert notices and {r for row in notices for r in row.recipients} == _open_people(record)
        assert "Still alarming after a restart." in notices[0].body_text
        run_all_due()
        assert [m for m in smtp.to("agent@example.com") if record.number in m["Subject"]]
        db.session.refresh(record)
        assert record.unread_in == 2


def test_a_case_without_open_tasks_tells_the_department_head_else_the_supervisors(app_ctx, customer, clean_jobs):
    customer_id, contact_id, _address = customer
    head = _user("tech")
    department = Department(code=f"Q{uuid.uuid4().hex[:6]}", name="质量部", head_id=head.id)
    db.session.add(department)
    with_head = Complaint(customer_id=customer_id, contact_id=contact_id, matter="Late again", channel="email",
                          responsible_department=department)
    without = Complaint(customer_id=customer_id, contact_id=contact_id, matter="Rude", channel="email")
    db.session.add_all([with_head, without])
    db.session.flush()
    service.post(record=with_head, channel="email", direction="in", body="Any news?")
    service.post(record=without, channel="email", direction="in", body="Any news?")
    assert [row.recipients for row in _notices(with_head)] == [[head.email]]
    supervisors = {r for row in _notices(without) for r in row.recipients}
    assert "supervisor@example.com" in supervisors and "agent@example.com" not in supervisors
    told = len(_notices(without))  # one mail per language and per supervisor's digest choice (others add some)
    with notifications.muted():  # the demo seeder's history tells nobody
        service.post(record=without, channel="email", direction="in", body="Seeded")
    assert len(_notices(without)) == told
    service.post(record=without, channel="phone", direction="in", body="Called", author_id=_user("agent").id)
    assert len(_notices(without)) == told and without.unread_in == 2  # a call the agent noted is no news to them
    db.session.rollback()


def test_the_case_shows_the_new_message_until_someone_replies_or_marks_it_read(receiver, customer, clean_jobs,
                                                                               login_as):
    _customer_id, contact_id, address = customer
    send(receiver, mail(address, "Noise", "Loud noise at start."))
    request = _latest_request(contact_id)
    web = login_as("agent")
    page = web.get(f"/servicerequestview/show/{request.id}").get_data(as_text=True)
    assert 'id="conversation-unread"' in page and 'id="mark-read-form"' in page
    inbox = (web.get(f"/inbox/group/?q={request.number}").get_data(as_text=True)  # page 1 may be others' tasks
             + web.get(f"/inbox/mine/?q={request.number}").get_data(as_text=True))
    assert "new-message-marker" in inbox
    token = csrf_token(web, f"/servicerequestview/show/{request.id}")
    assert web.post(f"/servicerequestview/{request.id}/reply",
                    data={"body": "We will call you.", "csrf_token": token}).status_code == 302
    db.session.rollback()
    assert db.session.get(ServiceRequest, request.id).unread_in == 0
    page = web.get(f"/servicerequestview/show/{request.id}").get_data(as_text=True)
    assert 'id="conversation-unread"' not in page

    send(receiver, mail(address, f"Re: {outbound.case_token(request)}", "Thanks, tomorrow is fine."))
    assert db.session.get(ServiceRequest, request.id).unread_in == 1
    assert web.post(f"/servicerequestview/{request.id}/mark-read", data={"csrf_token": token}).status_code == 302
    db.session.rollback()
    assert db.session.get(ServiceRequest, request.id).unread_in == 0
    assert 'id="conversation-unread"' not in web.get(f"/servicerequestview/show/{request.id}").get_data(as_text=True)


def test_triage_adds_a_mail_to_an_existing_case_of_the_contacts_customer(receiver, customer, clean_jobs, login_as):
    customer_id, contact_id, _address = customer
    complaint = Complaint(customer_id=customer_id, contact_id=contact_id, matter="Late delivery", channel="phone")
    db.session.add(complaint)
    db.session.commit()
    stray = mail("assistant@factory-mail.example.net", "About our complaint", "The boss asked me to add this.")
    stray.add_attachment(PNG, maintype="image", subtype="png", filename="delivery-note.png")
    send(receiver, stray)
    row = inbound_row(stray)
    assert row.state == "triage"
    other_customer = Complaint(customer_id=_new_customer(), matter="Someone else's", channel="phone")
    db.session.add(other_customer)
    db.session.commit()

    web = login_as("agent")
    page = web.get(f"/inboundmailview/show/{row.id}").get_data(as_text=True)
    assert 'id="attach-form"' in page
    token = csrf_token(web, "/inboundmailview/list/")
    refused = web.post(f"/inboundmailview/{row.id}/attach", data={
        "contact_id": contact_id, "number": other_customer.number, "csrf_token": token}, follow_redirects=True)
    assert "has that number" in refused.get_data(as_text=True) or "没有此编号" in refused.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(InboundMail, row.id).state == "triage"

    resp = web.post(f"/inboundmailview/{row.id}/attach", data={
        "contact_id": contact_id, "number": f" [{complaint.number.lower()}] ", "csrf_token": token})
    assert resp.status_code == 302 and f"/complaintview/show/{complaint.id}" in resp.headers["Location"]
    db.session.rollback()
    row = db.session.get(InboundMail, row.id)
    assert (row.state, row.record_type, row.record_id, row.raw) == ("attached", "complaint", complaint.id, None)
    [message] = service.thread("complaint", complaint.id)
    assert (message.direction, message.contact_id, message.body) == ("in", contact_id, "The boss asked me to add this.")
    assert [a.filename for a in message.attachments] == ["delivery-note.png"]
    assert db.session.get(Complaint, complaint.id).unread_in == 1
    assert _notices(complaint)  # no process: the supervisors are told
    with pytest.raises(Exception, match="already been handled"):
        inbound.attach(row, message.contact, complaint.number, _actor("agent"))


def _new_customer() -> int:
    from app.models import Customer

    other = Customer(name=f"别家-{uuid.uuid4().hex[:6]}", industry="制造业", channel_preference="phone")
    db.session.add(other)
    db.session.flush()
    return other.id


def _actor(username: str):
    from app.engine.actor import Actor

    return Actor.from_user(_user(username))


def test_only_those_who_edit_a_case_mark_it_read_and_only_service_staff_attach_mail(app, login_as):
    viewer, field = login_as("viewer"), login_as("field")
    token = csrf_token(viewer, "/servicerequestview/list/")
    assert viewer.get("/servicerequestview/list/").status_code == 200  # may read cases ...
    assert viewer.post("/servicerequestview/1/mark-read", data={"csrf_token": token}).status_code == 403
    assert viewer.post("/complaintview/1/mark-read", data={"csrf_token": token}).status_code == 403
    for client in (viewer, field):  # ... but not triage mail
        own = csrf_token(client, "/servicerequestview/list/")
        assert client.post("/inboundmailview/1/attach", data={"contact_id": 1, "number": "SR-2026-000001",
                                                              "csrf_token": own}).status_code == 403


def test_a_reply_threads_under_the_customers_last_mail(receiver, customer, clean_jobs, smtp):
    _customer_id, contact_id, address = customer
    first = mail(address, "Vision system", "Camera loses focus.")
    send(receiver, first)
    request = _latest_request(contact_id)
    ours = outbound.reply(request, "Which lens?", _user("agent"))
    db.session.commit()
    second = mail(address, "Re: Vision system", "The 16 mm one.", In_Reply_To=ours.mail_message_id,
                  References=f"{first['Message-ID']} {ours.mail_message_id}")
    send(receiver, second)
    answer = outbound.reply(request, "A new lens ships today.", _user("agent"))
    db.session.commit()
    row = db.session.get(MailOutbox, answer.outbox_id)
    assert row.headers == {"In-Reply-To": second["Message-ID"],
                           "References": f"{first['Message-ID']} {ours.mail_message_id} {second['Message-ID']}"}
    run_all_due()
    [sent] = smtp.with_id(answer.mail_message_id)
    assert sent["In-Reply-To"] == second["Message-ID"]
    assert sent["References"].split() == [first["Message-ID"], ours.mail_message_id, second["Message-ID"]]
    assert sent["Auto-Submitted"] == "auto-generated"  # the loop guard stays
    [before] = smtp.with_id(ours.mail_message_id)
    assert before["In-Reply-To"] == first["Message-ID"]


def test_a_reply_on_a_case_without_customer_mail_has_no_threading_headers_and_headers_are_checked(
        app_ctx, customer, clean_jobs):
    customer_id, contact_id, _address = customer
    request = ServiceRequest(customer_id=customer_id, contact_id=contact_id, subject="Phoned in", channel="phone")
    db.session.add(request)
    db.session.flush()
    sent = outbound.reply(request, "As discussed on the phone.", _user("agent"))
    assert db.session.get(MailOutbox, sent.outbox_id).headers is None
    # a mail without a Message-ID (we made one up) and one whose id was cut off name nothing a client knows
    service.post(record=request, channel="email", direction="in", body="a", mail_message_id="<sha256.ab@inbound>")
    service.post(record=request, channel="email", direction="in", body="b", mail_message_id="<" + "x" * 249)
    again = outbound.reply(request, "Still here.", _user("agent"))
    assert db.session.get(MailOutbox, again.outbox_id).headers is None
    for bad in ({"In-Reply-To": "<a@b>\r\nBcc: victim@example.com"}, {"X-Mailer": "<a@b>"},
                {"References": "not an id"}):
        with pytest.raises(ValueError):
            engine_mail.queue_mail("case_reply", ["a@example.com"], "case_reply",
                                   {"token": "[x]", "body": "x"}, headers=bad)
    db.session.rollback()


def test_a_reply_from_the_case_page_carries_the_agents_files(receiver, customer, clean_jobs, smtp, login_as):
    _customer_id, contact_id, address = customer
    send(receiver, mail(address, "Manual", "Do you have the manual?"))
    request = _latest_request(contact_id)
    web = login_as("agent")
    path = f"/servicerequestview/show/{request.id}"
    page = web.get(path).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'id="reply-files"' in page
    token = csrf_token(web, path)
    refused = web.post(f"/servicerequestview/{request.id}/reply", content_type="multipart/form-data", data={
        "body": "Here it is.", "csrf_token": token, "attachments": [(io.BytesIO(b"MZ\x90binary"), "tool.exe")]},
        follow_redirects=True)
    assert "tool.exe" in refused.get_data(as_text=True)
    db.session.rollback()
    assert [m.direction for m in service.thread("service_request", request.id)] == ["in"]  # nothing queued
    resp = web.post(f"/servicerequestview/{request.id}/reply", content_type="multipart/form-data", data={
        "body": "Here it is.", "csrf_token": token,
        "attachments": [(io.BytesIO(PDF), "说明书 manual.pdf"), (io.BytesIO(PNG), "wiring.png")]})
    assert resp.status_code == 302
    db.session.rollback()
    reply = service.thread("service_request", request.id)[-1]
    assert [(a.filename, a.content_type) for a in reply.attachments] == [
        ("说明书 manual.pdf", "application/pdf"), ("wiring.png", "image/png")]
    run_all_due()
    [sent] = smtp.with_id(reply.mail_message_id)
    files = {part.get_filename(): part.get_content() for part in sent.iter_attachments()}
    assert files == {"说明书 manual.pdf": PDF, "wiring.png": PNG}
    assert "Here it is." in sent.get_body(preferencelist=("plain",)).get_content()
    assert sent["In-Reply-To"] == reply_in_reply_to(request)


def reply_in_reply_to(request) -> str:
    [first] = [m for m in service.thread("service_request", request.id) if m.direction == "in"]
    return first.mail_message_id


def test_the_listener_is_registered_once_by_create_app(app):
    from app.engine import hooks

    assert hooks.listeners(hooks.CUSTOMER_WROTE).count(customer_wrote.customer_wrote) == 1
