"""Text messages to customers' phones, kept in the outbox (``mail_outbox``, ``channel='sms'``, the
phone number as recipient and the text as body) where the operations screens show them.

- ``SMS_GATEWAY_URL`` set: the row is ``pending`` with an ``sms`` job, as a mail is; the job POSTs
  ``{"id", "to", "text"}`` as JSON to the gateway (``Authorization: Bearer SMS_GATEWAY_TOKEN``) and
  a 2xx answer marks it sent; otherwise it is retried like a mail, then an incident. Most Chinese SMS
  providers take such a call through a small relay that adds their signature (签名) and template.
- Else the row is only ``recorded`` (no gateway: nothing is sent).
- ``SMS_SENDER``, a callable or ``module:function`` taking ``(phone, text, *, kind, instance_id)``
  and returning a message id, replaces both."""
from __future__ import annotations

import importlib
import json
import re
import urllib.request
from typing import Callable

from flask import current_app

from app.engine import clock, jobs, mail
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


def queue_for_gateway(phone: str, text: str, *, kind: str, instance_id: int | None = None) -> str:
    """With a gateway: the row waits for its ``sms`` job, in the caller's transaction."""
    row = MailOutbox(message_id=mail.new_message_id(), kind=kind[:40], recipients=[phone.strip()],
                     subject=_subject(text), body_text=text, state="pending",
                     instance_id=instance_id, created_at=clock.now(), channel="sms")
    db.session.add(row)
    jobs.enqueue("sms", {"message_id": row.message_id},
                 retries=int(current_app.config.get("MAIL_RETRIES") or mail.MAIL_RETRIES))
    return row.message_id


def _sender() -> Callable[..., str]:
    configured = current_app.config.get("SMS_SENDER")
    if callable(configured):
        return configured
    if isinstance(configured, str) and ":" in configured:
        module, name = configured.split(":", 1)
        return getattr(importlib.import_module(module), name)
    return queue_for_gateway if current_app.config.get("SMS_GATEWAY_URL") else record_in_outbox


def deliver(row: MailOutbox) -> None:
    """POST one text message to the gateway; raises unless it answers 2xx."""
    config = current_app.config
    body = json.dumps({"id": row.message_id, "to": row.recipients[0], "text": row.body_text}).encode()
    request = urllib.request.Request(str(config["SMS_GATEWAY_URL"]), data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    if config.get("SMS_GATEWAY_TOKEN"):
        request.add_header("Authorization", f"Bearer {config['SMS_GATEWAY_TOKEN']}")
    timeout = float(config.get("MAIL_TIMEOUT") or mail.SMTP_TIMEOUT)
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (an admin-set https URL)
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"SMS gateway answered {answer.status}")


def send_sms(phone: str, text: str, *, kind: str, instance_id: int | None = None) -> str:
    """Send (or record) one text message; ValueError for a number that is not a phone number."""
    if not is_phone(phone):
        raise ValueError(f"invalid phone number {str(phone)[:40]!r}")
    return _sender()(phone.strip(), text[:MAX_TEXT], kind=kind, instance_id=instance_id)


def register() -> None:
    """The ``sms`` job: sent once per row, failures recorded on the row as for mails."""
    jobs.register("sms", mail.outbox_job(deliver), external=True, on_failure=mail.outbox_failed)
