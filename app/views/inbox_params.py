"""Inbox filters: parse the query string (never trusting it), turn local dates
into UTC bounds, and keep a user's named filters (SavedFilter)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.engine import clock
from app.engine.tasks import DUE_FILTERS, SORTABLE
from app.extensions import db
from app.models.engine import SavedFilter

FILTER_KEYS = ("process", "sla", "due", "priority", "created_from", "created_to", "q", "sort", "desc", "follow_ups")
SLA_STATES = ("overdue", "at_risk", "on_time")
PAGE_SIZES = (10, 25, 50, 100)
MAX_SAVED = 50


def to_int(value, default: int | None = None, lo: int | None = None, hi: int | None = None) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    if lo is not None and number < lo:
        return default
    if hi is not None and number > hi:
        return default
    return number


def to_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def utc_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Local calendar days [start, end] -> [UTC start, UTC end of day)."""
    tz = clock.zone()

    def at(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc)

    return (at(start) if start else None, at(end + timedelta(days=1)) if end else None)


def clean_filters(args: Mapping) -> dict[str, str]:
    """Only known keys with valid values, as strings (for links and saved filters)."""
    out: dict[str, str] = {}
    process = str(args.get("process") or "").strip()[:100]
    if process:
        out["process"] = process
    if args.get("sla") in SLA_STATES:
        out["sla"] = args["sla"]
    if args.get("due") in DUE_FILTERS:
        out["due"] = args["due"]
    priority = to_int(args.get("priority"), None, -(2 ** 31), 2 ** 31 - 1)
    if priority is not None:
        out["priority"] = str(priority)
    for key in ("created_from", "created_to"):
        day = to_date(args.get(key))
        if day:
            out[key] = day.isoformat()
    search = str(args.get("q") or "").strip()[:100]
    if search:
        out["q"] = search
    if args.get("sort") in SORTABLE:
        out["sort"] = args["sort"]
    if str(args.get("desc") or "") in ("1", "true"):
        out["desc"] = "1"
    if str(args.get("follow_ups") or "") in ("1", "true"):  # My tasks: show the ones waiting for their follow-up too
        out["follow_ups"] = "1"
    return out


def query_kwargs(filters: Mapping[str, str]) -> dict:
    """The filters as keyword arguments of engine.tasks.query_tasks."""
    created_from, created_to = utc_bounds(to_date(filters.get("created_from")), to_date(filters.get("created_to")))
    return {"process_key": filters.get("process"), "sla": filters.get("sla"),
            "priority": to_int(filters.get("priority")), "created_from": created_from, "created_to": created_to,
            "search": filters.get("q"), "sort": filters.get("sort", "due"), "desc": filters.get("desc") == "1",
            "due": filters.get("due")}


def query_string(filters: Mapping[str, str], **changes) -> str:
    merged = {**filters, **{k: v for k, v in changes.items()}}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def saved_filters(user_id: int) -> list[SavedFilter]:
    return db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == user_id)
                              .order_by(SavedFilter.name)).all()


def save_filter(user_id: int, name: str, params: dict) -> SavedFilter | None:
    """Create or overwrite the user's filter of this name; None if the name is empty or too many exist."""
    name = (name or "").strip()[:100]
    if not name:
        return None
    row = db.session.scalars(select(SavedFilter).filter_by(user_id=user_id, name=name)).first()
    if row is None:
        if len(saved_filters(user_id)) >= MAX_SAVED:
            return None
        row = SavedFilter(user_id=user_id, name=name)
        db.session.add(row)
    row.params = clean_filters(params)
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved twice at once
        db.session.rollback()
        return None
    return row


def delete_filter(user_id: int, filter_id: int) -> bool:
    row = db.session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user_id:  # someone else's filter is "not found"
        return False
    db.session.delete(row)
    db.session.commit()
    return True
