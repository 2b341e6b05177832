"""History service: an append-only record of every event, queryable per
instance and per user."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import HistoryEvent


def record(instance_id: int, event: str, *, actor=None, task_id: int | None = None,
           element_id: str | None = None, element_name: str | None = None, data: Any = None) -> None:
    db.session.add(HistoryEvent(
        instance_id=instance_id, event=event, task_id=task_id,
        element_id=element_id, element_name=(element_name or "")[:200] or None,
        user_id=getattr(actor, "user_id", None), data=data))


def for_instance(instance_id: int) -> list[HistoryEvent]:
    return db.session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == instance_id)
                              .order_by(HistoryEvent.at, HistoryEvent.id)).all()


def for_user(user_id: int, *, limit: int = 100, offset: int = 0) -> list[HistoryEvent]:
    return db.session.scalars(select(HistoryEvent).where(HistoryEvent.user_id == user_id)
                              .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc())
                              .limit(limit).offset(offset)).all()
