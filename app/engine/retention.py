"""Retention (issue 22): done jobs and sent mails leave the hot ``job`` and ``mail_outbox`` tables
once older than the period an admin sets (Admin -> Retention); the worker purges them
(``purge``, from its housekeeping). What is never purged: process history (``history_event``),
the audit log, jobs pending or failed for good, mails pending, failed or waiting for a digest,
SMS texts recorded without a gateway, and the mails a case conversation sent (the conversation
names them). Without a setting, ``JOB_MAIL_RETENTION_DAYS`` (config, default 30) applies; a
setting of "keep forever" purges nothing."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, exists, func, select

from app.audit import audit
from app.engine import clock
from app.engine.actor import Actor
from app.engine.errors import Forbidden, Invalid
from app.extensions import db
from app.models import ConversationMessage, Job, MailOutbox, SiteSetting

SETTING = "job_mail_retention_days"
DEFAULT_DAYS = 30
MIN_DAYS, MAX_DAYS = 1, 3650
PURGED_MAIL_STATES = ("sent", "digested")  # a digested mail's content went out in a sent digest
BATCH = 2000  # rows a DELETE at most: short transactions beside the request path


def days() -> int | None:
    """The retention in days; None: keep forever."""
    row = db.session.get(SiteSetting, SETTING)
    if row is None:
        return int(current_app.config.get("JOB_MAIL_RETENTION_DAYS", DEFAULT_DAYS))
    return row.value.get("days") if isinstance(row.value, dict) else None


def parse_days(text: str | None) -> int | None:
    """What the form sends: a whole number of days, or blank for "keep forever"."""
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or not MIN_DAYS <= int(text) <= MAX_DAYS:
        raise Invalid(gettext("Retention must be a whole number of days from %(low)s to %(high)s, or blank to keep "
                         "forever.", low=MIN_DAYS, high=MAX_DAYS), fields={"days": f"{MIN_DAYS}-{MAX_DAYS} or blank"})
    return int(text)


def set_days(value: int | None, *, actor: Actor) -> None:
    """Admins only; audited with the old and the new value."""
    if not actor.is_admin:
        raise Forbidden(gettext("Only an admin sets the retention of jobs and mails."))
    if value is not None and not (isinstance(value, int) and MIN_DAYS <= value <= MAX_DAYS):
        raise Invalid(gettext("Retention must be %(low)s to %(high)s days, or none.", low=MIN_DAYS, high=MAX_DAYS),
                      fields={"days": "out of range"})
    old = days()
    row = db.session.get(SiteSetting, SETTING) or SiteSetting(key=SETTING)
    row.value, row.updated_by_id, row.updated_at = {"days": value}, actor.user_id, clock.now()
    db.session.add(row)
    audit("retention_changed", target=SETTING, detail=f"{old} -> {value}")
    db.session.commit()


def _delete_batches(model, condition) -> int:
    total = 0
    while True:
        ids = db.session.scalars(select(model.id).where(condition).limit(BATCH)).all()
        if not ids:
            return total
        db.session.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
        db.session.commit()
        total += len(ids)


def purge() -> dict[str, int]:
    """Delete done jobs and sent mails older than the retention; how many of each. Never history."""
    keep = days()
    if keep is None:
        return {"jobs": 0, "mails": 0}
    cutoff = clock.now() - timedelta(days=keep)
    jobs = _delete_batches(Job, (Job.state == "done") & (func.coalesce(Job.finished_at, Job.created_at) < cutoff))
    talked = exists().where(ConversationMessage.outbox_id == MailOutbox.id)
    mails = _delete_batches(MailOutbox, MailOutbox.state.in_(PURGED_MAIL_STATES) & ~talked
                            & (func.coalesce(MailOutbox.sent_at, MailOutbox.created_at) < cutoff))
    return {"jobs": jobs, "mails": mails}
