"""The customer portal on a phone, in Chinese and in English: sign in by the mailed link, submit an
after-sales request with a photo, and follow it (售後服務(一): "客戶通過電話、郵件、線上服務平臺等渠道提交售後需求")."""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.portal_helpers import PNG, deploy_shipped, last_link, portal_customer

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SHOTS = Path("/tmp/shots_portal")
TEXT = {"zh": {"sent": "请查收邮件", "cases": "我公司的服务单", "new": "新建", "status": "新建"},
        "en": {"sent": "Check your mailbox", "cases": "My company's cases", "new": "New", "status": "New"}}


@pytest.fixture(scope="module")
def shipped(app):
    deploy_shipped(app)


def _shot(page, screenshots, name: str) -> None:
    png = page.screenshot(full_page=True)  # b"" when CI skips screenshots (SCREENSHOTS=0)
    if png:
        SHOTS.mkdir(parents=True, exist_ok=True)
        for folder in (screenshots, SHOTS):
            (folder / f"portal_{name}.png").write_bytes(png)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page fits the phone's width"


def test_a_customer_signs_in_submits_and_tracks_a_request_on_a_phone(app, live_server, browser, screenshots,
                                                                     shipped, tmp_path):
    photo = tmp_path / "fault.png"
    photo.write_bytes(PNG)
    for lang in ("zh", "en"):
        t = TEXT[lang]
        _customer, _contact, email = portal_customer(app, prefix="门户浏览器客户")
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{live_server}/portal/sign-in?lang={lang}")
        _shot(phone, screenshots, f"sign_in_{lang}")
        phone.fill("#email", email)
        phone.click("#send-link")
        phone.wait_for_selector(f"h1:has-text('{t['sent']}')")
        _fits(phone)
        link = urlsplit(last_link(app, email))
        phone.goto(f"{live_server}{link.path}?{link.query}")
        phone.click("#continue")
        phone.wait_for_url(re.compile(r".*/portal/$"))
        assert t["cases"] in phone.inner_text("h1")
        phone.click("#new-request")
        phone.select_option("#type", "routine_fault")
        phone.fill("#subject", "焊接机器人报警 <b>E-102</b>")
        phone.fill("#description", "无法复位，产线停了一半 / half the line is down")
        phone.set_input_files("#attachments", str(photo))
        _fits(phone)
        _shot(phone, screenshots, f"new_request_{lang}")
        phone.click("#submit-request")
        phone.wait_for_selector("#case-title")
        assert "fault.png" in phone.inner_text("#thread ~ ul")
        assert "<b>E-102</b>" in phone.inner_text("body")  # shown as text, not markup
        phone.fill("#body", "照片已上传 / photo attached")
        phone.click("#send-message")
        phone.wait_for_selector("text=照片已上传 / photo attached")
        _fits(phone)
        _shot(phone, screenshots, f"case_{lang}")
        phone.goto(f"{live_server}/portal/")
        card = phone.locator("li.portal-case").first
        assert "E-102" in card.inner_text() and t["status"] in card.inner_text()
        _fits(phone)
        _shot(phone, screenshots, f"cases_{lang}")
        phone.goto(f"{live_server}/feedback?lang={lang}")
        _shot(phone, screenshots, f"feedback_{lang}")
        phone.context.close()


def test_feedback_from_a_phone_reaches_the_supervisors_screen(app, live_server, browser, screenshots):
    """六步工作法 客戶監督: "設立客戶服務監督渠道,如客戶投訴熱線、意見反饋郵箱、在線評價平臺等"."""
    from tests.browser.test_complaint_walk import sign_in

    staff = sign_in(browser, live_server, "supervisor")
    for lang, thanks in (("zh", "您的意见已转交服务主管"), ("en", "Your feedback has been passed")):
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{live_server}/feedback?lang={lang}")
        phone.fill("#message", f"工程师很专业 / very professional ({lang})")
        phone.fill("#name", "李雷")
        phone.click("button[type=submit]")
        phone.wait_for_selector(f"text={thanks}")
        _fits(phone)
        _shot(phone, screenshots, f"feedback_thanks_{lang}")
        phone.context.close()
        staff.goto(f"{live_server}/lang/{lang}")
        staff.goto(f"{live_server}/feedbackview/list/")
        assert f"very professional ({lang})" in staff.inner_text("body")
        _shot(staff, screenshots, f"feedback_list_{lang}")
