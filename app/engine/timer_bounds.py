"""Bounds on timer values: the same rules at deploy (literal values) and at run time (evaluated ones).

Refused: a duration or cycle interval that is zero or negative, a duration or date beyond the
horizon (config ``TIMER_MAX_HORIZON_YEARS``, default 10), and a cycle anchored so far in the past
that more than ``TIMER_MAX_CATCHUP`` (default 10) occurrences are already due: SpiffWorkflow fires
each of them, one per run. A date in the past is allowed: it fires once, late.

A Quartz cron cycle (``0 0 9 ? * MON-FRI``, ``cron.py``) runs in the engine zone with the same
bounds: it must fire within the horizon, and it never catches up (its next occurrence after now).

The checks are plain arithmetic on the parsed numbers; they run before SpiffWorkflow's own parsing,
which walks a duration month by month (``P4000000Y`` took 25 s) and, for a cycle start event, our
scheduler stepped interval by interval (``R/.../PT0S`` never ended).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import current_app, has_app_context
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Spiff

from app.engine import clock, cron

DEFAULT_HORIZON_YEARS = 10
DEFAULT_MAX_CATCHUP = 10
_YEAR = 365.25 * 86400
# Seconds per designator, in the order of the regular expression's groups (approximate: for bounds only).
_UNITS = (_YEAR, _YEAR / 12, 7 * 86400, 86400, 3600, 60, 1)
_N = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(rf"P(?:{_N}Y)?(?:{_N}M)?(?:{_N}W)?(?:{_N}D)?(?:T(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?", re.I)
_CYCLE = re.compile(r"R(\d*)/([^/]+)(?:/([^/]+))?", re.I)


class TimerBoundError(ValueError):
    """A timer value the engine refuses; the message says why (the caller adds the element)."""


@dataclass(frozen=True)
class Limits:
    horizon_years: int = DEFAULT_HORIZON_YEARS
    max_catchup: int = DEFAULT_MAX_CATCHUP

    @property
    def horizon(self) -> timedelta:
        return timedelta(seconds=self.horizon_years * _YEAR)


def limits() -> Limits:
    """The configured limits (defaults outside an app context)."""
    if not has_app_context():
        return Limits()
    cfg = current_app.config
    return Limits(int(cfg.get("TIMER_MAX_HORIZON_YEARS", DEFAULT_HORIZON_YEARS)),
                  int(cfg.get("TIMER_MAX_CATCHUP", DEFAULT_MAX_CATCHUP)))


def _short(text: str) -> str:
    """A value for a message, shortened: a hostile one may be megabytes long."""
    return text if len(text) <= 80 else text[:77] + "..."


def as_text(value) -> str:
    """An evaluated timer value as the ISO text SpiffWorkflow reads."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if not isinstance(value, str):
        raise TimerBoundError(f"{_short(repr(value))} is not an ISO 8601 date, duration or cycle")
    return value.strip()


def duration_seconds(text: str) -> float:
    """Approximate length of an ISO 8601 duration (a month is 1/12 year): enough to bound it."""
    if text.startswith("-") or (text[:1] in "Pp" and "-" in text):  # -PT1H, PT-1H
        raise TimerBoundError(f"duration {_short(text)!r} is negative")
    m = _DURATION.fullmatch(text)
    if m is None or not any(m.groups()):
        raise TimerBoundError(f"{_short(text)!r} is not an ISO 8601 duration (e.g. PT30M, P2D)")
    return sum(float(v.replace(",", ".")) * unit for v, unit in zip(m.groups(), _UNITS) if v)


def check_duration(text: str, lim: Limits, what: str = "duration") -> None:
    seconds = duration_seconds(text)
    if seconds <= 0:
        raise TimerBoundError(f"{what} {_short(text)!r} is zero: it would fire at once, again and again")
    if seconds > lim.horizon.total_seconds():
        raise TimerBoundError(f"{what} {_short(text)!r} is beyond the {lim.horizon_years}-year horizon")


def check_date(value, now: datetime, lim: Limits) -> datetime:
    """The instant of a date value; refused beyond the horizon (the past is fine: it fires late)."""
    if isinstance(value, datetime):
        due = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        text = as_text(value)
        if text.upper().startswith(("P", "R")):
            raise TimerBoundError(f"{_short(text)!r} is not a date (e.g. 2026-12-01T09:00:00+08:00)")
        try:
            due = Spiff.parse_time_or_duration(text)
        except (ValueError, AttributeError, TypeError, OverflowError) as err:
            raise TimerBoundError(f"{_short(text)!r} is not an ISO 8601 date: {err}") from err
    if due - now > lim.horizon:
        raise TimerBoundError(f"date {due.isoformat()} is beyond the {lim.horizon_years}-year horizon")
    return due


def duration_due(text: str, now: datetime, lim: Limits) -> datetime:
    """When a duration timer started ``now`` fires."""
    check_duration(text, lim)
    try:
        return now + Spiff.get_timedelta_from_start(Spiff.parse_iso_duration(text), now)
    except Exception as err:  # SpiffWorkflow raises bare Exception('Invalid duration')
        raise TimerBoundError(f"{_short(text)!r} is not an ISO 8601 duration: {err}") from err


def check_cycle(text: str, now: datetime, lim: Limits, *, catchup: bool = True) -> tuple[int, datetime, timedelta]:
    """(cycles, first occurrence, interval) of ``R[n]/start/interval``, ``R[n]/interval[/end]``.

    ``catchup``: refuse a start so far back that more than ``max_catchup`` occurrences are due now
    (a timer start event never catches up: it waits for the next occurrence, so it passes False)."""
    m = _CYCLE.fullmatch(text.replace("--", "/"))
    if m is None:
        raise TimerBoundError(f"{_short(text)!r} is not an ISO 8601 cycle "
                              "(e.g. R3/PT1H, R/2026-12-01T09:00:00+08:00/P1D)")
    for part in m.groups()[1:]:
        if part is None:
            continue
        if part.upper().startswith("P"):
            check_duration(part, lim, "cycle interval")
        else:
            check_date(part, now, lim)
    try:
        cycles, start, interval = Spiff.parse_iso_recurring_interval(text)
        if m.group(3) is None and m.group(2).upper().startswith("P"):  # R/interval: from ``now``, not Spiff's clock
            interval = Spiff.get_timedelta_from_start(Spiff.parse_iso_duration(m.group(2)), now)
            start = now + interval
    except Exception as err:
        raise TimerBoundError(f"{_short(text)!r} is not an ISO 8601 cycle: {err}") from err
    if interval <= timedelta(0):
        raise TimerBoundError(f"cycle interval of {_short(text)!r} is zero: it would fire at once, again and again")
    if catchup and start < now:
        due = (now - start) // interval + 1
        due = min(due, cycles) if cycles >= 0 else due
        if due > lim.max_catchup:
            raise TimerBoundError(f"cycle {_short(text)!r} starts {start.isoformat()}: {due} occurrences would fire at "
                                  f"once (at most {lim.max_catchup}); start it later")
    return cycles, start, interval


def check_cron(text: str, now: datetime, lim: Limits) -> tuple[cron.Cron, datetime]:
    """(parsed cron, first occurrence after ``now``); refused if it is invalid or never fires within the horizon."""
    try:
        parsed = cron.parse(text)
    except cron.CronError as err:
        raise TimerBoundError(f"cron {_short(text)!r} is not valid: {err}") from err
    first = parsed.next_after(now, clock.zone(), lim.horizon)
    if first is None:
        raise TimerBoundError(f"cron {_short(text)!r} never fires within the {lim.horizon_years}-year horizon")
    return parsed, first


def next_cron(text: str, after: datetime, lim: Limits | None = None) -> datetime:
    """The next occurrence of a cron cycle after ``after`` (an error if there is none within the horizon)."""
    return check_cron(text, after, lim or limits())[1]


def next_start(value, *, after: datetime, fired: int = 0, lim: Limits | None = None) -> datetime | None:
    """When a timer start event whose expression evaluated to ``value`` (a date, a duration or a cycle)
    fires next, after ``after`` and ``fired`` times already; None when it fires no more. A cycle does
    not catch up: its next occurrence after ``after``."""
    text, lim = as_text(value), lim or limits()
    if cron.is_cron(text):  # a cron cycle repeats without end
        return check_cron(text, after, lim)[1]
    if text.upper().startswith("R"):
        cycles, start, interval = check_cycle(text, after, lim, catchup=False)
        if cycles != -1 and fired >= cycles:
            return None
        return next_occurrence(start, interval, after)
    if fired:
        return None
    if text.upper().startswith("P"):
        return duration_due(text, after, lim)
    return check_date(text, after, lim)


def next_occurrence(start: datetime, interval: timedelta, after: datetime) -> datetime:
    """First ``start + k * interval`` (k >= 0) strictly after ``after``: arithmetic, not a loop."""
    if start > after:
        return start
    return start + ((after - start) // interval + 1) * interval


def check(kind: str, value, now: datetime, lim: Limits | None = None) -> str:
    """Check a timer value of ``kind`` (timeDate, timeDuration, timeCycle); its ISO text."""
    lim = lim or limits()
    text = as_text(value)
    if kind == "timeDate":
        check_date(text, now, lim)
    elif kind == "timeDuration":
        duration_due(text, now, lim)
    elif cron.is_cron(text):
        check_cron(text, now, lim)
    else:
        check_cycle(text, now, lim)
    return text
