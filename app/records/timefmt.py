"""Show stored UTC times in the operations time zone (``clock.zone()``, Asia/Shanghai by default):
the one helper behind every screen, export, mail and flash message, and behind the ``localtime``
Jinja filter (registered by ``app.views.presentation``)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from app.engine import clock

local_tz = clock.zone  # the first name of clock.zone, for callers not yet moved


def as_local(value: datetime) -> datetime:
    """The same instant in the operations zone; naive values are taken as UTC (what the database stores)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(clock.zone())


def fmt_local(value: datetime | date | str | None, *, seconds: bool = False) -> str:
    """'2026-03-01 14:05' (with ``seconds``: '2026-03-01 14:05:09') in local time; dates as ISO;
    '' for None. ISO text (process data, e.g. a due time a script put in a mail) is shown the same
    way, naive text being local wall-clock time; other text is returned as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text(value, seconds)
    if isinstance(value, datetime):
        return as_local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return value.isoformat()


def local_date(value: datetime | date | None) -> str:
    """The local calendar day of an instant ('2026-12-20'), e.g. a link's last valid day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_local(value).date().isoformat()
    return value.isoformat()


def _text(value: str, seconds: bool) -> str:
    text = value.strip()
    if len(text) < 16 or text[10:11] not in ("T", " ") or text[4:5] != "-":
        return value
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return value
    return fmt_local(parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.zone()), seconds=seconds)
