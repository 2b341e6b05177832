"""China working-day calendar used to compute SLA deadlines.

Pure Python (stdlib + ``chinese_calendar`` + ``zoneinfo``); no Flask.

Which days are working days
---------------------------
1. An admin override for the date wins: "workday" makes it a working day,
   "holiday" and "closure" make it a day off.
2. Otherwise, for years covered by ``chinese_calendar`` (see ``year_is_known``),
   the State Council arrangement applies, including make-up working weekends
   (调休) and holidays that fall on weekdays.
3. Otherwise (years the library does not know) Monday-Friday are working days.
   Public holidays of such years are NOT known: add them as overrides.

Working hours are ``[day_start, day_end)`` (default 09:00-18:00) on working
days, wall-clock time in ``tz`` (default Asia/Shanghai).  Naive datetimes are
interpreted in ``tz``; aware ones are converted to it.  All returned datetimes
are aware and in ``tz``.

Definition of "within N working days" (``add_working_days``)
------------------------------------------------------------
For N >= 1 the deadline is close of business (``day_end``) of the N-th working
day strictly AFTER the calendar day (in ``tz``) on which ``start`` falls.  The
time of day of ``start`` is irrelevant, and so is whether that day is itself a
working day: a request received Friday 10:00, Friday 20:00 or Saturday with
N=1 is due Monday 18:00 (or later if Monday is not a working day).
For N = 0 the deadline is close of business of the start day if it is a
working day and ``start`` is before ``day_end``; otherwise close of business
of the next working day.

Working-time conventions (``add_working_minutes``)
--------------------------------------------------
* Only minutes inside working hours of working days are counted.
* The clock starts at ``start`` if it lies inside working hours; before
  opening on a working day it starts at that day's opening; at or after
  ``day_end``, or on a non-working day, it starts at the next opening
  (Fri 17:50 + 30 min -> next working day 09:20; Fri 18:00 + 0 -> next opening).
  Minutes are wall-clock minutes in ``tz``.
* A deadline that lands exactly on ``day_end`` stays there (17:00 + 60 min ->
  18:00 the same day, not 09:00 the next working day).
* ``working_minutes_between`` counts whole working minutes (partial minutes
  are truncated) and is the inverse of ``add_working_minutes``.

ISO 8601 durations (``add_working``)
------------------------------------
``P<n>D`` = n working days and ``P<n>W`` = 5n working days, with
``add_working_days`` semantics ("P1D" is never 24 working hours).
``PT<h>H<m>M`` = working time via ``add_working_minutes``.  ``P1DT4H`` first
adds the days (landing on close of business), then the working minutes
(so it ends 13:00 of the following working day).  Years, months, seconds
and fractions are rejected with ``ValueError``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

OVERRIDE_KINDS = frozenset({"holiday", "workday", "closure"})
DAY_KINDS = ("workday", "weekend", "holiday", "makeup_workday",
             "override_holiday", "override_workday", "closure")
# Guard against an endless search if overrides close an absurd stretch of days.
_MAX_SEARCH_DAYS = 3660
_DURATION_RE = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)
_ONE_DAY = timedelta(days=1)


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, str] | None = None, *,
                 day_start: time = time(9), day_end: time = time(18),
                 tz: str | tzinfo = "Asia/Shanghai") -> None:
        if day_start >= day_end:
            raise ValueError(f"day_start {day_start} must be before day_end {day_end}")
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.day_start, self.day_end = day_start, day_end
        clean: dict[date, str] = {}
        for d, kind in (overrides or {}).items():
            if kind not in OVERRIDE_KINDS:
                raise ValueError(f"override for {d}: {kind!r} is not one of {sorted(OVERRIDE_KINDS)}")
            clean[d.date() if isinstance(d, datetime) else d] = kind
        self._overrides = clean
        self._working: dict[date, bool] = {}  # is_working_day cache (per instance)
        self._known_years: dict[int, bool] = {}

    @property
    def overrides(self) -> Mapping[date, str]:
        return MappingProxyType(self._overrides)

    def year_is_known(self, year: int) -> bool:
        """True if chinese_calendar has the official arrangement for ``year``."""
        if year not in self._known_years:
            try:
                chinese_calendar.is_workday(date(year, 6, 1))
                self._known_years[year] = True
            except NotImplementedError:
                self._known_years[year] = False
        return self._known_years[year]

    def is_working_day(self, d: date) -> bool:
        d = self._as_date(d)
        cached = self._working.get(d)
        if cached is None:
            override = self._overrides.get(d)
            if override is not None:
                cached = override == "workday"
            elif self.year_is_known(d.year):
                cached = chinese_calendar.is_workday(d)
            else:
                cached = d.weekday() < 5
            self._working[d] = cached
        return cached

    def day_kind(self, d: date) -> str:
        """One of DAY_KINDS; a weekend inside an official holiday span is "holiday"."""
        d = self._as_date(d)
        override = self._overrides.get(d)
        if override is not None:
            return {"holiday": "override_holiday", "workday": "override_workday"}.get(override, override)
        weekend = d.weekday() >= 5
        if self.year_is_known(d.year):
            day_off, name = chinese_calendar.get_holiday_detail(d)
            if day_off and name:
                return "holiday"
            if weekend and not day_off:
                return "makeup_workday"
        return "weekend" if weekend else "workday"

    def holiday_name(self, d: date) -> str | None:
        """Official holiday name (e.g. "Spring Festival"); make-up working days
        carry the name of the holiday they compensate for.  None if unknown."""
        d = self._as_date(d)
        if not self.year_is_known(d.year):
            return None
        return chinese_calendar.get_holiday_detail(d)[1]

    def next_working_day(self, d: date) -> date:
        """First working day strictly after ``d``."""
        return self._step(self._as_date(d), _ONE_DAY)

    def previous_working_day(self, d: date) -> date:
        """Last working day strictly before ``d``."""
        return self._step(self._as_date(d), -_ONE_DAY)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Close of business of the n-th working day after start's calendar day
        (see module docstring for the exact definition, including n=0)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        start = self._localize(start)
        d = start.date()
        if n == 0:
            if self.is_working_day(d) and start.time() < self.day_end:
                return self._close(d)
            n = 1
        for _ in range(n):
            d = self.next_working_day(d)
        return self._close(d)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        if minutes < 0:
            raise ValueError(f"minutes must be >= 0, got {minutes}")
        d, pos = self._clock_start(self._localize(start))
        remaining = timedelta(minutes=minutes)
        while True:  # one iteration per working day
            available = self._close(d) - pos
            if remaining <= available:  # '<=': ending exactly at day_end stays there
                return pos + remaining
            remaining -= available
            d = self.next_working_day(d)
            pos = self._open(d)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_minutes(start, hours * 60)

    def add_working(self, start: datetime, duration: str) -> datetime:
        """Add an ISO 8601 duration of working time (see module docstring)."""
        m = _DURATION_RE.fullmatch(duration) if isinstance(duration, str) else None
        parts = m.groupdict() if m else {}
        if not any(parts.values()):
            raise ValueError(f"invalid ISO 8601 duration {duration!r} (e.g. P1D, P1W, PT30M, P1DT4H)")
        if parts["years"] or parts["months"] or parts["seconds"]:
            raise ValueError(f"duration {duration!r}: years/months/seconds are not supported "
                             "for working time; use W, D, H or M")
        result = self._localize(start)
        num = {k: int(v or 0) for k, v in parts.items()}
        if parts["weeks"] is not None or parts["days"] is not None:
            result = self.add_working_days(result, 5 * num["weeks"] + num["days"])
        if parts["hours"] is not None or parts["minutes"] is not None:
            result = self.add_working_minutes(result, 60 * num["hours"] + num["minutes"])
        return result

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes from a to b; negative if b < a."""
        a, b = self._localize(a), self._localize(b)
        if b < a:
            return -self.working_minutes_between(b, a)
        total = timedelta()
        d = a.date()
        while d <= b.date():  # one iteration per calendar day
            if self.is_working_day(d):
                lo, hi = max(a, self._open(d)), min(b, self._close(d))
                if hi > lo:
                    total += hi - lo
            d += _ONE_DAY
        return int(total // timedelta(minutes=1))

    def working_days_between(self, a_date: date, b_date: date) -> int:
        """Number of working days d with a_date < d <= b_date (negative if b < a),
        so working_days_between(s, add_working_days(s, n).date()) == n for n >= 1."""
        a, b = self._as_date(a_date), self._as_date(b_date)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def _localize(self, value: date | datetime) -> datetime:
        if not isinstance(value, datetime):
            value = datetime.combine(value, time())
        if value.tzinfo is None:
            return value.replace(tzinfo=self.tz)
        return value.astimezone(self.tz)

    def _as_date(self, value: date | datetime) -> date:
        return self._localize(value).date() if isinstance(value, datetime) else value

    # Same tzinfo object everywhere, so datetime arithmetic is wall-clock time.
    def _open(self, d: date) -> datetime:
        return datetime.combine(d, self.day_start, tzinfo=self.tz)

    def _close(self, d: date) -> datetime:
        return datetime.combine(d, self.day_end, tzinfo=self.tz)

    def _clock_start(self, start: datetime) -> tuple[date, datetime]:
        """Working day and instant at which a working-time clock begins."""
        d = start.date()
        if self.is_working_day(d) and start < self._close(d):
            return d, max(start, self._open(d))
        d = self.next_working_day(d)
        return d, self._open(d)

    def _step(self, origin: date, step: timedelta) -> date:
        d = origin
        for _ in range(_MAX_SEARCH_DAYS):
            d += step
            if self.is_working_day(d):
                return d
        raise RuntimeError(f"no working day within {_MAX_SEARCH_DAYS} days of {origin}")


@cache
def default_calendar() -> WorkCalendar:
    """Shared calendar with the official arrangement and no overrides."""
    return WorkCalendar()
