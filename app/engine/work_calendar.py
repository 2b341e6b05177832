"""The working-day calendar in force: China's official calendar (``workdays``) plus the admins'
overrides, in the engine's zone. Due dates, working-time helpers in scripts, digest times and the
KPIs all read it here."""
from __future__ import annotations

import time
from datetime import datetime, time as dtime, timedelta, timezone

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


def week_end(now: datetime) -> datetime:
    """The end of this working week: midnight after the last working day of the (Monday-to-Sunday) week of
    the next working day, today included (China's calendar: a make-up Saturday or Sunday counts, a holiday
    does not; on a weekend or holiday "this week" is the coming one). The inbox's and the API's "due this
    week" reads it."""
    calendar, zone = current(), clock.zone()
    today = now.astimezone(zone).date()
    day = today if calendar.is_working_day(today) else calendar.next_working_day(today)
    last = day + timedelta(days=6 - day.weekday())  # that week's Sunday
    while not calendar.is_working_day(last):
        last -= timedelta(days=1)
    return datetime.combine(last + timedelta(days=1), dtime.min, tzinfo=zone).astimezone(timezone.utc)


def invalidate() -> None:
    """After an admin changed an override."""
    global _cached
    _cached = None
