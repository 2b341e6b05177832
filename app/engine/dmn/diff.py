"""What changed between two versions of a DMN file, rule by rule: a data function the editor renders.

Rules are matched by id (the modeler keeps a row's id when its cells change); a rule in only one
version is added or removed, a rule in both whose cells differ is changed (with the columns that did).
"""
from __future__ import annotations

from typing import Any

from .model import Decision, Rule, parse_dmn


def _cells(decision: Decision, rule: Rule) -> dict[str, str]:
    cols = [c.label or c.cell.text.strip() if c.cell else c.label for c in decision.inputs]
    cells = {f"in:{label or n}": cell.text.strip() for n, (label, cell) in enumerate(zip(cols, rule.inputs), 1)}
    cells.update({f"out:{c.label or c.name}": cell.text.strip() for c, cell in zip(decision.outputs, rule.outputs)})
    cells["description"] = rule.description
    return cells


def _row(change: str, decision: Decision, old: tuple | None, new: tuple | None) -> dict[str, Any]:
    (old_rule, old_cells), (new_rule, new_cells) = old or (None, {}), new or (None, {})
    return {"decision": decision.id, "change": change, "rule_id": (new_rule or old_rule).id,
            "old_index": old_rule.index if old_rule else None, "new_index": new_rule.index if new_rule else None,
            "old": old_cells, "new": new_cells,
            "changed_cells": sorted(k for k in set(old_cells) | set(new_cells) if old_cells.get(k) != new_cells.get(k))
            if old and new else []}


def diff(old_xml: bytes | str, new_xml: bytes | str) -> dict[str, Any]:
    """{"rules": [row...], "tables": [note...]}: each row is added/removed/changed with the old and new
    cells by column ("in:<label>", "out:<label>", "description"); ``tables`` notes decisions added or
    removed and hit policy or column changes."""
    lenient = {"python_check": lambda source, mode: []}
    old = {d.id: d for d in parse_dmn(old_xml, **lenient).decisions}
    new = {d.id: d for d in parse_dmn(new_xml, **lenient).decisions}
    rows, tables = [], []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before is None or after is None:
            tables.append({"decision": key, "change": "added" if before is None else "removed"})
            continue
        if (before.hit_policy, before.aggregation) != (after.hit_policy, after.aggregation):
            tables.append({"decision": key, "change": "hit_policy",
                           "old": f"{before.hit_policy} {before.aggregation or ''}".strip(),
                           "new": f"{after.hit_policy} {after.aggregation or ''}".strip()})
        cols = [[c.label or c.name for c in d.inputs + d.outputs] for d in (before, after)]
        if cols[0] != cols[1]:
            tables.append({"decision": key, "change": "columns", "old": cols[0], "new": cols[1]})
        was = {r.id: (r, _cells(before, r)) for r in before.rules}
        now = {r.id: (r, _cells(after, r)) for r in after.rules}
        for rule in after.rules:
            if rule.id not in was:
                rows.append(_row("added", after, None, now[rule.id]))
            elif was[rule.id][1] != now[rule.id][1]:
                rows.append(_row("changed", after, was[rule.id], now[rule.id]))
        rows += [_row("removed", before, was[r.id], None) for r in before.rules if r.id not in now]
    return {"rules": rows, "tables": tables}
