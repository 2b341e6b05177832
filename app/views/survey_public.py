"""Public survey page: /survey/<token>, no login, one answer per link.

Forged or replaced links answer 400, expired ones 410, a second submit 409;
none of them is a 500. The form is a normal CSRF-protected Flask-WTF form.
"""
from __future__ import annotations

from flask import Blueprint, Flask, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.extensions import limiter
from app.models.choices import LANGUAGES, SATISFACTION
from app.records.surveys import SurveyLinkError, answer_survey, load_survey

bp = Blueprint("survey_public", __name__)
RATE_LIMIT = "30 per minute"


class SurveyAnswerForm(FlaskForm):
    score = RadioField(
        _("How satisfied are you with our service?"),
        choices=[(int(k), v) for k, v in sorted(SATISFACTION.items(), reverse=True)],
        coerce=int,
        validators=[InputRequired(message=_("Please choose a score."))],
    )
    comments = TextAreaField(_("Comments (optional)"), validators=[Optional(), Length(max=2000)])


def _language(survey=None) -> str:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        return lang
    return survey.language if survey is not None and survey.language in LANGUAGES else "zh"


def _page(template: str, status: int, lang: str, **context):
    with force_locale(lang):
        html = render_template(template, lang=lang, languages=LANGUAGES, **context)
    resp = make_response(html, status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/survey/<token>", methods=["GET", "POST"])
@limiter.limit(RATE_LIMIT)
def answer(token: str):
    try:
        survey = load_survey(token)
    except SurveyLinkError as exc:
        return _page("survey/message.html", exc.status, _language(), reason=exc.reason, token=token)
    lang = _language(survey)
    if survey.answered_at is not None:
        if request.method == "POST":
            return _page("survey/message.html", 409, lang, reason="answered", token=token)
        reason = "thanks" if request.args.get("done") else "answered"
        return _page("survey/message.html", 200, lang, reason=reason, token=token)
    form = SurveyAnswerForm()
    with force_locale(lang):
        valid = form.validate_on_submit()
    if valid:
        if not answer_survey(survey, form.score.data, form.comments.data):
            return _page("survey/message.html", 409, lang, reason="answered", token=token)
        return redirect(url_for("survey_public.answer", token=token, lang=lang, done=1))
    status = 400 if request.method == "POST" else 200
    return _page("survey/form.html", status, lang, form=form, survey=survey, token=token)


def register_survey_public(app: Flask) -> None:
    app.register_blueprint(bp)
