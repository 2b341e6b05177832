"""Script helpers that need neither the app nor the database.

They run inside the script runner processes (``script_child.py``) next to the
sandbox; the helpers that read the database or queue mails run in the app
process (``scripting.py``), called over the runner's pipe. Neither the zone nor
the instant is this process's: a runner is started with the app's zone
(``ENGINE_TIMEZONE``) and each evaluation carries the app's "now" (its clock,
simulated or not).
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, tzinfo
from typing import Any, Callable

DEFAULT_ZONE = "Asia/Shanghai"  # ENGINE_TIMEZONE when the config sets none
PURE_NAMES = frozenset({"now", "today", "format_date", "parse_datetime", "add_months"})


def parse_datetime(value: Any, zone: tzinfo) -> datetime:
    """An instant from a datetime, a date or ISO text; naive values are wall-clock time in ``zone``."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=zone)


def format_date(value: Any, fmt: str, zone: tzinfo) -> str:
    return parse_datetime(value, zone).astimezone(zone).strftime(fmt)


def add_months(value: Any, months: Any, zone: tzinfo) -> datetime:
    """``value`` moved by whole calendar months, as Joda's ``plusMonths`` does: the same day and time of
    day, clamped to the last day of a shorter month (Jan 31 + 1 month = Feb 28 or 29)."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise TypeError(f"add_months needs a whole number of months, not {months!r}")
    dt = parse_datetime(value, zone).astimezone(zone)
    index = dt.year * 12 + dt.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"add_months: year {year} is out of range")
    day = min(dt.day, calendar.monthrange(year, month + 1)[1])
    return dt.replace(year=year, month=month + 1, day=day)


def pure_helpers(zone: tzinfo, instant: Callable[[], datetime]) -> dict[str, Callable[..., Any]]:
    """``now``, ``today``, ``format_date``, ``parse_datetime``, ``add_months`` as scripts call them: in ``zone``,
    ``now()`` being ``instant()``."""

    def now() -> datetime:
        return instant().astimezone(zone)

    def today() -> date:
        return now().date()

    def format_date_(value: Any, fmt: str = "%Y-%m-%d") -> str:
        return format_date(value, fmt, zone)

    def parse_datetime_(value: Any) -> datetime:
        return parse_datetime(value, zone)

    def add_months_(value: Any, months: Any) -> datetime:
        return add_months(value, months, zone)

    format_date_.__name__, parse_datetime_.__name__, add_months_.__name__ = \
        "format_date", "parse_datetime", "add_months"
    return {"now": now, "today": today, "format_date": format_date_, "parse_datetime": parse_datetime_,
            "add_months": add_months_}
