"""Script helpers that need neither the app nor the database.

They run inside the script runner processes (``script_child.py``) next to the
sandbox; the helpers that read the database or queue mails run in the app
process (``scripting.py``), called over the runner's pipe.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(TZ)


def today() -> date:
    return now().date()


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=TZ)


def format_date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    return parse_datetime(value).astimezone(TZ).strftime(fmt)


PURE: dict[str, Callable[..., Any]] = {"now": now, "today": today, "format_date": format_date,
                                       "parse_datetime": parse_datetime}
