"""Show stored UTC times in the operations time zone (``clock.zone()``, Asia/Shanghai by default)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from app.engine import clock

local_tz = clock.zone  # the first name of clock.zone, for callers not yet moved


def fmt_local(value: datetime | date | None) -> str:
    """'2026-03-01 14:05' in local time; dates as ISO; '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
