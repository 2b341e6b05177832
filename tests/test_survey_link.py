"""Public survey link: signed, expiring, one answer, clear pages for bad links, CSRF on the form."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from tests.conftest import csrf_token, new_client
from tests.records_helpers import make_customer


def new_survey(app) -> tuple[int, str]:
    """A survey of a fresh customer and its link path."""
    from app.extensions import db
    from app.models import Survey
    from app.records.surveys import create_survey_link

    customer_id, _contact, _name = make_customer(app, prefix="调查客户")
    with app.app_context():
        survey = Survey(customer_id=customer_id, kind="satisfaction", channel="sms")
        link = create_survey_link(survey)
        db.session.commit()
        return survey.id, link


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def get_survey(app, pk):
    from app.extensions import db
    from app.models import Survey

    with app.app_context():
        return db.session.get(Survey, pk)


def test_link_stores_only_a_hash(app):
    import hashlib

    pk, link = new_survey(app)
    assert link.startswith("/survey/")
    survey = get_survey(app, pk)
    token = token_of(link)
    assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (survey.token_hash or "")
    assert survey.expires_at - survey.sent_at == timedelta(days=14)


def test_valid_link_shows_form_in_chinese_then_english(app):
    pk, link = new_survey(app)
    c = new_client(app)
    resp = c.get(link)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "您对我们的服务满意吗" in html and 'name="csrf_token"' in html and "调查客户" in html
    assert resp.headers["Cache-Control"] == "no-store"
    en = c.get(link + "?lang=en").get_data(as_text=True)
    assert "How satisfied are you with our service?" in en and "5 - Very satisfied" in en


def test_answer_once(app):
    pk, link = new_survey(app)
    c = new_client(app)
    token = csrf_token(c, link)
    resp = c.post(link, data={"score": "4", "comments": "工程师很专业", "csrf_token": token})
    assert resp.status_code == 302
    survey = get_survey(app, pk)
    assert survey.score == 4 and survey.comments == "工程师很专业" and survey.answered_at is not None
    page = c.get(resp.headers["Location"])
    assert page.status_code == 200 and "已记录" in page.get_data(as_text=True)
    page = c.get(link)  # opened again later
    assert page.status_code == 200 and "本调查已提交" in page.get_data(as_text=True)
    again = c.post(link, data={"score": "1", "comments": "改主意", "csrf_token": token})
    assert again.status_code == 409 and "已提交" in again.get_data(as_text=True)
    assert get_survey(app, pk).score == 4


def test_answer_signal_is_sent(app):
    from app.records.surveys import survey_answered

    pk, link = new_survey(app)
    seen = []

    def listener(sender, **_kw):
        seen.append(sender.id)

    survey_answered.connect(listener)
    try:
        c = new_client(app)
        c.post(link, data={"score": "5", "csrf_token": csrf_token(c, link)})
    finally:
        survey_answered.disconnect(listener)
    assert seen == [pk]


def test_invalid_answers_are_refused(app):
    pk, link = new_survey(app)
    c = new_client(app)
    token = csrf_token(c, link)
    resp = c.post(link, data={"score": "9", "csrf_token": token})
    assert resp.status_code == 400 and "您对我们的服务满意吗" in resp.get_data(as_text=True)
    assert c.post(link, data={"comments": "no score", "csrf_token": token}).status_code == 400
    assert c.post(link, data={"score": "5"}).status_code == 400  # no CSRF token
    assert get_survey(app, pk).answered_at is None


def test_expired_link(app):
    pk, link = new_survey(app)
    c = new_client(app)
    later = datetime.now(timezone.utc) + timedelta(days=15)
    with time_machine.travel(later, tick=False):
        resp = c.get(link)
        assert resp.status_code == 410
        assert "链接已过期" in resp.get_data(as_text=True)
        assert c.get(link + "?lang=en").status_code == 410
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=13), tick=False):
        assert c.get(link).status_code == 200


def test_custom_expiry(app):
    from app.extensions import db
    from app.models import Survey
    from app.records.surveys import create_survey_link

    customer_id, _contact, _name = make_customer(app)
    with app.app_context():
        survey = Survey(customer_id=customer_id)
        link = create_survey_link(survey, expires_in_days=2)
        db.session.commit()
    c = new_client(app)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=3), tick=False):
        assert c.get(link).status_code == 410


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    lambda t: "x" + t,  # payload changed
    lambda t: "not-a-token",
    lambda t: "a" * 500,  # absurdly long
])
def test_forged_links(app, mangle):
    _pk, link = new_survey(app)
    resp = new_client(app).get("/survey/" + mangle(token_of(link)))
    assert resp.status_code == 400
    assert "链接无效" in resp.get_data(as_text=True)


def test_token_signed_with_other_secret_or_salt_is_refused(app):
    from itsdangerous import URLSafeTimedSerializer

    pk, _link = new_survey(app)
    c = new_client(app)
    other_secret = URLSafeTimedSerializer("another-secret", salt="survey-link-v1").dumps({"s": pk, "n": "x"})
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps({"s": pk, "n": "x"})
    assert c.get(f"/survey/{other_secret}").status_code == 400
    assert c.get(f"/survey/{other_salt}").status_code == 400
    # correctly signed but never issued (hash differs): refused too
    with app.app_context():
        never_issued = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="survey-link-v1").dumps({"s": pk, "n": "y"})
    assert c.get(f"/survey/{never_issued}").status_code == 400


def test_new_link_replaces_old_one(app):
    from app.extensions import db
    from app.models import Survey
    from app.records.surveys import create_survey_link

    pk, old = new_survey(app)
    with app.app_context():
        new = create_survey_link(db.session.get(Survey, pk))
        db.session.commit()
    c = new_client(app)
    assert c.get(old).status_code == 400
    assert c.get(new).status_code == 200


def test_staff_create_link_from_the_survey_screen(app, login_as):
    pk, _link = new_survey(app)
    c = login_as("agent")
    token = csrf_token(c, f"/surveyview/show/{pk}")
    resp = c.post(f"/surveyview/action/create_link/{pk}", data={"csrf_token": token}, follow_redirects=True)
    links = re.findall(r"(?:http://[^/\s]+)?(/survey/[A-Za-z0-9_.\-]+)", resp.get_data(as_text=True))
    assert links, "the new link is shown to the agent"
    assert new_client(app).get(links[0]).status_code == 200
    # a read-only user cannot issue links
    v = login_as("viewer")
    token = csrf_token(v, f"/surveyview/show/{pk}")
    v.post(f"/surveyview/action/create_link/{pk}", data={"csrf_token": token})
    assert new_client(app).get(links[0]).status_code == 200  # still the agent's link


def test_public_page_needs_no_login_and_never_500s(app):
    c = new_client(app)
    for path in ["/survey/", "/survey/%00", "/survey/..%2F..", "/survey/" + "é" * 10]:
        assert c.get(path).status_code in (400, 404)
