"""SLA states, one rule for everything that shows or acts on them: the inbox (each row, the
``sla=`` filter, the home page counts), the record lists, the SLA reminder mails and the KPIs.

* **overdue**: not done by the due time (strictly after it: done exactly at it is on time);
* **at risk**: still open, and the time left is at most ``SLA_AT_RISK_SHARE`` (25 %) of the
  window, from when the work arrived to its due time, but never more than the last
  ``SLA_AT_RISK_HOURS`` (4 h); work that arrives with less than those hours to go is at risk
  from the start. A 2-day deadline is at risk 4 h before, a 10-hour one 2.5 h before, a 4-hour
  emergency in its last hour, a task due 3 h after it was created at once;
* **on time**: otherwise; **none**: no due date.

The SQL forms (``sql_state``) say the same as ``state`` on a row's own columns; their range on
the due date keeps the due-date indexes in use. This module reads no model (``app.models`` uses it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import Float, and_, not_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from app.engine import clock

NONE, ON_TIME, AT_RISK, OVERDUE = "none", "on_time", "at_risk", "overdue"
DEFAULT_SHARE, DEFAULT_HOURS = 0.25, 4.0


@dataclass(frozen=True)
class Rule:
    share: float = DEFAULT_SHARE
    cap: timedelta = timedelta(hours=DEFAULT_HOURS)

    def lead(self, window: timedelta) -> timedelta:
        """How long before its due time work with this window becomes at risk."""
        return window if window < self.cap else min(self.cap, window * self.share)

    def at_risk_from(self, start: datetime, due: datetime) -> datetime:
        return due - self.lead(due - start)


def rule() -> Rule:
    """The configured rule (the defaults outside an app context)."""
    if not has_app_context():
        return Rule()
    cfg = current_app.config
    return Rule(float(cfg.get("SLA_AT_RISK_SHARE", DEFAULT_SHARE)),
                timedelta(hours=float(cfg.get("SLA_AT_RISK_HOURS", DEFAULT_HOURS))))


def state(due: datetime | None, *, start: datetime, now: datetime, finished: datetime | None = None,
          closed: bool = False) -> str:
    """The state of work that arrived at ``start`` and is due at ``due``, at ``now``; ``finished``:
    when it was done. Closed work (done, cancelled) is never at risk."""
    if due is None:
        return NONE
    if (finished or now) > due:
        return OVERDUE
    if not closed and now >= rule().at_risk_from(start, due):
        return AT_RISK
    return ON_TIME


def task_state(task, now: datetime | None = None) -> str:
    """The state of a human task (a ``HumanTask`` row): its window runs from its creation."""
    now = now or clock.now()
    return state(task.due_at, start=task.created_at or now, now=now, finished=task.completed_at,
                 closed=task.state != "open")


# --- the same in SQL -------------------------------------------------------------------------

class _epoch_ms(FunctionElement):
    """Milliseconds since 1970 of a timestamp column: arithmetic on two columns, on either database
    (whole milliseconds on SQLite, whose date functions stop there: rounded, so ties stay ties)."""
    type = Float()
    inherit_cache = True
    name = "epoch_ms"


@compiles(_epoch_ms)
def _epoch_ms_postgresql(element, compiler, **kw) -> str:
    return f"(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000)"


@compiles(_epoch_ms, "sqlite")
def _epoch_ms_sqlite(element, compiler, **kw) -> str:
    return f"ROUND((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400000.0)"


def sql_state(name: str, due: ColumnElement, start: ColumnElement | None, now: datetime) -> ColumnElement:
    """The condition "open work due at ``due``, arrived at ``start``, is in state ``name`` at ``now``"
    (``start`` is not read for ``overdue``)."""
    if name == OVERDUE:
        return due < now
    r = rule()
    cap = r.cap.total_seconds() * 1000
    window, left = _epoch_ms(due) - _epoch_ms(start), _epoch_ms(due) - now.timestamp() * 1000
    # now >= due - lead(window): a short window from its start; else the last share, at most the cap
    late = or_(and_(window < cap, start <= now), and_(window >= cap, left <= window * r.share))
    soon = due <= now + r.cap  # the index range: at risk implies due within the cap
    if name == AT_RISK:
        return and_(due >= now, soon, late)
    if name == ON_TIME:
        return and_(due >= now, or_(not_(soon), not_(late)))
    raise ValueError(f"unknown SLA state {name!r}")


def done_in_time(finished: ColumnElement, due: ColumnElement) -> ColumnElement:
    """Finished by the due time (the opposite of overdue), e.g. the KPIs' on-time repairs."""
    return finished <= due
