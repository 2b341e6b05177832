"""The one script engine of the runtime: the sandbox plus documented helpers.

Helpers available in every BPMN expression and script (see README):
``now()``, ``today()``, ``add_working_days(n, start=None)``,
``add_working_minutes(m, start=None)``, ``add_working_hours(h, start=None)``,
``add_working(duration, start=None)`` (``"P1D"`` = one working day),
``is_working_day(day=None)``, ``working_minutes_between(a, b)``,
``format_date(value, fmt="%Y-%m-%d")``, ``parse_datetime(text)``,
``add_months(value, n)`` (calendar months, clamped to the month's end: Camunda's ``plusMonths``),
``sla_due(kind, milestone, start=None)`` (the SLA policy's deadline, app/engine/sla_policy.py),
``on_call(department_code)`` (who is on call now: app/engine/rota.py),
``department_members(code)`` (the department's active members, comma-separated: candidateUsers),
``department_heads()`` (login names of the departments' heads: a multi-instance collection),
``send_mail(template, to, **context)`` (acknowledgement, result, survey_link).

Scripts and expressions run in runner processes with OS limits (``script_runner.py``):
``now``, ``today``, ``format_date``, ``parse_datetime`` and ``add_months`` run there (``now()`` is the
app's time when the evaluation started, in the app's zone); the calendar helpers and
``send_mail`` need the database and run here, called over the runner's pipe.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.engine import clock, departments, mail, record_fields, rota, sla_policy, work_calendar
from app.engine.sandbox_engine import SandboxedScriptEngine
from app.engine import script_helpers
from app.engine.script_helpers import PURE_NAMES
from app.engine.script_runner import RunnerEnvironment

__all__ = ["EngineScriptEngine", "current_calendar", "evaluate_without_data", "invalidate_calendar", "script_engine"]
# Read here by the operations views, the demo seeder and tests.
current_calendar = work_calendar.current
invalidate_calendar = work_calendar.invalidate


def __getattr__(name: str) -> Any:
    if name == "TZ":  # the operations views still import the zone from here: the configured one
        return clock.zone()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _start(start) -> datetime:
    return clock.parse_datetime(start) if start is not None else clock.local_now()


def _is_working_day(day=None) -> bool:
    return work_calendar.current().is_working_day(clock.parse_datetime(day).date() if day else clock.local_today())


def _helpers() -> dict:
    cal = work_calendar.current
    return {
        # These five run in the runner process (script_helpers); here they only name the helpers.
        "now": clock.local_now, "today": clock.local_today, "format_date": clock.format_date,
        "parse_datetime": clock.parse_datetime,
        "add_months": lambda value, n: script_helpers.add_months(value, n, clock.zone()),
        "add_working_days": lambda n, start=None: cal().add_working_days(_start(start), int(n)),
        "add_working_minutes": lambda m, start=None: cal().add_working_minutes(_start(start), int(m)),
        "add_working_hours": lambda h, start=None: cal().add_working_hours(_start(start), h),
        "add_working": lambda duration, start=None: cal().add_working(_start(start), str(duration)),
        "is_working_day": _is_working_day,
        "working_minutes_between": lambda a, b: cal().working_minutes_between(clock.parse_datetime(a),
                                                                              clock.parse_datetime(b)),
        "department_members": lambda code: ",".join(departments.members(str(code))),  # candidateUsers
        "department_heads": departments.heads,  # a multi-instance collection: one task per department head
        "on_call": lambda department: rota.on_call(str(department)),  # the on-call rota: a login name or None
        "sla_due": lambda kind, milestone, start=None: sla_policy.due(str(kind), str(milestone), _start(start)),
        "send_mail": mail.send_mail,  # queues a templated customer mail (sent by the job executor)
        "record_field": record_fields.read,  # a field of the instance's record, read by reference
    }


class EngineScriptEngine(SandboxedScriptEngine):
    """Scripts and expressions run in the script runners; expression results that are
    instants become ISO strings, which is what SpiffWorkflow's timers and our due dates expect."""

    def __init__(self, helpers: dict) -> None:
        super().__init__(environment=RunnerEnvironment(helpers, child_helpers=PURE_NAMES & helpers.keys()))

    def evaluate(self, task, expression, external_context=None):
        result = super().evaluate(task, expression, external_context)
        if isinstance(result, datetime):
            return (result if result.tzinfo else result.replace(tzinfo=clock.zone())).isoformat()
        if isinstance(result, timedelta):
            return f"PT{int(result.total_seconds())}S"
        return result

    def execute(self, task, script, external_context=None):
        with mail.script_scope():  # mails a script queues are kept only if the whole script succeeds
            return super().execute(task, script, external_context)


_engine: EngineScriptEngine | None = None


def script_engine() -> EngineScriptEngine:
    global _engine
    if _engine is None:
        _engine = EngineScriptEngine(helpers=_helpers())
    return _engine


def evaluate_without_data(source: str) -> Any:
    """An expression with the helpers but no process data: a timer start event's, at deploy and when it fires."""
    return script_engine().environment.evaluate(source, {})
