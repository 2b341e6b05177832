"""Mail through a transactional outbox.

``queue_mail`` renders a message and writes it to ``mail_outbox`` together
with a ``mail`` job, in the caller's transaction: if that transaction rolls
back there is neither a mail nor a job; if it commits, the job executor sends
the mail (Flask-Mail, SMTP) and marks it ``sent``. An SMTP failure raises, so
the job is retried with back-off (``MAIL_RETRIES`` attempts, then an incident
an admin can retry from the Jobs screen); the outbox row is never lost.

Delivery guarantee, honestly: the send and the ``sent`` mark cannot be one
transaction (SMTP is not the database). The handler locks the outbox row and
skips it when it is already ``sent``, so a retry or a second worker never
re-sends a mail whose ``sent`` mark committed. The one remaining window is a
crash (or a lost database connection) after the SMTP server accepted the
message and before the commit: then the job runs again and the mail goes out
a second time, with the SAME Message-ID header, so the receiving side can
recognise the duplicate. Delivery is therefore at-least-once, and
exactly-once except in that window of a few milliseconds (the handler is
``external``: the worker's batch commits right after it). A reply's threading headers
(``mail_outbox.headers``) and files (``register_attachments``) are read at every send, so a mail
sent again is the same mail.

Templates live in ``app/templates/mail/<template>.<locale>.txt`` (subject
with ``{% set subject = ... %}``, then the text body) and the optional
``<template>.<locale>.html`` (HTML body), locales ``zh`` and ``en``.

A mail with several recipients (a task offered to a whole group, a notice to
several customers) goes out once with the recipients in Bcc: nobody sees the
others' addresses.

Each user gets (``UserProfile.notify_mode``, set under Admin → Staff) either
``instant`` mails or one ``digest`` a day: a digest user's notifications are stored in the outbox as
``digest`` items, and one ``digest`` job per user (09:00 of the next working day, in the engine's
zone) sends them as a single mail.

The ``mail`` and ``digest`` job handlers are registered by ``register()`` (``create_app``).
"""
from __future__ import annotations

import logging
import re
import smtplib
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timezone
from email.utils import make_msgid
from typing import Any, Callable, Iterable, Iterator

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from flask_mail import Connection, Message
from jinja2 import TemplateNotFound
from sqlalchemy import select, update

from app.engine import clock, jobs, work_calendar
from app.engine.errors import Invalid
from app.extensions import db, mail as flask_mail
from app.models import UserProfile
from app.models.engine import Job, MailOutbox

log = logging.getLogger(__name__)

LOCALES = ("zh", "en")
CUSTOMER_TEMPLATES = frozenset({"acknowledgement", "result", "survey_link"})
DIGEST_TIME = time(9)
MAIL_RETRIES = 8  # 30 s, 1, 2, 4, 8, 16, 32 min: about an hour of SMTP outage before an incident
SMTP_TIMEOUT = 30.0
_TEMPLATE_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
# The extra headers a queued mail may carry: threading a reply into the customer's mail client.
THREAD_HEADERS = ("In-Reply-To", "References")
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_MESSAGE_IDS = re.compile(rf"{MESSAGE_ID.pattern}( {MESSAGE_ID.pattern})*")
_EMAIL = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+|[^@\s<>,;\"']+@localhost")
# Who supplies an outbox row's files at send time (the case conversation registers one): engine
# code names no record module, and the files are read from where they are kept, not copied.
Attachment = tuple[str, str, bytes]  # filename, content type, data
_attachment_sources: list[Callable[["MailOutbox"], list[Attachment]]] = []
# The instance whose engine step queues a mail (set by the engine around a step).
_current_instance: ContextVar[int | None] = ContextVar("mail_instance", default=None)
# Rows queued by the script that is running (see script_scope).
_script_rows: ContextVar[list | None] = ContextVar("mail_script_rows", default=None)


def current_instance() -> int | None:
    """The instance whose engine step is running (``bind_instance``), else None."""
    return _current_instance.get()


@contextmanager
def bind_instance(instance_id: int | None) -> Iterator[None]:
    """Mails queued by scripts inside this block belong to ``instance_id``."""
    token = _current_instance.set(instance_id)
    try:
        yield
    finally:
        _current_instance.reset(token)


@contextmanager
def script_scope() -> Iterator[None]:
    """Around one script run: if the script fails, the mails it queued are dropped.

    The failed script task runs again once the incident is fixed, and would queue
    them again; the rest of the step (and its mails) is still committed."""
    rows: list = []
    token = _script_rows.set(rows)
    try:
        yield
    except BaseException:
        for obj in rows:
            if obj in db.session.new:
                db.session.expunge(obj)
            elif obj in db.session:
                db.session.delete(obj)
        raise
    finally:
        _script_rows.reset(token)


# --- rendering ------------------------------------------------------------------

def base_url() -> str:
    return (current_app.config.get("APP_BASE_URL") or "http://127.0.0.1:8080").rstrip("/")


def render(template: str, context: dict[str, Any], locale: str = "zh") -> tuple[str, str, str | None]:
    """(subject, text, html) of ``mail/<template>.<locale>``; html is None without an .html file."""
    if not _TEMPLATE_NAME.fullmatch(template or ""):
        raise ValueError(f"invalid mail template name {template!r}")
    locale = locale if locale in LOCALES else LOCALES[0]
    env = current_app.jinja_env
    ctx = {"base_url": base_url(), "app_name": current_app.config.get("APP_NAME", ""), **context}
    module = env.get_template(f"mail/{template}.{locale}.txt").make_module(ctx)
    subject = " ".join(str(getattr(module, "subject", "") or "").split())  # one line, no header injection
    if not subject:
        raise ValueError(f"mail template {template}.{locale}.txt sets no subject")
    text = str(module).strip() + "\n"
    try:
        html = env.get_template(f"mail/{template}.{locale}.html").render(ctx, subject=subject)
    except TemplateNotFound:
        html = None
    return subject[:300], text, html


def new_message_id() -> str:
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "cs-ops@localhost")
    domain = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN") or sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    return make_msgid("csops", domain=domain)


def is_address(value: str | None) -> bool:
    return bool(value) and bool(_EMAIL.fullmatch(str(value).strip()))


def _clean_recipients(recipients: str | Iterable[str]) -> list[str]:
    items = [recipients] if isinstance(recipients, str) else list(recipients or [])
    clean = []
    for item in items:
        address = str(item or "").strip()
        if not is_address(address):
            raise ValueError(f"invalid e-mail address {address!r}")
        if address not in clean:
            clean.append(address)
    if not clean:
        raise ValueError("a mail needs at least one recipient")
    return clean


# --- queueing (inside the caller's transaction) ----------------------------------

def _clean_headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    """Threading headers only, each a list of Message-IDs on one line (no header injection)."""
    if not headers:
        return None
    for name, value in headers.items():
        if name not in THREAD_HEADERS or not _MESSAGE_IDS.fullmatch(str(value)):
            raise ValueError(f"invalid mail header {name}: {str(value)[:60]!r}")
    return dict(headers)


def queue_mail(kind: str, recipients: str | Iterable[str], template: str, context: dict[str, Any], *,
               locale: str = "zh", instance_id: int | None = None, state: str = "pending",
               headers: dict[str, str] | None = None) -> MailOutbox:
    """Render and store a mail and its ``mail`` job in the current transaction (no commit).

    ``state="digest"`` stores a digest item instead: no job; the user's digest job sends it.
    ``headers``: In-Reply-To/References of a reply (``THREAD_HEADERS``)."""
    recipients = _clean_recipients(recipients)
    subject, text, html = render(template, in_language(context, locale), locale)
    row = MailOutbox(message_id=new_message_id(), kind=kind[:40], recipients=recipients, subject=subject,
                     body_text=text, body_html=html, state=state, instance_id=instance_id,
                     created_at=clock.now(), headers=_clean_headers(headers))
    db.session.add(row)
    job = None
    if state == "pending":
        job = jobs.enqueue("mail", {"message_id": row.message_id},
                           retries=int(current_app.config.get("MAIL_RETRIES") or MAIL_RETRIES))
    scope = _script_rows.get()
    if scope is not None:
        scope.extend(obj for obj in (row, job) if obj is not None)
    return row


def send_mail(template: str, to: str | Iterable[str], **context: Any) -> str:
    """Expression/script helper for customer-facing mails, e.g. in a script task:
    ``send_mail("acknowledgement", customer_email, name=customer_name, locale="en")``.
    Templates: acknowledgement, result, survey_link. Returns the Message-ID."""
    if template not in CUSTOMER_TEMPLATES:
        raise ValueError(f"unknown mail template {template!r}; use one of {', '.join(sorted(CUSTOMER_TEMPLATES))}")
    locale = str(context.pop("locale", None) or LOCALES[0])
    for key, value in context.items():  # links in customer mails: web addresses only
        if key.endswith("url") and value and not str(value).lower().startswith(("https://", "http://")):
            raise ValueError(f"{key} must be an http(s) address, got {str(value)[:60]!r}")
    row = queue_mail(f"customer_{template}", to, template, context, locale=locale,
                     instance_id=_current_instance.get())
    return row.message_id


# --- per-user notifications: instant or digest -----------------------------------

def site_locale() -> str:
    locale = str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "")
    return locale if locale in LOCALES else LOCALES[0]


def staff_locale(locale: str | None) -> str:
    """A user's mail language (``UserProfile.locale``), or the site's when unset or unknown."""
    return locale if locale in LOCALES else site_locale()


def mail_prefs(user_id: int) -> tuple[str, str | None]:
    """(notify_mode, locale as stored: None for the site's) of a user; ``instant`` without a profile."""
    profile = db.session.get(UserProfile, user_id)
    if profile is None:
        return "instant", None
    mode = profile.notify_mode if profile.notify_mode in ("instant", "digest") else "instant"
    return mode, profile.locale if profile.locale in LOCALES else None


def set_mail_prefs(user_id: int, mode: str, locale: str | None) -> None:
    """A user's own choice; mails already waiting for a digest still go out in it."""
    errors = {}
    if mode not in ("instant", "digest"):
        errors["notify_mode"] = "must be instant or digest"
    if locale not in (None, "", *LOCALES):
        errors["locale"] = "must be one of " + ", ".join(LOCALES)
    if errors:
        raise Invalid("Choose how task mails reach you.", fields=errors)
    profile = db.session.get(UserProfile, user_id) or UserProfile(user_id=user_id)
    profile.notify_mode, profile.locale = mode, locale or None
    db.session.add(profile)
    db.session.commit()


def notify_user(user, kind: str, template: str, context: dict[str, Any], *, instance_id: int | None = None,
                instant: bool = False, mode: str | None = None, locale: str | None = None) -> MailOutbox | None:
    """Mail a staff user now or in the next digest (``instant=True`` ignores the preference), in
    the user's language. ``mode``/``locale``: the user's preferences when the caller read them
    already (saves a query; a None locale is the site's)."""
    if user is None or not getattr(user, "email", None) or not getattr(user, "active", True):
        return None
    if mode is None:
        mode, locale = mail_prefs(user.id)
    context = {"recipient": user.get_full_name() if hasattr(user, "get_full_name") else user.username, **context}
    locale = staff_locale(locale)
    if instant or mode != "digest":
        return queue_mail(kind, [user.email], template, context, locale=locale, instance_id=instance_id)
    row = queue_mail(kind, [user.email], template, context, locale=locale, instance_id=instance_id, state="digest")
    ensure_digest_job(user.id)
    return row


def in_language(context: dict[str, Any], locale: str) -> dict[str, Any]:
    """The context with a task's name and process name in the recipient's language (``task.texts``,
    per language, from app.engine.content; the diagram's default language when missing)."""
    task = context.get("task")
    if isinstance(task, dict) and isinstance(task.get("texts"), dict):
        return {**context, "task": {**task, **(task["texts"].get(locale) or {})}}
    return context


def next_digest_at(after: datetime) -> datetime:
    """09:00 of the next working day (today's 09:00 if it is still to come), in the engine's zone."""
    cal, zone = work_calendar.current(), clock.zone()
    local = after.astimezone(zone)
    day: date = local.date()
    if not (cal.is_working_day(day) and local.time() < DIGEST_TIME):
        day = cal.next_working_day(day)
    return datetime.combine(day, DIGEST_TIME, tzinfo=zone).astimezone(timezone.utc)


def ensure_digest_job(user_id: int) -> Job:
    """One pending digest job per user. A digest job that is already due (running, or
    waiting for a worker) does not count: the item goes into the next one, so no item
    is left behind by a digest that is being sent right now."""
    t = clock.now()
    for job in db.session.scalars(select(Job).where(Job.kind == "digest", Job.state == "pending", Job.due_at > t)):
        if (job.payload or {}).get("user_id") == user_id:
            return job
    return jobs.enqueue("digest", {"user_id": user_id}, due_at=next_digest_at(t))


# --- sending (job handlers) -----------------------------------------------------

class _Connection(Connection):
    """Flask-Mail's connection with a socket timeout: a hung SMTP server must not hang a worker."""

    def configure_host(self):
        m = self.mail
        timeout = float(current_app.config.get("MAIL_TIMEOUT") or SMTP_TIMEOUT)
        cls = smtplib.SMTP_SSL if m.use_ssl else smtplib.SMTP
        host = cls(m.server, m.port, timeout=timeout)
        if m.use_tls:
            host.starttls()
        if m.username and m.password:
            host.login(m.username, m.password)
        return host


class _BccMessage(Message):
    """Recipients in Bcc only, under an RFC 5322 "undisclosed recipients" To header."""

    def _message(self):
        msg = super()._message()
        del msg["To"]
        msg["To"] = "undisclosed-recipients:;"
        return msg


def deliver(row: MailOutbox) -> None:
    """Send one outbox row over SMTP with its recorded Message-ID; raises on failure."""
    config = current_app.config
    # Settings are read at send time (not at app start), so they can change without a restart.
    state = flask_mail.init_mail(config, current_app.debug, current_app.testing)
    recipients = list(row.recipients)
    several = len(recipients) > 1
    msg = (_BccMessage if several else Message)(
        subject=row.subject, recipients=[] if several else recipients, bcc=recipients if several else None,
        body=row.body_text, html=row.body_html, sender=config.get("MAIL_DEFAULT_SENDER"),
        extra_headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All", **(row.headers or {})})
    msg.msgId = row.message_id
    for source in _attachment_sources:
        for filename, content_type, data in source(row):
            msg.attach(filename, content_type, data)
    with _Connection(state) as connection:
        msg.send(connection)


def _outbox_row(message_id: str) -> MailOutbox | None:
    q = select(MailOutbox).where(MailOutbox.message_id == message_id)
    if db.engine.dialect.name == "postgresql":
        q = q.with_for_update()
    return db.session.scalars(q.execution_options(populate_existing=True)).first()


def outbox_job(send: Callable[[MailOutbox], None]) -> Callable[[Job], None]:
    """The job handler that sends one outbox row with ``send`` (SMTP, or the SMS gateway)."""

    def run(job: Job) -> None:
        row = _outbox_row(job.payload["message_id"])
        if row is None or row.state == "sent":
            return  # idempotent: a sent message is never sent again
        send(row)
        row.state, row.sent_at, row.last_error = "sent", clock.now(), None
        row.attempts += 1
        log.info("%s %s (%s) sent to %s", row.channel, row.message_id, row.kind, ", ".join(row.recipients))

    return run


def outbox_failed(job: Job, err: Exception, final: bool) -> None:
    row = _outbox_row(job.payload["message_id"])
    if row is None or row.state == "sent":
        return
    row.attempts += 1
    row.last_error = f"{err.__class__.__name__}: {err}"[:2000]
    if final:
        row.state = "failed"  # the job is an incident; retrying it sends the mail


def _digest_job(job: Job) -> None:
    """One mail with every digest item of the user; each item goes into exactly one digest."""
    user = db.session.get(User, job.payload["user_id"])
    if user is None or not user.email:
        return
    ids = [row.id for row in db.session.scalars(select(MailOutbox).where(MailOutbox.state == "digest"))
           if list(row.recipients or []) == [user.email]]
    if not ids:
        return
    # Conditional update: a digest running at the same time cannot take the same items.
    taken = set(db.session.scalars(update(MailOutbox).where(MailOutbox.id.in_(ids), MailOutbox.state == "digest")
                                   .values(state="digested").returning(MailOutbox.id)
                                   .execution_options(synchronize_session=False)))
    items = db.session.scalars(select(MailOutbox).where(MailOutbox.id.in_(taken))
                               .order_by(MailOutbox.created_at, MailOutbox.id)).all()
    if not items:
        return
    zone = clock.zone()
    context = {
        "recipient": user.get_full_name(),
        "items": [{"subject": i.subject, "text": i.body_text, "at": i.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")}
                  for i in items],
    }
    _mode, locale = mail_prefs(user.id)
    queue_mail("digest", [user.email], "digest", context, locale=staff_locale(locale))


def register_attachments(source: Callable[[MailOutbox], list[Attachment]]) -> None:
    """Add a supplier of outbox rows' files (once; ``create_app``)."""
    if source not in _attachment_sources:
        _attachment_sources.append(source)


def register() -> None:
    """The mail job handlers (``create_app``)."""
    # looked up at send time (not bound here), so a deployment or a test may replace ``deliver``
    jobs.register("mail", outbox_job(lambda row: deliver(row)), external=True, on_failure=outbox_failed)
    jobs.register("digest", _digest_job)
