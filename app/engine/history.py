"""History service: an append-only record of every event, queryable per instance and per user.

Storage is compact (issue 22): the events one transaction records for an instance become ONE
``history_event`` row (a task completion's row carries the completion with its form data, the
gateways passed, the next tasks created, the end), written when the transaction commits. Each
event is a small JSON object (the comment at ``CODES``); an element's name is left out when the instance's
process version gives it, and put back when read. Readers get ``Event`` objects with the same
fields as before (id, event, at, user_id, task_id, element_id, element_name, data); an event's id
is ``row id * ROW_EVENTS + position``. History is never purged (app.engine.retention leaves it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, event as sa_event, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import HistoryEvent, ProcessDefinition, ProcessInstance
from app.models.base import utcnow

# Short codes of the event names (an unknown name is stored as it is).
CODES = {
    "instance_started": "is", "instance_completed": "ic", "instance_suspended": "iz", "instance_resumed": "ir",
    "instance_terminated": "it", "instance_migrated": "im", "task_created": "tn", "task_claimed": "tl",
    "task_unclaimed": "tu", "task_assigned": "ta", "task_completed": "tc", "task_cancelled": "tx",
    "task_recommitted": "tr", "task_rescheduled": "td", "task_follow_up": "tw", "gateway_taken": "gw",
    "script_run": "sr", "service_run": "sv", "message_sent": "ms", "message_received": "mr", "event_caught": "ec",
    "timer_fired": "tf", "start_event": "se", "end_event": "ee", "call_activity_completed": "ca",
    "subprocess_completed": "sp", "compensation_thrown": "cp", "incident_raised": "xr", "incident_resolved": "xs",
    "variables_changed": "vc",
}
EVENTS = {code: name for name, code in CODES.items()}
# One event: {"e": code, "i": element id, "t": task id, "n": element name (only when the process version
# does not give it), "d": data, "u": user id (only when not the default)}; absent keys are None. The
# default user is the row's, but nobody for what the engine does by itself (UNATTRIBUTED).
UNATTRIBUTED = frozenset({"tn", "tx"})  # a task created or cancelled by the engine: no actor
ROW_EVENTS = 1000  # events per row at most: an event's id is row id * ROW_EVENTS + position
_UNKNOWN = object()  # the version is not at hand when recording: the name is kept in the row
_PENDING = "history_pending"  # session.info: {instance id: [(user id, event, at)]}, this transaction's


@dataclass(frozen=True)
class Event:
    """One event as every reader sees it (screens, API, KPIs, exports)."""
    id: int
    instance_id: int
    event: str
    at: datetime
    user_id: int | None = None
    task_id: int | None = None
    element_id: str | None = None
    element_name: str | None = None
    data: Any = None


def record(instance_id: int, event: str, *, actor=None, task_id: int | None = None,
           element_id: str | None = None, element_name: str | None = None, data: Any = None) -> None:
    """Remember an event of this transaction; the commit writes it into the instance's step row."""
    session = db.session()
    name = (element_name or "")[:200] or None
    item: dict[str, Any] = {"e": CODES.get(event, event)}
    if element_id:
        item["i"] = element_id
    if task_id is not None:
        item["t"] = task_id
    if name != _recorded_default(session, instance_id, element_id):
        item["n"] = name
    if data is not None:
        item["d"] = dict(data) if isinstance(data, dict) else data  # the caller may change its dict later
    session.info.setdefault(_PENDING, {}).setdefault(instance_id, []).append(
        (getattr(actor, "user_id", None), item, utcnow()))


def _recorded_default(session: Session, instance_id: int, element_id: str | None):
    """The name a reader will derive for ``element_id``: the version's, if the instance is at hand."""
    if not element_id:
        return None
    inst = session.identity_map.get(identity_key(ProcessInstance, instance_id))
    if inst is None or "definition_id" not in inst.__dict__:  # never a query just to save a few bytes
        return _UNKNOWN
    return version_names(inst.definition_id).get(element_id)


def version_names(definition_id: int) -> dict[str, str | None]:
    """{element id: name} of a process version (immutable: cached for good)."""
    return _version_names(db.engine, definition_id)


@lru_cache(maxsize=256)
def _version_names(_engine, definition_id: int) -> dict[str, str | None]:
    from app.engine import definitions  # definitions -> decisions/store -> ... -> history: read at call time

    spec, subs = definitions.specs_by_id(definition_id)
    names: dict[str, str | None] = {}
    for one in (spec, *subs.values()):
        for ts in one.task_specs.values():
            bpmn_id = getattr(ts, "bpmn_id", None)
            if bpmn_id and bpmn_id not in names:
                names[bpmn_id] = (getattr(ts, "bpmn_name", None) or "")[:200] or None
    return names


def rows_of(pending: dict[int, list]) -> list[dict[str, Any]]:
    """One row per instance (its first actor is the row's user; others are named per event)."""
    rows = []
    for instance_id, items in pending.items():
        for start in range(0, len(items), ROW_EVENTS):
            chunk = items[start:start + ROW_EVENTS]
            user_id = next((u for u, _, _ in chunk if u is not None), None)
            events = [item if u == _default_user(item, user_id) else {**item, "u": u} for u, item, _ in chunk]
            rows.append({"instance_id": instance_id, "user_id": user_id, "at": chunk[0][2], "ev": events})
    return rows


def _default_user(item: dict, row_user: int | None) -> int | None:
    return None if item.get("e") in UNATTRIBUTED else row_user


_INSERT = HistoryEvent.__table__.insert()  # append-only rows nobody holds: no unit of work (issue 22)
# One row written by the caller's own statement (``take_row``): PostgreSQL runs it as a data-modifying
# CTE of the step's last write, one round trip fewer per step.
ROW_CTE = HistoryEvent.__table__.insert().values(
    {name: bindparam("h_" + name) for name in ("instance_id", "user_id", "at", "ev")}).cte("history_row")


def take_row(session: Session) -> dict[str, Any] | None:
    """This transaction's events, taken out of the pending ones as ``ROW_CTE``'s parameters, when they
    are one row and no savepoint is open (its rollback must be able to drop them); else None."""
    pending = session.info.get(_PENDING)
    if not pending or len(pending) != 1 or session.in_nested_transaction():
        return None
    rows = rows_of(pending)
    if len(rows) != 1:
        return None
    del session.info[_PENDING]
    return {"h_" + key: value for key, value in rows[0].items()}


def write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.connection().execute(_INSERT, rows_of(pending))


@sa_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's events wait for the transaction's commit
        write_pending(session)


@sa_event.listens_for(Session, "after_transaction_create")
def _savepoint_begins(session: Session, transaction) -> None:
    if transaction.nested:  # what was recorded so far survives a rollback of the savepoint
        marks = {k: len(v) for k, v in session.info.get(_PENDING, {}).items()}
        session.info.setdefault("history_marks", {})[id(transaction)] = marks


@sa_event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous) -> None:
    if previous.nested:
        marks = session.info.get("history_marks", {}).pop(id(previous), {})
        pending = session.info.get(_PENDING, {})
        for instance_id in list(pending):
            del pending[instance_id][marks.get(instance_id, 0):]
            if not pending[instance_id]:
                del pending[instance_id]
    elif previous.parent is None:
        session.info.pop(_PENDING, None)


@sa_event.listens_for(Session, "after_transaction_end")
def _transaction_ends(session: Session, transaction) -> None:
    # A savepoint's marks stay until the transaction ends: its rollback is told after its end.
    if not transaction.nested and transaction.parent is None:  # committed (written above), rolled back, closed
        session.info.pop(_PENDING, None)
        session.info.pop("history_marks", None)


# --- reading --------------------------------------------------------------------------------------

def decode(row: HistoryEvent, definition_ids: list[int | None] | None = None) -> list[Event]:
    """The events of a row; ``definition_ids[i]``: the version that names event i's element."""
    out = []
    for pos, item in enumerate(row.ev or ()):
        element = item.get("i")
        if "n" in item or not element:
            name = item.get("n")
        else:
            version = definition_ids[pos] if definition_ids else None
            name = version_names(version).get(element) if version else None
        code = item.get("e")
        out.append(Event(id=row.id * ROW_EVENTS + pos, instance_id=row.instance_id, event=EVENTS.get(code, code),
                         at=row.at, user_id=item["u"] if "u" in item else _default_user(item, row.user_id),
                         task_id=item.get("t"),
                         element_id=element, element_name=name, data=item.get("d")))
    return out


def _versions(inst: ProcessInstance, rows: list[HistoryEvent]) -> list[list[int | None]]:
    """Per row and event, the version the instance ran when it was recorded: the current one, and
    before each migration the version it came from."""
    current, out = inst.definition_id, []
    for row in reversed(rows):
        ids = []
        for item in reversed(row.ev or ()):
            ids.append(current)
            if item.get("e") == CODES["instance_migrated"] and isinstance(item.get("d"), dict):
                current = db.session.scalar(select(ProcessDefinition.id).where(
                    ProcessDefinition.key == inst.process_key,
                    ProcessDefinition.version == item["d"].get("from_version"))) or current
        out.append(ids[::-1])
    return out[::-1]


def for_instance(instance_id: int) -> list[Event]:
    """Every event of an instance, oldest first."""
    write_pending(db.session())  # this transaction's own events too (a caller reading its own step)
    rows = db.session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
                              .order_by(HistoryEvent.at, HistoryEvent.id)).all()
    inst = db.session.get(ProcessInstance, instance_id)
    versions = _versions(inst, rows) if inst is not None else [None] * len(rows)
    return [e for row, ids in zip(rows, versions) for e in decode(row, ids)]


def for_user(user_id: int, *, limit: int = 100, offset: int = 0) -> list[Event]:
    """What a user did, newest first (the events of their steps recorded under their name)."""
    write_pending(db.session())
    rows = db.session.scalars(select(HistoryEvent).where(HistoryEvent.user_id == user_id)
                              .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc()).limit(limit + offset)).all()
    by_instance: dict[int, list[Event]] = {}
    for instance_id in dict.fromkeys(r.instance_id for r in rows):
        by_instance[instance_id] = [e for e in for_instance(instance_id) if e.user_id == user_id]
    wanted = {r.id for r in rows}
    mine = [e for events in by_instance.values() for e in events if e.id // ROW_EVENTS in wanted]
    mine.sort(key=lambda e: (e.at, e.id), reverse=True)
    return mine[offset:offset + limit]
