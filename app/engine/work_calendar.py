"""The working-day calendar in force: China's official calendar (``workdays``) plus the admins'
overrides, in the engine's zone. Due dates, working-time helpers in scripts, digest times and the
KPIs all read it here."""
from __future__ import annotations

import time

from flask import has_app_context

from app.engine import clock
from app.engine.workdays import WorkCalendar
from app.extensions import db
from app.models import CalendarOverride

CACHE_SECONDS = 30.0
_cached: tuple[float, str, WorkCalendar] | None = None


def current() -> WorkCalendar:
    """The calendar with the overrides (re-read every 30 s, or at once after ``invalidate``)."""
    global _cached
    now, zone = time.monotonic(), clock.zone()
    if _cached is None or now - _cached[0] > CACHE_SECONDS or _cached[1] != zone.key:
        overrides = {row.day: row.kind for row in db.session.query(CalendarOverride)} if has_app_context() else {}
        _cached = (now, zone.key, WorkCalendar(overrides, tz=zone))
    return _cached[2]


def invalidate() -> None:
    """After an admin changed an override."""
    global _cached
    _cached = None
