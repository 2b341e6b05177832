"""The monthly staff assessment in the browser: the supervisor opens September 2023's assessments,
reads the proposed grades, overrides one with a reason (refused without one), confirms the review
from its task, in zh and en; the engineer graded 不合格 gets their own interview task, linked on their line;
the assessed engineer sees their own result (and only theirs)."""
import pytest

from tests.browser.test_complaint_walk import shot, sign_in


@pytest.fixture(scope="module")
def september(app):
    from app.engine.actor import Actor
    from tests.test_assessment import seed_month

    with app.app_context():
        sm = app.appbuilder.sm
        actors = {u: Actor.from_user(sm.find_user(username=u)) for u in ("owner", "supervisor")}
    return seed_month(app, actors, 2023, 9, prefix="浏览器考核客户")


def test_supervisor_assesses_and_the_person_sees_their_result(live_server, browser, screenshots, september):
    """《机器人集成公司客户服务优化管理制度》 第十六条(一) 考核结果分为优秀、合格、不合格三个等级;
    (二) 对考核不合格的服务人员，由部门负责人进行约谈，制定绩效改进计划，限期整改."""
    base = live_server
    boss = sign_in(browser, base, "supervisor")
    boss.goto(f"{base}/assessment/")
    boss.fill("#month", "2023-09")
    boss.click("form.assessment-open button[type=submit]")
    boss.wait_for_selector("#assessment-list")
    listing = boss.inner_text("#assessment-list")
    assert "KH-202309-CS" in listing and "KH-202309-DELIVERY" in listing and "KH-202309-TECH" in listing
    shot(boss, screenshots, "assessment_list_zh")

    # the engineer's department: 不合格 proposed from the figures (one repair of two resolved in time)
    boss.click("a:has-text('KH-202309-DELIVERY')")
    boss.wait_for_selector("#assessment-lines")
    row = boss.locator(f"tr.assessment-line[data-user='{september['field']}']")
    assert "50.0% (1/2)" in row.inner_text() and "不合格" in row.inner_text()
    shot(boss, screenshots, "assessment_delivery_zh")

    # technology: 合格 proposed; another grade needs a reason
    boss.goto(f"{base}/assessment/")
    boss.click("a:has-text('KH-202309-TECH')")
    boss.wait_for_selector("#assessment-lines")
    row = boss.locator(f"tr.assessment-line[data-user='{september['tech']}']")
    assert "80.0% (4/5)" in row.inner_text()
    row.locator("select[name=grade]").select_option("excellent")
    row.locator("button[type=submit]").click()
    boss.wait_for_selector(".alert-danger")
    assert "须填写理由" in boss.inner_text(".alert-danger")
    row = boss.locator(f"tr.assessment-line[data-user='{september['tech']}']")
    row.locator("select[name=grade]").select_option("excellent")
    row.locator("input[name=override_reason]").fill("客户书面表扬两次")
    row.locator("button[type=submit]").click()
    boss.wait_for_selector(".alert-success")
    assert boss.locator(f"tr.assessment-line[data-user='{september['tech']}'] input[name=override_reason]") \
        .input_value() == "客户书面表扬两次"
    shot(boss, screenshots, "assessment_override_zh")

    # the review task confirms the grades (nobody 不合格 in technology)
    boss.click("#assessment-task")
    boss.wait_for_selector("#task-form")
    if boss.locator("#btn-claim").count():
        boss.click("#btn-claim")
        boss.wait_for_selector("#btn-complete")
    assert not boss.is_checked("#f-has_unsatisfactory")  # prefilled from the grades
    shot(boss, screenshots, "assessment_review_task_zh")
    boss.fill("#f-review_note", "本月响应及时")
    boss.click("#btn-complete")
    boss.wait_for_selector("#inbox")
    boss.goto(f"{base}/assessment/")
    boss.click("a:has-text('KH-202309-TECH')")
    assert "已关闭" in boss.inner_text("#assessment-status")
    assert "优秀服务专员" in boss.inner_text("#assessment-lines")

    # the same in English
    boss.goto(f"{base}/lang/en")
    boss.goto(f"{base}/assessment/")
    boss.click("a:has-text('KH-202309-DELIVERY')")
    boss.wait_for_selector("#assessment-lines")
    assert "Unsatisfactory (不合格)" in boss.inner_text("#assessment-lines")
    assert "Staff assessment" in boss.inner_text("h2")
    shot(boss, screenshots, "assessment_delivery_en")

    # (二) 不合格: confirming starts one loop per person failing; the engineer's interview task, named for them,
    # is on their line
    boss.click("#assessment-task")
    boss.wait_for_selector("#task-form")
    if boss.locator("#btn-claim").count():
        boss.click("#btn-claim")
        boss.wait_for_selector("#btn-complete")
    assert boss.is_checked("#f-has_unsatisfactory")
    boss.click("#btn-complete")
    boss.wait_for_selector("#inbox")
    boss.goto(f"{base}/assessment/")
    boss.click("a:has-text('KH-202309-DELIVERY')")
    boss.wait_for_selector("#assessment-lines")
    link = boss.locator(f"tr.assessment-line[data-user='{september['field']}'] a.assessment-person-task")
    assert "Open the task: Interview and improvement plan: 赵 维修员" in link.inner_text()
    shot(boss, screenshots, "assessment_person_task_en")
    link.click()
    boss.wait_for_selector("#task-form")
    assert "Interview and improvement plan: 赵 维修员" in boss.inner_text("body")
    assert boss.input_value("#f-plan_deadline")  # prefilled: 20 working days from now
    shot(boss, screenshots, "assessment_interview_task_en")

    # the assessed engineer sees their own result, not the others'
    field = sign_in(browser, base, "field")
    field.goto(f"{base}/assessment/")
    mine = field.inner_text("#assessment-mine")
    assert "2023-09" in mine and "不合格" in mine
    shot(field, screenshots, "assessment_mine_field_zh")
    field.click("#assessment-mine a:has-text('2023-09')")
    field.wait_for_selector("#assessment-lines")
    assert field.locator("tr.assessment-line").count() == 1 and field.locator("form.assessment-grade").count() == 0
    field.goto(f"{base}/lang/en")
    field.goto(f"{base}/assessment/")
    assert "My results" in field.inner_text("#assessments")
    shot(field, screenshots, "assessment_mine_field_en")
    for page in (boss, field):
        page.context.close()


def test_kpis_per_person_and_department(live_server, browser, screenshots, september):
    """《空调部门客户服务管理制度》 四、2.考核方式 定期考核: 每月对顾客服务人员的各项考核指标进行统计和分析."""
    base = live_server
    boss = sign_in(browser, base, "supervisor")
    boss.goto(f"{base}/kpi/?from=2023-09-01&to=2023-09-30")
    boss.click("a.kpi-by-person")
    boss.wait_for_selector("#kpi-by-table")
    table = boss.inner_text("#kpi-by-table")
    assert "张 工程师" in table and "80.0% (4/5)" in table and "未归属" in table
    shot(boss, screenshots, "kpi_by_person_zh")
    boss.click(f"tr.kpi-group[data-key='{september['tech']}'] a:has-text('80.0%')")
    boss.wait_for_selector(".kpi-detail-table")
    assert "张 工程师" in boss.inner_text("h2") and boss.locator(".kpi-detail-table tbody tr").count() == 5
    shot(boss, screenshots, "kpi_drill_person_zh")
    boss.goto(f"{base}/lang/en")
    boss.goto(f"{base}/kpi/?from=2023-09-01&to=2023-09-30&by=department")
    table = boss.inner_text("#kpi-by-table")
    assert "Technology" in table and "Not attributed" not in table.split("\n")[0]
    shot(boss, screenshots, "kpi_by_department_en")
    boss.context.close()
