"""Customer-service records through the web screens: CRUD, roles, export, SLA, numbering."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import csrf_token
from tests.records_helpers import make_customer


def test_menu_and_permission_names_match_security():
    from app.security import IN_SALES, IN_SALES_MENUS, PRESALES, PRESALES_MENUS, RECORDS, WORK_MENUS
    from app.records.menu import MENU, NO_MENU

    # pre-sales and in-sales have their own names (not every role that works records sees them)
    menus = set(WORK_MENUS.split("|")) | set(PRESALES_MENUS.split("|")) | set(IN_SALES_MENUS.split("|"))
    records = set(RECORDS.split("|")) | set(PRESALES.split("|")) | set(IN_SALES.split("|"))
    assert {name for _v, name, _l, _i in MENU} <= menus
    for view in [v for v, *_ in MENU] + NO_MENU:
        if view.__name__ != "ContactDataView":
            assert view.class_permission_name in records, view


def test_admin_crud_customer(app, login_as):
    c = login_as("admin")
    token = csrf_token(c, "/customerview/add")
    resp = c.post("/customerview/add", data={
        "name": "无锡测试精密机械有限公司", "industry": "制造业", "address": "无锡市新吴区",
        "channel_preference": "wechat", "notes": "", "csrf_token": token})
    assert resp.status_code == 302
    from app.extensions import db
    from app.models import Customer

    with app.app_context():
        cust = db.session.query(Customer).filter_by(name="无锡测试精密机械有限公司").one()
        pk = cust.id
        assert cust.channel_preference == "wechat"
    assert "无锡测试精密机械有限公司" in c.get("/customerview/list/?_flt_0_name=无锡测试").get_data(as_text=True)
    resp = c.post(f"/customerview/edit/{pk}", data={
        "name": "无锡测试精密机械有限公司", "industry": "电子", "address": "无锡市新吴区",
        "channel_preference": "email", "notes": "改", "csrf_token": token})
    assert resp.status_code == 302
    show = c.get(f"/customerview/show/{pk}").get_data(as_text=True)
    assert "电子" in show
    with app.app_context():
        assert db.session.get(Customer, pk).channel_preference == "email"
    c.post(f"/customerview/delete/{pk}", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Customer, pk) is None


def test_agent_adds_complaint_with_number(app, login_as):
    from app.extensions import db
    from app.models import Complaint, Department

    cid, _contact, _name = make_customer(app)
    with app.app_context():
        dep = db.session.query(Department).filter_by(code="TECH").one()
    c = login_as("agent")
    token = csrf_token(c, "/complaintview/add")
    resp = c.post("/complaintview/add", data={
        "customer": str(cid), "matter": "维修人员未按约定时间到场", "customer_demand": "要求书面说明",
        "responsible_department": str(dep.id), "received_at": "2026-03-02 10:30:00", "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        cp = db.session.query(Complaint).filter_by(customer_id=cid).one()
        assert re.fullmatch(r"CP-2026-\d{6}", cp.number)
        assert cp.status == "received" and cp.reopen_count == 0
        # typed as Beijing time, stored as UTC
        assert cp.received_at == datetime(2026, 3, 2, 2, 30, tzinfo=timezone.utc)


def test_viewer_cannot_add_complaint(app, login_as):
    from app.extensions import db
    from app.models import Complaint

    cid, _contact, _name = make_customer(app)
    c = login_as("viewer")
    assert c.get("/complaintview/list/").status_code == 200
    assert c.get("/complaintview/add").status_code in (302, 403)
    token = csrf_token(c, "/complaintview/list/")
    resp = c.post("/complaintview/add", data={"customer": str(cid), "matter": "x", "csrf_token": token})
    assert resp.status_code in (302, 403)
    with app.app_context():
        assert db.session.query(Complaint).filter_by(customer_id=cid).count() == 0


def test_tech_reads_but_cannot_add_customers(login_as):
    c = login_as("tech")
    assert c.get("/customerview/list/").status_code == 200
    assert c.get("/customerview/add").status_code == 403
    assert c.get("/servicerequestview/add").status_code == 200  # tech writes service requests


@pytest.mark.parametrize("username,can_read,can_add", [
    ("field", True, True), ("tech", True, True), ("agent", True, False), ("sales", False, False)])
def test_field_records_per_role(login_as, username, can_read, can_add):
    c = login_as(username)
    assert (c.get("/fieldrecordview/list/").status_code == 200) is can_read
    assert (c.get("/fieldrecordview/add").status_code == 200) is can_add


def test_service_request_number_and_default_sla(app, login_as):
    """《机器人集成公司客户服务优化管理制度》第十一条(一): 对于紧急故障报修(如设备停机影响生产),需立即启动
    应急响应机制 — a stoppage is due "at once" (15 minutes, the SLA policy) on the 24-hour clock, so it is
    at risk from the start."""
    from app.extensions import db
    from app.models import ServiceRequest

    cid, contact_id, _name = make_customer(app)
    c = login_as("agent")
    token = csrf_token(c, "/servicerequestview/add")
    resp = c.post("/servicerequestview/add", data={
        "customer": str(cid), "contact": str(contact_id), "kind": "after_sales", "channel": "phone",
        "type": "emergency_stoppage", "priority": "urgent", "subject": "生产线突然停机", "description": "全线停产",
        "due_at": "", "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        sr = db.session.query(ServiceRequest).filter_by(customer_id=cid).one()
        assert re.fullmatch(r"SR-\d{4}-\d{6}", sr.number)
        assert abs(sr.due_at - sr.created_at - timedelta(minutes=15)) < timedelta(seconds=2)  # the dispatch step's due
        assert sr.sla_state == "at_risk"
    body = c.get(f"/servicerequestview/show/{sr.id}").get_data(as_text=True)
    assert sr.number in body and "紧急停机" in body and "sla-at_risk" in body
    # the customer page lists the request under its related tab
    assert sr.number in c.get(f"/customerview/show/{cid}").get_data(as_text=True)


def test_numbers_are_sequential(app, app_ctx):
    from app.extensions import db
    from app.models import ServiceRequest

    cid, _contact, _name = make_customer(app)
    rows = [ServiceRequest(customer_id=cid, type="general_question") for _ in range(3)]
    db.session.add_all(rows)
    db.session.commit()
    seq = [int(r.number.rsplit("-", 1)[1]) for r in rows]
    assert seq == [seq[0], seq[0] + 1, seq[0] + 2]


def test_sla_state_rules():
    from app.models import ServiceRequest

    t0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    sr = ServiceRequest(created_at=t0, due_at=t0 + timedelta(hours=10), status="in_progress")
    assert sr.sla_state_at(t0 + timedelta(hours=1)) == "on_time"
    assert sr.sla_state_at(t0 + timedelta(hours=8)) == "at_risk"
    assert sr.sla_state_at(t0 + timedelta(hours=11)) == "overdue"
    sr.resolved_at = t0 + timedelta(hours=9)
    assert sr.sla_state_at(t0 + timedelta(days=3)) == "on_time"
    sr.resolved_at = t0 + timedelta(hours=12)
    assert sr.sla_state_at(t0 + timedelta(days=3)) == "overdue"
    assert ServiceRequest(created_at=t0).sla_state_at(t0) is None


def test_complaint_reopen_keeps_history(app, login_as):
    from app.extensions import db
    from app.models import Complaint

    cid, _contact, _name = make_customer(app)
    with app.app_context():
        cp = Complaint(customer_id=cid, matter="同一故障反复出现", status="closed", rectification_plan="更换主板",
                       rectification_result="已更换", feedback="仍有故障", satisfaction=2)
        db.session.add(cp)
        db.session.commit()
        pk = cp.id
    c = login_as("agent")
    token = csrf_token(c, f"/complaintview/show/{pk}")
    assert c.post(f"/complaintview/action/reopen/{pk}", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        cp = db.session.get(Complaint, pk)
        assert cp.status == "reopened" and cp.reopen_count == 1 and cp.rectification_plan is None
        assert [(r.round_no, r.plan, r.satisfied) for r in cp.rounds] == [(1, "更换主板", False)]
    assert "更换主板" in c.get(f"/complaintview/show/{pk}").get_data(as_text=True)  # rounds tab
    # a second re-open of a complaint that is not closed is refused
    c.post(f"/complaintview/action/reopen/{pk}", data={"csrf_token": token})
    # viewer may not re-open
    v = login_as("viewer")
    token = csrf_token(v, f"/complaintview/show/{pk}")
    v.post(f"/complaintview/action/reopen/{pk}", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Complaint, pk).reopen_count == 1


def test_csv_export_follows_filter_and_is_utf8(app, login_as):
    _cid, _contact, name = make_customer(app, prefix="导出客户")
    make_customer(app, prefix="其他客户")
    c = login_as("viewer")
    resp = c.get(f"/customerview/export/csv?_flt_0_name={name}")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    raw = resp.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "名称"
    assert [r[0] for r in rows[1:]] == [name]
    assert rows[1][2] == "电话"  # coded value exported as its label


def test_xlsx_export(app, login_as):
    from openpyxl import load_workbook

    _cid, _contact, name = make_customer(app, prefix="表格客户")
    c = login_as("agent")
    resp = c.get(f"/contactview/export/xlsx?_flt_0_customer={_cid}")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.get_data())).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0][:4] == ["客户", "姓名", "职务", "电话"]
    assert rows[1][3] == "138****5678" and rows[1][4] == "z***@example.com"


def test_export_needs_login(app):
    from tests.conftest import new_client

    assert new_client(app).get("/customerview/export/csv").status_code in (302, 401)


def test_formula_cells_are_neutralised():
    from app.records.export import _safe_cell

    assert _safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _safe_cell("-12.5") == "-12.5"
    assert _safe_cell("正常文本") == "正常文本"


def test_every_record_screen_opens(login_as):
    c = login_as("admin")
    for view in ["customerview", "contactview", "contractview", "equipmentview", "servicerequestview",
                 "complaintview", "complaintroundview", "incidentview", "incidentnotificationview",
                 "contingencyplanview", "fieldrecordview", "surveyview", "serviceplanview",
                 "serviceplanfeedbackview", "caseview"]:
        assert c.get(f"/{view}/list/").status_code == 200, view
        assert c.get(f"/{view}/export/csv").status_code == 200, view
