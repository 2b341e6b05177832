"""The shipped request priority table (workflows/request_priority.dmn) sets the priority of the six-step
process's tasks from the need's urgency and importance: each row answers what the old script computed,
the process reads the deployed table, and a changed row decides for the next need while a need already
running keeps the table version it started with."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import decisions, history, runtime
from app.engine.dmn.model import parse_dmn
from tests.api.helpers import api, tokens  # noqa: F401  (fixtures)
from tests.engine.ops_support import clean_jobs  # noqa: F401  (fixture)
from tests.test_workflows import actors, at, bkey, isolated, shipped, walk  # noqa: F401  (fixtures)

TABLE = Path(__file__).resolve().parents[1] / "workflows" / "request_priority.dmn"
SIX_STEP = "《六步工作法规范服务制度》"
LEVELS = ("high", "medium", "low")
# What the six-step diagram's script computed before the table:
#   levels = {'high': 2, 'medium': 1, 'low': 0}
#   service_priority = [20, 35, 50, 70, 90][levels[urgency] + levels[importance]]
EXPECTED = {("high", "high"): 90, ("high", "medium"): 70, ("high", "low"): 50,
            ("medium", "high"): 70, ("medium", "medium"): 50, ("medium", "low"): 35,
            ("low", "high"): 50, ("low", "medium"): 35, ("low", "low"): 20}
NEEDS = {"customer_name": "华东机械厂", "need_description": "产线机器人年度保养"}


def _script(urgency: str, importance: str) -> int:
    levels = {"high": 2, "medium": 1, "low": 0}
    return [20, 35, 50, 70, 90][levels[urgency] + levels[importance]]


def test_the_table_is_bilingual_drawn_and_matches_the_old_script_on_every_combination():
    """二、(一) 3. 記錄整理 (SIX_STEP): "對需求進行分類整理,按照緊急程度、重要程度等維度進行標注,以便後續跟進處理":
    the two dimensions of the classification are the table's two inputs; each of the nine combinations
    is one row and gives the number the script gave."""
    parsed = parse_dmn(TABLE.read_bytes())
    assert parsed.problems == [] and parsed.has_di
    [table] = parsed.decisions
    assert (table.id, table.hit_policy, table.name, table.translations) == (
        "request_priority", "UNIQUE", "需求优先级", {"en": "Request priority"})
    assert [(c.label, c.translations, c.type_ref) for c in table.inputs] == [
        ("紧急程度", {"en": "Urgency"}, "string"), ("重要程度", {"en": "Importance"}, "string")]
    assert [(c.name, c.type_ref, c.translations) for c in table.outputs] == [
        ("priority", "integer", {"en": "Task priority"})]
    assert len(table.rules) == len(EXPECTED)
    assert EXPECTED == {(u, i): _script(u, i) for u in LEVELS for i in LEVELS}


@pytest.mark.parametrize(("urgency", "importance"), sorted(EXPECTED))
def test_each_row_through_the_evaluate_api(api, app, actors, urgency, importance):
    """二、(一) 3. (SIX_STEP) 按照緊急程度、重要程度等維度進行標注: the deployed table answers one row per
    combination, as the REST API gives it to any reader."""
    with app.app_context():
        decisions.deploy(TABLE.read_bytes(), actor=actors["owner"])  # the shipped table is the latest
        latest = decisions.get("request_priority").version
    resp = api("ReadOnly").post("/api/v1/decisions/request_priority/evaluate",
                                json={"inputs": {"urgency": urgency, "importance": importance}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["outputs"] == [{"priority": EXPECTED[urgency, importance]}]
    assert body["version"] == latest and len(body["matched_rules"]) == 1
    assert body["matched_rules"][0]["id"] == f"Rule_priority_{urgency}_{importance}"


def test_a_level_the_table_does_not_know_matches_no_row(app_ctx, actors):
    """Only the classify form's three levels have rows: anything else decides nothing (in the process, an
    incident naming the decision and the input values, rather than a silent default priority)."""
    decisions.deploy(TABLE.read_bytes(), actor=actors["owner"])
    assert decisions.evaluate("request_priority", {"urgency": "asap", "importance": "high"}).outputs == []


def test_the_six_step_process_sets_its_task_priority_from_the_table(walk, actors):
    """二、(一) 3. 記錄整理 (SIX_STEP): 對需求進行分類整理,按照緊急程度、重要程度等維度進行標注,以便後續跟進處理 —
    the classification decides how the follow-up tasks are ranked: the business rule task set_priority
    evaluates the table, and the plan and everything after it carry the table's number."""
    with at(2026, 9, 22, 10, 0):
        inst = runtime.start_process("six_step_service", actor=actors["wf_agent"], business_key=bkey("PRIO-table"))
        walk.do(inst, "record_needs", "CustomerService", NEEDS)
        walk.do(inst, "classify_needs", "CustomerService", {"urgency": "medium", "importance": "high",
                                                            "need_category": "technical"})
        assert walk.one(inst, "draft_plan").priority == 70
        assert walk.variables(inst)["service_priority"] == 70
        decided = [e for e in history.for_instance(inst.id) if e.element_id == "set_priority"]
        assert decided and decided[0].data["decision"] == "request_priority"
        assert decided[0].data["matched"] == [{"index": 4, "id": "Rule_priority_medium_high"}]


def test_a_changed_row_ranks_the_next_need_while_a_running_one_keeps_its_version(walk, actors):
    """二、(一) 3. (SIX_STEP) 按照緊急程度、重要程度等維度進行標注: the owners may re-weigh a combination
    (here urgent but minor: 50 -> 65) by deploying the changed row, without a code change; a need that
    started before keeps the version it started with."""
    shipped_xml = TABLE.read_text(encoding="utf-8")
    row = shipped_xml.index('<rule id="Rule_priority_high_low">')
    cell = shipped_xml.index("<text>50</text>", row)
    changed = shipped_xml[:cell] + "<text>65</text>" + shipped_xml[cell + len("<text>50</text>"):]
    urgent_minor = {"urgency": "high", "importance": "low", "need_category": "service"}
    try:
        with at(2026, 9, 22, 10, 0):
            running = runtime.start_process("six_step_service", actor=actors["wf_agent"],
                                            business_key=bkey("PRIO-running"))
            walk.do(running, "record_needs", "CustomerService", NEEDS)  # not classified yet
            before = decisions.get("request_priority").version
            deployed = decisions.deploy(changed, actor=actors["owner"], source="editor")
            assert deployed.created and deployed.decisions[0].version == before + 1
            assert decisions.evaluate("request_priority", {"urgency": "high", "importance": "low"}).outputs == [
                {"priority": 65}]

            walk.do(running, "classify_needs", "CustomerService", urgent_minor)
            assert walk.one(running, "draft_plan").priority == 50  # the version it started with
            kept = [e for e in history.for_instance(running.id) if e.element_id == "set_priority"]
            assert kept[0].data["version"] == before

            nxt = runtime.start_process("six_step_service", actor=actors["wf_agent"], business_key=bkey("PRIO-next"))
            walk.do(nxt, "record_needs", "CustomerService", NEEDS)
            walk.do(nxt, "classify_needs", "CustomerService", urgent_minor)
            assert walk.one(nxt, "draft_plan").priority == 65
            assert walk.one(nxt, "draft_plan").priority != walk.one(running, "draft_plan").priority
    finally:
        decisions.deploy(shipped_xml, actor=actors["owner"])  # later tests rank by the shipped table
