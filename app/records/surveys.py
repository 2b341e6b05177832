"""Signed, expiring survey links for customers (no login).

The token is an itsdangerous signature over the survey id and a nonce, made
with the app SECRET_KEY and a salt of its own; the Survey row keeps only the
token's SHA-256, so a database leak gives no working links, and issuing a new
link revokes the previous one.
"""
from __future__ import annotations

from datetime import timedelta

from blinker import Namespace
from flask import current_app, has_request_context, url_for
from sqlalchemy import update

from app.extensions import db
from app.models import Survey
from app.models.base import utcnow
from app.records import signed_links
from app.records.signed_links import token_hash  # noqa: F401  (callers read it from here)

SALT = "survey-link-v1"
MAX_AGE_DAYS = 366  # hard ceiling; the row's expires_at is the real limit

signals = Namespace()
# Sent after an answer is committed, with the survey as sender (processes may listen).
survey_answered = signals.signal("survey-answered")


SurveyLinkError = signed_links.LinkError
SurveyLinkExpired = signed_links.LinkExpired


def create_survey_link(survey: Survey, expires_in_days: int = 14) -> str:
    """Issue a link for ``survey`` (flushes, does not commit) and return its URL.

    The URL is absolute when PUBLIC_BASE_URL is configured or a request is
    being served, else the path alone."""
    if survey.id is None:
        db.session.add(survey)
        db.session.flush()
    now = utcnow()
    token = signed_links.issue(SALT, "s", survey.id)
    survey.token_hash = token_hash(token)
    survey.sent_at = now
    survey.expires_at = now + timedelta(days=expires_in_days)
    return survey_url(token)


def survey_url(token: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("survey_public.answer", token=token) if has_request_context() else f"/survey/{token}"
    if base:
        return base.rstrip("/") + path
    if has_request_context():
        return url_for("survey_public.answer", token=token, _external=True)
    return path


def load_survey(token: str) -> Survey:
    """The survey of a valid link, or SurveyLinkError / SurveyLinkExpired."""
    survey = db.session.get(Survey, signed_links.row_id(SALT, token, "s", MAX_AGE_DAYS * 86400))
    if survey is None or not signed_links.matches(survey.token_hash, token):
        raise SurveyLinkError()  # forged, or replaced by a newer link
    if survey.answered_at is None and survey.expires_at is not None and utcnow() >= survey.expires_at:
        raise SurveyLinkExpired()
    return survey


def answer_survey(survey: Survey, score: int, comments: str | None) -> bool:
    """Record the answer once; False when the survey was already answered
    (a conditional UPDATE, so two simultaneous submits cannot both win)."""
    result = db.session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.answered_at.is_(None))
        .values(score=score, comments=(comments or "").strip() or None, answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(survey)
    if result.rowcount == 1:
        survey_answered.send(survey)
        return True
    return False
