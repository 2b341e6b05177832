"""Signed, expiring survey links for customers (no login).

The token is an itsdangerous signature over the survey id and a nonce, made
with the app SECRET_KEY and a salt of its own; the Survey row keeps only the
token's SHA-256, so a database leak gives no working links, and issuing a new
link revokes the previous one.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from blinker import Namespace
from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update

from app.extensions import db
from app.models import Survey
from app.models.base import utcnow

SALT = "survey-link-v1"
MAX_TOKEN_LENGTH = 400
MAX_AGE_DAYS = 366  # hard ceiling; the row's expires_at is the real limit

signals = Namespace()
# Sent after an answer is committed, with the survey as sender (processes may listen).
survey_answered = signals.signal("survey-answered")


class SurveyLinkError(Exception):
    status = 400
    reason = "invalid"


class SurveyLinkExpired(SurveyLinkError):
    status = 410
    reason = "expired"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_survey_link(survey: Survey, expires_in_days: int = 14) -> str:
    """Issue a link for ``survey`` (flushes, does not commit) and return its URL.

    The URL is absolute when PUBLIC_BASE_URL is configured or a request is
    being served, else the path alone."""
    if survey.id is None:
        db.session.add(survey)
        db.session.flush()
    now = utcnow()
    token = _serializer().dumps({"s": survey.id, "n": secrets.token_urlsafe(6)})
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
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise SurveyLinkError()
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_DAYS * 86400)
    except SignatureExpired as exc:
        raise SurveyLinkExpired() from exc
    except BadSignature as exc:
        raise SurveyLinkError() from exc
    survey_id = data.get("s") if isinstance(data, dict) else None
    survey = db.session.get(Survey, survey_id) if isinstance(survey_id, int) else None
    if survey is None or not survey.token_hash or not hmac.compare_digest(survey.token_hash, token_hash(token)):
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
