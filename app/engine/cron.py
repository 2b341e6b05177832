"""Quartz cron expressions, as Camunda 7 reads a ``timeCycle`` such as ``0 0 9 ? * MON-FRI``.

Fields: seconds, minutes, hours, day of month, month, day of week and an optional year. Each takes
``*``, numbers, ranges ``a-b`` (wrapping: ``FRI-MON``, ``22-2``), lists ``a,b`` and steps ``a/n``,
``a-b/n``, ``*/n``; months and weekdays also take names (``JAN``, ``MON``; 1 = SUN as in Quartz).
Day of month adds ``?``, ``L`` (last day), ``L-n``, ``LW`` (last weekday) and ``nW`` (the weekday
nearest day n, within the month); day of week adds ``?``, ``L`` (Saturday), ``nL`` (the last such
weekday of the month) and ``n#k`` (the k-th such weekday). As in Quartz one of the two day fields
is ``?``; a ``*`` beside a restricted day field is read as ``?``.

Times are wall-clock times in the engine's zone (``ENGINE_TIMEZONE``); :meth:`Cron.next_after`
looks at most ``horizon`` ahead and returns None if nothing fires by then.
"""
from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Callable

__all__ = ["Cron", "CronError", "is_cron", "parse"]

_MONTHS = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
# (name in messages, lowest, highest, names)
_FIELDS = (("seconds", 0, 59, {}), ("minutes", 0, 59, {}), ("hours", 0, 23, {}),
           ("day of month", 1, 31, {}), ("month", 1, 12, _MONTHS), ("day of week", 1, 7, _DAYS),
           ("year", 1970, 2099, {}))
_SHAPE = re.compile(r"[\d*/,-]+")
_FIELD_CHARS = re.compile(r"[0-9A-Za-z*?/,#-]+")

DayTest = Callable[[date], bool]


class CronError(ValueError):
    """A cron expression that does not parse; the message names the field."""


def is_cron(text: str) -> bool:
    """Whether ``text`` has the shape of a Quartz cron expression (6 or 7 fields, numeric time fields)."""
    fields = text.split()
    return (len(fields) in (6, 7) and all(_FIELD_CHARS.fullmatch(f) for f in fields)
            and all(_SHAPE.fullmatch(f) for f in fields[:3]))


def _quartz_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Monday is 0 in Python, 2 in Quartz


def _number(token: str, field: int) -> int:
    name, low, high, names = _FIELDS[field]
    value = names.get(token.upper()) if not token.isdigit() else int(token)
    if value is None:
        raise CronError(f"{name}: {token!r} is not a number or a name" + (
            f" ({', '.join(names)})" if names else ""))
    if not low <= value <= high:
        raise CronError(f"{name}: {value} is outside {low}-{high}")
    return value


def _values(text: str, field: int) -> set[int]:
    """The values of a plain field: ``*``, numbers, names, ranges, lists and steps."""
    name, low, high, _names = _FIELDS[field]
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"{name}: empty list item in {text!r}")
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{name}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _number(a, field), _number(b, field)
        else:
            first = _number(base, field)
            last = high if step_text else first
        span = (last - first) % (high - low + 1)  # wrapping ranges: FRI-MON, 22-2
        values.update(low + (first - low + k) % (high - low + 1) for k in range(0, span + 1, step))
    return values


def _day_of_month(text: str) -> DayTest | None:
    """A test of the day of month, or None for ``?``."""
    if text == "?":
        return None
    if text == "L" or re.fullmatch(r"L-\d+", text):
        offset = int(text[2:] or 0) if text != "L" else 0
        if offset > 30:
            raise CronError(f"day of month: offset {offset} from the last day is more than 30")
        return lambda d: d.day == calendar.monthrange(d.year, d.month)[1] - offset
    if text == "LW":
        return lambda d: d == _nearest_weekday(d, calendar.monthrange(d.year, d.month)[1])
    match = re.fullmatch(r"(\d+)W", text)
    if match:
        day = _number(match.group(1), 3)
        return lambda d: d == _nearest_weekday(d, day)
    if "L" in text or "W" in text or "#" in text:
        raise CronError(f"day of month: {text!r} mixes L/W with other values (use L, L-n, LW or nW alone)")
    days = _values(text, 3)
    return lambda d: d.day in days


def _nearest_weekday(d: date, day: int) -> date | None:
    """Quartz's ``nW``: the Monday-Friday nearest day ``day`` of d's month, never in another month."""
    last = calendar.monthrange(d.year, d.month)[1]
    if day > last:
        return None
    target = d.replace(day=day)
    if target.weekday() == 5:  # Saturday: Friday, or Monday when the 1st is a Saturday
        return target - timedelta(days=1) if day > 1 else target + timedelta(days=2)
    if target.weekday() == 6:  # Sunday: Monday, or Friday when it is the last day
        return target + timedelta(days=1) if day < last else target - timedelta(days=2)
    return target


def _day_of_week(text: str) -> DayTest | None:
    if text == "?":
        return None
    if text == "L":
        return lambda d: _quartz_weekday(d) == 7
    match = re.fullmatch(r"(\w+)L", text)
    if match:
        weekday = _number(match.group(1), 5)
        return lambda d: _quartz_weekday(d) == weekday and d.day + 7 > calendar.monthrange(d.year, d.month)[1]
    match = re.fullmatch(r"(\w+)#(\d+)", text)
    if match:
        weekday, nth = _number(match.group(1), 5), int(match.group(2))
        if not 1 <= nth <= 5:
            raise CronError(f"day of week: #{nth} must be 1-5")
        return lambda d: _quartz_weekday(d) == weekday and (d.day - 1) // 7 + 1 == nth
    if "L" in text or "#" in text:
        raise CronError(f"day of week: {text!r} mixes L/# with other values (use nL or n#k alone)")
    days = _values(text, 5)
    return lambda d: _quartz_weekday(d) in days


@dataclass(frozen=True)
class Cron:
    text: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: frozenset[int] | None
    day_test: DayTest

    def _times(self) -> list[time]:
        return [time(h, m, s) for h in self.hours for m in self.minutes for s in self.seconds]

    def next_after(self, after: datetime, zone: tzinfo, horizon: timedelta) -> datetime | None:
        """The first fire time strictly after ``after`` (aware) and within ``horizon`` of it, in ``zone``."""
        local = after.astimezone(zone)
        end = local + horizon
        times = self._times()  # at most 60 * 60 * 24 entries, sorted
        day = local.date()
        while day <= end.date():
            if self.years is not None and day.year not in self.years:
                later = [y for y in self.years if y > day.year]
                if not later:
                    return None
                day = date(min(later), 1, 1)
                continue
            if day.month not in self.months:
                day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)  # first of next month
                continue
            if self.day_test(day):
                first = bisect.bisect_right(times, local.time().replace(microsecond=0)) if day == local.date() else 0
                for t in times[first:]:
                    candidate = _wall_time(day, t, zone)
                    if candidate is not None and candidate > after and candidate <= end:
                        return candidate
                    if candidate is not None and candidate > end:
                        return None
            day += timedelta(days=1)
        return None


def _wall_time(day: date, t: time, zone: tzinfo) -> datetime | None:
    """``day`` at ``t`` in ``zone``; None for a time a DST change skips."""
    moment = datetime.combine(day, t, tzinfo=zone)
    again = moment.astimezone(timezone.utc).astimezone(zone)
    return moment if again.replace(tzinfo=None) == moment.replace(tzinfo=None) else None


def parse(text: str) -> Cron:
    """A :class:`Cron`, or :class:`CronError` naming the field at fault."""
    fields = text.split()
    if len(fields) not in (6, 7):
        raise CronError(f"a cron expression has 6 or 7 fields (seconds minutes hours day-of-month month "
                        f"day-of-week [year]), not {len(fields)}")
    for i, field in enumerate(fields):
        if not _FIELD_CHARS.fullmatch(field):
            raise CronError(f"{_FIELDS[i][0]}: {field!r} has characters a cron field does not use")
        if "?" in field and (i not in (3, 5) or field != "?"):
            raise CronError(f"{_FIELDS[i][0]}: '?' stands alone and only for the day of month or week")
    dom_text, dow_text = fields[3].upper(), fields[5].upper()
    if dom_text != "?" and dow_text != "?":  # Quartz: one of them is '?'; '*' beside a value means '?'
        if dom_text == "*":
            dom_text = "?"
        elif dow_text == "*":
            dow_text = "?"
        else:
            raise CronError("day of month and day of week are both set: write '?' in one of them "
                            "(e.g. 0 0 9 ? * MON-FRI)")
    if dom_text == "?" and dow_text == "?":
        raise CronError("day of month and day of week are both '?': set one of them (or '*')")
    dom, dow = _day_of_month(dom_text), _day_of_week(dow_text)
    day_test: DayTest = dom or dow  # type: ignore[assignment]
    return Cron(
        text=" ".join(fields),
        seconds=tuple(sorted(_values(fields[0], 0))), minutes=tuple(sorted(_values(fields[1], 1))),
        hours=tuple(sorted(_values(fields[2], 2))), months=frozenset(_values(fields[4].upper(), 4)),
        years=frozenset(_values(fields[6], 6)) if len(fields) == 7 and fields[6] != "*" else None,
        day_test=day_test,
    )
