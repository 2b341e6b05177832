"""The customer signs the field record with a finger (here: the mouse) in the real browser; the
record then shows the drawn signature (第十一条(三) 由客户签字确认). Both languages."""
from tests.browser.test_complaint_walk import shot, sign_in  # noqa: F401
from tests.test_field_signature import _visit


def test_a_signature_drawn_on_the_screen_is_kept_on_the_field_record(app, live_server, browser, screenshots):
    page = sign_in(browser, live_server, "field")  # once: logins are rate limited
    for lang in ("zh", "en"):
        _sign(app, live_server, page, screenshots, lang)


def _sign(app, live_server, page, screenshots, lang: str) -> None:
    from app.extensions import db
    from app.models import FieldServiceRecord

    visit_id = _visit(app)
    page.goto(f"{live_server}/lang/{lang}")
    page.goto(f"{live_server}/fieldrecordview/sign/{visit_id}")
    page.fill("#signer-name", "王经理")
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 150)
    page.mouse.down()
    for i in range(1, 40):  # a wavy stroke across the pad
        page.mouse.move(box["x"] + 30 + i * 12, box["y"] + 110 + (30 if i % 4 < 2 else -30))
    page.mouse.up()
    shot(page, screenshots, f"signature_pad_{lang}")
    page.click("#sign-form button[type=submit]")
    page.wait_for_function("() => { const i = document.querySelector('img.signature'); return i && i.complete"
                           " && i.naturalWidth > 0; }")
    assert page.evaluate("document.querySelector('img.signature').naturalWidth") == 640  # the drawn canvas
    shot(page, screenshots, f"signature_record_{lang}")
    with app.app_context():
        visit = db.session.get(FieldServiceRecord, visit_id)
        assert visit.customer_confirmed and visit.confirmed_by_name == "王经理" and len(visit.signature_png) > 1000
