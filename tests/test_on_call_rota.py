"""The on-call rota (Work → On-call rota): supervisors keep it, staff read it, and the engine's one
rule (app/engine/rota.py) refuses a shift that cannot stand with a located message, saving nothing.
《空调部门客户服务管理制度》: 设立24小时售后服务热线,及时响应顾客的维修需求."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.engine import rota
from app.extensions import db
from app.models import Department, OnCallShift
from tests.conftest import csrf_token

TZ_NOTE = "rota-test"


def _ids(app):
    with app.app_context():
        sm = app.appbuilder.sm
        dept = db.session.scalars(select(Department).filter_by(code="DELIVERY")).one()
        return dept.id, sm.find_user(username="field").id, sm.find_user(username="viewer").id


def _post(c, dept_id, user_id, start, end):
    token = csrf_token(c, "/oncallshiftview/add")
    return c.post("/oncallshiftview/add", data={"department": str(dept_id), "user": str(user_id),
                                                "starts_at": start, "ends_at": end, "note": TZ_NOTE,
                                                "csrf_token": token}, follow_redirects=True)


def test_a_supervisor_keeps_the_rota_and_the_engine_finds_who_is_on_call(app, login_as):
    dept_id, field_id, readonly_id = _ids(app)
    c = login_as("supervisor")
    c.get("/lang/zh")
    body = _post(c, dept_id, field_id, "2026-10-03 20:00", "2026-10-03 08:00").get_data(as_text=True)
    assert "值班结束时间必须晚于开始时间" in body  # located: the Until field, in the reader's language
    body = _post(c, dept_id, readonly_id, "2026-10-03 20:00", "2026-10-04 08:00").get_data(as_text=True)
    assert "不能承接紧急故障" in body
    with app.app_context():
        assert db.session.scalars(select(OnCallShift).filter_by(note=TZ_NOTE)).all() == []  # nothing saved
    _post(c, dept_id, field_id, "2026-10-03 20:00", "2026-10-04 08:00")
    with app.app_context():
        shift = db.session.scalars(select(OnCallShift).filter_by(note=TZ_NOTE)).one()
        night = datetime.fromisoformat("2026-10-03T23:30:00+08:00")
        assert rota.on_call("DELIVERY", night) == "field"
        assert rota.on_call("DELIVERY", night + timedelta(hours=9)) is None  # after the shift: nobody
        db.session.delete(shift)
        db.session.commit()


def test_staff_read_the_rota_and_only_supervisors_change_it(app, login_as):
    dept_id, field_id, _ = _ids(app)
    c = login_as("field")
    assert c.get("/oncallshiftview/list/").status_code == 200
    resp = _post(c, dept_id, field_id, "2026-10-05 20:00", "2026-10-06 08:00")
    with app.app_context():
        assert db.session.scalars(select(OnCallShift).filter_by(note=TZ_NOTE)).all() == []
    assert resp.status_code in (200, 403)
