"""Local time everywhere: one helper (app.records.timefmt) behind screens, the ``localtime`` filter,
mails and messages; the API keeps ISO 8601 with the offset."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.api.helpers import api, complaint, engine, tidy, tokens  # noqa: F401  (fixtures)

LATE_UTC = datetime(2026, 12, 19, 17, 30, 5, tzinfo=timezone.utc)  # 01:30:05 on the 20th in Beijing


def test_fmt_local_shows_the_operations_zone(app_ctx):
    from app.records.timefmt import fmt_local, local_date

    assert fmt_local(LATE_UTC) == "2026-12-20 01:30"
    assert fmt_local(LATE_UTC, seconds=True) == "2026-12-20 01:30:05"
    assert fmt_local(LATE_UTC.replace(tzinfo=None)) == "2026-12-20 01:30"  # naive datetimes are stored UTC
    assert local_date(LATE_UTC) == "2026-12-20"  # a link valid "until the 20th", not the UTC 19th
    assert fmt_local(date(2026, 12, 19)) == "2026-12-19" and fmt_local(None) == ""
    # ISO text (process data): with an offset converted, naive text is already wall-clock time
    assert fmt_local("2026-12-19T17:30:05Z") == "2026-12-20 01:30"
    assert fmt_local("2026-12-19T17:30:05") == "2026-12-19 17:30"
    assert fmt_local("next Monday") == "next Monday"


def test_fmt_local_follows_engine_timezone(app):
    from app.records.timefmt import fmt_local

    with app.app_context():
        zone = app.config.get("ENGINE_TIMEZONE")
        app.config["ENGINE_TIMEZONE"] = "Europe/Berlin"
        try:
            assert fmt_local(LATE_UTC) == "2026-12-19 18:30"
        finally:
            app.config["ENGINE_TIMEZONE"] = zone


def test_jinja_filter_and_task_mail_use_local_time(app_ctx):
    from flask import render_template_string

    from app.engine import mail, notifications
    from app.models import HumanTask

    assert render_template_string("{{ t | localtime }}", t=LATE_UTC) == "2026-12-20 01:30"
    task = HumanTask(id=1, name="回访", process_name="售后", priority=50, due_at=LATE_UTC)
    for locale in ("zh", "en"):
        _subject, text, html = mail.render("task_created", notifications.task_context(task), locale)
        assert "2026-12-20 01:30" in text and "2026-12-20 01:30" in html
        assert "+00:00" not in text and "17:30" not in text


def test_audit_log_lists_local_times(app, login_as):
    from app.extensions import db
    from app.models import AuditLog

    with app.app_context():
        row = AuditLog(event="login", username="agent", target="local-time-probe", at=LATE_UTC)
        db.session.add(row)
        db.session.commit()
        pk = row.id
    admin = login_as("admin")
    page = admin.get("/auditlogview/list/?_flt_0_target=local-time-probe").get_data(as_text=True)
    assert "2026-12-20 01:30:05" in page
    assert "2026-12-19 17:30" not in page and "+00:00" not in page
    after = "/auditlogview/list/?_flt_0_target=local-time-probe&_flt_1_at="  # "greater than", typed in local time
    row = re.compile(r">\s*local-time-probe\s*</td>")
    assert row.search(admin.get(after + "2026-12-20 01:30:00").get_data(as_text=True))
    assert not row.search(admin.get(after + "2026-12-20 01:31:00").get_data(as_text=True))
    shown = admin.get(f"/auditlogview/show/{pk}").get_data(as_text=True)
    assert "2026-12-20 01:30:05" in shown and ">login<" not in shown  # the event in words, not its code


def test_job_screen_shows_local_times_and_a_parameter_table(app, login_as):
    from app.extensions import db
    from app.models import Job

    with app.app_context():
        job = Job(kind="sla_breach", payload={"task_id": 7, "due_at": LATE_UTC.isoformat()},
                  due_at=LATE_UTC + timedelta(hours=1), state="done", retries_left=0)
        db.session.add(job)
        db.session.commit()
        pk = job.id
    page = login_as("admin").get(f"/jobview/show/{pk}").get_data(as_text=True)
    assert 'class="table table-condensed job-payload"' in page
    assert "2026-12-20 02:30:05" in page  # due_at
    assert "2026-12-20 01:30:05" in page  # the payload's due time, in local time
    assert "{&#39;task_id&#39;" not in page and "{'task_id'" not in page  # not a Python dict
    assert "SLA 超时" in page and ">sla_breach<" not in page.replace(" ", "").replace("\n", "")  # kind in words


def test_api_times_carry_their_offset(api, engine, complaint):
    from app.api.serialize import json_safe

    inst_id = engine.start(complaint, business_key="TZ-1")
    body = api("Supervisor").get(f"/api/v1/instances/{inst_id}").get_json()
    iso = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
    assert iso.match(body["started_at"]), body["started_at"]
    assert all(iso.match(t["created_at"]) for t in body["open_tasks"])
    assert json_safe({"at": datetime(2026, 3, 1, 9, 30)}) == {"at": "2026-03-01T09:30:00+08:00"}
    assert json_safe(LATE_UTC) == "2026-12-19T17:30:05+00:00"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_instance_page_shows_local_times(api, engine, complaint, login_as, lang):
    inst_id = engine.start(complaint, business_key=f"TZ-{lang}")
    boss = login_as("supervisor")
    boss.get(f"/lang/{lang}")
    page = boss.get(f"/instances/{inst_id}/").get_data(as_text=True)
    assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00", page)
