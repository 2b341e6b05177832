"""The customer confirms or disputes the field-service record from the link on their phone, in
Chinese and in English (《机器人集成公司客户服务优化管理制度》第十一条(三) 填写现场服务记录表,由客户签字确认;
the issue: "a confirmation link sent to the customer's phone/e-mail"). The field engineer sends
the link from the record; the record then shows how the customer answered."""
import re

from tests.browser.test_complaint_walk import shot, sign_in
from tests.test_field_signature import _visit

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
TEXT = {"zh": {"confirm": "我确认服务记录", "dispute": "我对记录有异议", "thanks": "您已确认现场服务记录",
               "disputed": "我们已收到您的意见", "need": "请说明服务记录哪里有误", "state": "客户已通过链接确认",
               "state_disputed": "客户有异议"},
        "en": {"confirm": "I confirm the record", "dispute": "I dispute the record",
               "thanks": "You confirmed the field service record", "disputed": "We have received your comment",
               "need": "Please tell us what is wrong with the record.", "state": "Confirmed by link",
               "state_disputed": "Disputed by the customer"}}


def _send(app, live_server, staff, screenshots, lang: str) -> tuple[int, str]:
    """The engineer sends the link (e-mail and SMS) in ``lang``; returns the visit and its link path."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import FieldServiceRecord, MailOutbox

    visit_id = _visit(app)
    staff.goto(f"{live_server}/lang/{lang}")
    staff.goto(f"{live_server}/fieldrecordview/confirmation-link/{visit_id}")
    staff.select_option("#confirm-language", lang)
    shot(staff, screenshots, f"confirmation_send_{lang}")
    staff.click("#send-confirmation-form button[type=submit]")
    staff.wait_for_url(re.compile(rf".*/fieldrecordview/show/{visit_id}.*"))
    with app.app_context():
        number = db.session.get(FieldServiceRecord, visit_id).service_request.number
        sms = [r for r in db.session.scalars(select(MailOutbox).filter_by(kind="customer_confirmation", channel="sms"))
               if number in r.body_text][-1]
        return visit_id, re.search(r"/confirm/[A-Za-z0-9_.\-]+", sms.body_text).group(0)


def test_the_customer_answers_the_link_on_a_phone(app, live_server, browser, screenshots):
    from app.extensions import db
    from app.models import FieldServiceRecord

    staff = sign_in(browser, live_server, "field")
    for lang in ("zh", "en"):
        t = TEXT[lang]
        visit_id, path = _send(app, live_server, staff, screenshots, lang)
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{live_server}{path}?lang={lang}")
        assert phone.locator("#confirm-yes").inner_text().strip() == t["confirm"]
        assert "更换伺服电机" in phone.locator("table.confirm-record").inner_text()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page fits the phone's width"
        shot(phone, screenshots, f"confirmation_phone_{lang}")
        phone.fill("#name", "王经理")
        phone.click("#confirm-yes")
        phone.wait_for_selector("#confirm-message[data-reason=confirmed]")
        assert t["thanks"] in phone.inner_text("#confirm-message")
        shot(phone, screenshots, f"confirmation_phone_done_{lang}")
        staff.goto(f"{live_server}/fieldrecordview/show/{visit_id}")
        assert t["state"] in staff.inner_text("body")
        shot(staff, screenshots, f"confirmation_record_{lang}")
        with app.app_context():
            visit = db.session.get(FieldServiceRecord, visit_id)
            assert visit.confirmed_via == "link" and visit.confirmed_by_name == "王经理"

        # a second record: the customer disputes it, first forgetting the comment
        visit_id, path = _send(app, live_server, staff, screenshots, lang)
        phone.goto(f"{live_server}{path}")  # the link's own language
        phone.click("#confirm-dispute")
        phone.wait_for_selector("#confirm-problem")
        assert t["need"].rstrip("。.") in phone.inner_text("#confirm-problem")
        phone.fill("#comment", "故障未排除 / still alarming")
        phone.click("#confirm-dispute")
        phone.wait_for_selector("#confirm-message[data-reason=disputed]")
        assert t["disputed"] in phone.inner_text("#confirm-message")
        shot(phone, screenshots, f"confirmation_phone_disputed_{lang}")
        staff.goto(f"{live_server}/fieldrecordview/show/{visit_id}")
        assert t["state_disputed"] in staff.inner_text("body")
        shot(staff, screenshots, f"confirmation_record_disputed_{lang}")
        phone.context.close()
