"""Decision service: validate, deploy and version DMN files, evaluate a decision, diff two versions.

The one place where decisions are deployed and evaluated: the REST API, the decision editor, the
CLI and the business rule tasks (app/engine/dmn/task.py, through ``DecisionSource``) call these.
Each decision of a file is versioned under its id, as camunda:decisionRef names it; a deployed
version is immutable, and a running instance keeps the version it first used (task.py).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit import audit
from app.engine import sla_policy
from app.engine.actor import Actor
from app.engine.dmn import diff as dmn_diff
from app.engine.dmn.evaluate import DecisionError, DecisionResult
from app.engine.dmn.evaluate import evaluate as evaluate_table
from app.engine.dmn.model import Decision, DmnProblem, parse_dmn
from app.engine.dmn.task import DecisionSource
from app.engine.errors import Conflict, Forbidden, Invalid, NotFound
from app.engine.scripting import script_engine
from app.extensions import db
from app.models import DecisionDefinition

__all__ = ["DecisionDeployment", "deploy", "deploy_directory", "diff", "diff_versions", "download", "evaluate",
           "evaluate_draft", "get", "list_decisions", "table_of", "validate", "versions"]

MAX_BYTES = 5 * 1024 * 1024
MAX_INPUT_BYTES = 64 * 1024


@dataclass
class DecisionDeployment:
    decisions: list[DecisionDefinition]  # one row per decision of the file: new versions, or the latest unchanged
    created: bool  # False: the same file was already the latest version of every decision in it
    warnings: list[DmnProblem] = field(default_factory=list)


def _as_bytes(xml: bytes | str) -> bytes:
    return xml.encode("utf-8") if isinstance(xml, str) else xml


def validate(xml: bytes | str) -> list[DmnProblem]:
    """Every problem of a DMN file (errors and warnings), each located on decision, rule and column."""
    parsed = parse_dmn(_as_bytes(xml), max_bytes=MAX_BYTES)
    return parsed.problems + _checks(parsed)


def _checks(parsed) -> list[DmnProblem]:
    """What tables the engine itself reads need beyond DMN: the SLA policy's deadlines."""
    return [p for d in parsed.decisions if d.id == sla_policy.DECISION for p in sla_policy.check_table(d)]


def deploy(xml: bytes | str, *, actor: Actor, source: str = "file") -> DecisionDeployment:
    """Store a new version of each decision in the file; the same file again is a no-op.
    Invalid (422) with every located problem if any error prevents it."""
    if not (actor.is_admin or "ProcessOwner" in actor.roles):
        raise Forbidden("Only process owners and admins deploy decisions.")
    xml = _as_bytes(xml)
    parsed = parse_dmn(xml, max_bytes=MAX_BYTES)
    errors = parsed.errors + _checks(parsed)
    if errors:
        raise Invalid(gettext("%(n)s problem(s) prevent deployment.", n=len(errors)),
                      problems=[p.to_dict() for p in errors])
    checksum = hashlib.sha256(xml).hexdigest()
    rows, created = [], False
    for decision in parsed.decisions:
        latest = _latest(decision.id)
        if latest is not None and latest.checksum == checksum:
            rows.append(latest)
            continue
        row = DecisionDefinition(key=decision.id, name=(decision.name or decision.id)[:200],
                                 version=(latest.version + 1) if latest else 1, checksum=checksum,
                                 hit_policy=decision.hit_policy, dmn_xml=xml.decode("utf-8"),
                                 deployed_by_id=actor.user_id, source=source)
        db.session.add(row)
        rows.append(row)
        created = True
    if created:
        try:
            db.session.flush()
        except IntegrityError as err:
            db.session.rollback()
            raise Conflict("A decision of this file was deployed meanwhile; try again.") from err
        for row in rows:
            audit("deploy_decision", target=f"{row.key} v{row.version}", detail=source)
        db.session.commit()
    return DecisionDeployment(rows, created, [p for p in parsed.problems if not p.is_error])


def deploy_directory(path: str | Path, *, actor: Actor) -> list[DecisionDeployment]:
    """Deploy every .dmn file of a folder (the shipped ``workflows/``): before the diagrams that use them."""
    done = []
    for f in sorted(Path(path).glob("*.dmn")):
        try:
            done.append(deploy(f.read_bytes(), actor=actor))
        except Invalid as err:
            raise Invalid(f"{f.name}: {err.message}", **err.details) from err
    return done


def _latest(key: str) -> DecisionDefinition | None:
    return db.session.scalars(select(DecisionDefinition).where(DecisionDefinition.key == key)
                              .order_by(DecisionDefinition.version.desc()).limit(1)).first()


def get(key: str, version: int | None = None) -> DecisionDefinition:
    """A decision's latest (or given) version; NotFound (404) if there is none."""
    if version is None:
        row = _latest(key)
        if row is None:
            raise NotFound(f"No decision with key '{key}' is deployed.", key=key)
        return row
    row = db.session.scalars(select(DecisionDefinition).filter_by(key=key, version=version)).first()
    if row is None:
        raise NotFound(f"Decision '{key}' has no version {version}.", key=key, version=version)
    return row


def versions(key: str) -> list[DecisionDefinition]:
    """Every version of a decision, newest first ([] if none)."""
    return db.session.scalars(select(DecisionDefinition).filter_by(key=key)
                              .order_by(DecisionDefinition.version.desc())).all()


def list_decisions() -> list[DecisionDefinition]:
    """The latest version of each decision, by key."""
    latest = (select(DecisionDefinition.key, func.max(DecisionDefinition.version).label("v"))
              .group_by(DecisionDefinition.key).subquery())
    return db.session.scalars(select(DecisionDefinition).join(
        latest, (DecisionDefinition.key == latest.c.key) & (DecisionDefinition.version == latest.c.v))
        .order_by(DecisionDefinition.key)).all()


def download(key: str, version: int | None = None) -> tuple[str, str]:
    """(file name, the DMN file exactly as deployed)."""
    row = get(key, version)
    return f"{row.key}_v{row.version}.dmn", row.dmn_xml


def table_of(row: DecisionDefinition) -> Decision:
    """The compiled decision table of a deployed version (immutable: cached per database and id)."""
    return _table(db.engine, row.id, row.key)


@lru_cache(maxsize=256)
def _table(_engine: Any, definition_id: int, key: str) -> Decision:
    xml = db.session.scalar(select(DecisionDefinition.dmn_xml).where(DecisionDefinition.id == definition_id))
    return next(d for d in parse_dmn(xml, max_bytes=MAX_BYTES).decisions if d.id == key)


def sandbox_python(source: str, context: dict) -> Any:
    """Python cells run in the script runners, like every script and condition."""
    return script_engine().environment.evaluate(source, context)


def _check_inputs(inputs: Any) -> dict:
    if not isinstance(inputs, dict):
        raise Invalid("Inputs must be an object of variable names and values.", fields={"inputs": "not an object"})
    bad = {str(k): "invalid name" for k in inputs
           if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")}
    if bad:
        raise Invalid("Input names must be identifiers not starting with '_'.", fields=bad)
    try:
        size = len(json.dumps(inputs))
    except (TypeError, ValueError) as err:
        raise Invalid(f"Inputs must be JSON values: {err}", fields={"inputs": "not JSON"}) from err
    if size > MAX_INPUT_BYTES:
        raise Invalid(f"Inputs are {size} bytes; the limit is {MAX_INPUT_BYTES}.", fields={"inputs": "too large"})
    return inputs


def evaluate(key: str, inputs: dict, version: int | None = None) -> DecisionResult:
    """Evaluate a deployed decision with these variables: its outputs and matched rules. NotFound (404)
    for an unknown key/version; Invalid (422) for a bad input (``fields`` names it) or a table that
    cannot decide (a UNIQUE violation, an ANY conflict, a failing cell: ``problem`` names it)."""
    row = get(key, version)
    result = _decide(table_of(row), inputs, version=row.version)
    result.version = row.version
    return result


def evaluate_draft(xml: bytes | str, inputs: dict, key: str | None = None) -> DecisionResult:
    """Evaluate a decision of a file that is not deployed (the editor's "test this decision" panel):
    the decision ``key`` (default: the first of the file). Invalid (422) with the located problems if the
    file has errors, or for a bad input, as ``evaluate``; NotFound if the file has no such decision."""
    parsed = parse_dmn(_as_bytes(xml), max_bytes=MAX_BYTES)
    if parsed.errors:
        raise Invalid(gettext("%(n)s problem(s) prevent evaluation.", n=len(parsed.errors)),
                      problems=[p.to_dict() for p in parsed.errors])
    decision = next((d for d in parsed.decisions if key in (None, d.id)), None)
    if decision is None:
        raise NotFound(f"The file has no decision '{key}'.", key=key)
    return _decide(decision, inputs)


def _decide(decision: Decision, inputs: Any, *, version: int | None = None) -> DecisionResult:
    inputs = _check_inputs(inputs)
    try:
        return evaluate_table(decision, inputs, python=sandbox_python)
    except DecisionError as err:
        where = {"decision": decision.id, "version": version}
        if err.kind == "input":
            raise Invalid(str(err), fields={err.column or "inputs": str(err)}, **where) from err
        raise Invalid(str(err), problem=err.kind, rules=err.rules, **where) from err


def diff(old_xml: bytes | str, new_xml: bytes | str) -> dict[str, Any]:
    """Rules added/removed/changed between two DMN files (see app/engine/dmn/diff.py)."""
    return dmn_diff.diff(old_xml, new_xml)


def diff_versions(key: str, old: int, new: int) -> dict[str, Any]:
    """Rules added/removed/changed between two deployed versions of a decision."""
    return diff(get(key, old).dmn_xml, get(key, new).dmn_xml)


def _resolve(key: str, version: int | None) -> tuple[int, Decision] | None:
    row = _latest(key) if version is None else db.session.scalars(
        select(DecisionDefinition).filter_by(key=key, version=version)).first()
    return (row.version, table_of(row)) if row is not None else None


DecisionSource.resolve, DecisionSource.python = staticmethod(_resolve), staticmethod(sandbox_python)
