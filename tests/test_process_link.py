"""Records start their processes, and the processes keep the records current;
the demo seed leaves live processes behind; the home page counts the work."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.engine import clock, definitions, hooks, runtime, tasks
from app.engine.actor import Actor
from app.extensions import db
from app.models import (
    Case, Complaint, Department, EmergencyIncident, HumanTask, ProcessInstance, ServicePlan, ServiceRequest,
)
from app.models.base import utcnow
from app.records.process_link import start_for_record
from tests.conftest import csrf_token
from tests.records_helpers import make_customer

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"


@pytest.fixture
def actors(app_ctx):
    sm = app_ctx.appbuilder.sm
    return {u: Actor.from_user(sm.find_user(username=u)) for u in ("owner", "agent", "supervisor", "tech", "field")}


@pytest.fixture
def shipped(app_ctx, actors):
    definitions.deploy_directory(WORKFLOWS, actor=actors["owner"])
    db.session.commit()


def open_task(inst_id: int, element: str) -> HumanTask:
    db.session.expire_all()
    rows = db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, state="open", element_id=element)).all()
    assert len(rows) == 1, [r.element_id for r in db.session.scalars(
        select(HumanTask).filter_by(instance_id=inst_id, state="open"))]
    return rows[0]


def do(inst_id: int, element: str, actor: Actor, data: dict) -> HumanTask:
    row = open_task(inst_id, element)
    tasks.claim(row.id, actor=actor)
    return tasks.complete(row.id, data, actor=actor)


def started_request(app, actors, type_: str, subject: str, code: str | None = None):
    """A request of ``type_`` with its process started, accepted and (with ``code``) classified."""
    cid, contact_id, _name = make_customer(app)
    sr = ServiceRequest(customer_id=cid, contact_id=contact_id, kind="after_sales", channel="phone",
                        type=type_, subject=subject)
    db.session.add(sr)
    inst = start_for_record(sr, actors["agent"])
    if code:
        do(inst.id, "accept", actors["agent"], {"customer_contacted": True, "accept_note": "已确认"})
        do(inst.id, "classify", actors["agent"], {"request_type": code})
    return cid, sr, inst


def end(inst_id: int, actors) -> None:
    """Leave no running instance in the demo users' inboxes."""
    inst = db.session.get(ProcessInstance, inst_id)
    if inst.status in runtime.ACTIVE:
        runtime.terminate(inst_id, actor=actors["supervisor"], reason="end of test")


def test_adding_a_complaint_starts_its_process_and_the_process_keeps_the_status(app, shipped, actors, login_as):
    cid, contact_id, name = make_customer(app, phone="13900001111")
    c = login_as("agent")
    token = csrf_token(c, "/complaintview/add")
    resp = c.post("/complaintview/add", data={
        "customer": str(cid), "contact": str(contact_id), "matter": "工程师迟到两小时", "customer_demand": "书面道歉",
        "received_at": "", "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    cp = db.session.scalars(select(Complaint).filter_by(customer_id=cid)).one()
    inst = db.session.get(ProcessInstance, cp.process_instance_id)
    assert inst is not None and inst.process_key == "complaint_handling"
    assert (inst.record_type, inst.record_id, inst.business_key, inst.customer) == ("complaint", cp.id, cp.number, name)
    assert inst.started_by.username == "agent"
    register = open_task(inst.id, "register")
    assert register.business_key == cp.number
    assert register.draft["complaint_content"] == "工程师迟到两小时" and register.draft["customer_name"] == name
    assert "contact_phone" not in register.draft  # phone numbers stay in the ledger: the process has the id
    assert runtime.variables_of(inst)["contact_id"] == contact_id
    assert register.draft["customer_demand"] == "书面道歉"  # from the record: the process holds its id
    assert runtime.variables_of(inst).get("customer_demand") is None  # not a copy
    assert cp.status == "received"

    do(inst.id, "register", actors["agent"], dict(register.draft, complaint_channel="phone",
                                                   complaint_category="service_attitude",
                                                   complaint_content="工程师迟到两小时且态度生硬"))
    db.session.expire_all()
    cp = db.session.get(Complaint, cp.id)
    assert cp.status == "received" and cp.matter == "工程师迟到两小时且态度生硬"
    assert open_task(inst.id, "forward").due_at is not None

    do(inst.id, "forward", actors["supervisor"], {"department": "TECH", "severity": "general"})
    db.session.expire_all()
    cp = db.session.get(Complaint, cp.id)
    tech = db.session.scalars(select(Department).filter_by(code="TECH")).one()
    assert cp.status == "forwarded" and cp.forwarded_at is not None and cp.responsible_department_id == tech.id

    do(inst.id, "plan", actors["tech"], {"root_cause": "排班过紧", "rectification_plan": "调整排班",
                                         "planned_finish_date": "2026-12-01"})
    db.session.expire_all()
    cp = db.session.get(Complaint, cp.id)
    assert cp.status == "rectifying" and cp.rectification_plan == "调整排班"
    do(inst.id, "rectify", actors["tech"], {"rectification_result": "已调整", "rectified_on": "2026-12-01"})
    do(inst.id, "report_back", actors["agent"], {"feedback_method": "phone", "feedback_content": "已致歉"})
    db.session.expire_all()
    assert db.session.get(Complaint, cp.id).status == "awaiting_feedback"
    do(inst.id, "survey", actors["agent"], {"satisfied": False, "satisfaction_score": 2, "customer_comment": "不满意"})
    db.session.expire_all()
    cp = db.session.get(Complaint, cp.id)
    assert cp.status == "reopened" and cp.reopen_count == 1 and cp.rounds[0].satisfaction == 2
    do(inst.id, "plan", actors["tech"], {"root_cause": "培训不足", "rectification_plan": "更换工程师",
                                         "planned_finish_date": "2026-12-03"})
    do(inst.id, "rectify", actors["tech"], {"rectification_result": "已更换", "rectified_on": "2026-12-03"})
    do(inst.id, "report_back", actors["agent"], {"feedback_method": "phone", "feedback_content": "已更换工程师"})
    do(inst.id, "survey", actors["agent"], {"satisfied": True, "satisfaction_score": 5, "customer_comment": "满意"})
    db.session.expire_all()
    cp = db.session.get(Complaint, cp.id)
    assert db.session.get(ProcessInstance, inst.id).status == "completed"
    assert cp.status == "closed" and cp.closed_at is not None and cp.satisfaction == 5
    assert cp.feedback == "满意" and cp.feedback_date is not None


def test_adding_a_service_request_starts_after_sales_and_follows_its_deadline(app, shipped, actors, login_as):
    cid, contact_id, name = make_customer(app)
    c = login_as("agent")
    token = csrf_token(c, "/servicerequestview/add")
    resp = c.post("/servicerequestview/add", data={
        "customer": str(cid), "contact": str(contact_id), "kind": "after_sales", "channel": "phone",
        "type": "complex_fault", "priority": "high", "subject": "主轴异响", "description": "设备运行时主轴异响",
        "due_at": "", "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    sr = db.session.scalars(select(ServiceRequest).filter_by(customer_id=cid)).one()
    inst = db.session.get(ProcessInstance, sr.process_instance_id)
    assert inst.process_key == "after_sales_service" and inst.business_key == sr.number
    variables = runtime.variables_of(inst)
    # ids, not copies (the issue: "Processes hold ids of records, not copies of their fields")
    assert variables["customer_id"] == cid and variables["contact_id"] == contact_id
    assert variables.get("customer_name") is None and variables.get("issue_description") is None
    assert sr.status == "new"
    assert open_task(inst.id, "accept").process_key == "after_sales_service"
    do(inst.id, "accept", actors["agent"], {"customer_contacted": True, "accept_note": "已确认"})
    db.session.expire_all()
    sr = db.session.get(ServiceRequest, sr.id)
    assert sr.status == "accepted" and sr.accepted_at is not None
    classify = open_task(inst.id, "classify")
    assert classify.draft == {"request_type": "complex"}
    do(inst.id, "classify", actors["agent"], {"request_type": "complex"})
    db.session.expire_all()
    sr = db.session.get(ServiceRequest, sr.id)
    diagnose = open_task(inst.id, "diagnose")
    assert sr.status == "in_progress" and sr.due_at == diagnose.due_at
    end(inst.id, actors)


def test_a_terminated_process_cancels_its_record(app, shipped, actors, login_as):
    """Issue 15 (records follow processes): "every end, termination or cancellation updates its status" —
    a supervisor who stops the process leaves the request cancelled, not in its last open status, and
    no longer counted on time or overdue."""
    with app.app_context():
        _cid, sr, inst = started_request(app, actors, "routine_fault", "停机后无法复位")
        assert sr.status == "new"
        runtime.terminate(inst.id, actor=actors["supervisor"], reason="客户撤回 customer withdrew")
        db.session.commit()
        db.session.expire_all()
        sr = db.session.get(ServiceRequest, sr.id)
        assert sr.status == "cancelled" and sr.sla_state is None and sr.resolved_at is None
        sr_id, inst_id = sr.id, inst.id
    boss = login_as("supervisor")
    body = boss.get(f"/servicerequestview/show/{sr_id}").get_data(as_text=True)
    assert f'href="/instances/{inst_id}/"' in body  # the record links to its instance page ...
    page = boss.get(f"/instances/{inst_id}/").get_data(as_text=True)
    assert f'href="/servicerequestview/show/{sr_id}"' in page  # ... and the instance page back to the record


def test_tech_may_add_a_request_whose_process_only_agents_start(app, shipped, actors, login_as):
    cid, contact_id, _name = make_customer(app)
    c = login_as("tech")
    token = csrf_token(c, "/servicerequestview/add")
    resp = c.post("/servicerequestview/add", data={
        "customer": str(cid), "contact": str(contact_id), "kind": "after_sales", "channel": "phone",
        "type": "general_question", "priority": "low", "subject": "咨询", "description": "", "due_at": "",
        "csrf_token": token})
    assert resp.status_code == 302
    db.session.expire_all()
    sr = db.session.scalars(select(ServiceRequest).filter_by(customer_id=cid)).one()
    assert sr.process_instance_id is not None
    end(sr.process_instance_id, actors)


def test_a_failing_listener_does_not_break_the_engine(app_ctx, shipped, actors, monkeypatch):
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(hooks, "on_task_created", [broken])
    monkeypatch.setitem(hooks._LISTENERS, "task_created", hooks.on_task_created)
    inst = runtime.start_process("complaint_handling", actor=actors["agent"], business_key="PL-broken")
    assert open_task(inst.id, "register")
    end(inst.id, actors)


def _records(app) -> dict[str, list[int]]:
    """Fresh records, newer than any other, in several stages."""
    cid, contact_id, _name = make_customer(app)
    now = utcnow() + timedelta(hours=2)  # the latest records: the seed takes the newest
    with app.app_context():
        srs = [ServiceRequest(customer_id=cid, contact_id=contact_id, type=t, status=s, subject="演示",
                              created_at=now - timedelta(minutes=d), due_at=now + timedelta(days=1))
               for t, s, d in (("routine_fault", "new", 2), ("routine_fault", "in_progress", 1),
                               ("general_question", "closed", 3), ("complex_fault", "resolved", 1))]
        cps = [Complaint(customer_id=cid, contact_id=contact_id, matter="服务态度", status=s,
                         received_at=now - timedelta(minutes=d)) for s, d in (("received", 2), ("closed", 4))]
        inc = EmergencyIncident(type="product_quality", title="演示批次过热", description="主板过热", reported_at=now)
        db.session.add_all([*srs, *cps, inc])
        db.session.commit()
        return {"requests": [r.id for r in srs], "complaints": [c.id for c in cps], "incident": [inc.id]}


def test_seed_live_processes_is_idempotent_and_fills_the_inboxes(app, shipped, actors):
    from app.demo.processes import seed_processes as seed_live_processes

    ids = _records(app)
    first = seed_live_processes(n_requests=4, n_complaints=2, n_incidents=1, n_at_risk=1)
    assert (first["requests"], first["complaints"], first["incidents"]) == (4, 2, 1)
    db.session.expire_all()
    srs = [db.session.get(ServiceRequest, i) for i in ids["requests"]]
    assert all(sr.process_instance_id for sr in srs)
    instances = {sr.status: db.session.get(ProcessInstance, sr.process_instance_id) for sr in srs}
    assert instances["closed"].status == "completed"
    assert {"new", "in_progress", "resolved"} <= set(instances) or "escalated" in instances
    keys = [sr.number for sr in srs] + [db.session.get(Complaint, i).number for i in ids["complaints"]]
    open_rows = db.session.scalars(select(HumanTask).where(HumanTask.business_key.in_(keys),
                                                           HumanTask.state == "open")).all()
    assert len(open_rows) >= 4
    assert any(r.assignee_id is None for r in open_rows) and any(r.assignee_id for r in open_rows)
    group = tasks.query_tasks(actors["agent"], view="group", search=srs[0].number)
    assert group.total + tasks.query_tasks(actors["agent"], view="mine", search=srs[0].number).total >= 1
    inc = db.session.get(EmergencyIncident, ids["incident"][0])
    assert inc.process_instance_id and inc.status in ("reported", "responding")
    before = db.session.scalar(select(ProcessInstance.id).order_by(ProcessInstance.id.desc()).limit(1))
    again = seed_live_processes(n_requests=4, n_complaints=2, n_incidents=1, n_at_risk=1)
    assert (again["requests"], again["complaints"], again["incidents"]) == (0, 0, 0)
    assert db.session.scalar(select(ProcessInstance.id).order_by(ProcessInstance.id.desc()).limit(1)) == before
    for inst_id in {r.instance_id for r in open_rows} | {inc.process_instance_id}:
        end(inst_id, actors)


def test_home_page_counts_my_work(app, shipped, actors, login_as):
    inst = runtime.start_process("complaint_handling", actor=actors["agent"], business_key="PL-home")
    mine = open_task(inst.id, "register")
    tasks.claim(mine.id, actor=actors["agent"])
    from app.engine import queries

    # My tasks counts what the page lists: not the tasks waiting for a follow-up date (others set some)
    counts = {"mine": queries.count_mine(actors["agent"]), "group": tasks.count_claimable(actors["agent"])}
    html = login_as("agent").get("/").get_data(as_text=True)
    for key in ("mine", "group", "overdue", "at_risk"):
        assert re.search(rf'data-home-count="{key}">\d+<', html), key
    assert f'data-home-count="mine">{counts["mine"]}<' in html
    assert f'data-home-count="group">{counts["group"]}<' in html
    assert "/inbox/group/" in html and "?sla=overdue" in html and 'id="open-per-process"' not in html
    end(inst.id, actors)


def test_home_page_shows_supervisors_the_open_tasks_per_process(app, shipped, actors, login_as):
    inst = runtime.start_process("complaint_handling", actor=actors["agent"], business_key="PL-home-sup")
    html = login_as("supervisor").get("/").get_data(as_text=True)
    assert 'id="open-per-process"' in html and "process=complaint_handling" in html
    assert re.search(r'data-home-count="group">\d+<', html)
    end(inst.id, actors)


def test_a_process_started_without_its_record_creates_it(app, shipped, actors):
    """Issue 15: "every way of starting a complaint, request or incident creates its record" —
    《机器人集成公司客户服务优化管理制度》第十三条(三) 对投诉处理情况进行全程跟踪记录,形成投诉处理台账: a complaint
    started from the Start page (or the API) is in the complaint ledger once it is registered, a
    request once it is accepted, and the classification is the request's type."""
    with app.app_context():
        cp_inst = runtime.start_process("complaint_handling", actor=actors["agent"])
        do(cp_inst.id, "register", actors["agent"], {"customer_name": "杭州新客户机械有限公司", "complaint_channel": "phone",
                                                     "complaint_category": "service_attitude",
                                                     "complaint_content": "工程师迟到两小时", "customer_demand": "道歉"})
        db.session.expire_all()
        inst = db.session.get(ProcessInstance, cp_inst.id)
        cp = db.session.get(Complaint, inst.record_id)
        assert inst.record_type == "complaint" and cp.process_instance_id == inst.id
        assert cp.customer.name == "杭州新客户机械有限公司" and cp.matter == "工程师迟到两小时"
        assert cp.status == "received" and re.fullmatch(r"CP-\d{4}-\d{6}", cp.number)
        assert inst.business_key == cp.number
        assert (cp.channel, cp.category) == ("phone", "service_attitude")  # the ledger's columns
        do(cp_inst.id, "forward", actors["supervisor"], {"department": "DELIVERY", "severity": "serious"})
        db.session.expire_all()
        assert db.session.get(Complaint, cp.id).severity == "serious"

        cid, contact_id, name = make_customer(app)
        sr_inst = runtime.start_process("after_sales_service", actor=actors["agent"], variables={
            "customer_name": name, "issue_description": "焊接机器人报警 E203\n重启无效"})
        do(sr_inst.id, "accept", actors["agent"], {"customer_contacted": True, "accept_note": "已确认"})
        do(sr_inst.id, "classify", actors["agent"], {"request_type": "routine"})
        db.session.expire_all()
        inst = db.session.get(ProcessInstance, sr_inst.id)
        sr = db.session.get(ServiceRequest, inst.record_id)
        assert sr.customer_id == cid and sr.subject == "焊接机器人报警 E203"  # found by name, not a copy
        assert sr.type == "routine_fault" and sr.status == "in_progress" and sr.accepted_at is not None
        end(cp_inst.id, actors)
        end(sr_inst.id, actors)


def test_the_on_site_step_fills_the_field_service_record(app, shipped, actors):
    """《机器人集成公司客户服务优化管理制度》第十一条(三) 服务完成后,需向客户详细讲解故障原因、解决方法及后续维护
    注意事项,并填写现场服务记录表,由客户签字确认: the booking and the on-site step are the field-service
    record (engineer, appointment, arrival on site, work, cause, advice, the customer's confirmation)."""
    with app.app_context():
        _cid, sr, inst = started_request(app, actors, "routine_fault", "伺服报警", "routine")
        do(inst.id, "diagnose", actors["tech"], {"diagnosis": "需上门", "resolved_remotely": False})
        visit_day = (clock.local_now() + timedelta(days=1)).date().isoformat()
        do(inst.id, "book_visit", actors["field"], {"appointment_date": visit_day, "appointment_slot": "afternoon",
                                                    "engineer_name": "赵工"})
        onsite = {"service_date": visit_day, "arrived_at": f"{visit_day}T13:50", "work_done": "更换编码器",
                  "fault_cause": "编码器线缆破损", "advice": "线缆加装护套", "customer_confirmed": False}
        do(inst.id, "onsite_service", actors["field"], onsite)  # not confirmed: the visit is done again
        do(inst.id, "onsite_service", actors["field"], dict(onsite, customer_confirmed=True,
                                                            customer_signatory="王经理"))
        db.session.expire_all()
        visits = db.session.get(ServiceRequest, sr.id).field_records
        assert len(visits) == 1  # one visit, confirmed on the second attempt
        visit = visits[0]
        assert visit.engineer_id == actors["field"].user_id and visit.customer_confirmed
        assert visit.confirmed_by_name == "王经理" and visit.work_done == "更换编码器" and visit.cause == "编码器线缆破损"
        assert visit.appointment_at.astimezone(clock.zone()).strftime("%H:%M") == "13:30"
        assert visit.arrived_at.astimezone(clock.zone()).isoformat().startswith(f"{visit_day}T13:50")
        end(inst.id, actors)


def test_a_problem_found_at_the_follow_up_opens_a_linked_request(app, shipped, actors):
    """《机器人集成公司客户服务优化管理制度》第十一条(四) 对回访中发现的问题,需及时协调相关部门跟进解决: a follow-up
    visit that finds the issue unresolved opens a new request, linked to the old one, with its own process."""
    with app.app_context():
        cid, sr, inst = started_request(app, actors, "general_question", "参数咨询", "general")
        do(inst.id, "diagnose", actors["tech"], {"diagnosis": "参数错误", "resolved_remotely": True,
                                                 "remote_solution": "远程修改参数"})
        do(inst.id, "followup", actors["agent"], {"followup_method": "phone", "followup_result": "设备仍偶发报警",
                                                  "issue_resolved": False})
        db.session.expire_all()
        new = db.session.scalars(select(ServiceRequest).filter_by(previous_request_id=sr.id)).one()
        assert new.customer_id == cid and new.channel == "followup" and new.description == "设备仍偶发报警"
        assert new.process_instance_id is not None and new.status == "new"
        assert open_task(new.process_instance_id, "accept") is not None
        end(inst.id, actors)
        end(new.process_instance_id, actors)


def test_the_six_step_process_writes_its_service_plan_and_offers_the_case(app, shipped, actors):
    """《六步工作法》: 记录需求 -> 制定方案 -> 审批 -> 执行 -> 反馈 -> 总结; issue 15: "the six-step process creates and
    updates its service plan and offers the case for the case library" — started from the Start page, the
    process creates the plan at its first step; approval, feedback and summary land in the plan."""
    with app.app_context():
        inst = runtime.start_process("six_step_service", actor=actors["agent"])
        do(inst.id, "record_needs", actors["agent"], {"customer_name": "宁波港务集团", "need_description":
                                                      "码头起重机器人年度巡检方案\n含备件清单"})
        db.session.expire_all()
        row = db.session.get(ProcessInstance, inst.id)
        plan = db.session.get(ServicePlan, row.record_id)
        assert row.record_type == "service_plan" and plan.process_instance_id == inst.id
        assert plan.title == "码头起重机器人年度巡检方案" and plan.customer.name == "宁波港务集团"
        assert plan.status == "draft"
        tasks_open = [t.element_id for t in db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id,
                                                                                           state="open"))]
        assert tasks_open == ["classify_needs"]
        do(inst.id, "classify_needs", actors["agent"], {"urgency": "high", "importance": "high",
                                                        "need_category": "service"})
        db.session.expire_all()
        plan = db.session.get(ServicePlan, plan.id)
        assert (plan.urgency, plan.importance, plan.quadrant) == ("high", "high", 1)
        end(inst.id, actors)
        db.session.expire_all()
        assert db.session.get(ServicePlan, plan.id).status == "cancelled"
