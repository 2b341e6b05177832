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

Cost and horizon
----------------
The working days of a year are computed once per calendar instance (a sorted
array of day ordinals); adding or counting working time then costs one bisect
per year crossed, not one step per day.  No result may lie more than
``horizon_years`` (default 10) after its start, and no measured span may be
longer: beyond that ``HorizonError`` (a ``ValueError``) is raised at once, so a
hostile ``P4000000D`` costs nothing.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

OVERRIDE_KINDS = frozenset({"holiday", "workday", "closure"})
DAY_KINDS = ("workday", "weekend", "holiday", "makeup_workday",
             "override_holiday", "override_workday", "closure")
DEFAULT_HORIZON_YEARS = 10  # see "Cost and horizon"
_DURATION_RE = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)
_ONE_DAY = timedelta(days=1)


class HorizonError(ValueError):
    """A result or span beyond the calendar's horizon (``horizon_years``)."""


def years_after(d: date, years: int) -> date:
    """The same day ``years`` later (Feb 29 -> Feb 28), capped at date.max."""
    year = d.year + years
    if year > date.max.year:
        return date.max
    return d.replace(year=year, day=min(d.day, 28)) if (d.month, d.day) == (2, 29) else d.replace(year=year)


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, str] | None = None, *,
                 day_start: time = time(9), day_end: time = time(18),
                 tz: str | tzinfo = "Asia/Shanghai", horizon_years: int = DEFAULT_HORIZON_YEARS) -> None:
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
        self._years: dict[int, list[int]] = {}  # year -> sorted ordinals of its working days
        self.horizon_years = horizon_years
        # Wall-clock length of a working day (same tzinfo on both ends: no DST surprise).
        self._day = datetime.combine(date.min, day_end) - datetime.combine(date.min, day_start)

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
        d = self._as_date(d)
        return self._nth_after(d, 1, self._limit(d))

    def previous_working_day(self, d: date) -> date:
        """Last working day strictly before ``d``."""
        d = self._as_date(d)
        year, days = d.year, self._year(d.year)
        i = bisect_left(days, d.toordinal())
        while i == 0:  # none earlier in this year: look in the previous ones
            year -= 1
            if year < max(d.year - self.horizon_years, date.min.year):
                raise HorizonError(f"no working day within {self.horizon_years} years before {d}")
            days = self._year(year)
            i = len(days)
        return date.fromordinal(days[i - 1])

    def add_working_days(self, start: datetime, n: int, *, horizon_years: int | None = None) -> datetime:
        """Close of business of the n-th working day after start's calendar day
        (see module docstring for the exact definition, including n=0)."""
        start = self._localize(start)
        return self._add_days(start, n, self._limit(start.date(), horizon_years))

    def _add_days(self, start: datetime, n: int, limit: date) -> datetime:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        d = start.date()
        if n == 0:
            if self.is_working_day(d) and start.time() < self.day_end:
                return self._close(d)
            n = 1
        return self._close(self._nth_after(d, n, limit))

    def add_working_minutes(self, start: datetime, minutes: int, *, horizon_years: int | None = None) -> datetime:
        start = self._localize(start)
        return self._add_minutes(start, minutes, self._limit(start.date(), horizon_years))

    def _add_minutes(self, start: datetime, minutes: float, limit: date) -> datetime:
        if minutes < 0:
            raise ValueError(f"minutes must be >= 0, got {minutes}")
        if minutes > (limit - start.date()).days * 24 * 60:  # before timedelta() can overflow
            raise HorizonError(f"{minutes} working minutes reach beyond {limit} (the horizon)")
        d, pos = self._clock_start(start, limit)
        remaining = timedelta(minutes=minutes)
        available = self._close(d) - pos
        if remaining <= available:  # '<=': ending exactly at day_end stays there
            return pos + remaining
        remaining -= available
        days = -(-remaining // self._day)  # whole or partly used working days after d
        d = self._nth_after(d, days, limit)
        return self._open(d) + (remaining - (days - 1) * self._day)

    def add_working_hours(self, start: datetime, hours: float, *, horizon_years: int | None = None) -> datetime:
        return self.add_working_minutes(start, hours * 60, horizon_years=horizon_years)

    def add_working(self, start: datetime, duration: str, *, horizon_years: int | None = None) -> datetime:
        """Add an ISO 8601 duration of working time (see module docstring)."""
        m = _DURATION_RE.fullmatch(duration) if isinstance(duration, str) else None
        parts = m.groupdict() if m else {}
        if not any(parts.values()):
            raise ValueError(f"invalid ISO 8601 duration {duration!r} (e.g. P1D, P1W, PT30M, P1DT4H)")
        if parts["years"] or parts["months"] or parts["seconds"]:
            raise ValueError(f"duration {duration!r}: years/months/seconds are not supported "
                             "for working time; use W, D, H or M")
        result = self._localize(start)
        limit = self._limit(result.date(), horizon_years)  # for the whole duration, not each part
        num = {k: int(v or 0) for k, v in parts.items()}
        try:
            if parts["weeks"] is not None or parts["days"] is not None:
                result = self._add_days(result, 5 * num["weeks"] + num["days"], limit)
            if parts["hours"] is not None or parts["minutes"] is not None:
                result = self._add_minutes(result, 60 * num["hours"] + num["minutes"], limit)
        except HorizonError as err:
            years = self.horizon_years if horizon_years is None else horizon_years
            raise HorizonError(f"duration {duration!r} reaches beyond the {years}-year horizon") from err
        return result

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes from a to b; negative if b < a."""
        a, b = self._localize(a), self._localize(b)
        if b < a:
            return -self.working_minutes_between(b, a)
        first, last = a.date(), b.date()
        total = self._part(first, a, b)
        if last > first:  # the days in between are whole days, then b's day
            total += self._count(first, last - _ONE_DAY) * self._day + self._part(last, a, b)
        return int(total // timedelta(minutes=1))

    def working_days_between(self, a_date: date, b_date: date) -> int:
        """Number of working days d with a_date < d <= b_date (negative if b < a),
        so working_days_between(s, add_working_days(s, n).date()) == n for n >= 1."""
        a, b = self._as_date(a_date), self._as_date(b_date)
        if b < a:
            return -self.working_days_between(b, a)
        return self._count(a, b)

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

    def _clock_start(self, start: datetime, limit: date) -> tuple[date, datetime]:
        """Working day and instant at which a working-time clock begins."""
        d = start.date()
        if self.is_working_day(d) and start < self._close(d):
            return d, max(start, self._open(d))
        d = self._nth_after(d, 1, limit)
        return d, self._open(d)

    def _part(self, d: date, a: datetime, b: datetime) -> timedelta:
        """Working time of day d that lies inside [a, b]."""
        if not self.is_working_day(d):
            return timedelta()
        lo, hi = max(a, self._open(d)), min(b, self._close(d))
        return hi - lo if hi > lo else timedelta()

    # --- per-year arrays: the O(1)-per-year arithmetic ---------------------------------

    def _limit(self, d: date, horizon_years: int | None = None) -> date:
        return years_after(d, self.horizon_years if horizon_years is None else horizon_years)

    def _year(self, year: int) -> list[int]:
        """Sorted ordinals of the working days of ``year`` (computed once)."""
        days = self._years.get(year)
        if days is None:
            first = date(year, 1, 1).toordinal()
            end = date(year + 1, 1, 1).toordinal() if year < date.max.year else date.max.toordinal() + 1
            # is_working_day's rules, inlined: chinese_calendar.is_workday costs ~25 us a call.
            known = self.year_is_known(year)
            official_work, official_off = chinese_calendar.workdays, chinese_calendar.holidays
            days = []
            for o in range(first, end):
                d = date.fromordinal(o)
                kind = self._overrides.get(d)
                if kind is not None:
                    working = kind == "workday"
                elif known:
                    working = d in official_work or (d.weekday() < 5 and d not in official_off)
                else:
                    working = d.weekday() < 5
                if working:
                    days.append(o)
            self._years[year] = days
        return days

    def _nth_after(self, d: date, n: int, limit: date) -> date:
        """The n-th (n >= 1) working day strictly after d; HorizonError past ``limit``."""
        if n > (limit - d).days:  # each working day is a calendar day: cannot fit
            raise HorizonError(f"{n} working days after {d} reach beyond {limit} (the horizon)")
        year, days = d.year, self._year(d.year)
        i = bisect_right(days, d.toordinal())
        while n > len(days) - i:  # not in this year: skip the whole year at once
            n -= len(days) - i
            year += 1
            if year > limit.year:
                raise HorizonError(f"working days after {d} reach beyond {limit} (the horizon)")
            days, i = self._year(year), 0
        found = date.fromordinal(days[i + n - 1])
        if found > limit:
            raise HorizonError(f"working days after {d} reach beyond {limit} (the horizon)")
        return found

    def _count(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (a <= b), within the horizon."""
        if b > self._limit(a):
            raise HorizonError(f"the span {a} .. {b} is longer than the {self.horizon_years}-year horizon")
        ranks = bisect_right(self._year(b.year), b.toordinal()) - bisect_right(self._year(a.year), a.toordinal())
        return ranks + sum(len(self._year(y)) for y in range(a.year, b.year))


@cache
def default_calendar() -> WorkCalendar:
    """Shared calendar with the official arrangement and no overrides."""
    return WorkCalendar()
