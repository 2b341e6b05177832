"""The customer confirms the field-service record through a link when they did not sign on site.

《机器人集成公司客户服务优化管理制度》第十一条(三): 服务完成后,需向客户详细讲解故障原因、解决方法及后续维护注意
事项,并填写现场服务记录表,由客户签字确认; 第十三条(二) 通过线上问卷、电话回访、现场签字确认等方式,收集客户对
服务质量的评价意见. The issue: "The field-service record is confirmed by the customer: a signature drawn on a
touch screen or a confirmation link sent to the customer's phone/e-mail". The link is one-time, expiring and
signed; it is mailed in the customer's language and texted (no SMS gateway: the text is recorded in the outbox
as channel 'sms'); the customer confirms or disputes with a comment; a dispute is flagged and mailed to the
supervisors."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import FieldServiceRecord, HumanTask, MailOutbox, ServiceRequest
from app.records.service import confirmation
from tests.conftest import csrf_token, new_client
from tests.records_helpers import make_customer
from tests.test_process_link import actors, do, end, shipped, started_request  # noqa: F401  (fixtures)
from tests.test_workflows import TZ, at


def _visit(app, *, phone="13812345678", email="wang.jl@example.com") -> int:
    cid, contact_id, _name = make_customer(app, phone=phone, email=email)
    with app.app_context():
        sr = ServiceRequest(customer_id=cid, contact_id=contact_id, type="routine_fault", subject="链接确认测试")
        sr.field_records.append(FieldServiceRecord(work_done="更换伺服电机", cause="电机老化", advice="定期保养"))
        db.session.add(sr)
        db.session.commit()
        return sr.field_records[0].id


def _outbox(visit_id: int, channel: str = "email") -> list[MailOutbox]:
    """The confirmation links of the visit's request sent on ``channel``."""
    visit = db.session.get(FieldServiceRecord, visit_id)
    number = visit.service_request.number
    return [r for r in db.session.scalars(select(MailOutbox).filter_by(kind="customer_confirmation", channel=channel)
                                          .order_by(MailOutbox.id)) if number in (r.body_text or "")]


def _link(text: str) -> str:
    return re.search(r"(/confirm/[A-Za-z0-9_.\-]+)(\?lang=\w+)?", text).group(1)


def _send(app, login_as, visit_id: int, language: str, channels=("email", "sms")):
    field = login_as("field")
    page = field.get(f"/fieldrecordview/confirmation-link/{visit_id}")
    assert page.status_code == 200
    return field.post(f"/fieldrecordview/confirmation-link/{visit_id}", data={
        "csrf_token": csrf_token(field, f"/fieldrecordview/confirmation-link/{visit_id}"),
        "language": language, "channels": list(channels)})


def test_the_link_is_mailed_in_the_customers_language_and_texted(app, login_as):
    visit_id = _visit(app)
    resp = _send(app, login_as, visit_id, "en")
    assert resp.status_code == 302
    with app.app_context():
        (email,), (text,) = _outbox(visit_id), _outbox(visit_id, "sms")
        assert text.recipients == ["13812345678"] and _link(text.body_text) == _link(email.body_text)
        assert email.channel == "email" and email.recipients == ["wang.jl@example.com"] and email.state == "pending"
        assert email.subject.startswith("Please confirm the field service record")  # English, as chosen
        assert text.channel == "sms" and text.state == "recorded"  # no gateway: recorded, never mailed
        assert "Please confirm the field service record" in text.body_text
        visit = db.session.get(FieldServiceRecord, visit_id)
        token = _link(email.body_text).rsplit("/", 1)[1]
        assert visit.confirm_token_hash == confirmation.token_hash(token) and token not in str(visit.__dict__)
        assert visit.confirm_channels == "email,sms" and visit.confirm_language == "en"
        assert visit.confirmation_state == "sent" and not visit.customer_confirmed


def test_the_customer_confirms_once_and_the_record_says_by_link(app, login_as):
    visit_id = _visit(app)
    _send(app, login_as, visit_id, "zh", channels=("email",))
    with app.app_context():
        path = _link(_outbox(visit_id)[0].body_text)
        assert "请确认现场服务记录" in _outbox(visit_id)[0].subject
    customer = new_client(app)
    page = customer.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "更换伺服电机" in html and "我确认服务记录" in html
    assert customer.get(path + "?lang=en").get_data(as_text=True).count("I confirm the record") == 1
    done = customer.post(path, data={"csrf_token": csrf_token(customer, path), "answer": "confirm",
                                     "name": "王经理", "comment": "服务很及时"})
    assert done.status_code == 302
    assert "您已确认现场服务记录" in customer.get(done.headers["Location"]).get_data(as_text=True)
    again = customer.post(path, data={"csrf_token": csrf_token(customer, "/login/"), "answer": "dispute",
                                      "comment": "改主意"})
    assert again.status_code == 409  # one answer per link
    with app.app_context():
        visit = db.session.get(FieldServiceRecord, visit_id)
        assert visit.customer_confirmed and visit.confirmed_via == "link" and visit.confirmed_by_name == "王经理"
        assert visit.confirmed_at is not None and visit.customer_comment == "服务很及时" and visit.disputed_at is None
    staff = login_as("supervisor")
    staff.get("/lang/en")
    shown = staff.get(f"/fieldrecordview/show/{visit_id}").get_data(as_text=True)
    assert "Confirmed by link" in shown and "服务很及时" in shown
    resend = _send(app, login_as, visit_id, "zh")
    assert resend.status_code == 200 and "客户已确认该记录" in resend.get_data(as_text=True)


def test_a_dispute_needs_a_comment_is_flagged_and_mailed_to_the_supervisors(app, login_as):
    visit_id = _visit(app)
    _send(app, login_as, visit_id, "zh", channels=("sms",))
    with app.app_context():
        assert _outbox(visit_id) == []  # the text only
        (sms,) = _outbox(visit_id, "sms")
        path = _link(sms.body_text)
    customer = new_client(app)
    empty = customer.post(path, data={"csrf_token": csrf_token(customer, path), "answer": "dispute", "comment": " "})
    assert empty.status_code == 400 and "请说明服务记录哪里有误" in empty.get_data(as_text=True)
    done = customer.post(path, data={"csrf_token": csrf_token(customer, path), "answer": "dispute",
                                     "comment": "故障未排除，设备仍报警"})
    assert done.status_code == 302
    with app.app_context():
        visit = db.session.get(FieldServiceRecord, visit_id)
        assert visit.disputed_at is not None and not visit.customer_confirmed
        assert visit.confirmation_state == "disputed" and visit.customer_comment == "故障未排除，设备仍报警"
        number = visit.service_request.number
        alerts = [r for r in db.session.scalars(select(MailOutbox).filter_by(kind="field_record_disputed"))
                  if number in r.subject]
        supervisor = app.appbuilder.sm.find_user(username="supervisor")
        assert any(supervisor.email in r.recipients and "故障未排除" in r.body_text for r in alerts)
    staff = login_as("supervisor")
    staff.get("/lang/zh")
    shown = staff.get(f"/fieldrecordview/show/{visit_id}").get_data(as_text=True)
    assert "confirmation-disputed" in shown and "客户有异议" in shown and "故障未排除，设备仍报警" in shown


def test_forged_replaced_and_expired_links_are_refused(app, login_as):
    visit_id = _visit(app)
    with app.app_context(), app.test_request_context():
        visit = db.session.get(FieldServiceRecord, visit_id)
        with at(2026, 11, 2, 10, 0):
            first = confirmation.send_link(visit, language="zh", channels=["email"])
            second = confirmation.send_link(visit, language="zh", channels=["email"])
            db.session.commit()
        assert first != second
        token = second.rsplit("/", 1)[1].split("?")[0]
        for bad in (first.rsplit("/", 1)[1].split("?")[0], token[:-3] + "abc"):
            try:
                confirmation.load(bad)
            except confirmation.ConfirmLinkError as err:
                assert err.reason == "invalid"
            else:
                raise AssertionError("a replaced or forged link was accepted")
        with at(2026, 11, 2, 10, 0) as traveller:
            assert confirmation.load(token).id == visit_id
            traveller.move_to(datetime(2026, 11, 9, 10, 1, tzinfo=TZ))  # 7 days and a minute later
            try:
                confirmation.load(token)
            except confirmation.ConfirmLinkExpired as err:
                assert err.status == 410
            else:
                raise AssertionError("an expired link was accepted")
    assert new_client(app).get("/confirm/not-a-token").status_code == 400
    with app.app_context():
        db.session.get(FieldServiceRecord, visit_id).confirm_expires_at = datetime(2020, 1, 1, tzinfo=TZ)
        db.session.commit()
    assert new_client(app).get(f"/confirm/{token}").status_code == 410


def test_no_contact_channel_is_a_located_error(app, login_as):
    visit_id = _visit(app, phone="", email="")
    resp = _send(app, login_as, visit_id, "zh", channels=("email",))
    assert resp.status_code == 200 and 'id="send-problem"' in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FieldServiceRecord, visit_id).confirm_token_hash is None


def test_an_unsigned_on_site_step_sends_the_link_and_the_confirmation_reaches_the_next_attempt(app, shipped,
                                                                                               actors):
    """At the on-site step's completion without the customer's confirmation, the link goes out at once;
    when the customer confirms by link, the re-opened on-site step is prefilled as confirmed and its
    completion carries the request on (the record keeps 'confirmed by link')."""
    with app.app_context():
        _cid, sr, inst = started_request(app, actors, "routine_fault", "链接确认流程", "routine")
        do(inst.id, "diagnose", actors["tech"], {"diagnosis": "需上门", "resolved_remotely": False})
        day = (datetime.now(TZ) + timedelta(days=1)).date().isoformat()
        do(inst.id, "book_visit", actors["field"], {"appointment_date": day, "appointment_slot": "morning",
                                                    "engineer_name": "赵工"})
        onsite = {"service_date": day, "arrived_at": f"{day}T09:40", "work_done": "更换编码器",
                  "fault_cause": "线缆破损", "advice": "加装护套", "customer_confirmed": False}
        do(inst.id, "onsite_service", actors["field"], onsite)
        db.session.expire_all()
        visit = db.session.get(ServiceRequest, sr.id).field_records[0]
        (email,) = _outbox(visit.id)
        assert visit.confirmation_state == "sent" and email.instance_id == inst.id
        assert any(r.channel == "sms" for r in db.session.scalars(select(MailOutbox).filter_by(instance_id=inst.id)))
        token = _link(email.body_text).rsplit("/", 1)[1]
        assert confirmation.confirm(confirmation.load(token), "王经理", None)
        again = db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open",
                                                               element_id="onsite_service")).one()
        assert again.draft["customer_confirmed"] is True and again.draft["customer_signatory"] == "王经理"
        do(inst.id, "onsite_service", actors["field"], dict(onsite, **again.draft))
        db.session.expire_all()
        visit = db.session.get(FieldServiceRecord, visit.id)
        assert visit.customer_confirmed and visit.confirmed_via == "link"
        assert db.session.get(ServiceRequest, sr.id).status == "resolved"  # on to the follow-up visit
        assert len(_outbox(visit.id)) == 1  # no second link
        end(inst.id, actors)
