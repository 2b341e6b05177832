"""Text messages to customers' phones through a pluggable sender.

There is no SMS gateway: the default sender records the message in the outbox (``mail_outbox``,
``channel='sms'``, state ``recorded``, the phone number as recipient and the text as body) where
the operations screens show it; no job sends it. A deployment with a gateway sets
``SMS_SENDER`` to a callable or a dotted path ``module:function`` taking
``(phone, text, *, kind, instance_id)`` and returning a message id."""
from __future__ import annotations

import importlib
import re
from typing import Callable

from flask import current_app

from app.engine import clock, mail
from app.extensions import db
from app.models import MailOutbox

_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{5,30}")
MAX_TEXT = 500


def is_phone(value: str | None) -> bool:
    return bool(value) and bool(_PHONE.fullmatch(str(value).strip()))


def _subject(text: str, limit: int = 60) -> str:
    """The outbox list's subject of a text message: its start (the whole text is the body)."""
    line = (text or "SMS").splitlines()[0]
    return line if len(line) <= limit else line[:limit - 1] + "…"


def record_in_outbox(phone: str, text: str, *, kind: str, instance_id: int | None = None) -> str:
    """The default sender: the SMS is kept in the outbox (channel ``sms``), not sent."""
    row = MailOutbox(message_id=mail.new_message_id(), kind=kind[:40], recipients=[phone.strip()],
                     subject=_subject(text), body_text=text, state="recorded",
                     instance_id=instance_id, created_at=clock.now(), channel="sms")
    db.session.add(row)
    return row.message_id


def _sender() -> Callable[..., str]:
    configured = current_app.config.get("SMS_SENDER")
    if callable(configured):
        return configured
    if isinstance(configured, str) and ":" in configured:
        module, name = configured.split(":", 1)
        return getattr(importlib.import_module(module), name)
    return record_in_outbox


def send_sms(phone: str, text: str, *, kind: str, instance_id: int | None = None) -> str:
    """Send (or record) one text message; ValueError for a number that is not a phone number."""
    if not is_phone(phone):
        raise ValueError(f"invalid phone number {str(phone)[:40]!r}")
    return _sender()(phone.strip(), text[:MAX_TEXT], kind=kind, instance_id=instance_id)
