"""The engine's one clock and time zone.

Every "now" of the engine comes from here, so the demo seeder and tests can run
processes on a simulated clock without patching anything::

    sim = SimulatedClock(datetime(2026, 9, 30, 20, 0, tzinfo=clock.zone()))
    with clock.use(sim.now):
        runtime.start_process(...)
        sim.advance(hours=14)

The override is per thread/task (a ``ContextVar``): a web server's other
requests keep the real time. The zone is ``ENGINE_TIMEZONE`` (Asia/Shanghai).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"
_source: ContextVar[Callable[[], datetime] | None] = ContextVar("clock_source", default=None)


def now() -> datetime:
    """The current instant, aware, in UTC (what the database stores)."""
    source = _source.get()
    return source().astimezone(timezone.utc) if source is not None else datetime.now(timezone.utc)


def zone() -> ZoneInfo:
    """The operations time zone: working days, office hours and every displayed time."""
    name = current_app.config.get("ENGINE_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)  # ZoneInfo caches its instances


def local_now() -> datetime:
    return now().astimezone(zone())


def local_today() -> date:
    return local_now().date()


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
