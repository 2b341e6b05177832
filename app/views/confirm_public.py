"""Public confirmation page: /confirm/<token>, no login. The customer reads the field-service
record and confirms it or disputes it with a comment, once (app.records.service.confirmation).

Forged or replaced links answer 400, expired ones 410, a second answer 409; none is a 500. The
form is a normal CSRF-protected Flask-WTF form; the page is made for a phone."""
from __future__ import annotations

from flask import Blueprint, Flask, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext, lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.engine import clock
from app.extensions import limiter
from app.models.choices import LANGUAGES
from app.records.service import confirmation

bp = Blueprint("confirm_public", __name__)
RATE_LIMIT = "30 per minute"
# confirmation.ConfirmationError's message for the page, for the catalogue
DISPUTE_NEEDS_COMMENT = _("Please tell us what is wrong with the record.")


class ConfirmForm(FlaskForm):
    name = StringField(_("Your name"), validators=[Optional(), Length(max=100)])
    comment = TextAreaField(_("Comment (required when you dispute the record)"),
                            validators=[Optional(), Length(max=2000)])


def _language(visit=None) -> str:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        return lang
    return visit.confirm_language if visit is not None and visit.confirm_language in LANGUAGES else "zh"


def _page(template: str, status: int, lang: str, **context):
    with force_locale(lang):
        html = render_template(template, lang=lang, languages=LANGUAGES, zone=clock.zone(), **context)
    resp = make_response(html, status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _answered_reason(visit) -> str:
    return "confirmed" if visit.customer_confirmed else "disputed"


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(RATE_LIMIT)
def confirm(token: str):
    try:
        visit = confirmation.load(token)
    except confirmation.ConfirmLinkError as exc:
        return _page("confirm/message.html", exc.status, _language(), reason=exc.reason, token=token)
    lang = _language(visit)
    if visit.customer_confirmed or visit.disputed_at is not None:
        if request.method == "POST":
            return _page("confirm/message.html", 409, lang, reason="used", token=token)
        reason = _answered_reason(visit) if request.args.get("done") else "used"
        return _page("confirm/message.html", 200, lang, reason=reason, token=token)
    form = ConfirmForm()
    problem = None
    with force_locale(lang):
        valid = form.validate_on_submit()
    if valid:
        choice = request.form.get("answer")
        try:
            if choice == "confirm":
                done = confirmation.confirm(visit, form.name.data, form.comment.data)
            elif choice == "dispute":
                done = confirmation.dispute(visit, form.comment.data)
            else:
                done, problem = None, "answer"
        except confirmation.ConfirmationError as err:
            done, problem = None, err.field
        if done is False:
            return _page("confirm/message.html", 409, lang, reason="used", token=token)
        if done:
            return redirect(url_for("confirm_public.confirm", token=token, lang=lang, done=1))
    status = 400 if request.method == "POST" else 200
    with force_locale(lang):
        message = {"comment": gettext("Please tell us what is wrong with the record."),
                   "answer": gettext("Choose: confirm or dispute.")}.get(problem)
    return _page("confirm/form.html", status, lang, form=form, visit=visit, token=token, problem=problem,
                 message=message)


def register_confirm_public(app: Flask) -> None:
    app.register_blueprint(bp)
