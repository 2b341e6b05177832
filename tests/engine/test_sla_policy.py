"""The SLA policy (app/engine/sla_policy.py) is the customer's deadlines, clause by clause, on the
right clock: the working calendar across the 2026 Mid-Autumn / National Day holidays and the
make-up working Saturday (Oct 10), or the 24-hour clock for emergencies."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.engine import sla_policy

CN = ZoneInfo("Asia/Shanghai")


def t(*args) -> datetime:
    return datetime(*args, tzinfo=CN)


@pytest.mark.parametrize("kind, milestone, start, due", [
    # 第十一条(一) 客户服务专员需在30分钟内完成需求受理 — 30 working minutes; after hours from the next opening
    ("after_sales", "accept", t(2026, 9, 23, 10, 0), t(2026, 9, 23, 10, 30)),
    ("after_sales", "accept", t(2026, 9, 24, 20, 0), t(2026, 9, 28, 9, 30)),  # Thu evening; 25-27 Mid-Autumn
    # 第十一条(二) 一般技术咨询1个工作日 / 常规故障3个工作日 / 复杂故障7个工作日
    ("general_question", "resolve", t(2026, 9, 23, 10, 0), t(2026, 9, 24, 18, 0)),
    ("routine_fault", "resolve", t(2026, 9, 23, 10, 0), t(2026, 9, 29, 18, 0)),
    ("complex_fault", "resolve", t(2026, 9, 23, 10, 0), t(2026, 10, 10, 18, 0)),  # Sat Oct 10: make-up day
    # 第十一条(四) 售后问题解决后,客户服务专员需在3个工作日内开展回访工作
    ("after_sales", "followup", t(2026, 9, 30, 11, 0), t(2026, 10, 10, 18, 0)),  # 8, 9, Sat 10 (make-up day)
    # 第十三条(三) 立即登记 / 1个工作日内反馈至相关责任部门 / 整改完成后3个工作日内反馈给客户
    ("complaint", "register", t(2026, 9, 23, 10, 0), t(2026, 9, 23, 10, 15)),
    ("complaint", "register", t(2026, 10, 3, 10, 0), t(2026, 10, 8, 9, 15)),  # National Day: next opening
    ("complaint", "forward", t(2026, 9, 30, 16, 0), t(2026, 10, 8, 18, 0)),
    ("complaint", "report_result", t(2026, 10, 9, 11, 0), t(2026, 10, 13, 18, 0)),
    # 第九条(一) 1个工作日内完成初步需求对接; (二) 针对客户提出的疑问,需在2个工作日内给予解答
    ("pre_sales", "first_contact", t(2026, 9, 23, 10, 0), t(2026, 9, 24, 18, 0)),
    ("pre_sales", "answer", t(2026, 9, 23, 10, 0), t(2026, 9, 28, 18, 0)),
    # 第十条(一) 项目合同签订后 ... 在3个工作日内与客户开展合同交底工作
    ("in_sales", "contract_briefing", t(2026, 9, 30, 9, 0), t(2026, 10, 10, 18, 0)),
])
def test_deadlines_follow_the_rules_on_the_working_calendar(app_ctx, kind, milestone, start, due):
    """《机器人集成公司客户服务优化管理制度》第九、十、十一、十三条: each deadline in working days or minutes."""
    assert sla_policy.due(kind, milestone, start) == due


def test_emergencies_run_on_the_24_hour_clock(app_ctx):
    """第十一条(一) 对于紧急故障报修(如设备停机影响生产),需立即启动应急响应机制; 第十二条(一) 紧急故障即时响应;
    《空调部门客户服务管理制度》设立24小时售后服务热线: a stoppage at 02:00 on a holiday is due 02:15."""
    start = t(2026, 10, 2, 2, 0)  # National Day, night
    assert sla_policy.due("emergency_stoppage", "respond", start) == start + timedelta(minutes=15)
    assert sla_policy.resolve_due("emergency", start) == start + timedelta(minutes=15)  # the classify code
    assert sla_policy.deadline("emergency_incident", "respond").clock == sla_policy.CLOCK_24H


def test_at_once_is_configurable(app, app_ctx):
    """"At once" has no number in the rules: SLA_AT_ONCE_MINUTES says it (README)."""
    start = t(2026, 9, 23, 10, 0)
    old = app.config.get("SLA_AT_ONCE_MINUTES")
    app.config["SLA_AT_ONCE_MINUTES"] = 5
    try:
        assert sla_policy.due("emergency_stoppage", "respond", start) == start + timedelta(minutes=5)
        assert sla_policy.minutes("complaint", "register") == 5
    finally:
        app.config["SLA_AT_ONCE_MINUTES"] = old


def test_every_row_quotes_its_clause_and_an_unknown_rule_is_named():
    for row in sla_policy.POLICY:
        quoted = row.clause.startswith("《") and ("条" in row.clause or "空调" in row.clause)
        assert quoted or row.clause.startswith("制度未规定")  # a rule, or said to be the department's own
        assert row.clock in (sla_policy.WORKING, sla_policy.CLOCK_24H)
    keys = [(r.kind, r.milestone) for r in sla_policy.POLICY]
    assert len(keys) == len(set(keys))  # one deadline per kind and milestone: a decision table
    with pytest.raises(sla_policy.PolicyError, match="'complaint'/'escalate'"):
        sla_policy.deadline("complaint", "escalate")


def test_the_policy_page_lists_every_deadline(app, login_as):
    c = login_as("agent")
    c.get("/lang/zh")
    body = c.get("/sla-policy/").get_data(as_text=True)
    assert body.count("<tr data-key=") == len(sla_policy.POLICY)
    assert "3 个工作日" in body and "第十一条(二)" in body and "立即（15 分钟内）" in body
    c.get("/lang/en")
    body = c.get("/sla-policy/").get_data(as_text=True)
    assert "3 working days" in body and "24-hour clock" in body
