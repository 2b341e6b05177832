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
    "The new date was not recorded.": _("The new date was not recorded; see the messages at the fields."),
    "The new date must be later than the current due date and than now.":
        _("The new date must be later than the current due date and than now."),
    "Only the assignee or a supervisor may commit to a new date.":
        _("Only the assignee or a supervisor may commit to a new date."),
    # training and spare parts (app/engine/people.py, app/records/parts/stock.py, app/records/training/rules.py)
    "You may not take tasks yet: your pre-post training (at least 30 class hours and a passed exam) is not recorded.":
        _("You may not take tasks yet: your pre-post training (at least 30 class hours and a passed exam) is not recorded."),
    "Not enough spare parts in stock.": _("Not enough spare parts in stock; see the messages at the fields."),
    "Only an admin may clear a new hire without the training.":
        _("Only an admin may clear a new hire without the training."),
}
FIELD_MESSAGES = [
    (r"is required|required", lambda m: gettext("This field is required.")),
    (r"unknown field", lambda m: gettext("Unknown field.")),
    (r"tell the customer before committing to a new date",
     lambda m: gettext("Tell the customer first, then tick this box.")),
    (r"not later than the current due date", lambda m: gettext("Choose a date after the current due date.")),
    (r"not a date", lambda m: gettext("Enter a date (YYYY-MM-DD).")),
    (r"unknown user", lambda m: gettext("No such user.")),
    (r"is read-only", lambda m: gettext("This field cannot be changed.")),
    (r"must be a whole number", lambda m: gettext("Enter a whole number.")),
    (r"is out of range", lambda m: gettext("The number is out of range.")),
    (r"must be true or false", lambda m: gettext("Choose yes or no.")),
    (r"must be a date.*", lambda m: gettext("Enter a date (YYYY-MM-DD).")),
    (r"must be text", lambda m: gettext("Enter text.")),
    (r"does not have the expected form", lambda m: gettext("Enter the value in the expected format.")),
    (r"must be one of: (.*)", lambda m: gettext("Choose one of: %(values)s.", values=m.group(1))),
    (r"must be at least (\S+) characters", lambda m: gettext("Enter at least %(n)s characters.", n=m.group(1))),
    (r"must be at most (\S+) characters", lambda m: gettext("Enter at most %(n)s characters.", n=m.group(1))),
    (r"is too long \(at most (\S+) characters\)", lambda m: gettext("Enter at most %(n)s characters.", n=m.group(1))),
    (r"only (-?\d+) available at (.*)",
     lambda m: gettext("Not enough in stock: only %(n)s available at %(place)s.", n=m.group(1), place=m.group(2))),
    (r"only (\d+) reserved for this request",
     lambda m: gettext("Only %(n)s are reserved for this request.", n=m.group(1))),
    (r"unknown service request", lambda m: gettext("No such service request.")),
    (r"choose a part for the quantity", lambda m: gettext("Choose the part for this quantity.")),
    (r"unknown part", lambda m: gettext("Choose a part from the list.")),
    (r"not the approved channel: (.*)",
     lambda m: gettext("Only the approved purchasing channel may supply this part: %(supplier)s.", supplier=m.group(1))),
    (r"not counted: (.*)", lambda m: gettext("Not counted yet: %(parts)s.", parts=m.group(1))),
    (r"(.*): adjustment below the reserved quantity",
     lambda m: gettext("%(part)s: the count is below the quantity reserved for services.", part=m.group(1))),
    (r"must be at least (\S+)", lambda m: gettext("The smallest allowed value is %(n)s.", n=m.group(1))),
    (r"must be at most (\S+)", lambda m: gettext("The largest allowed value is %(n)s.", n=m.group(1))),
    # files (conversation.service.check_file, forms.check_upload) and task schedules (engine.task_schedule)
    (r"(.+): the file is empty\.", lambda m: gettext("%(name)s: the file is empty.", name=m.group(1))),
    (r"(.+): (\d+) bytes, more than the (\d+) (?:allowed|this field allows)\.",
     lambda m: gettext("%(name)s is too large: at most %(n)s bytes.", name=m.group(1), n=m.group(3))),
    (r"(.+): only pictures .* are accepted\.",
     lambda m: gettext("%(name)s: only pictures (PNG, JPEG, GIF, WebP) and PDF files are accepted.", name=m.group(1))),
    (r"(.+): this field takes (.+) only\.",
     lambda m: gettext("%(name)s: this field takes %(kinds)s only.", name=m.group(1), kinds=m.group(2))),
    (r"must be the id of a file uploaded to this task", lambda m: gettext("Upload the file again.")),
    (r"does not take files|not a file field", lambda m: gettext("This field takes no file.")),
    (r"not a date \(YYYY-MM-DD, or YYYY-MM-DDTHH:MM\)", lambda m: gettext("Enter a date (YYYY-MM-DD).")),
    (r"must be a whole number from (\d+) to (\d+)",
     lambda m: gettext("Enter a whole number from %(low)s to %(high)s.", low=m.group(1), high=m.group(2))),
    (r"required: say why", lambda m: gettext("Say why.")),
    (r"give a new due date or a new priority", lambda m: gettext("Change the due date or the priority.")),
    (r"The message is empty\.", lambda m: gettext("Write a note or attach a file.")),
    (r"must not contain NUL characters", lambda m: gettext("Remove the control characters (NUL) from the text.")),
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


# --- error pages ---------------------------------------------------------------------------
# Every HTTP error a browser can meet, in the app's layout and the reader's language; never a
# stack trace. API paths keep their JSON errors (app.api.errors).

ERROR_PAGES = {
    400: (_("The request could not be understood"),
          _("Something in the request was missing or malformed. Go back, reload the page and try again.")),
    403: (_("You may not open this page"),
          _("Your roles do not allow this. If you need it for your work, ask an administrator.")),
    404: (_("Page not found"),
          _("The page does not exist, or what it showed has been removed or is not visible to you.")),
    405: (_("This action is not possible here"),
          _("The page was opened in a way it does not support, e.g. an old bookmark of a form's result.")),
    409: (_("The data was changed meanwhile"),
          _("Someone else changed it first, or it is no longer in a state that allows this. Reload the page and check.")),
    410: (_("This link is no longer valid"),
          _("The link has expired or was replaced by a newer one.")),
    413: (_("The upload is too large"),
          _("The file or form is larger than the server accepts (at most %(mb)s MB).")),
    429: (_("Too many attempts"),
          _("Wait a minute before trying again.")),
    500: (_("Something went wrong on our side"),
          _("The error has been logged. Please try again in a moment; nothing you saved before is lost.")),
}


def error_page(err):
    """An HTTP error as an app page (or JSON under /api/)."""
    from flask import current_app, render_template
    from werkzeug.exceptions import HTTPException, InternalServerError

    code = err.code if isinstance(err, HTTPException) and err.code in ERROR_PAGES else 500
    if request.path.startswith("/api/"):
        from app.api.errors import http_error

        return http_error(err if isinstance(err, HTTPException) else InternalServerError())
    if code == 500:
        original = getattr(err, "original_exception", None) or err
        current_app.logger.error("unhandled error in %s %s", request.method, request.path, exc_info=original)
        from app.extensions import db

        db.session.rollback()  # the page's menu reads the database; a failed transaction must not stop it
    title, text = ERROR_PAGES[code]
    megabytes = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    text = str(text) % {"mb": megabytes} if code == 413 else str(text)
    if getattr(err, "name", "") == "CSRF Error" or type(err).__name__ == "CSRFError":
        text = gettext("The form was open too long, or it was sent from elsewhere. Reload the page and send it again.")
    from flask_babel import get_locale

    home = url_for("HomeView.index")
    context = {"code": code, "title": str(title), "text": text, "home": home, "lang": str(get_locale() or ""),
               "back": _same_site_referrer() or home}
    try:
        if request.path.startswith(("/survey/", "/confirm/", "/portal/", "/feedback")):  # customers: no staff menus
            return render_template("errors/plain.html", **context), code
        from flask import g
        from flask_login import current_user

        if not hasattr(g, "user"):  # the error came before FAB's before_request (e.g. a 413 while reading the form)
            g.user = current_user
        appbuilder = current_app.appbuilder
        return render_template("errors/page.html", appbuilder=appbuilder, base_template=appbuilder.base_template,
                               **context), code
    except Exception:  # the layout itself failed (e.g. the database is down): the plain page still shows
        current_app.logger.exception("the error page could not be rendered")
        return render_template("errors/plain.html", **context), code


def _same_site_referrer() -> str | None:
    """Where the visitor came from, on this site (never the form: a 413 must not read the body)."""
    parts = urlsplit(request.referrer or "")
    if parts.path.startswith("/") and not parts.path.startswith("//") and parts.netloc in ("", request.host):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def register_error_pages(app) -> None:
    for code in ERROR_PAGES:
        app.register_error_handler(code, error_page)
