"""Shared column types, and the time source of column defaults."""
import json
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class CompactJSON(TypeDecorator):
    """JSON text written without blanks and with text as UTF-8, not \\u escapes, on every database
    (PostgreSQL's ``json``, not JSONB: JSONB's per-key headers cost more than they save where the
    values are never queried inside). For rows written often and read whole (history)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect):
        def process(value):
            return None if value is None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return process


# The engine's clock (app.engine.clock.use) sets this; it lives here because column defaults
# (started_at, history at, created_at) must follow a simulated clock and models import no engine.
TIME_SOURCE: ContextVar[Callable[[], datetime] | None] = ContextVar("clock_source", default=None)


def utcnow() -> datetime:
    source = TIME_SOURCE.get()
    return source().astimezone(timezone.utc) if source is not None else datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value
