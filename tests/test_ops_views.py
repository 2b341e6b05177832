"""Admin operations screens: the working calendar (year view, overrides that
change SLA arithmetic), jobs with retry of incidents, the mail outbox."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from app.engine import jobs
from app.extensions import db
from app.models import CalendarOverride, Job
from tests.conftest import csrf_token

SH = ZoneInfo("Asia/Shanghai")


def day_kind(html: str, day: str) -> str:
    match = re.search(rf'data-date="{day}" data-kind="([a-z_]+)"', html)
    assert match, f"{day} not on the page"
    return match.group(1)


def test_calendar_2026_month_by_month(login_as):
    admin = login_as("admin")
    resp = admin.get("/workcalendar/2026")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "2026 年工作日历" in html and 'id="calendar-unknown-year"' not in html
    assert len(re.findall(r'data-date="2026-\d\d-\d\d"', html)) == 365
    assert day_kind(html, "2026-10-01") == "holiday" and "国庆节" in html
    assert day_kind(html, "2026-02-17") == "holiday" and "春节" in html
    assert day_kind(html, "2026-02-14") == "makeup_workday"  # 调休 Saturday
    assert day_kind(html, "2026-03-07") == "weekend" and day_kind(html, "2026-03-09") == "workday"
    assert "2026 年共有" in html  # the year's number of working days


def test_calendar_warns_when_the_official_calendar_does_not_know_the_year(login_as):
    html = login_as("admin").get("/workcalendar/2030").get_data(as_text=True)
    assert 'id="calendar-unknown-year"' in html and "2030 年的法定节假日安排未知" in html
    assert day_kind(html, "2030-10-01") == "workday"  # no holidays known: Monday to Friday


@pytest.fixture
def clean_overrides(app_ctx):
    from app.engine.scripting import invalidate_calendar

    db.session.execute(delete(CalendarOverride).where(CalendarOverride.day.between(date(2026, 3, 1), date(2026, 3, 31))))
    db.session.commit()
    invalidate_calendar()
    yield
    db.session.execute(delete(CalendarOverride).where(CalendarOverride.day.between(date(2026, 3, 1), date(2026, 3, 31))))
    db.session.commit()
    invalidate_calendar()


def test_overrides_change_working_day_arithmetic(login_as, clean_overrides):
    from app.engine.scripting import current_calendar

    monday = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    assert current_calendar().add_working_days(monday, 1) == datetime(2026, 3, 3, 18, 0, tzinfo=SH)
    admin = login_as("admin")
    form = admin.get("/calendaroverrideview/add?day=2026-03-03").get_data(as_text=True)
    assert 'value="2026-03-03"' in form  # the year view's link pre-fills the date
    resp = admin.post("/calendaroverrideview/add", data={
        "day": "2026-03-03", "kind": "closure", "note": "机房搬迁", "csrf_token": csrf_token(admin, "/calendaroverrideview/add")})
    assert resp.status_code == 302
    # Saving invalidated the engine's cached calendar: the deadline moves at once.
    assert current_calendar().add_working_days(monday, 1) == datetime(2026, 3, 4, 18, 0, tzinfo=SH)
    html = admin.get("/workcalendar/2026").get_data(as_text=True)
    assert day_kind(html, "2026-03-03") == "closure" and "机房搬迁" in html

    row = db.session.scalars(select(CalendarOverride).where(CalendarOverride.day == date(2026, 3, 3))).one()
    resp = admin.post(f"/calendaroverrideview/edit/{row.id}", data={
        "day": "2026-03-03", "kind": "workday", "note": "", "csrf_token": csrf_token(admin, f"/calendaroverrideview/edit/{row.id}")})
    assert resp.status_code == 302
    assert current_calendar().add_working_days(monday, 1) == datetime(2026, 3, 3, 18, 0, tzinfo=SH)
    # A weekend made a working day (e.g. a make-up Saturday).
    resp = admin.post("/calendaroverrideview/add", data={
        "day": "2026-03-07", "kind": "workday", "note": "", "csrf_token": csrf_token(admin, "/calendaroverrideview/add")})
    assert resp.status_code == 302
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=SH)
    assert current_calendar().add_working_days(friday, 1) == datetime(2026, 3, 7, 18, 0, tzinfo=SH)
    resp = admin.post(f"/calendaroverrideview/delete/{row.id}",
                      data={"csrf_token": csrf_token(admin, "/calendaroverrideview/list/")})
    assert resp.status_code == 302
    assert day_kind(admin.get("/workcalendar/2026").get_data(as_text=True), "2026-03-03") == "workday"


@pytest.mark.parametrize("path", ["/workcalendar/2026", "/calendaroverrideview/list/", "/calendaroverrideview/add",
                                  "/jobview/list/", "/mailoutboxview/list/"])
def test_non_admins_get_403(login_as, path):
    assert login_as("agent").get(path).status_code == 403


def test_supervisors_read_the_calendar_but_cannot_change_it(login_as):
    sup = login_as("supervisor")
    assert sup.get("/workcalendar/2026").status_code == 200
    assert sup.get("/calendaroverrideview/add").status_code == 403
    assert sup.get("/jobview/list/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/workcalendar/2026")
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]


def test_jobs_screen_lists_incidents_and_retries_them(app, login_as, app_ctx):
    job = jobs.enqueue("no_such_kind", {"why": "screen test"}, retries=1)
    job.state, job.last_error, job.retries_left = "incident", "LookupError: no handler for job kind", 0
    db.session.commit()
    admin = login_as("admin")
    html = admin.get("/jobview/list/?_flt_3_state=incident").get_data(as_text=True)
    assert "no_such_kind" in html and "LookupError: no handler" in html
    assert "_flt_3_state=pending" in html  # quick filters
    assert admin.get("/jobview/add").status_code == 403 and "/jobview/add" not in html  # no hand-made jobs
    token = csrf_token(admin, "/jobview/list/")
    resp = admin.post("/jobview/action_post", data={"action": "retry", "rowid": str(job.id), "csrf_token": token})
    assert resp.status_code == 302
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.state, job.retries_left, job.last_error) == ("pending", 3, None)
    job.state = "done"  # keep it out of other tests' way
    db.session.commit()
    assert admin.get(f"/jobview/show/{job.id}").status_code == 200


def test_mail_outbox_screen(login_as, app_ctx):
    from app.engine import mail

    row = mail.queue_mail("customer_result", ["screen@example.com"], "result", {"result": "已处理", "business_key": "SCR-1"})
    db.session.commit()
    admin = login_as("admin")
    html = admin.get("/mailoutboxview/list/").get_data(as_text=True)
    assert "处理结果通知 · SCR-1" in html and "screen@example.com" in html
    assert admin.get(f"/mailoutboxview/show/{row.id}").status_code == 200
    for job in db.session.scalars(select(Job).where(Job.kind == "mail", Job.state == "pending")):
        if job.payload.get("message_id") == row.message_id:
            job.state = "done"
    db.session.commit()
