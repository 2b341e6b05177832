"""The one place where engine errors become what a browser sees: a translated
flash, an HTTP status, per-field messages. Views never let them become a 500."""
from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext, lazy_gettext as _

from app.engine.errors import (
    ConcurrentUpdate,
    Conflict,
    EngineError,
    Forbidden,
    Invalid,
    NotFound,
    TaskAlreadyClaimed,
    TaskAlreadyCompleted,
)

STATUS_LABELS = {"running": _("Running"), "incident": _("Incident"), "suspended": _("Suspended"),
                 "completed": _("Completed"), "terminated": _("Terminated"), "open": _("Open"),
                 "cancelled": _("Cancelled")}
KNOWN = {
    "Claim the task before saving a draft.": _("Claim the task before saving a draft."),
    "Only the assignee or a supervisor may release a task.": _("Only the assignee or a supervisor may release a task."),
    "Only supervisors and admins assign tasks.": _("Only supervisors and admins may assign tasks."),
    "Only supervisors and admins may do this.": _("Only supervisors and admins may do this."),
    "Only supervisors see the department's tasks.": _("Only supervisors see the department's tasks."),
    "Some fields are not valid.": _("Some fields are not valid; see the messages at the fields."),
    "A reason is required to terminate an instance.": _("A reason is required to terminate an instance."),
    "No such user.": _("No such user."),
    "Choose how task mails reach you.": _("Choose how task mails reach you."),
}
FIELD_MESSAGES = [
    (r"is required|required", lambda m: gettext("This field is required.")),
    (r"unknown field", lambda m: gettext("Unknown field.")),
    (r"unknown user", lambda m: gettext("No such user.")),
    (r"is read-only", lambda m: gettext("This field cannot be changed.")),
    (r"must be a whole number", lambda m: gettext("Enter a whole number.")),
    (r"is out of range", lambda m: gettext("The number is out of range.")),
    (r"must be true or false", lambda m: gettext("Choose yes or no.")),
    (r"must be a date.*", lambda m: gettext("Enter a date (YYYY-MM-DD).")),
    (r"must be text", lambda m: gettext("Enter text.")),
    (r"must be one of: (.*)", lambda m: gettext("Choose one of: %(values)s.", values=m.group(1))),
    (r"must be at least (\S+) characters", lambda m: gettext("Enter at least %(n)s characters.", n=m.group(1))),
    (r"must be at most (\S+) characters", lambda m: gettext("Enter at most %(n)s characters.", n=m.group(1))),
    (r"is too long \(at most (\S+) characters\)", lambda m: gettext("Enter at most %(n)s characters.", n=m.group(1))),
    (r"must be at least (\S+)", lambda m: gettext("The smallest allowed value is %(n)s.", n=m.group(1))),
    (r"must be at most (\S+)", lambda m: gettext("The largest allowed value is %(n)s.", n=m.group(1))),
]


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status or "", status or ""))


def field_message(message: str) -> str:
    for pattern, make in FIELD_MESSAGES:
        match = re.fullmatch(pattern, str(message))
        if match:
            return make(match)
    return gettext("This value is not valid.")


def field_errors(err: EngineError) -> dict[str, str]:
    """Translated messages keyed by form field id (empty when the error has none)."""
    fields = err.details.get("fields") if isinstance(err, Invalid) else None
    return {str(k): field_message(v) for k, v in (fields or {}).items()}


def message_of(err: EngineError, who: str | None = None) -> str:
    """A translated sentence for the error; ``who`` names the user who got there first."""
    if err.message in KNOWN:
        return str(KNOWN[err.message])
    if isinstance(err, TaskAlreadyCompleted):
        who = who or err.details.get("completed_by")
        if who:
            return gettext("%(user)s already completed this task meanwhile.", user=who)
        return gettext("This task is no longer open.")
    if isinstance(err, TaskAlreadyClaimed) or (isinstance(err, Forbidden) and " is assigned to " in err.message):
        if who:
            return gettext("%(user)s claimed this task meanwhile.", user=who)
        return gettext("Someone else claimed this task meanwhile.")
    if isinstance(err, ConcurrentUpdate):
        return gettext("The process was changed by someone else meanwhile; please try again.")
    match = re.match(r"The process is (\w+);", err.message)
    if match:
        return gettext("The process is %(status)s; its tasks cannot be worked on.",
                       status=status_label(match.group(1)))
    if isinstance(err, NotFound):
        return gettext("It does not exist, or you may not see it.")
    if isinstance(err, Forbidden):
        return gettext("You may not do this.")
    if isinstance(err, Conflict):
        return gettext("This is not possible in the current state; reload the page and check.")
    return gettext("The input is not valid.")


def status_of(err: EngineError) -> int:
    return err.http_status if isinstance(err, EngineError) else 500


def safe_next(default: str, *, referrer: bool = False) -> str:
    """The ``next`` form value (or, if asked, a same-site referrer other than this
    URL), else ``default``: never an open redirect, never back to a POST-only URL."""
    for candidate in (request.values.get("next"), request.referrer if referrer else None):
        if not candidate:
            continue
        parts = urlsplit(candidate)
        if parts.netloc and parts.netloc != request.host:
            continue
        path = parts.path or "/"
        if path.startswith("/") and not path.startswith("//") and path != request.path:
            return path + (f"?{parts.query}" if parts.query else "")
    return default


def engine_errors(fallback=None):
    """Decorator: NotFound -> 404, Forbidden -> 403, other engine errors -> a
    flash and a redirect back (to ``next``/the referrer, else ``fallback(**view_kwargs)``)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(self, *args, **kwargs):
            try:
                return view(self, *args, **kwargs)
            except NotFound:
                abort(404)
            except Forbidden:
                abort(403)
            except EngineError as err:
                flash(message_of(err), "danger")
                if request.method == "GET":
                    abort(status_of(err))
                default = fallback(**kwargs) if fallback else url_for("InboxView.mine")
                return redirect(safe_next(default, referrer=True))

        return wrapper

    return decorate
