"""The customer portal: sign-in by one-time link, the company's cases only, submissions that start
their processes with the SLA clock from submission, messages and files, ratings.

售後服務(一)需求響應: "客戶通過電話、郵件、線上服務平臺等渠道提交售後需求後,客戶服務專員需在30分鐘內完成需求受理"
(customers submit after-sales requests by phone, e-mail or the online service platform)."""
from __future__ import annotations

import uuid

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.engine import clock, sla_policy
from app.extensions import db
from app.models import AuditLog, Complaint, MailOutbox, PortalLink, ServiceRequest, Survey
from app.records import kpi
from app.records.conversation import service as conversation
from app.records.conversation.service import Upload
from tests.conftest import csrf_token, login, new_client
from tests.portal_helpers import PNG, ask_link, deploy_shipped, last_link, portal_customer, signed_in


@pytest.fixture(scope="module")
def shipped(app):
    deploy_shipped(app)


def _submit_request(client, subject="机器人停机", files=()):
    data = {"csrf_token": csrf_token(client, "/portal/requests/new"), "type": "routine_fault", "equipment_id": "",
            "subject": subject, "description": "焊接机器人报警 E-102，无法复位",
            "attachments": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/portal/requests/new", data=data, content_type="multipart/form-data")


def _case_id(resp) -> int:
    return int(re.search(r"/portal/cases/\w+/(\d+)", resp.headers["Location"]).group(1))


def test_a_customer_signs_in_by_link_submits_a_request_and_sees_its_status(app, shipped):
    customer_id, contact_id, email = portal_customer(app)
    client = signed_in(app, email)
    before = clock.now()
    resp = _submit_request(client, files=[("fault.png", PNG)])
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    request_id = _case_id(resp)
    with app.app_context():
        sr = db.session.get(ServiceRequest, request_id)
        assert (sr.customer_id, sr.contact_id, sr.channel, sr.kind) == (customer_id, contact_id, "portal",
                                                                         "after_sales")
        assert sr.process_instance_id is not None  # the same process as a staff entry
        assert before <= sr.created_at <= clock.now()  # the SLA clock runs from the submission
        assert sr.due_at == sla_policy.resolve_due("routine_fault", sr.created_at)
        first = conversation.thread("service_request", sr.id)[0]
        assert (first.channel, first.direction, first.contact_id) == ("portal", "in", contact_id)
        assert first.body.startswith("焊接机器人报警") and [a.filename for a in first.attachments] == ["fault.png"]
        assert conversation.first_contact_at("service_request", sr.id) == first.created_at
        number, status = sr.number, sr.status
        events = {a.event for a in db.session.scalars(
            select(AuditLog).where(AuditLog.target == f"contact:{contact_id}"))}
    assert {"portal_link_sent", "portal_sign_in"} <= events
    listing = client.get("/portal/?lang=en").get_data(as_text=True)
    assert number in listing and "机器人停机" in listing
    assert {"new": "New", "accepted": "Accepted"}.get(status, "") in listing
    page = client.get(f"/portal/cases/request/{request_id}").get_data(as_text=True)
    assert "焊接机器人报警" in page and "fault.png" in page


def test_a_complaint_from_the_portal_starts_the_complaint_process(app, shipped):
    _customer_id, contact_id, email = portal_customer(app)
    client = signed_in(app, email)
    resp = client.post("/portal/complaints/new", data={
        "csrf_token": csrf_token(client, "/portal/complaints/new"), "category": "service_attitude",
        "matter": "工程师迟到两小时", "customer_demand": "请说明原因"})
    assert resp.status_code == 302
    with app.app_context():
        complaint = db.session.get(Complaint, _case_id(resp))
        assert (complaint.channel, complaint.contact_id, complaint.category) == ("online", contact_id,
                                                                                 "service_attitude")
        assert complaint.process_instance_id is not None and complaint.received_at is not None
        assert conversation.thread("complaint", complaint.id)[0].body.startswith("工程师迟到两小时")


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(app):
    _c, _contact, email = portal_customer(app)
    known = ask_link(new_client(app), email)
    unknown = ask_link(new_client(app), "nobody-here@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    with app.app_context():
        assert not [r for r in db.session.scalars(select(MailOutbox).where(MailOutbox.kind == "portal_sign_in"))
                    if "nobody-here@example.com" in r.recipients]


def test_a_link_works_once_and_expires(app):
    _c, contact_id, email = portal_customer(app)
    signed_in(app, email)
    used = last_link(app, email).split("/portal/", 1)[1]
    client = new_client(app)
    again = client.post("/portal/" + used, data={"csrf_token": csrf_token(client, "/portal/sign-in")})
    assert again.status_code == 410 and "此链接已使用过" in again.get_data(as_text=True)
    ask_link(new_client(app), email)
    fresh = last_link(app, email).split("/portal/", 1)[1]
    with app.app_context():
        link = db.session.scalars(select(PortalLink).where(PortalLink.contact_id == contact_id)
                                  .order_by(PortalLink.id.desc())).first()
        link.expires_at = clock.now() - timedelta(seconds=1)
        db.session.commit()
    expired = client.get("/portal/" + fresh.replace("lang=zh", "lang=en"))
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.get("/portal/link/not-a-real-token").status_code == 400


def test_asking_for_links_is_rate_limited_per_address_and_per_client(app):
    _c, _contact, email = portal_customer(app)
    answers = [ask_link(new_client(app), email).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    page = ask_link(new_client(app), email).get_data(as_text=True)
    assert "尝试次数过多" in page or "Too many" in page
    app.config["PORTAL_RATE_LIMIT_IP"] = "2 per hour"
    try:
        client = new_client(app)
        codes = [ask_link(client, f"someone{i}@example.com").status_code for i in range(3)]
    finally:
        app.config.pop("PORTAL_RATE_LIMIT_IP")
    assert codes == [200, 200, 429]


def _other_company_case(app):
    """A request of another company, with a customer message and a file."""
    customer_id, contact_id, _email = portal_customer(app, prefix="别家公司")
    with app.app_context():
        sr = ServiceRequest(customer_id=customer_id, contact_id=contact_id, subject="别家的请求", status="closed")
        db.session.add(sr)
        db.session.flush()
        message = conversation.post(record=sr, channel="portal", direction="in", body="secret",
                                    attachments=[Upload("theirs.png", PNG)])
        db.session.commit()
        return sr.id, message.attachments[0].id


def test_another_companys_case_is_not_found(app):
    """IDOR: case page, message, rating and file of another company all answer 404."""
    _c, _contact, email = portal_customer(app)
    client = signed_in(app, email)
    other_id, other_file = _other_company_case(app)
    token = csrf_token(client, "/portal/requests/new")
    assert client.get(f"/portal/cases/request/{other_id}").status_code == 404
    assert client.post(f"/portal/cases/request/{other_id}", data={"csrf_token": token, "body": "hi"}).status_code == 404
    assert client.post(f"/portal/cases/request/{other_id}/rate",
                       data={"csrf_token": token, "rate-score": "5", "rate-csrf_token": token}).status_code == 404
    assert client.get(f"/portal/files/{other_file}").status_code == 404
    assert client.get("/portal/cases/complaint/999999").status_code == 404
    assert client.get(f"/portal/cases/elsewhere/{other_id}").status_code == 404
    with app.app_context():
        assert [m.body for m in conversation.thread("service_request", other_id)] == ["secret"]
        assert db.session.scalars(select(Survey).where(Survey.service_request_id == other_id)).first() is None


def test_messages_are_escaped_files_download_only_and_internal_notes_stay_internal(app, shipped):
    _c, _contact, email = portal_customer(app)
    client = signed_in(app, email)
    request_id = _case_id(_submit_request(client))
    path = f"/portal/cases/request/{request_id}"
    resp = client.post(path, data={"csrf_token": csrf_token(client, path), "body": "<script>alert(1)</script>",
                                   "attachments": [(io.BytesIO(PNG), "photo.png")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    refused = client.post(path, data={"csrf_token": csrf_token(client, path), "body": "page",
                                      "attachments": [(io.BytesIO(b"<html><script>x</script>"), "x.png")]},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "x.png" in refused.get_data(as_text=True)
    with app.app_context():
        sr = db.session.get(ServiceRequest, request_id)
        conversation.post(record=sr, channel="note", direction="internal", body="客户很难缠")
        db.session.commit()
        file_id = conversation.thread("service_request", request_id)[-2].attachments[0].id
    page = client.get(path).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "客户很难缠" not in page
    download = client.get(f"/portal/files/{file_id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "image/png"


def test_a_closed_case_is_rated_once_where_the_satisfaction_kpi_reads(app, shipped):
    """(二)客戶評價: "通過線上問卷、電話回訪、現場簽字確認等方式,收集客戶對服務質量的評價意見"."""
    customer_id, contact_id, email = portal_customer(app)
    client = signed_in(app, email)
    request_id = _case_id(_submit_request(client))
    path = f"/portal/cases/request/{request_id}"
    early = client.post(path + "/rate", data={"rate-csrf_token": csrf_token(client, path), "rate-score": "5"})
    assert early.status_code == 400  # only a closed case
    with app.app_context():
        db.session.get(ServiceRequest, request_id).status = "closed"
        db.session.commit()
    token = csrf_token(client, path)
    rated = client.post(path + "/rate", data={"rate-csrf_token": token, "rate-score": "4", "rate-comment": "及时"})
    assert rated.status_code == 302
    assert client.post(path + "/rate", data={"rate-csrf_token": token, "rate-score": "1"}).status_code == 400
    with app.app_context():
        survey = db.session.scalars(select(Survey).where(Survey.service_request_id == request_id)).one()
        assert (survey.channel, survey.score, survey.comments, survey.customer_id) == ("portal", 4, "及时",
                                                                                      customer_id)
        now = clock.now()
        counted = kpi.satisfaction_results(now - timedelta(hours=1), now + timedelta(hours=1))
        assert any(r["survey_id"] == survey.id and r["satisfied"] for r in counted)


def test_portal_and_staff_sessions_are_separate(app):
    _c, _contact, email = portal_customer(app)
    staff = new_client(app)
    assert login(staff, "agent").status_code == 302
    resp = staff.get("/portal/")
    assert resp.status_code == 302 and "/portal/sign-in" in resp.headers["Location"]
    customer = signed_in(app, email)
    staff_page = customer.get("/servicerequestview/list/")
    assert staff_page.status_code in (302, 401, 403) and "/login" in staff_page.headers.get("Location", "/login")
    assert customer.post("/portal/sign-out", data={"csrf_token": csrf_token(customer, "/portal/")}).status_code == 302
    assert customer.get("/portal/").status_code == 302  # the session ended on the server


def test_public_feedback_is_size_and_rate_limited(app, login_as):
    """六步工作法 客戶監督: "設立客戶服務監督渠道,如客戶投訴熱線、意見反饋郵箱、在線評價平臺等,方便客戶對服務質量進行監督和反饋"."""
    from app.records.feedback.models import Feedback

    client = new_client(app)
    name = f"李雷-{uuid.uuid4().hex[:6]}"  # the browser test leaves feedback of its own
    ok = client.post("/feedback", data={"csrf_token": csrf_token(client, "/feedback"), "message": "服务很好 <b>x</b>",
                                        "name": name, "contact": "li@example.com"})
    assert ok.status_code == 200
    too_long = client.post("/feedback", data={"csrf_token": csrf_token(client, "/feedback"), "message": "x" * 4001})
    assert too_long.status_code == 400
    with app.app_context():
        row = db.session.scalars(select(Feedback).where(Feedback.name == name)).one()
        assert (row.message, row.status) == ("服务很好 <b>x</b>", "new")
        row_id = row.id
    supervisor = login_as("supervisor")
    listing = supervisor.get("/feedbackview/list/").get_data(as_text=True)
    assert "服务很好 &lt;b&gt;x&lt;/b&gt;" in listing
    assert login_as("agent").get(f"/feedbackview/show/{row_id}").status_code in (302, 403)
    app.config["FEEDBACK_RATE_LIMIT"] = "1 per hour"
    try:
        other = new_client(app)
        codes = [other.post("/feedback", data={"csrf_token": csrf_token(other, "/feedback"),
                                               "message": "again"}).status_code for _ in range(2)]
    finally:
        app.config.pop("FEEDBACK_RATE_LIMIT")
    assert codes == [200, 429]


def test_the_field_record_and_the_survey_open_from_the_portal_for_their_company_only(app, shipped):
    """第十一條(三) 現場服務記錄表由客戶簽字確認; the portal opens the same confirmation and survey pages as
    the mailed links."""
    from app.models import FieldServiceRecord

    customer_id, contact_id, email = portal_customer(app)
    client = signed_in(app, email)
    request_id = _case_id(_submit_request(client))
    other_id, _file = _other_company_case(app)
    with app.app_context():
        visit = FieldServiceRecord(service_request_id=request_id, work_done="更换伺服电机")
        theirs = FieldServiceRecord(service_request_id=other_id, work_done="别家的")
        survey = Survey(customer_id=customer_id, service_request_id=request_id, kind="satisfaction")
        db.session.add_all([visit, theirs, survey])
        db.session.commit()
        visit_id, theirs_id, survey_id = visit.id, theirs.id, survey.id
    path = f"/portal/cases/request/{request_id}"
    page = client.get(path).get_data(as_text=True)
    assert f"/portal/field-records/{visit_id}/confirm" in page and f"/portal/surveys/{survey_id}" in page
    token = csrf_token(client, path)
    confirm = client.post(f"/portal/field-records/{visit_id}/confirm", data={"csrf_token": token})
    assert confirm.status_code == 302 and "/confirm/" in confirm.headers["Location"]
    assert "更换伺服电机" in client.get(confirm.headers["Location"]).get_data(as_text=True)
    answer = client.post(f"/portal/surveys/{survey_id}", data={"csrf_token": token})
    assert answer.status_code == 302 and "/survey/" in answer.headers["Location"]
    assert client.get(answer.headers["Location"]).status_code == 200
    assert client.post(f"/portal/field-records/{theirs_id}/confirm", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(FieldServiceRecord, theirs_id).confirm_token_hash is None


def test_the_portal_cookie_is_its_own_and_ends_when_the_contacts_address_changes(app):
    from app.models import Contact

    _c, contact_id, email = portal_customer(app)
    client = signed_in(app, email)
    cookie = client.get_cookie("portal_session", path="/portal/")
    assert cookie is not None and cookie.http_only and cookie.path == "/portal/"
    assert client.get("/portal/").status_code == 200
    with app.app_context():
        db.session.get(Contact, contact_id).email = "someone-else@example.com"
        db.session.commit()
    assert client.get("/portal/").status_code == 302  # the link's owner no longer has that address


def test_a_form_without_its_csrf_token_is_refused_on_a_customer_page(app):
    resp = new_client(app).post("/feedback", data={"message": "no token"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "/servicerequestview/" not in page and "navbar" not in page
