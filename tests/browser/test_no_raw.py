"""In a real browser, zh and en: the instance page shows words (no element ids, no JSON), the
user-statistics chart and the KPI trends are drawn by the bundled chart.js with no request leaving
the server, and an error page is the app's page in the reader's language."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_nothing_raw import raw_form_diagram

CHARTS = Path(__file__).resolve().parents[2] / "app" / "static" / "dist" / "charts.js"


@pytest.fixture(scope="module")
def raw_instance(app):
    from app.engine import definitions, runtime
    from app.engine.actor import Actor

    with app.app_context():
        sm = app.appbuilder.sm
        owner, agent = (Actor.from_user(sm.find_user(username=u)) for u in ("owner", "agent"))
        key = definitions.deploy(raw_form_diagram("raw_ui_browser"), actor=owner).definition.key
        inst = runtime.start_process(key, actor=agent, business_key="RAW-B",
                                     variables={"kind": "consult", "onsite": False, "remark": ""})
        return inst.id


def session(browser, base: str, login_as, username: str, lang: str):
    """A browser signed in as ``username`` (the test client's session cookie: the login form's rate
    limit counts per address, and every browser test comes from 127.0.0.1) reading ``lang``."""
    client = login_as(username)
    client.get(f"/lang/{lang}")
    cookie = client.get_cookie("session")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN" if lang == "zh" else "en-US")
    context.add_cookies([{"name": "session", "value": cookie.value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    return page, outside


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_instance_page_in_words(live_server, browser, screenshots, login_as, raw_instance, lang):
    page, outside = session(browser, live_server, login_as, "supervisor", lang)
    page.goto(f"{live_server}/instances/{raw_instance}/")
    page.screenshot(path=str(screenshots / f"instance_words_{lang}.png"), full_page=True)
    text = page.inner_text("#instance")
    for raw in ("merge_plan", "fault_routine", "consult", '{"', "True", "False", "None", "[]", "__None"):
        assert raw not in text, (lang, raw)
    data = page.inner_text(".variable-form")
    assert ("咨询" in data or "Consultation" in data) and ("✗" in data) and "—" in data
    assert ("分支判断" if lang == "zh" else "Decision") in page.inner_text("#diagram-marks")
    assert not outside, outside


@pytest.mark.skipif(not CHARTS.exists(), reason="assets not built (npm run build)")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_are_drawn_offline(live_server, browser, screenshots, login_as, lang):
    admin, outside = session(browser, live_server, login_as, "admin", lang)
    admin.goto(f"{live_server}/userstatschartview/chart/")
    admin.wait_for_selector(".cs-chart[data-drawn='1'] canvas")
    box = admin.locator(".cs-chart canvas").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    admin.screenshot(path=str(screenshots / f"user_stats_chart_{lang}.png"), full_page=True)
    admin.goto(f"{live_server}/kpi/")
    admin.wait_for_selector("#kpi-chart-shares[data-drawn='1'] canvas")
    admin.wait_for_selector("#kpi-chart-response[data-drawn='1'] canvas")
    labels = json.loads(admin.inner_text("#kpi-chart-shares script"))["labels"]
    assert len(labels) == 6 and all(re.fullmatch(r"\d{4}-\d{2}", m) for m in labels)
    admin.screenshot(path=str(screenshots / f"kpi_trends_{lang}.png"), full_page=True)
    assert not outside, outside  # no Google Charts, no CDN


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_error_page_speaks_the_readers_language(live_server, browser, screenshots, login_as, lang):
    viewer, _outside = session(browser, live_server, login_as, "viewer", lang)
    response = viewer.goto(f"{live_server}/inbox/mine/")
    assert response.status == 403
    text = viewer.inner_text("body")
    assert ("您无权打开此页面" if lang == "zh" else "You may not open this page") in text
    assert "Forbidden" not in text and "Werkzeug" not in text
    assert viewer.locator(".navbar").count() == 1 and viewer.locator(".error-nav a").count() >= 2
    viewer.screenshot(path=str(screenshots / f"error_403_{lang}.png"), full_page=True)
