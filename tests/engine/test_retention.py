"""Retention (issue 22): done jobs and sent mails leave the hot tables after the period an admin
sets; history is never purged; only admins set the period."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.engine import clock, history, retention, runtime
from app.engine.errors import Forbidden, Invalid
from app.engine.worker import Worker
from app.extensions import db
from app.models import AuditLog, ConversationMessage, HistoryEvent, Job, MailOutbox, SiteSetting
from tests.conftest import csrf_token


@pytest.fixture
def reset_setting(app):
    yield
    with app.app_context():  # its own context: a screen test's clients must not share one
        db.session.execute(SiteSetting.__table__.delete().where(SiteSetting.key == retention.SETTING))
        db.session.commit()


def _job(state: str, age_days: float) -> int:
    at = clock.now() - timedelta(days=age_days)
    job = Job(kind="mail", state=state, due_at=at, created_at=at, payload={"t": uuid.uuid4().hex},
              finished_at=at if state == "done" else None)
    db.session.add(job)
    db.session.flush()
    return job.id


def _mail(state: str, age_days: float) -> int:
    at = clock.now() - timedelta(days=age_days)
    mail = MailOutbox(message_id=f"<{uuid.uuid4().hex}@test>", kind="task_created", recipients=["a@example.com"],
                      subject="s", body_text="b", state=state, created_at=at,
                      sent_at=at if state == "sent" else None)
    db.session.add(mail)
    db.session.flush()
    return mail.id


def test_purge_deletes_old_done_jobs_and_sent_mails_and_never_history(app_ctx, actors, complaint_def, reset_setting):
    retention.set_days(10, actor=actors["admin"])
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="RET-1")
    db.session.execute(update(HistoryEvent).where(HistoryEvent.instance_id == inst.id)
                       .values(at=clock.now() - timedelta(days=400)))  # history far older than any retention
    events = [(e.event, e.element_id) for e in history.for_instance(inst.id)]
    gone = {"jobs": [_job("done", 11)], "mails": [_mail("sent", 11), _mail("digested", 11)]}
    kept_jobs = [_job("done", 9), _job("pending", 40), _job("incident", 40)]
    kept_mails = [_mail("sent", 9), _mail("failed", 40), _mail("pending", 40), _mail("digest", 40),
                  _mail("recorded", 40), _mail("sent", 40)]
    db.session.add(ConversationMessage(channel="email", direction="out", body="reply", outbox_id=kept_mails[-1]))
    db.session.commit()

    purged = retention.purge()

    assert purged["jobs"] >= 1 and purged["mails"] >= 2
    assert db.session.scalars(select(Job.id).where(Job.id.in_(gone["jobs"] + kept_jobs))).all() == kept_jobs
    assert sorted(db.session.scalars(select(MailOutbox.id).where(
        MailOutbox.id.in_(gone["mails"] + kept_mails)))) == sorted(kept_mails)
    assert [(e.event, e.element_id) for e in history.for_instance(inst.id)] == events


def test_keep_forever_purges_nothing(app_ctx, actors, reset_setting):
    retention.set_days(None, actor=actors["admin"])
    assert retention.days() is None
    job, mail = _job("done", 5000), _mail("sent", 5000)
    db.session.commit()
    assert retention.purge() == {"jobs": 0, "mails": 0}
    assert db.session.get(Job, job) is not None and db.session.get(MailOutbox, mail) is not None


def test_without_a_setting_the_configured_default_applies(app, app_ctx, reset_setting):
    assert retention.days() == app.config["JOB_MAIL_RETENTION_DAYS"] == 30


def test_the_worker_housekeeping_purges(app, app_ctx, actors, reset_setting):
    retention.set_days(3, actor=actors["admin"])
    old, recent = _job("done", 4), _job("done", 2)
    db.session.commit()
    Worker(app)._housekeeping()
    db.session.expire_all()
    assert db.session.get(Job, old) is None and db.session.get(Job, recent) is not None


def test_only_admins_set_the_retention(app_ctx, actors, reset_setting):
    for who in ("supervisor", "owner", "agent"):
        with pytest.raises(Forbidden):
            retention.set_days(5, actor=actors[who])
    with pytest.raises(Invalid):
        retention.set_days(0, actor=actors["admin"])
    with pytest.raises(Invalid) as err:
        retention.parse_days("ten")
    assert "days" in err.value.details["fields"]


def test_the_retention_screen_is_for_admins(app, login_as, reset_setting):
    for who in ("supervisor", "agent"):
        client = login_as(who)
        assert client.get("/admin/retention/").status_code == 403
        assert client.post("/admin/retention/", data={"days": "5", "csrf_token": csrf_token(client, "/")}
                           ).status_code == 403
    with app.app_context():
        assert db.session.get(SiteSetting, retention.SETTING) is None
    admin = login_as("admin")
    page = admin.get("/admin/retention/")
    assert page.status_code == 200 and 'name="days"' in page.get_data(as_text=True)
    bad = admin.post("/admin/retention/", data={"days": "-3", "csrf_token": csrf_token(admin, "/admin/retention/")})
    assert bad.status_code == 422 and 'id="days-error"' in bad.get_data(as_text=True)
    ok = admin.post("/admin/retention/", data={"days": "45", "csrf_token": csrf_token(admin, "/admin/retention/")})
    assert ok.status_code == 302
    with app.app_context():
        assert retention.days() == 45
        audit = db.session.scalars(select(AuditLog).where(AuditLog.event == "retention_changed")
                                   .order_by(AuditLog.id.desc())).first()
        assert audit.username == "admin" and audit.detail.endswith("-> 45")
    forever = admin.post("/admin/retention/", data={"days": "", "csrf_token": csrf_token(admin, "/admin/retention/")})
    assert forever.status_code == 302
    with app.app_context():
        assert retention.days() is None
