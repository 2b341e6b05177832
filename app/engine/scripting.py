"""The one script engine of the runtime: the sandbox plus documented helpers.

Helpers available in every BPMN expression and script (see README):
``now()``, ``today()``, ``add_working_days(n, start=None)``,
``add_working_minutes(m, start=None)``, ``add_working_hours(h, start=None)``,
``add_working(duration, start=None)`` (``"P1D"`` = one working day),
``is_working_day(day=None)``, ``working_minutes_between(a, b)``,
``format_date(value, fmt="%Y-%m-%d")``, ``parse_datetime(text)``,
``send_mail(template, to, **context)`` (acknowledgement, result, survey_link).

Scripts and expressions run in runner processes with OS limits (``script_runner.py``):
``now``, ``today``, ``format_date`` and ``parse_datetime`` run there (``now()`` is the
app's time when the evaluation started); the calendar helpers and ``send_mail`` need
the database and run here, called over the runner's pipe.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from app.engine.sandbox_engine import SandboxedScriptEngine
from app.engine.script_helpers import PURE, TZ, parse_datetime
from app.engine.script_runner import RunnerEnvironment
from app.engine.workdays import WorkCalendar

__all__ = ["TZ", "EngineScriptEngine", "current_calendar", "invalidate_calendar", "parse_datetime", "script_engine"]
_CACHE_SECONDS = 30.0
_calendar: tuple[float, WorkCalendar] | None = None


def _load_overrides() -> dict[date, str]:
    from flask import has_app_context

    if not has_app_context():
        return {}
    from app.extensions import db
    from app.models import CalendarOverride

    return {row.day: row.kind for row in db.session.query(CalendarOverride).all()}


def current_calendar() -> WorkCalendar:
    """The official calendar with the admins' overrides (re-read every 30 s)."""
    global _calendar
    now = time.monotonic()
    if _calendar is None or now - _calendar[0] > _CACHE_SECONDS:
        _calendar = (now, WorkCalendar(_load_overrides(), tz=TZ))
    return _calendar[1]


def invalidate_calendar() -> None:
    global _calendar
    _calendar = None


def _start(start) -> datetime:
    return parse_datetime(start) if start is not None else datetime.now(TZ)


def _send_mail(template: str, to, **context):
    """Queue a templated customer mail from a script (sent by the job executor)."""
    from app.engine import mail

    return mail.send_mail(template, to, **context)


def _helpers() -> dict:
    cal = current_calendar
    return {
        **PURE,  # now, today, format_date, parse_datetime
        "add_working_days": lambda n, start=None: cal().add_working_days(_start(start), int(n)),
        "add_working_minutes": lambda m, start=None: cal().add_working_minutes(_start(start), int(m)),
        "add_working_hours": lambda h, start=None: cal().add_working_hours(_start(start), h),
        "add_working": lambda duration, start=None: cal().add_working(_start(start), str(duration)),
        "is_working_day": lambda day=None: cal().is_working_day(parse_datetime(day).date() if day else datetime.now(TZ).date()),
        "working_minutes_between": lambda a, b: cal().working_minutes_between(parse_datetime(a), parse_datetime(b)),
        "send_mail": _send_mail,
    }


class EngineScriptEngine(SandboxedScriptEngine):
    """Scripts and expressions run in the script runners; expression results that are
    instants become ISO strings, which is what SpiffWorkflow's timers and our due dates expect."""

    def __init__(self, helpers: dict) -> None:
        super().__init__(environment=RunnerEnvironment(helpers, child_helpers=PURE.keys() & helpers.keys()))

    def evaluate(self, task, expression, external_context=None):
        result = super().evaluate(task, expression, external_context)
        if isinstance(result, datetime):
            return (result if result.tzinfo else result.replace(tzinfo=TZ)).isoformat()
        if isinstance(result, timedelta):
            return f"PT{int(result.total_seconds())}S"
        return result

    def execute(self, task, script, external_context=None):
        # mails a script queues are kept only if the whole script succeeds
        from app.engine.mail import script_scope

        with script_scope():
            return super().execute(task, script, external_context)


_engine: EngineScriptEngine | None = None


def script_engine() -> EngineScriptEngine:
    global _engine
    if _engine is None:
        _engine = EngineScriptEngine(helpers=_helpers())
    return _engine
