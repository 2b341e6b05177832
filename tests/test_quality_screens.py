"""Quality screens: the monthly report page in zh and en, the exports, verdicts through the screen and
improvement actions from a meeting's minutes into the owner's inbox with their deadline.

机器人集成公司客户服务优化管理制度（000）第十四条（一）：“每月召开服务质量分析会，梳理服务过程中存在的共性问题、典型案例，
分析问题产生的原因，明确责任人员及改进时限”；（四）“建立服务质量改进跟踪机制，对改进措施的落实情况进行全程跟踪”。
第十三条（一）：“每月开展1次服务质量专项检查，形成检查报告并通报相关部门”。
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.engine import clock, definitions, tasks
from app.engine.actor import Actor
from app.extensions import db
from app.models import (
    Customer, Department, HumanTask, ImprovementAction, QualityInspection, QualityMeeting, ServiceRequest, SpotCheck,
    SpotCheckItem,
)
from app.records.quality import service
from tests.conftest import csrf_token

SH = ZoneInfo("Asia/Shanghai")
WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"


@pytest.fixture(scope="module")
def report_id(app):
    """March 2019: two CS spot checks, three services judged, one not compliant."""
    with app.app_context():
        existing = db.session.scalars(select(QualityInspection).filter_by(period="2019-03")).first()
        if existing is not None:
            return existing.id
        sm = app.appbuilder.sm
        cs = db.session.scalars(select(Department).filter_by(code="CS")).one()
        agent, supervisor = sm.find_user(username="agent"), sm.find_user(username="supervisor")
        customer = Customer(name="质量报告测试客户")
        db.session.add(customer)
        requests = [ServiceRequest(customer=customer, subject=f"报告 {i}", number=f"SR-TEST-Q{i}") for i in range(3)]
        db.session.add_all(requests)
        for day, items in ((date(2019, 3, 4), requests[:2]), (date(2019, 3, 5), requests[2:])):
            check = SpotCheck(check_date=day, department_id=cs.id, inspector_id=supervisor.id, status="done")
            for sr in items:
                check.items.append(SpotCheckItem(service_request=sr, person_id=agent.id))
            check.sample_size = len(items)
            db.session.add(check)
        db.session.flush()
        checks = db.session.scalars(select(SpotCheck).where(SpotCheck.check_date.between(date(2019, 3, 1),
                                                                                          date(2019, 3, 31)))).all()
        items = [i for c in checks for i in c.items]
        service.record_verdict(items[0], appearance=True, manners=True, procedure=True, records=True)
        service.record_verdict(items[1], appearance=True, manners=False, procedure=True, records=True,
                               note="未使用礼貌用语")
        service.record_verdict(items[2], appearance=True, manners=True, procedure=True, records=True)
        insp = service.open_inspection(None, today=date(2019, 4, 2))
        db.session.commit()
        return insp.id


@pytest.mark.parametrize("lang, words", [
    ("zh", ["月度服务质量检查报告", "服务规范执行率", "言行礼仪", "66.7%", "客户服务部"]),
    ("en", ["Monthly quality inspection report", "Service-standard execution rate", "Manners", "66.7%",
            "Customer Service"]),
])
def test_supervisor_opens_the_monthly_report(login_as, report_id, lang, words):
    c = login_as("supervisor")
    c.get(f"/lang/{lang}")
    html = c.get(f"/qualityinspectionview/report/{report_id}").get_data(as_text=True)
    for word in words:
        assert word in html, (lang, word)
    assert 'class="n-checks">2<' in html and 'class="n-checked">3<' in html and 'class="n-compliant">2<' in html
    assert "SR-TEST-Q1" in html and "未使用礼貌用语" in html  # the service not compliant, and why
    c.get("/lang/zh")


def test_report_is_read_only_for_viewers_and_closed_to_agents(login_as, report_id):
    assert login_as("viewer").get(f"/qualityinspectionview/report/{report_id}").status_code == 200
    assert login_as("agent").get(f"/qualityinspectionview/report/{report_id}").status_code in (302, 403)
    assert login_as("supervisor").get("/qualityinspectionview/report/999999").status_code == 404


def test_exports_csv_and_xlsx(login_as, report_id):
    c = login_as("supervisor")
    csv = c.get("/qualityinspectionview/export/csv").get_data(as_text=True)
    assert "2019-03" in csv
    xlsx = c.get("/spotcheckview/export/xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_verdict_through_the_screen_decides_compliance(app, login_as, report_id):
    with app.app_context():
        item = db.session.scalars(select(SpotCheckItem).join(ServiceRequest).filter(
            ServiceRequest.number == "SR-TEST-Q2")).one()
        item_id = item.id
    c = login_as("supervisor")
    token = csrf_token(c, f"/spotcheckitemview/edit/{item_id}")
    resp = c.post(f"/spotcheckitemview/edit/{item_id}", data={
        "csrf_token": token, "appearance": "y", "manners": "y", "procedure": "y", "note": "记录缺少客户签字"})
    assert resp.status_code == 302
    with app.app_context():
        item = db.session.get(SpotCheckItem, item_id)
        assert item.records is False and item.compliant is False and item.checked_at is not None
        num, den = service.standard_ratio(datetime(2000, 1, 1, tzinfo=SH), datetime(2100, 1, 1, tzinfo=SH))
        assert den >= 3 and num < den


def test_meeting_action_goes_to_the_owner_with_its_deadline(app, login_as):
    """An improvement action of the meeting's minutes: the owner's task, due at the close of its due day,
    verified by a supervisor; not effective sends it back."""
    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy_directory(WORKFLOWS, actor=owner)
        db.session.commit()
        sm = app.appbuilder.sm
        agent_id, supervisor_id = sm.find_user(username="agent").id, sm.find_user(username="supervisor").id
    c = login_as("supervisor")
    token = csrf_token(c, "/qualitymeetingview/add")
    resp = c.post("/qualitymeetingview/add", data={
        "csrf_token": token, "held_on": "2026-12-04", "period": "2026-11", "chair": str(supervisor_id),
        "attendees": "王主管、李客服", "common_problems": "礼貌用语不规范", "typical_cases": "SR-2026-000123"})
    assert resp.status_code == 302
    with app.app_context():
        meeting = db.session.scalars(select(QualityMeeting).order_by(QualityMeeting.id.desc())).first()
        meeting_id = meeting.id
    form = {"csrf_token": token, "meeting": str(meeting_id), "problem": "礼貌用语不规范", "cause": "新人培训不足",
            "action": "组织礼仪培训", "owner": str(agent_id), "due_on": "2020-01-10"}
    html = c.post("/improvementactionview/add", data=form, follow_redirects=True).get_data(as_text=True)
    assert "完成期限不能早于今天" in html  # a deadline already past is refused, saying which
    due = clock.local_today() + timedelta(days=14)
    form["due_on"] = due.isoformat()
    resp = c.post("/improvementactionview/add", data=form)
    assert resp.status_code == 302
    with app.app_context():
        action = db.session.scalars(select(ImprovementAction).filter_by(meeting_id=meeting_id)).one()
        assert action.process_instance_id and action.status == "in_progress"
        task = db.session.scalars(select(HumanTask).filter_by(instance_id=action.process_instance_id,
                                                              element_id="carry_out", state="open")).one()
        assert task.assignee_id == agent_id
        assert task.due_at.astimezone(SH) == datetime(due.year, due.month, due.day, 18, 0, tzinfo=SH)  # reminded by the SLA jobs
        agent = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        supervisor = Actor.from_user(app.appbuilder.sm.find_user(username="supervisor"))
        tasks.complete(task.id, {"evidence": "12月10日培训，签到表已存档"}, actor=agent)
        db.session.commit()
        verify = db.session.scalars(select(HumanTask).filter_by(instance_id=action.process_instance_id,
                                                                element_id="verify", state="open")).one()
        tasks.claim(verify.id, actor=supervisor)
        tasks.complete(verify.id, {"effective": False, "verify_note": "仍有投诉"}, actor=supervisor)
        db.session.commit()
        db.session.refresh(action)
        assert action.status == "in_progress" and action.rework_count == 1 and "签到表" in action.evidence
        again = db.session.scalars(select(HumanTask).filter_by(instance_id=action.process_instance_id,
                                                               element_id="carry_out", state="open")).one()
        tasks.complete(again.id, {"evidence": "补充培训并抽查合格"}, actor=agent)
        verify = db.session.scalars(select(HumanTask).filter_by(instance_id=action.process_instance_id,
                                                                element_id="verify", state="open")).one()
        tasks.claim(verify.id, actor=supervisor)
        tasks.complete(verify.id, {"effective": True}, actor=supervisor)
        db.session.commit()
        db.session.refresh(action)
        assert action.status == "closed" and action.closed_at is not None and "抽查合格" in action.evidence


def test_equipment_interval_starts_and_replaces_its_return_visit_cycle(app, login_as):
    """空调部制度 维修保养：“定期对顾客使用的空调进行回访，提供免费的保养建议和服务”。"""
    from app.models import Equipment, ProcessInstance
    from tests.records_helpers import make_customer

    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy_directory(WORKFLOWS, actor=owner)
        db.session.commit()
    customer_id, _contact, _name = make_customer(app)
    c = login_as("supervisor")
    token = csrf_token(c, "/equipmentview/add")
    form = {"csrf_token": token, "customer": str(customer_id), "model": "KFR-72LW 空调", "serial": "Q-INT-0001",
            "installed_on": "2026-06-01", "warranty_end": "", "maintenance_interval_months": "0"}
    html = c.post("/equipmentview/add", data=form, follow_redirects=True).get_data(as_text=True)
    assert "保养周期为 1 到 120 个月" in html  # the refusal, in the page's language
    with app.app_context():
        assert db.session.scalars(select(Equipment).filter_by(serial="Q-INT-0001")).first() is None
    form["maintenance_interval_months"] = "6"
    assert c.post("/equipmentview/add", data=form).status_code == 302
    with app.app_context():
        equipment = db.session.scalars(select(Equipment).filter_by(serial="Q-INT-0001")).one()
        cycle = db.session.scalars(select(ProcessInstance).filter_by(process_key="maintenance_visit",
                                                                     record_id=equipment.id, status="running")).one()
        assert cycle.record_type == "equipment" and cycle.business_key == "Q-INT-0001"
        equipment_id, first = equipment.id, cycle.id
    form = {k: v for k, v in form.items() if k != "csrf_token"}
    form.update(csrf_token=csrf_token(c, f"/equipmentview/edit/{equipment_id}"), maintenance_interval_months="")
    assert c.post(f"/equipmentview/edit/{equipment_id}", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(ProcessInstance, first).status == "terminated"  # no interval: no cycle
        assert db.session.scalars(select(ProcessInstance).filter_by(
            process_key="maintenance_visit", record_id=equipment_id, status="running")).first() is None


def test_department_heads_give_verdicts_whatever_their_role_and_others_do_not(app, login_as, report_id):
    """Who judges, as the rules name them: 《机器人集成公司客户服务优化管理制度》第十三条(一) "客户服务部负责人每日抽查
    服务记录"; 《空调部门客户服务管理制度》 "部门主管不定期对服务人员的工作进行现场抽查"; 《六步工作法》 内部监督
    "建立内部服务监督小组,成员包括各部门负责人、质量管理人员". A Sales user who heads a department judges a sampled
    service on the screen; an agent who heads none sees no sample and a forged edit is refused, nothing saved."""
    import uuid

    with app.app_context():
        sm = app.appbuilder.sm
        name = f"head_{uuid.uuid4().hex[:6]}"
        head = sm.add_user(name, "部门", "负责人", f"{name}@example.com", sm.find_role("Sales"), password="Demo#2026Pass")
        db.session.add(Department(code=f"H{uuid.uuid4().hex[:5]}", name=f"销售二部 {name}", head_id=head.id))
        item = db.session.scalars(select(SpotCheckItem).join(ServiceRequest).filter(
            ServiceRequest.number == "SR-TEST-Q0")).one()
        item_id = item.id
        db.session.commit()
        assert service.is_judge(head) and not service.is_judge(sm.find_user(username="agent"))
    agent = login_as("agent")
    assert f"/spotcheckitemview/show/{item_id}" not in agent.get("/spotcheckitemview/list/").get_data(as_text=True)
    token = csrf_token(agent, "/inbox/mine/")
    agent.post(f"/spotcheckitemview/edit/{item_id}", data={"csrf_token": token, "appearance": "y", "note": "越权"})
    with app.app_context():
        assert db.session.get(SpotCheckItem, item_id).note != "越权"
    c = login_as(name)
    assert f"/spotcheckitemview/show/{item_id}" in c.get("/spotcheckitemview/list/?psize_SpotCheckItemView=100").get_data(as_text=True)
    token = csrf_token(c, f"/spotcheckitemview/edit/{item_id}")
    resp = c.post(f"/spotcheckitemview/edit/{item_id}", data={
        "csrf_token": token, "appearance": "y", "manners": "y", "procedure": "y", "records": "y", "note": "负责人抽查"})
    assert resp.status_code == 302
    with app.app_context():
        item = db.session.get(SpotCheckItem, item_id)
        assert item.note == "负责人抽查" and item.compliant is True and item.checked_at is not None
