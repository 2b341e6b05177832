"""The SLA policy is a decision table (workflows/sla_policy.dmn): the shipped table is the code's
POLICY row for row, and once deployed its latest version is the policy every deadline follows."""
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.engine import decisions, sla_policy
from app.engine.dmn.evaluate import evaluate
from app.engine.dmn.model import parse_dmn

SLA = Path(__file__).resolve().parents[2] / "workflows" / "sla_policy.dmn"
CN = ZoneInfo("Asia/Shanghai")


def test_the_shipped_table_is_the_policy_row_for_row():
    parsed = parse_dmn(SLA.read_bytes())
    assert parsed.problems == [] and parsed.has_di
    [table] = parsed.decisions
    assert (table.id, table.hit_policy, table.translations) == ("sla_policy", "UNIQUE", {"en": "SLA policy"})
    assert len(table.rules) == len(sla_policy.POLICY)
    for row in sla_policy.POLICY:
        assert evaluate(table, {"kind": row.kind, "milestone": row.milestone}).outputs == [
            {"clock": row.clock, "duration": row.duration, "counted_from": row.counted_from, "clause": row.clause}]


def test_a_deployed_change_is_the_policy(app_ctx, actors):
    """第十三条(三) 在1个工作日内将投诉信息反馈至相关责任部门 (《机器人集成公司客户服务优化管理制度》): the
    owner changes the row in the table and deploys; the next deadline follows, without a code change."""
    shipped = SLA.read_text(encoding="utf-8")
    start = datetime(2026, 9, 23, 10, 0, tzinfo=CN)
    decisions.deploy(shipped, actor=actors["owner"])
    try:
        assert sla_policy.due("complaint", "forward", start) == datetime(2026, 9, 24, 18, 0, tzinfo=CN)
        assert sla_policy.rows() == sla_policy.POLICY
        row = '<rule id="Rule_sla_complaint_forward">'
        i = shipped.index(row)
        j = shipped.index('"P1D"', i)
        changed = shipped[:j] + '"P2D"' + shipped[j + len('"P1D"'):]
        decisions.deploy(changed, actor=actors["owner"], source="editor")
        assert sla_policy.deadline("complaint", "forward").duration == "P2D"
        # Thu 24 is the 1st working day; Fri 25 - Sun 27 is the Mid-Autumn holiday: the 2nd is Mon 28
        assert sla_policy.due("complaint", "forward", start) == datetime(2026, 9, 28, 18, 0, tzinfo=CN)
        assert [r.duration for r in sla_policy.rows() if (r.kind, r.milestone) == ("complaint", "forward")] == ["P2D"]
        with pytest.raises(sla_policy.PolicyError, match="no deadline for 'complaint'/'nothing'"):
            sla_policy.deadline("complaint", "nothing")
    finally:
        decisions.deploy(shipped, actor=actors["owner"])  # later tests read the shipped policy


def test_a_table_whose_deadline_cannot_be_computed_is_refused_located(app_ctx, actors):
    """A wrong duration would fail every page and task that reads it: refused at deploy, on its cell."""
    from app.engine.errors import Invalid

    shipped = SLA.read_text(encoding="utf-8")
    i = shipped.index('"P1D"', shipped.index('<rule id="Rule_sla_complaint_forward">'))
    broken = shipped[:i] + '"one day"' + shipped[i + 5:]
    [problem] = [p for p in decisions.validate(broken) if p.is_error]
    assert (problem.rule_id, problem.column_id, problem.decision_id) == (
        "Rule_sla_complaint_forward", "Output_duration", "sla_policy")
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        assert "is not a deadline" in problem.message and '"one day"' in problem.message
    assert "不是有效的时限" in problem.message and "第 10 行" in problem.message
    assert problem.element_id.startswith("LiteralExpression")
    with pytest.raises(Invalid) as info:
        decisions.deploy(broken, actor=actors["owner"])
    assert info.value.details["problems"][0]["rule_index"] == problem.rule_index
