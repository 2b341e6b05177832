"""Show stored UTC times in the operations time zone (Asia/Shanghai by default)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def local_tz() -> ZoneInfo:
    name = current_app.config.get("ENGINE_TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def fmt_local(value: datetime | date | None) -> str:
    """'2026-03-01 14:05' in local time; dates as ISO; '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            from datetime import timezone

            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
