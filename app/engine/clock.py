"""The engine's one clock and time zone.

Every "now" of the engine comes from here, so the demo seeder and tests can run
processes on a simulated clock without patching anything::

    sim = SimulatedClock(datetime(2026, 9, 30, 20, 0, tzinfo=clock.zone()))
    with clock.use(sim.now):
        runtime.start_process(...)
        sim.advance(hours=14)

The override is per thread/task (a ``ContextVar``): a web server's other
requests keep the real time. The zone is ``ENGINE_TIMEZONE`` (Asia/Shanghai): working days,
office hours, naive times typed in forms and scripts, and every displayed time. The working-day
calendar in force is ``work_calendar.current()``.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.engine import script_helpers
from app.models.base import TIME_SOURCE, utcnow
from app.engine.script_helpers import DEFAULT_ZONE

_source = TIME_SOURCE  # one source for the engine and the models' column defaults


def now() -> datetime:
    """The current instant, aware, in UTC (what the database stores)."""
    return utcnow()


def zone() -> ZoneInfo:
    """The operations time zone: working days, office hours and every displayed time."""
    name = current_app.config.get("ENGINE_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)  # ZoneInfo caches its instances


def local_now() -> datetime:
    return now().astimezone(zone())


def local_today() -> date:
    return local_now().date()


def parse_datetime(value: Any) -> datetime:
    """An aware instant from a datetime, date or ISO text; naive values are wall-clock time in ``zone()``."""
    return script_helpers.parse_datetime(value, zone())


def format_date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    """``value`` (as ``parse_datetime`` reads it) shown in ``zone()``."""
    return script_helpers.format_date(value, fmt, zone())


def simulated() -> bool:
    return _source.get() is not None


@contextmanager
def use(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from ``source`` (returning aware datetimes) inside the block."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


class SimulatedClock:
    """A clock that moves only when told to (``advance``, ``set``)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock starts at an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self._now += (delta or timedelta()) + timedelta(**parts)
        return self._now

    def set(self, at: datetime) -> datetime:
        if at < self._now:
            raise ValueError("a simulated clock does not go back")
        self._now = at
        return self._now
