"""The supervisor opens the monthly quality inspection report in Chinese and in English, from the
Quality menu's list (第十三条（一）：每月开展1次服务质量专项检查，形成检查报告并通报相关部门)."""
from __future__ import annotations

from tests.browser.test_complaint_walk import shot, sign_in
from tests.test_quality_screens import report_id  # noqa: F401  (the March 2019 report fixture)


def test_supervisor_reads_the_monthly_report_in_zh_and_en(live_server, browser, screenshots, report_id):  # noqa: F811
    page = sign_in(browser, live_server, "supervisor")
    page.goto(f"{live_server}/lang/zh")
    page.goto(f"{live_server}/qualityinspectionview/list/")
    assert "月度检查" in page.inner_text("body") and "2019-03" in page.inner_text("body")
    shot(page, screenshots, "quality_inspections_zh")
    page.goto(f"{live_server}/qualityinspectionview/report/{report_id}")
    page.wait_for_selector("#quality-report")
    text = page.inner_text("#quality-report")
    assert "月度服务质量检查报告" in text and "服务规范执行率" in text and "66.7%" in text
    assert page.inner_text(".n-checked") == "3" and page.inner_text(".n-compliant") == "2"
    shot(page, screenshots, "quality_report_zh")

    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/qualityinspectionview/report/{report_id}")
    page.wait_for_selector("#quality-report")
    text = page.inner_text("#quality-report")
    assert "Monthly quality inspection report" in text and "Service-standard execution rate" in text
    assert "Customer Service" in text and "Manners" in text
    shot(page, screenshots, "quality_report_en")
    page.goto(f"{live_server}/spotcheckview/list/")
    shot(page, screenshots, "quality_spot_checks_en")
    page.goto(f"{live_server}/lang/zh")
    page.goto(f"{live_server}/spotcheckview/list/")
    page.click("table a[href*='/spotcheckview/show/']")
    page.click("ul.nav-tabs a:has-text('抽样服务')")
    assert "SR-TEST-Q" in page.inner_text("body")  # the sampled services tab
    shot(page, screenshots, "quality_spot_check_zh")
    page.goto(f"{live_server}/qualitymeetingview/list/")
    shot(page, screenshots, "quality_meetings_zh")
    page.context.close()
