"""Decision tables: each hit policy, a table exactly as dmn-js saves it, located problems, Python
cells through the sandbox, result mappings and the diff of two versions (app/engine/dmn/)."""
from pathlib import Path

import pytest

from app.engine.dmn.diff import diff
from app.engine.dmn.evaluate import DecisionError, evaluate, map_result
from app.engine.dmn.model import parse_dmn
from app.engine.sandbox import SandboxedEnvironment
from tests.engine.dmn_helpers import table

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"
SANDBOX = SandboxedEnvironment().evaluate


def decision(xml: str):
    parsed = parse_dmn(xml)
    assert not parsed.errors, parsed.errors
    return parsed.decisions[0]


def run(xml: str, **inputs):
    return evaluate(decision(xml), inputs, python=SANDBOX)


# ---------------------------------------------------------------- hit policies

BANDS = [("< 10", '"small"'), ("[10..100]", '"medium"'), ("> 50", '"large"')]


def test_unique_gives_the_one_matching_rule_and_refuses_two():
    xml = table("bands", BANDS)  # no hitPolicy attribute: UNIQUE, as dmn-js writes it
    result = run(xml, amount=5)
    assert result.hit_policy == "UNIQUE" and result.outputs == [{"result": "small"}]
    assert result.matched == [{"index": 1, "id": "Rule_1"}]
    assert run(xml, amount=500).outputs == [{"result": "large"}]
    assert run(xml, amount=-1000).outputs == [{"result": "small"}]
    with pytest.raises(DecisionError) as info:
        run(xml, amount=60)
    err = info.value
    assert err.kind == "unique" and err.rules == [2, 3] and err.inputs == {"amount": 60}
    assert "'bands'" in str(err) and "amount=60" in str(err) and "rules 2, 3" in str(err)


def test_first_takes_the_first_match_in_row_order():
    result = run(table("bands_first", BANDS, policy="FIRST"), amount=60)
    assert result.outputs == [{"result": "medium"}] and result.matched[0]["index"] == 2


def test_priority_takes_the_highest_output_value():
    xml = table("prio", [("> 0", '"low"'), ("> 10", '"high"'), ("> 5", '"medium"')], policy="PRIORITY",
                output_values={"result": '"high","medium","low"'})
    assert run(xml, amount=20).outputs == [{"result": "high"}]
    assert run(xml, amount=7).outputs == [{"result": "medium"}]
    assert run(xml, amount=1).matched == [{"index": 1, "id": "Rule_1"}]


def test_priority_without_output_values_is_a_located_problem():
    parsed = parse_dmn(table("prio_bad", [("> 0", '"low"')], policy="PRIORITY"))
    [problem] = parsed.errors
    assert "PRIORITY" in problem.message and problem.column_id == "Output_1" and problem.decision_id == "prio_bad"


def test_any_accepts_agreeing_rules_and_refuses_different_outputs():
    xml = table("any", [("> 0", '"yes"'), ("> 5", '"yes"'), ("> 100", '"no"')], policy="ANY")
    assert run(xml, amount=10).outputs == [{"result": "yes"}]
    with pytest.raises(DecisionError) as info:
        run(xml, amount=200)
    assert info.value.kind == "any" and info.value.rules == [1, 2, 3]


def test_collect_lists_every_match_and_aggregates():
    rules = [("> 0", "10"), ("> 5", "20"), ("> 50", "5"), ("< 0", "99")]
    outputs = (("points", "integer"),)
    collect = run(table("c", rules, policy="COLLECT", outputs=outputs), amount=60)
    assert collect.outputs == [{"points": 10}, {"points": 20}, {"points": 5}]
    assert [m["index"] for m in collect.matched] == [1, 2, 3]
    for agg, value in (("SUM", 35), ("MIN", 5), ("MAX", 20), ("COUNT", 3)):
        result = run(table(f"c_{agg}", rules, policy="COLLECT", aggregation=agg, outputs=outputs), amount=60)
        assert result.outputs == [{"points": value}], agg
        assert result.hit_policy == f"COLLECT {agg}"
    assert run(table("c_none", rules, policy="COLLECT", aggregation="SUM", outputs=outputs), amount=0).outputs == []
    assert run(table("c_cnt0", rules, policy="COLLECT", aggregation="COUNT", outputs=outputs),
               amount=0).outputs == [{"points": 0}]


def test_rule_order_lists_every_match_in_row_order():
    result = run(table("ro", [("> 5", '"b"'), ("> 0", '"a"'), ("> 99", '"c"')], policy="RULE ORDER"), amount=10)
    assert result.outputs == [{"result": "b"}, {"result": "a"}] and result.hit_policy == "RULE ORDER"


def test_no_match_is_an_empty_result():
    assert run(table("none", BANDS[:1]), amount=50).outputs == []


def test_an_aggregation_outside_collect_is_refused():
    [problem] = parse_dmn(table("agg", BANDS, policy="FIRST", aggregation="SUM")).errors
    assert "only possible with hit policy COLLECT" in problem.message and problem.element_type == "decisionTable"


# ---------------------------------------------------------------- a table as dmn-js saves it

def test_a_table_saved_by_dmn_js_evaluates_unchanged():
    """dish_dmnjs.dmn is byte for byte what dmn-js 16 / Camunda Modeler 5 write (namespaces, ids,
    DMNDI, entities): no hitPolicy (UNIQUE), camunda:inputVariable, FEEL lists, ranges, not(), '-'."""
    parsed = parse_dmn((DATA / "dish_dmnjs.dmn").read_bytes())
    assert parsed.problems == [] and parsed.has_di
    dish = parsed.decisions[0]
    assert (dish.id, dish.name, dish.hit_policy) == ("dish", "菜品 / Dish", "UNIQUE")
    cases = {("Fall", 3): "Spareribs", ("Winter", 8): "Roastbeef", ("Summer", 2): "Dry Aged Gourmet Steak",
             ("Spring", 6): "Light Salad and nice Steak", ("Fall", 20): "Stew", ("Winter", "9"): "Stew"}
    for (season, guests), dish_name in cases.items():
        result = evaluate(dish, {"season": season, "guestCount": guests})
        assert result.outputs == [{"dish": dish_name}], (season, guests)
    assert evaluate(dish, {"season": "Fall", "guestCount": 0}).matched == [{"index": 1, "id": "DecisionRule_0c6xk3x"}]


def test_a_typed_input_that_does_not_fit_is_a_located_error():
    dish = parse_dmn((DATA / "dish_dmnjs.dmn").read_bytes()).decisions[0]
    with pytest.raises(DecisionError) as info:
        evaluate(dish, {"season": "Fall", "guestCount": "many"})
    assert info.value.kind == "input" and info.value.column == "guestCount"
    assert "whole number" in str(info.value) and "'many'" in str(info.value)


# ---------------------------------------------------------------- located problems

def test_problems_name_decision_rule_and_column():
    xml = table("located", [("< 10", '"ok"'), ("[1..", '"bad input"'), ("> 5", '"open')])
    problems = parse_dmn(xml).errors
    assert len(problems) == 2
    cell, out = problems
    assert (cell.decision_id, cell.rule_id, cell.rule_index, cell.column_id, cell.column_label) == (
        "located", "Rule_2", 2, "Input_1", "Amount")
    assert cell.element_id == "Cell_2_1" and cell.element_type == "inputEntry" and cell.line
    assert "[1.." in cell.message and "position" in cell.message and cell.hint
    assert (out.rule_index, out.column_id, out.element_type) == (3, "Output_1", "outputEntry")
    assert problems[0].to_dict()["rule_index"] == 2


def test_file_level_problems():
    assert "not a DMN file" in parse_dmn("<bpmn/>").errors[0].message
    assert "not well-formed" in parse_dmn("<definitions").errors[0].message
    bad_policy = table("hp", BANDS, policy="SOMETIMES")
    assert "SOMETIMES" in parse_dmn(bad_policy).errors[0].message
    no_name = table("nn", BANDS).replace('name="result"', "")
    assert "has no name" in parse_dmn(no_name).errors[0].message
    short = table("short", BANDS).replace('<inputEntry id="Cell_1_1"><text>&lt; 10</text></inputEntry>', "")
    problem = parse_dmn(short).errors[0]
    assert problem.rule_index == 1 and "0 input and 1 output" in problem.message


# ---------------------------------------------------------------- Python cells

def test_python_cells_run_in_the_sandbox():
    xml = table("py", [("cellInput % 2 == 0", "amount * 10"), ("-", '"odd"')], policy="FIRST",
                outputs=(("result", ""),), languages={(1, 1): "python", (1, 2): "python"})
    assert run(xml, amount=4).outputs == [{"result": 40}]
    assert run(xml, amount=3).outputs == [{"result": "odd"}]


def test_a_python_literal_input_entry_compares_with_the_input():
    xml = table("py_eq", [("'gold'", '"vip"'), ("-", '"normal"')], policy="FIRST", inputs=(("level", "string"),),
                languages={(1, 1): "python"})
    assert run(xml, level="gold").outputs == [{"result": "vip"}]
    assert run(xml, level="silver").outputs == [{"result": "normal"}]


def test_python_cells_the_sandbox_refuses_are_located_at_deploy():
    xml = table("py_bad", [("__import__('os').system('true')", '"x"')], languages={(1, 1): "python"})
    [problem] = parse_dmn(xml).errors
    assert problem.rule_index == 1 and problem.element_id == "Cell_1_1" and "refused" in problem.message


def test_a_failing_python_cell_names_the_rule():
    xml = table("py_fail", [("-", "1 / amount")], outputs=(("result", ""),), languages={(1, 2): "python"})
    with pytest.raises(DecisionError) as info:
        run(xml, amount=0)
    assert info.value.kind == "cell" and "rule 1" in str(info.value) and "amount=0" in str(info.value)


# ---------------------------------------------------------------- result mappings

def test_each_result_mapping():
    xml = table("map", [("> 0", '"a"', "1"), ("> 5", '"b"', "2")], policy="RULE ORDER",
                outputs=(("letter", "string"), ("n", "integer")))
    d = decision(xml)
    two, one, none = evaluate(d, {"amount": 9}), evaluate(d, {"amount": 1}), evaluate(d, {"amount": 0})
    assert map_result(two, "resultList", d, required=False) == [{"letter": "a", "n": 1}, {"letter": "b", "n": 2}]
    assert map_result(one, "singleResult", d, required=True) == {"letter": "a", "n": 1}
    assert map_result(none, "resultList", d, required=False) == []
    with pytest.raises(DecisionError, match="at most one result"):
        map_result(two, "singleResult", d, required=True)
    with pytest.raises(DecisionError, match="one output each"):
        map_result(one, "singleEntry", d, required=True)
    with pytest.raises(DecisionError, match="no rule matches") as info:
        map_result(none, "singleResult", d, required=True)
    assert info.value.kind == "no_match" and "amount=0" in str(info.value)
    single = decision(table("map1", [("> 0", '"a"'), ("> 5", '"b"')], policy="RULE ORDER"))
    assert map_result(evaluate(single, {"amount": 9}), "collectEntries", single, required=False) == ["a", "b"]
    assert map_result(evaluate(single, {"amount": 1}), "singleEntry", single, required=True) == "a"


# ---------------------------------------------------------------- diff

def test_diff_of_two_versions_rule_by_rule():
    old = table("routing", [('"a"', '"X"'), ('"b"', '"Y"'), ('"c"', '"Z"')], inputs=(("category", "string"),))
    new = table("routing", [('"a"', '"X"'), ('"b"', '"W"'), ('"d"', '"Z"')], inputs=(("category", "string"),))
    new = new.replace('Rule_3', 'Rule_new')  # a row removed and another added (new id)
    changes = diff(old, new)
    by = {(r["change"], r["rule_id"]): r for r in changes["rules"]}
    assert set(by) == {("changed", "Rule_2"), ("added", "Rule_new"), ("removed", "Rule_3")}
    changed = by[("changed", "Rule_2")]
    assert changed["changed_cells"] == ["out:Result"]
    assert changed["old"]["out:Result"] == '"Y"' and changed["new"]["out:Result"] == '"W"'
    assert by[("added", "Rule_new")]["new"]["in:Category"] == '"d"' and by[("removed", "Rule_3")]["old_index"] == 3
    assert diff(old, old) == {"rules": [], "tables": []}
    policy = diff(old, old.replace('<decisionTable id="Table_routing"', '<decisionTable id="Table_routing" '
                                   'hitPolicy="FIRST"'))
    assert policy["tables"] == [{"decision": "routing", "change": "hit_policy", "old": "UNIQUE", "new": "FIRST"}]


def test_output_order_sorts_every_match_by_priority():
    xml = table("oo", [("> 0", '"low"'), ("> 10", '"high"'), ("> 5", '"medium"')], policy="OUTPUT ORDER",
                output_values={"result": '"high","medium","low"'})
    assert [o["result"] for o in run(xml, amount=20).outputs] == ["high", "medium", "low"]


def test_boolean_and_date_inputs_are_typed():
    xml = table("typed", [("true", '[date("2026-01-01")..date("2026-06-30")]', '"vip first half"'),
                          ("-", "-", '"other"')], policy="FIRST", inputs=(("vip", "boolean"), ("day", "date")))
    assert run(xml, vip="true", day="2026-03-01").outputs == [{"result": "vip first half"}]
    assert run(xml, vip=True, day="2026-07-01T10:00:00").outputs == [{"result": "other"}]
    with pytest.raises(DecisionError) as info:
        run(xml, vip="maybe", day="2026-03-01")
    assert info.value.column == "vip" and "true or false" in str(info.value)
    with pytest.raises(DecisionError, match="a date such as"):
        run(xml, vip=True, day="March")
