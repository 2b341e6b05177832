"""Idempotent writes: the first answer to a request sent with an ``Idempotency-Key`` is kept, and the same
key from the same user within ``IDEMPOTENCY_TTL_HOURS`` (24) gets that answer again instead of acting twice.

The record is added in the transaction of the action (``remember`` is called before its commit), so an
action and its record commit together: a client that lost the answer to a committed write retries with the
same key and is told what happened. Two requests with one key at once: one commits, the other's insert
fails on the unique key and it answers what the first did. A key reused for a different request is refused.
Expired records are deleted by the job worker (``purge``).
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.engine import clock
from app.extensions import db
from app.models import IdempotencyRecord

MAX_KEY_LENGTH = 200
DEFAULT_TTL_HOURS = 24


def ttl() -> timedelta:
    return timedelta(hours=float(current_app.config.get("IDEMPOTENCY_TTL_HOURS", DEFAULT_TTL_HOURS)))


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()


def lookup(user_id: int, key: str) -> IdempotencyRecord | None:
    """The live record of this user's key (an expired one no longer counts)."""
    return db.session.scalars(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
        IdempotencyRecord.created_at > clock.now() - ttl())).first()


def remember(user_id: int, key: str, fp: str, status: int, body: dict) -> None:
    """Add the answer to the current transaction (called just before the action commits)."""
    db.session.execute(delete(IdempotencyRecord).where(  # an expired record of the same key gives way
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
        IdempotencyRecord.created_at <= clock.now() - ttl()))
    db.session.add(IdempotencyRecord(user_id=user_id, key=key, fingerprint=fp, status=status, body=body))


def purge() -> int:
    """Delete the records older than the retention period; how many."""
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= clock.now() - ttl()))
    db.session.commit()
    return result.rowcount or 0
