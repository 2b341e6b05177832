"""Evaluating a decision table: inputs, matching rules, hit policy, and the result mappings of
Camunda's business rule task (camunda:mapDecisionResult).

Python cells are evaluated by the ``python(source, context)`` callable the caller passes: the engine
passes its sandbox (the script runners), never eval. A FEEL cell names variables; a Python input
entry also sees ``cellInput`` (the column's value) and is a match when it is true, or when it equals
the value (``"a"``-style Python literals).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable

from .feel import FeelError, equal

if TYPE_CHECKING:  # only named in annotations: model.py imports the bpmn package, which imports task.py
    from .model import Cell, Column, Decision, Rule

Python = Callable[[str, dict], Any]
MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")


class DecisionError(Exception):
    """A decision that cannot give a result: ``kind`` is input | no_match | unique | any | mapping | cell.
    The message names the decision and the input values (it becomes the incident's message)."""

    def __init__(self, kind: str, message: str, *, decision: Decision, inputs: dict | None = None,
                 column: str | None = None, rules: list[int] | None = None) -> None:
        super().__init__(message)
        self.kind, self.decision_id, self.inputs = kind, decision.id, inputs or {}
        self.column, self.rules = column, rules or []


@dataclass
class DecisionResult:
    decision_id: str
    hit_policy: str
    inputs: dict[str, Any]  # input column (its expression, e.g. the variable name) -> value used
    outputs: list[dict[str, Any]]  # one dict per rule result (one in all for an aggregation)
    matched: list[dict[str, Any]] = field(default_factory=list)  # [{"index": 1-based row, "id": rule id}]
    version: int | None = None  # the deployed version evaluated (set by the service)

    def to_dict(self) -> dict[str, Any]:
        return {"decision": self.decision_id, "version": self.version, "hit_policy": self.hit_policy,
                "inputs": _json(self.inputs),
                "outputs": _json(self.outputs), "matched_rules": self.matched}


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _describe(inputs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in inputs.items()) or "no inputs"


_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def _coerce(value: Any, type_ref: str) -> Any:
    """An input as its column's typeRef wants it (JSON and form values arrive as text); ValueError if not."""
    if value is None or type_ref in ("", "any"):
        return value
    if type_ref == "string":
        if isinstance(value, str):
            return value
        raise ValueError(f"expected a text, got {value!r}")
    if type_ref in ("integer", "long"):
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {value!r}")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value.strip())
        raise ValueError(f"expected a whole number, got {value!r}")
    if type_ref in ("double", "number"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return float(value) if any(c in value for c in ".eE") else int(value)
            except ValueError:
                pass
        raise ValueError(f"expected a number, got {value!r}")
    if type_ref == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"expected true or false, got {value!r}")
    if type_ref == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return datetime.fromisoformat(str(value)).date()
        except ValueError:
            raise ValueError(f"expected a date such as 2026-01-31, got {value!r}") from None
    if isinstance(value, datetime):  # datetime / date and time
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"expected a date and time such as 2026-01-31T09:00, got {value!r}") from None


class _Evaluation:
    def __init__(self, decision: Decision, variables: dict, python: Python | None) -> None:
        self.decision, self.variables, self.python = decision, dict(variables), python
        self.inputs: dict[str, Any] = {}
        self.contexts: list[dict] = []  # per input column: the variables plus the column's input variable

    def fail(self, kind: str, message: str, **kw: Any) -> DecisionError:
        return DecisionError(kind, f"Decision {self.decision.label()}: {message} (inputs: {_describe(self.inputs)})",
                             decision=self.decision, inputs=dict(self.inputs), **kw)

    def run_python(self, cell: Cell, context: dict, where: str) -> Any:
        if self.python is None:
            raise self.fail("cell", f"{where} is a Python cell and no sandbox was given")
        try:
            return self.python(cell.text.strip(), context)
        except Exception as err:  # the sandbox's refusals and the expression's own errors alike
            raise self.fail("cell", f"{where} ({cell.text.strip()!r}) failed: {err}") from err

    def input_values(self) -> list[Any]:
        values = []
        for n, column in enumerate(self.decision.inputs, 1):
            key = (column.cell.text.strip() if column.cell else "") or column.label or f"input{n}"
            cell = column.cell
            try:
                raw = (self.run_python(cell, self.variables, f"input {n}") if cell.language == "python"
                       else cell.run(self.variables))
            except FeelError as err:
                raise self.fail("input", f"input {key} could not be computed: {err}", column=key) from err
            self.inputs[key] = raw
            try:
                values.append(_coerce(raw, column.type_ref))
            except ValueError as err:
                raise self.fail("input", f"input {column.label or key}: {err}", column=key) from err
            self.contexts.append({**self.variables, column.name: values[-1]})
        return values

    def matches(self, rule: Rule, values: list[Any]) -> bool:
        for column, cell, value, context in zip(self.decision.inputs, rule.inputs, values, self.contexts):
            if cell.language == "python":
                got = self.run_python(cell, {**context, "cellInput": value},
                                      f"rule {rule.index}, input {column.label or column.name}")
                ok = got if isinstance(got, bool) else equal(value, got)
            else:
                ok = cell.run(value, context)
            if not ok:
                return False
        return True

    def output(self, rule: Rule) -> dict[str, Any]:
        out = {}
        for column, cell in zip(self.decision.outputs, rule.outputs):
            if cell.language == "python":
                value = self.run_python(cell, self.variables, f"rule {rule.index}, output {column.name}")
            else:
                try:
                    value = cell.run(self.variables)
                except FeelError as err:
                    raise self.fail("cell", f"rule {rule.index}, output {column.name}: {err}") from err
            if column.type_ref in ("integer", "long") and isinstance(value, float) and value.is_integer():
                value = int(value)
            out[column.name] = value
        return out


def _priority(outputs: list[Column], result: dict) -> tuple:
    return tuple(col.values.index(result.get(col.name)) if result.get(col.name) in col.values else len(col.values)
                 for col in outputs)


def evaluate(decision: Decision, variables: dict, *, python: Python | None = None) -> DecisionResult:
    """The decision's result for these variables, by its hit policy. DecisionError on a bad input,
    a UNIQUE violation, an ANY conflict or a failing cell; no match is an empty result, not an error."""
    run = _Evaluation(decision, variables, python)
    values = run.input_values()
    policy = decision.hit_policy
    hits = []
    for rule in decision.rules:
        if run.matches(rule, values):
            hits.append(rule)
            if policy == "FIRST":
                break  # the rest cannot change the result
    if policy == "UNIQUE" and len(hits) > 1:
        rows = [r.index for r in hits]
        raise run.fail("unique", f"hit policy UNIQUE, but rules {', '.join(map(str, rows))} all match", rules=rows)
    pairs = [(rule, run.output(rule)) for rule in hits]
    if policy == "ANY" and len({repr(sorted(o.items())) for _, o in pairs}) > 1:
        rows = [r.index for r, _ in pairs]
        raise run.fail("any", f"hit policy ANY, but rules {', '.join(map(str, rows))} match with different outputs",
                       rules=rows)
    if policy in ("FIRST", "ANY"):
        pairs = pairs[:1]
    elif policy in ("PRIORITY", "OUTPUT ORDER"):
        pairs = sorted(pairs, key=lambda p: _priority(decision.outputs, p[1]))
        pairs = pairs[:1] if policy == "PRIORITY" else pairs
    matched = [{"index": r.index, "id": r.id} for r, _ in pairs]
    outputs = [o for _, o in pairs]
    if policy == "COLLECT" and decision.aggregation:
        name = decision.outputs[0].name
        found = [o[name] for o in outputs if o.get(name) is not None]
        agg = decision.aggregation
        if agg == "COUNT":
            outputs = [{name: len(found)}]
        elif not found:
            outputs = []
        else:
            try:
                outputs = [{name: {"SUM": sum, "MIN": min, "MAX": max}[agg](found)}]
            except TypeError as err:
                raise run.fail("cell", f"{agg} of {found!r} failed: {err}") from err
    return DecisionResult(decision.id, policy + (f" {decision.aggregation}" if decision.aggregation else ""),
                          run.inputs, outputs, matched)


def map_result(result: DecisionResult, mapping: str, decision: Decision, *, required: bool) -> Any:
    """camunda:mapDecisionResult: singleEntry (one value), singleResult (one dict), collectEntries (a list of
    the one output's values), resultList (a list of dicts, the default). ``required``: no match is an error."""
    outputs = result.outputs

    def fail(kind: str, message: str) -> DecisionError:
        return DecisionError(kind, f"Decision {decision.label()}: {message} (inputs: {_describe(result.inputs)})",
                             decision=decision, inputs=result.inputs)

    if not outputs and required:
        raise fail("no_match", "no rule matches")
    if mapping in ("singleEntry", "singleResult") and len(outputs) > 1:
        raise fail("mapping", f"{mapping} needs at most one result, got {len(outputs)}")
    if mapping in ("singleEntry", "collectEntries") and any(len(o) != 1 for o in outputs):
        raise fail("mapping", f"{mapping} needs results of one output each; use singleResult or resultList")
    if mapping == "singleEntry":
        return next(iter(outputs[0].values())) if outputs else None
    if mapping == "singleResult":
        return outputs[0] if outputs else None
    if mapping == "collectEntries":
        return [next(iter(o.values())) for o in outputs]
    return outputs
