"""Human record numbers (SR-2026-000123, CP-2026-000045), given on insert.

A counter row per series and year is bumped with one upsert in the inserting
transaction: concurrent inserts queue on that row (PostgreSQL row lock, SQLite
writer lock) instead of racing on max(number).
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String, event, text

from app.engine import clock

_BUMP = text(
    "INSERT INTO record_counter (name, value) VALUES (:name, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = record_counter.value + 1 RETURNING value"
)


class RecordCounter(Model):
    __tablename__ = "record_counter"
    name = Column(String(40), primary_key=True)  # series and year, e.g. "SR-2026"
    value = Column(Integer, nullable=False, default=0)


def _local_year(at: datetime | None) -> int:
    return (at or clock.now()).astimezone(clock.zone()).year


def next_number(connection, prefix: str, at: datetime | None = None, width: int = 6) -> str:
    """Take the next number of ``prefix`` for the (local) year of ``at``."""
    series = f"{prefix}-{_local_year(at)}"
    value = connection.execute(_BUMP, {"name": series}).scalar_one()
    return f"{series}-{value:0{width}d}"


def number_on_insert(model, prefix: str, time_attr: str) -> None:
    """Give ``model`` rows without a number the next one of ``prefix``."""

    @event.listens_for(model, "before_insert")
    def _assign(mapper, connection, target) -> None:
        if not target.number:
            target.number = next_number(connection, prefix, getattr(target, time_attr, None))
