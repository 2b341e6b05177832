"""Decision evaluation cost (DMN, app/engine/dmn): evaluations per second of

* the shipped complaint routing table (5 FEEL rules), evaluated in process;
* a 100-rule table (3 inputs: text list, range, comparison; hit policy FIRST, the match near the end);
* the service ``decisions.evaluate`` (what a business rule task and the REST API call: the deployed
  version looked up in the database, its compiled table cached);
* a table with a Python cell, evaluated through a script runner like every other expression.
"""
from __future__ import annotations

import time
from pathlib import Path

ROUTING = Path(__file__).resolve().parents[1] / "workflows" / "complaint_routing.dmn"
HEAD = ('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bench" name="bench" '
        'namespace="http://camunda.org/schema/1.0/dmn"><decision id="{key}" name="{key}">'
        '<decisionTable id="t" hitPolicy="FIRST">')


def _big_table(key: str, rules: int = 100) -> str:
    xml = HEAD.format(key=key)
    for n, (expr, type_ref) in enumerate((("region", "string"), ("amount", "double"), ("age", "integer")), 1):
        xml += (f'<input id="i{n}" label="{expr}"><inputExpression id="e{n}" typeRef="{type_ref}"><text>{expr}</text>'
                '</inputExpression></input>')
    xml += '<output id="o1" label="tier" name="tier" typeRef="string"/>'
    for r in range(rules):
        xml += (f'<rule id="r{r}"><inputEntry id="a{r}"><text>"north{r}","south{r}"</text></inputEntry>'
                f'<inputEntry id="b{r}"><text>[{r}..{r + 10}]</text></inputEntry>'
                f'<inputEntry id="c{r}"><text>&lt; {r + 50}</text></inputEntry>'
                f'<outputEntry id="d{r}"><text>"tier{r}"</text></outputEntry></rule>')
    return xml + "</decisionTable></decision></definitions>"


def _python_table(key: str) -> str:
    return (HEAD.format(key=key) + '<input id="i1" label="amount"><inputExpression id="e1" typeRef="double">'
            '<text>amount</text></inputExpression></input><output id="o1" label="fee" name="fee"/>'
            '<rule id="r1"><inputEntry id="a1"><text>&gt; 100</text></inputEntry>'
            '<outputEntry id="b1" expressionLanguage="python"><text>round(amount * 0.05, 2)</text></outputEntry>'
            '</rule></decisionTable></decision></definitions>')


def _rate(fn, n: int) -> dict:
    for _ in range(min(n, 50)):
        fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    seconds = time.perf_counter() - t0
    return {"n": n, "evaluations_per_s": n / seconds, "us_per_evaluation": 1e6 * seconds / n}


def run(n: int) -> dict:
    from app.engine import decisions
    from app.engine.actor import Actor
    from app.engine.dmn.evaluate import evaluate
    from app.engine.dmn.model import parse_dmn

    routing = parse_dmn(ROUTING.read_bytes()).decisions[0]
    big = parse_dmn(_big_table("bench_big")).decisions[0]
    inputs = {"region": "south97", "amount": 100.0, "age": 30}
    assert evaluate(big, inputs).outputs == [{"tier": "tier97"}]
    decisions.deploy(ROUTING.read_bytes(), actor=Actor.system())
    decisions.deploy(_python_table("bench_python"), actor=Actor.system())
    return {
        "routing_in_process": _rate(lambda: evaluate(routing, {"complaint_category": "other"}), n),
        "table_100_rules": _rate(lambda: evaluate(big, inputs), max(n // 10, 10)),
        "service": _rate(lambda: decisions.evaluate("complaint_routing", {"complaint_category": "other"}),
                         max(n // 5, 10)),
        "python_cell_runner": _rate(lambda: decisions.evaluate("bench_python", {"amount": 250.0}),
                                    max(n // 20, 10)),
    }
