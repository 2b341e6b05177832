"""The four shipped processes in ``workflows/``: they validate and deploy, every
branch runs end to end through the engine services, timers fire by time travel,
and SLA due dates follow the working-day calendar (holidays, make-up days)."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from lxml import etree
from sqlalchemy import select

from app.engine import clock, definitions, history, jobs, runtime, sla_policy, task_names, tasks
from app.engine.bpmn.parser import DEFAULT_ROLES
from app.extensions import db
from app.models import Case, HumanTask, Job, ProcessInstance, ServicePlan
from tests.engine.ops_support import clean_jobs  # noqa: F401  (fixture)

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
FILES = sorted(WORKFLOWS.glob("*.bpmn"))
SERVICE_KEYS = {"after_sales_service", "complaint_handling", "emergency_response", "six_step_service"}
QUALITY_KEYS = {"quality_daily_check", "quality_monthly_inspection", "quality_improvement", "maintenance_visit"}
IN_SALES_KEYS = {"contract_handover", "project_delivery", "order_fulfilment"}
# the small processes of training and spare parts (app/records/training, app/records/parts)
PARTS_KEYS = {"parts_refill", "parts_stocktake", "training_plan"}
KEYS = SERVICE_KEYS | QUALITY_KEYS | IN_SALES_KEYS | PARTS_KEYS | {"pre_sales", "staff_assessment"}
TZ = ZoneInfo("Asia/Shanghai")
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "camunda": "http://camunda.org/schema/1.0/bpmn",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
# Users of their own, so that these walks do not crowd the demo users' inboxes in other tests.
WF_USERS = {"CustomerService": ("wf_agent", "CS"), "Supervisor": ("wf_supervisor", "CS"),
            "TechSupport": ("wf_tech", "TECH"), "FieldService": ("wf_field", "DELIVERY"), "Sales": ("wf_sales", "SALES")}
ROLE_USER = {role: username for role, (username, _dep) in WF_USERS.items()}
CJK = re.compile(r"[\u4e00-\u9fff]")
DEPARTMENT_LANE = "责任部门"


def at(*args) -> time_machine.travel:
    """Freeze the clock at a Beijing time: at(2026, 9, 21, 10, 0)."""
    return time_machine.travel(datetime(*args, tzinfo=TZ), tick=False)


def local(value: datetime) -> datetime:
    """Naive Beijing time to the second (the frozen clock may have moved on by a millisecond)."""
    return value.astimezone(TZ).replace(tzinfo=None, microsecond=0)


def bkey(prefix: str) -> str:
    return f"WF-{prefix}-{uuid.uuid4().hex[:10]}"


# ----------------------------------------------------------------------------- fixtures & helpers

@pytest.fixture
def actors(app_ctx):
    """The demo users (e.g. 'owner' deploys) plus one workflow-test user per role."""
    from app.engine.actor import Actor
    from app.models import Department, UserProfile
    from app.demo.users import DEMO_USERS

    sm = app_ctx.appbuilder.sm
    for role, (username, dep_code) in WF_USERS.items():
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(username, "流程", "测试", f"{username}@example.com", sm.find_role(role),
                               password=app_ctx.config["DEMO_PASSWORD"])
            department = db.session.query(Department).filter_by(code=dep_code).one()
            db.session.add(UserProfile(user_id=user.id, department_id=department.id))
            db.session.commit()
    names = [u for u, *_ in DEMO_USERS] + list(ROLE_USER.values())
    return {u: Actor.from_user(sm.find_user(username=u)) for u in names}


@pytest.fixture
def shipped(app_ctx, actors):
    """All four processes deployed (a no-op when the same XML is already the latest version)."""
    return {d.definition.key: d.definition for d in definitions.deploy_directory(WORKFLOWS, actor=actors["owner"])}


class Walker:
    """Claims and completes tasks the way the inbox does, as the user of the task's role."""

    def __init__(self, actors):
        self.actors = actors

    def open(self, inst, element=None) -> list[HumanTask]:
        q = select(HumanTask).filter_by(instance_id=inst.id, state="open")
        if element:
            q = q.filter_by(element_id=element)
        db.session.expire_all()
        return list(db.session.scalars(q.order_by(HumanTask.id)))

    def one(self, inst, element) -> HumanTask:
        rows = self.open(inst, element)
        assert len(rows) == 1, f"expected one open '{element}', got {[r.element_id for r in self.open(inst)]}"
        return rows[0]

    def elements(self, inst) -> list[str]:
        return sorted(r.element_id for r in self.open(inst))

    def do(self, inst, element, role, data=None) -> HumanTask:
        row = self.one(inst, element)
        actor = self.actors[ROLE_USER[role]]
        groups = [c.role_name for c in row.candidates]
        users = [c.user_id for c in row.candidates if c.user_id]
        assert role in groups or actor.user_id in users, f"'{element}' is for {groups} / users {users}, not {role}"
        tasks.claim(row.id, actor=actor)
        tasks.complete(row.id, data or {}, actor=actor)
        return row

    def status(self, inst) -> str:
        db.session.refresh(inst)
        return inst.status

    def variables(self, inst) -> dict:
        db.session.refresh(inst)
        return runtime.variables_of(inst)


@pytest.fixture
def isolated(actors, clean_jobs, monkeypatch):
    """Only this test's jobs run (mails suppressed); instances it leaves running are terminated."""
    from app.models import ProcessInstance

    monkeypatch.setitem(clean_jobs.config, "MAIL_SUPPRESS_SEND", True)  # the worker also sends task mails
    yield
    db.session.rollback()
    for inst in db.session.scalars(select(ProcessInstance).where(
            ProcessInstance.business_key.like("WF-%"), ProcessInstance.status.in_(runtime.ACTIVE))).all():
        runtime.terminate(inst.id, actor=actors["supervisor"], reason="end of test")


@pytest.fixture
def walk(actors, shipped, isolated):
    return Walker(actors)


def pending_timer(inst) -> Job | None:
    db.session.expire_all()
    return db.session.scalars(select(Job).filter_by(instance_id=inst.id, kind="timer", state="pending")).first()


def fire_due_timers(inst) -> int:
    """One pass of the job worker at the frozen time; how many of this instance's timers fired."""
    pending = [j.id for j in db.session.scalars(select(Job).filter_by(instance_id=inst.id, kind="timer",
                                                                      state="pending"))]
    while jobs.run_due_jobs(limit=200):
        pass
    db.session.expire_all()
    return sum(db.session.get(Job, job_id).state == "done" for job_id in pending)


# ----------------------------------------------------------------------------- (a) validation & deployment

def test_the_shipped_processes_are_there():
    assert {f.stem for f in FILES} == KEYS


def test_every_diagram_validates_without_problems_and_deploys(app_ctx, actors):
    deployed = definitions.deploy_directory(WORKFLOWS, actor=actors["owner"])
    assert {d.definition.key for d in deployed} == KEYS
    for f in FILES:
        problems = definitions.validate(f.read_bytes(), filename=f.name)
        assert problems == [], f"{f.name}: {[p.to_dict() for p in problems]}"
        definition = definitions.latest_definition(f.stem)
        assert definition.has_di and definition.name and CJK.search(definition.name)
    assert definitions.latest_definition("after_sales_service").starter_groups == ["CustomerService", "Supervisor"]


def _properties(el) -> dict:
    return {p.get("name") or p.get("id"): p.get("value")
            for p in el.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS)}


def _lane_groups(lane) -> str | None:
    return lane.get("name") if lane.get("name") in DEFAULT_ROLES else None


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_diagram_quality(path):
    """Owners, typed Chinese forms, bilingual documentation, lanes by role, complete DI."""
    root = etree.parse(str(path)).getroot()
    process = root.find("bpmn:process", NS)
    assert process.get("id") == path.stem and process.get("isExecutable") == "true"
    assert process.get(f"{{{NS['camunda']}}}historyTimeToLive")
    lanes = list(process.iterfind(".//bpmn:lane", NS))
    # lanes by role (named in Chinese, the role in candidateGroups); a complaint's rectification
    # goes to the department the supervisor chose
    roles = [_properties(lane).get("candidateGroups") or _lane_groups(lane) for lane in lanes]
    assert lanes and all(r in DEFAULT_ROLES or lane.get("name") == DEPARTMENT_LANE for r, lane in zip(roles, lanes))
    for el in process.iter(f"{{{NS['bpmn']}}}*"):  # bilingual: zh in the name, en beside it (README)
        if el.get("name"):
            text = task_names.PART.sub("", el.get("name"))  # an expression (a person's name) is not English text
            assert CJK.search(text) and not re.search("[A-Za-z]{3}", text), el.get("id")
            props = _properties(el)
            assert re.search("[A-Za-z]{2}", props.get("i18n:name:en", "")), f"{el.get('id')}: English name"
    element_ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str)
                   and el.tag.startswith("{%s}" % NS["bpmn"]) and el.get("id")}
    user_tasks = process.findall(".//bpmn:userTask", NS)
    minimum = 6 if path.stem in SERVICE_KEYS else 4 if path.stem == "staff_assessment" else 1  # the others are short
    assert len(user_tasks) >= minimum
    for task in user_tasks:
        tid = task.get("id")
        groups = task.get(f"{{{NS['camunda']}}}candidateGroups", "").split(",")
        users = task.get(f"{{{NS['camunda']}}}candidateUsers", "")
        assert set(groups) <= set(DEFAULT_ROLES) or users == "${department_members(department)}", tid
        text = task.findtext("bpmn:documentation", namespaces=NS) or ""
        assert CJK.search(text) and re.search("[A-Za-z]{4}", _properties(task).get("i18n:documentation:en", "")), \
            f"{tid}: documentation zh + en"
        fields = task.findall(".//camunda:formField", NS)
        assert fields, f"{tid} has no form"
        for fl in fields:
            assert fl.get("type") in ("string", "long", "boolean", "date", "enum"), fl.get("id")
            assert CJK.search(fl.get("label")), f"{tid}.{fl.get('id')}: Chinese label"
            fprops = {p.get("id"): p.get("value") for p in fl.iterfind("camunda:properties/camunda:property", NS)}
            assert fprops.get("i18n:label:en"), f"{tid}.{fl.get('id')}: English label"
            for value in fl.findall("camunda:value", NS):
                assert fprops.get(f"i18n:option:{value.get('id')}:en"), f"{tid}.{fl.get('id')}.{value.get('id')}: English"
            # SpiffWorkflow indexes every id in the file: a form field or enum value must not share one
            assert fl.get("id") not in element_ids, f"{tid}.{fl.get('id')} clashes with an element id"
            for value in fl.findall("camunda:value", NS):
                assert value.get("id") not in element_ids, f"enum value {value.get('id')} clashes"
    shapes = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    for el in process.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        kind = etree.QName(el).localname
        if kind == "sequenceFlow":
            assert el.get("id") in edges, el.get("id")
        elif kind.endswith(("Task", "Event", "Gateway")) or kind in ("subProcess", "callActivity", "lane"):
            assert el.get("id") in shapes, el.get("id")


# ----------------------------------------------------------------------------- after-sales service

INTAKE = {"customer_name": "华东精密机械有限公司", "product_model": "HX-200",
          "issue_description": "设备运行时异响，偶尔停机"}


def start_after_sales(actors, key):
    return runtime.start_process("after_sales_service", actor=actors["wf_agent"], business_key=key,
                                 customer=INTAKE["customer_name"], variables=dict(INTAKE))


def accept_and_classify(walk, inst, request_type):
    walk.do(inst, "accept", "CustomerService", {"customer_contacted": True, "accept_note": "已电话确认故障现象"})
    walk.do(inst, "classify", "CustomerService", {"request_type": request_type})


def follow_up_and_survey(walk, inst, score=5):
    walk.do(inst, "followup", "CustomerService", {"followup_method": "phone", "followup_result": "设备运行正常",
                                                 "issue_resolved": True})
    walk.do(inst, "survey", "CustomerService", {"satisfaction_score": score, "survey_comment": "响应及时"})
    assert walk.status(inst) == "completed"


@pytest.mark.parametrize("request_type, due", [
    ("general", datetime(2026, 9, 24, 18, 0)),    # next working day
    ("routine", datetime(2026, 9, 29, 18, 0)),    # 24, (25-27 Mid-Autumn), 28, 29
    ("complex", datetime(2026, 10, 10, 18, 0)),   # ... 30, (Oct 1-7 National Day), 8, 9, Sat 10 make-up day
])
def test_after_sales_resolution_deadline_by_type(walk, actors, request_type, due):
    with at(2026, 9, 23, 10, 0):
        inst = start_after_sales(actors, bkey(f"AS-{request_type}"))
        assert local(walk.one(inst, "accept").due_at) == datetime(2026, 9, 23, 10, 30)
        accept_and_classify(walk, inst, request_type)
        diagnose = walk.one(inst, "diagnose")
        assert local(diagnose.due_at) == due
        assert [c.role_name for c in diagnose.candidates] == ["TechSupport"]
        # 《机器人集成公司客户服务优化管理制度》第十一条(二): 一般1 / 常规3 / 复杂7个工作日 (the SLA policy)
        assert sla_policy.resolve_due(request_type, clock.now()) == diagnose.due_at


def test_after_sales_resolved_remotely(walk, actors):
    with at(2026, 9, 21, 10, 0):
        inst = start_after_sales(actors, bkey("AS-remote"))
        accept_and_classify(walk, inst, "general")
        assert pending_timer(inst) is None  # accepted in time: the SLA timer is gone
    with at(2026, 9, 21, 15, 0):
        walk.do(inst, "diagnose", "TechSupport", {"diagnosis": "参数设置错误", "resolved_remotely": True,
                                                  "remote_solution": "远程指导恢复出厂参数"})
        assert walk.elements(inst) == ["followup"]
        assert local(walk.one(inst, "followup").due_at) == datetime(2026, 9, 24, 18, 0)  # 22, 23, 24
        follow_up_and_survey(walk, inst)
    events = [e.element_id for e in history.for_instance(inst.id) if e.event == "task_completed"]
    assert events == ["accept", "classify", "diagnose", "followup", "survey"]


def test_after_sales_on_site_on_time_with_rework_until_confirmed(walk, actors):
    with at(2026, 9, 21, 9, 30):
        inst = start_after_sales(actors, bkey("AS-onsite"))
        accept_and_classify(walk, inst, "routine")  # due Thu 2026-09-24 18:00
        walk.do(inst, "diagnose", "TechSupport", {"diagnosis": "主轴轴承磨损", "resolved_remotely": False})
        walk.do(inst, "book_visit", "FieldService", {"appointment_date": "2026-09-23", "appointment_slot": "morning",
                                                     "engineer_name": "赵工"})
        assert walk.elements(inst) == ["onsite_service"]  # on time: no delay notice
        record = {"service_date": "2026-09-23", "arrived_at": "2026-09-23T14:05", "work_done": "更换主轴轴承", "fault_cause": "轴承润滑不足",
                  "advice": "每月加注润滑脂", "customer_confirmed": False}
        onsite = walk.do(inst, "onsite_service", "FieldService", record)
        assert local(onsite.due_at) == datetime(2026, 9, 24, 18, 0)
        assert walk.elements(inst) == ["onsite_service"]  # not confirmed: the work is done again
        walk.do(inst, "onsite_service", "FieldService", dict(record, customer_confirmed=True,
                                                              customer_signatory="王经理"))
        assert walk.elements(inst) == ["followup"]
        follow_up_and_survey(walk, inst, score=4)
    assert walk.variables(inst)["resolve_delayed"] is False


@pytest.mark.parametrize("why", ["appointment_after_deadline", "deadline_already_passed"])
def test_after_sales_late_branch_tells_the_customer_and_recommits(walk, actors, why):
    with at(2026, 9, 21, 10, 0):
        inst = start_after_sales(actors, bkey("AS-late"))
        accept_and_classify(walk, inst, "general")  # due Tue 2026-09-22 18:00
    booked_on = (2026, 9, 21, 16, 0) if why == "appointment_after_deadline" else (2026, 9, 23, 9, 0)
    with at(*booked_on):
        walk.do(inst, "diagnose", "TechSupport", {"diagnosis": "需更换控制板", "resolved_remotely": False})
        walk.do(inst, "book_visit", "FieldService", {"appointment_date": "2026-09-24", "appointment_slot": "afternoon",
                                                     "engineer_name": "赵工"})
        explain = walk.one(inst, "explain_delay")
        assert walk.elements(inst) == ["explain_delay"]
        assert [c.role_name for c in explain.candidates] == ["CustomerService"]
        walk.do(inst, "explain_delay", "CustomerService", {"delay_reason": "控制板需从厂家调货",
                                                           "new_commit_date": "2026-09-25",
                                                           "customer_informed": True})
        # 2026-09-25 is the Mid-Autumn holiday: the new commitment is the next working day, Mon 28 18:00
        assert local(walk.one(inst, "onsite_service").due_at) == datetime(2026, 9, 28, 18, 0)
    with at(2026, 9, 28, 11, 0):
        walk.do(inst, "onsite_service", "FieldService", {
            "service_date": "2026-09-28", "arrived_at": "2026-09-28T10:40", "work_done": "更换控制板", "fault_cause": "控制板元件老化",
            "advice": "避免潮湿环境", "customer_confirmed": True})
        follow_up_and_survey(walk, inst, score=3)
    assert walk.variables(inst)["resolve_delayed"] is True


def test_after_sales_acceptance_sla_escalation_by_boundary_timer(walk, actors):
    # Fri 17:50: 10 minutes left today, Sat 19 is a weekend, Sun 20 a make-up working day.
    with at(2026, 9, 18, 17, 50):
        inst = start_after_sales(actors, bkey("AS-sla"))
        accept = walk.one(inst, "accept")
        assert local(accept.due_at) == datetime(2026, 9, 20, 9, 20)
        assert local(pending_timer(inst).due_at) == local(accept.due_at)  # the boundary timer fires at the due time
    with at(2026, 9, 20, 9, 19):
        assert fire_due_timers(inst) == 0
        assert walk.elements(inst) == ["accept"]
    with at(2026, 9, 20, 9, 21):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["accept", "escalate"]  # non-interrupting: acceptance stays open
        escalate = walk.one(inst, "escalate")
        assert [c.role_name for c in escalate.candidates] == ["Supervisor"]
        assert tasks.sla_state(walk.one(inst, "accept")) == "overdue"
        walk.do(inst, "escalate", "Supervisor", {"escalation_action": "remind", "escalation_note": "已督促"})
        assert walk.elements(inst) == ["accept"]
        accept_and_classify(walk, inst, "general")
    with at(2026, 9, 20, 14, 0):
        walk.do(inst, "diagnose", "TechSupport", {"diagnosis": "使用不当", "resolved_remotely": True})
        follow_up_and_survey(walk, inst)
    fired = [e for e in history.for_instance(inst.id) if e.element_id == "accept_overdue"]
    assert fired and fired[0].event in ("timer_fired", "event_caught")


def test_after_sales_accepting_late_still_works_after_escalation_is_done(walk, actors):
    """The escalation branch and the main path are independent: either may finish first."""
    with at(2026, 9, 21, 10, 0):
        inst = start_after_sales(actors, bkey("AS-sla2"))
    with at(2026, 9, 21, 10, 31):
        assert fire_due_timers(inst) == 1
        accept_and_classify(walk, inst, "general")
        walk.do(inst, "diagnose", "TechSupport", {"diagnosis": "已解决", "resolved_remotely": True})
        walk.do(inst, "followup", "CustomerService", {"followup_method": "sms", "followup_result": "正常",
                                                     "issue_resolved": True})
        walk.do(inst, "survey", "CustomerService", {"satisfaction_score": 5})
        assert walk.status(inst) == "running"  # the escalation task is still open
        walk.do(inst, "escalate", "Supervisor", {"escalation_action": "handle_personally"})
        assert walk.status(inst) == "completed"


EMERGENCY_REPORT = {"event_title": "HX-200 批次主板过热", "emergency_type": "product_quality",
                    "severity_level": "level_3", "affected_scope": "华东区2025年第4批次", "affected_customers": 37,
                    "event_description": "多家客户反映设备主板过热冒烟"}


def run_emergency_quickly(walk, inst):
    """Report, activate, respond at once, stop updates, close, summarise."""
    walk.do(inst, "report", "CustomerService", EMERGENCY_REPORT)
    walk.do(inst, "activate_quality", "Supervisor", {"plan_activated": True, "command_lead": "王主管",
                                                     "sales_suspended": True})
    walk.do(inst, "notify", "CustomerService", {"notice_channel": "sms", "notified_count": 37,
                                                "notice_content": "请暂停使用，等待上门检修"})
    walk.do(inst, "organise", "Supervisor", {"response_team": "技术部、现场服务部", "response_measures": "逐台检修"})
    walk.do(inst, "carry_out", "TechSupport", {"actions_taken": "更换电源模块"})
    walk.do(inst, "confirm_control", "Supervisor", {"event_under_control": True})
    walk.do(inst, "close", "Supervisor", {"all_customers_informed": True, "close_note": "全部处置完毕"})
    walk.do(inst, "summarise", "Supervisor", {"event_summary": "批次质量事件", "root_cause": "供应商元件缺陷",
                                              "improvement_measures": "加强来料检验", "plan_revision_needed": False})


def test_after_sales_emergency_calls_emergency_response(walk, actors):
    with at(2026, 9, 21, 10, 0):
        inst = start_after_sales(actors, bkey("AS-emergency"))
        accept_and_classify(walk, inst, "emergency")
        report = walk.one(inst, "report")  # the called process's first task, in this instance
        assert report.process_key == "after_sales_service" and "diagnose" not in walk.elements(inst)
        run_emergency_quickly(walk, inst)
        assert walk.elements(inst) == ["followup"]
        follow_up_and_survey(walk, inst)
    data = walk.variables(inst)
    assert data["request_type"] == "emergency" and data["root_cause"] == "供应商元件缺陷"


# ----------------------------------------------------------------------------- complaint handling

COMPLAINT = {"customer_name": "杭州临安酒店", "complaint_channel": "phone",
             "complaint_category": "service_attitude", "complaint_content": "上门工程师迟到两小时且态度生硬",
             "customer_demand": "书面道歉并更换工程师"}


def test_complaint_due_dates_follow_the_holiday_calendar(walk, actors):
    # Registered on Fri 2026-09-25, the Mid-Autumn holiday (Sep 25-27): the clocks start on Mon 28.
    with at(2026, 9, 25, 10, 0):
        inst = runtime.start_process("complaint_handling", actor=actors["wf_agent"], business_key=bkey("CP-holiday"))
        register = walk.one(inst, "register")
        assert local(register.due_at) == datetime(2026, 9, 28, 9, 15)  # 立即登记: 15 working minutes
        assert register.priority == 70
        walk.do(inst, "register", "CustomerService", COMPLAINT)
        assert local(walk.one(inst, "forward").due_at) == datetime(2026, 9, 28, 18, 0)
    # Forwarded on Wed Sep 30: Oct 1-7 is National Day, so the next working day is Thu Oct 8.
    with at(2026, 9, 30, 16, 0):
        inst2 = runtime.start_process("complaint_handling", actor=actors["wf_agent"], business_key=bkey("CP-nd"))
        walk.do(inst2, "register", "CustomerService", COMPLAINT)
        assert local(walk.one(inst2, "forward").due_at) == datetime(2026, 10, 8, 18, 0)
        walk.do(inst2, "forward", "Supervisor", {"department": "DELIVERY", "severity": "general"})
        walk.do(inst2, "plan", "FieldService", {"root_cause": "排班过紧", "rectification_plan": "调整排班",
                                               "planned_finish_date": "2026-10-09"})
    # Rectified on Fri Oct 9: Sat Oct 10 is a make-up working day -> 10, 12, 13.
    with at(2026, 10, 9, 11, 0):
        walk.do(inst2, "rectify", "FieldService", {"rectification_result": "已调整", "rectified_on": "2026-10-09"})
        assert local(walk.one(inst2, "report_back").due_at) == datetime(2026, 10, 13, 18, 0)


def test_complaint_unsatisfied_customer_loops_back_until_satisfied(walk, actors):
    with at(2026, 9, 21, 9, 0):
        inst = runtime.start_process("complaint_handling", actor=actors["wf_agent"], business_key=bkey("CP-loop"))
        walk.do(inst, "register", "CustomerService", COMPLAINT)
        walk.do(inst, "forward", "Supervisor", {"department": "DELIVERY", "severity": "serious",
                                                "forward_note": "请现场服务部整改"})
        for round_, satisfied in enumerate((False, False, True), start=1):
            walk.do(inst, "plan", "FieldService", {"root_cause": "工程师培训不足", "rectification_plan": f"第{round_}轮整改",
                                                  "planned_finish_date": "2026-09-25"})
            walk.do(inst, "rectify", "FieldService", {"rectification_result": "已完成", "rectified_on": "2026-09-22"})
            walk.do(inst, "report_back", "CustomerService", {"feedback_method": "phone",
                                                             "feedback_content": "已书面道歉并更换工程师"})
            walk.do(inst, "survey", "CustomerService", {"satisfied": satisfied, "satisfaction_score": 2 + round_})
            if not satisfied:
                assert walk.elements(inst) == ["plan"]
        assert walk.status(inst) == "completed"
    completed = [e.element_id for e in history.for_instance(inst.id) if e.event == "task_completed"]
    assert completed.count("plan") == 3 and completed.count("survey") == 3
    ledger = walk.variables(inst)["ledger_entry"]
    assert ledger == {"customer": "杭州临安酒店", "channel": "phone", "category": "service_attitude",
                      "department": "DELIVERY", "severity": "serious", "satisfaction_score": 5,
                      "closed_on": "2026-09-21"}


# ----------------------------------------------------------------------------- emergency response

ACTIVATION = {
    "product_quality": ("activate_quality", {"sales_suspended": True, "recall_scope": "第4批次"}),
    "natural_disaster": ("activate_disaster", {"staff_safe": True, "backup_site": "萧山服务点"}),
    "public_health": ("activate_health", {"protective_measures": "上门人员佩戴口罩", "contactless_service": True}),
}


def start_emergency(walk, actors, emergency_type, key):
    inst = runtime.start_process("emergency_response", actor=actors["wf_supervisor"], business_key=key)
    report = walk.one(inst, "report")
    assert sorted(c.role_name for c in report.candidates) == ["CustomerService", "Supervisor"]
    walk.do(inst, "report", "CustomerService", dict(EMERGENCY_REPORT, emergency_type=emergency_type))
    return inst


@pytest.mark.parametrize("emergency_type", sorted(ACTIVATION))
def test_emergency_activates_the_plan_of_its_type(walk, actors, emergency_type):
    element, extra = ACTIVATION[emergency_type]
    with at(2026, 9, 22, 20, 0):  # reported after hours: "立即启动应急预案" runs on the 24-hour clock
        inst = start_emergency(walk, actors, emergency_type, bkey(f"EM-{emergency_type}"))
        assert walk.elements(inst) == [element]
        assert local(walk.one(inst, element).due_at) == datetime(2026, 9, 22, 20, 15)  # at once: 15 minutes
        walk.do(inst, element, "Supervisor", dict(extra, plan_activated=True, command_lead="王主管"))
        assert walk.elements(inst) == ["notify", "organise"]  # both parallel branches started
        walk.do(inst, "notify", "CustomerService", {"notice_channel": "phone", "notified_count": 12,
                                                    "notice_content": "已告知"})
        walk.do(inst, "organise", "Supervisor", {"response_team": "应急小组", "response_measures": "按预案处置"})
        walk.do(inst, "carry_out", "TechSupport", {"actions_taken": "处置完毕"})
        walk.do(inst, "confirm_control", "Supervisor", {"event_under_control": True})
        assert walk.elements(inst) == ["close"] and pending_timer(inst) is None
        walk.do(inst, "close", "Supervisor", {"all_customers_informed": True, "close_note": "关闭"})
        walk.do(inst, "summarise", "Supervisor", {"event_summary": "总结", "root_cause": "原因",
                                                  "improvement_measures": "措施", "plan_revision_needed": True})
        assert walk.status(inst) == "completed"


def test_emergency_updates_customers_every_4_working_hours_until_the_response_ends(walk, actors):
    with at(2026, 9, 21, 9, 0):
        inst = start_emergency(walk, actors, "natural_disaster", bkey("EM-loop"))
        walk.do(inst, "activate_disaster", "Supervisor", {"plan_activated": True, "command_lead": "王主管",
                                                          "staff_safe": True})
    with at(2026, 9, 21, 9, 10):
        walk.do(inst, "notify", "CustomerService", {"notice_channel": "wechat", "notified_count": 80,
                                                    "notice_content": "台风影响，服务暂停"})
        assert local(pending_timer(inst).due_at) == datetime(2026, 9, 21, 13, 10)
        walk.do(inst, "organise", "Supervisor", {"response_team": "抢修队", "response_measures": "抢修"})
    with at(2026, 9, 21, 13, 9):
        assert fire_due_timers(inst) == 0
    with at(2026, 9, 21, 13, 11):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["carry_out", "update_customers"]
        walk.do(inst, "update_customers", "CustomerService", {"update_content": "抢修进行中", "customers_reached": 80,
                                                              "continue_updates": True})
        assert local(pending_timer(inst).due_at) == datetime(2026, 9, 21, 17, 11)
    with at(2026, 9, 21, 17, 30):
        assert fire_due_timers(inst) == 1
        walk.do(inst, "update_customers", "CustomerService", {"update_content": "预计明日恢复",
                                                              "continue_updates": True})
        # 30 minutes left today, the other 3.5 hours on the next working day
        assert local(pending_timer(inst).due_at) == datetime(2026, 9, 22, 12, 30)
        walk.do(inst, "carry_out", "TechSupport", {"actions_taken": "主干线路已修复"})
        walk.do(inst, "confirm_control", "Supervisor", {"event_under_control": False, "control_note": "部分区域未恢复"})
        assert "carry_out" in walk.elements(inst)  # not under control: the response continues
    with at(2026, 9, 22, 12, 31):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["carry_out", "update_customers"]
        open_update = walk.one(inst, "update_customers")
        walk.do(inst, "carry_out", "TechSupport", {"actions_taken": "全部区域恢复"})
        walk.do(inst, "confirm_control", "Supervisor", {"event_under_control": True})
        # the terminate end event ends the sub-process: the open update and the loop's timer are gone
        assert walk.elements(inst) == ["close"]
        assert db.session.get(HumanTask, open_update.id).state == "cancelled"
        assert pending_timer(inst) is None
    with at(2026, 9, 23, 9, 0):
        assert fire_due_timers(inst) == 0
        walk.do(inst, "close", "Supervisor", {"all_customers_informed": True, "close_note": "恢复正常"})
        walk.do(inst, "summarise", "Supervisor", {"event_summary": "台风", "root_cause": "线路老化",
                                                  "improvement_measures": "加固", "plan_revision_needed": False})
        assert walk.status(inst) == "completed"
    updates = [e for e in history.for_instance(inst.id) if e.event == "task_completed"
               and e.element_id == "update_customers"]
    assert len(updates) == 2


def test_emergency_updates_can_stop_before_the_response_ends(walk, actors):
    with at(2026, 9, 21, 9, 0):
        inst = start_emergency(walk, actors, "public_health", bkey("EM-stop"))
        walk.do(inst, "activate_health", "Supervisor", {"plan_activated": True, "command_lead": "王主管",
                                                        "protective_measures": "消毒"})
        walk.do(inst, "notify", "CustomerService", {"notice_channel": "announcement", "notified_count": 5,
                                                    "notice_content": "公告"})
    with at(2026, 9, 21, 13, 1):
        assert fire_due_timers(inst) == 1
        walk.do(inst, "update_customers", "CustomerService", {"update_content": "客户均已恢复",
                                                              "continue_updates": False})
        assert walk.elements(inst) == ["organise"] and pending_timer(inst) is None
        walk.do(inst, "organise", "Supervisor", {"response_team": "小组", "response_measures": "消杀"})
        walk.do(inst, "carry_out", "TechSupport", {"actions_taken": "完成"})
        walk.do(inst, "confirm_control", "Supervisor", {"event_under_control": True})
        walk.do(inst, "close", "Supervisor", {"all_customers_informed": True, "close_note": "关闭"})
        walk.do(inst, "summarise", "Supervisor", {"event_summary": "总结", "root_cause": "原因",
                                                  "improvement_measures": "措施", "plan_revision_needed": False})
        assert walk.status(inst) == "completed"


# ----------------------------------------------------------------------------- six-step service

NEEDS = {"customer_name": "苏州工业园区某电子厂",
         "need_description": "生产线设备年度保养及操作培训", "expected_date": "2026-10-30"}


def plan_round(walk, inst, approved):
    walk.do(inst, "draft_plan", "CustomerService", {"plan_summary": "分三阶段保养并培训", "resources": "工程师2名",
                                                    "target_date": "2026-10-20"})
    assert walk.elements(inst) == ["field_input", "sales_input", "tech_input"]
    walk.do(inst, "tech_input", "TechSupport", {"tech_opinion": "需备件清单"})
    walk.do(inst, "field_input", "FieldService", {"field_opinion": "需停线4小时"})
    walk.do(inst, "sales_input", "Sales", {"sales_opinion": "保修期内免费"})
    walk.do(inst, "approve_plan", "Supervisor", {"plan_approved": approved, "approval_comment": "同意" if approved
                                                 else "补充停线安排"})


def test_six_step_with_rejection_rework_weekly_reports_and_problem_loop(walk, actors):
    with at(2026, 9, 7, 9, 0):
        inst = runtime.start_process("six_step_service", actor=actors["wf_agent"], business_key=bkey("SIX-full"))
        walk.do(inst, "record_needs", "CustomerService", NEEDS)
        walk.do(inst, "classify_needs", "CustomerService", {"urgency": "high", "importance": "high",
                                                            "need_category": "service"})
        assert walk.one(inst, "draft_plan").priority == 90
        plan_round(walk, inst, approved=False)
        assert walk.elements(inst) == ["draft_plan"]  # rejected: back to planning
        plan_round(walk, inst, approved=True)
        walk.do(inst, "assign_work", "Supervisor", {"executing_department": "FieldService", "executor": "赵工",
                                                    "planned_finish": "2026-09-25"})
        assert local(pending_timer(inst).due_at) == datetime(2026, 9, 14, 9, 0)  # R/P1W from the start of execution
        carry = walk.one(inst, "carry_out")
        assert sorted(c.role_name for c in carry.candidates) == ["FieldService", "TechSupport"]
        walk.do(inst, "carry_out", "FieldService", {"work_log": "第一阶段保养"})
        walk.do(inst, "monitor", "Supervisor", {"progress_percent": 40, "on_schedule": True})
        walk.do(inst, "quality_check", "Supervisor", {"quality_passed": False, "quality_note": "润滑不到位"})
        assert walk.elements(inst) == ["carry_out"]  # failed: rework
    with at(2026, 9, 14, 9, 1):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["carry_out", "weekly_report"]  # the execution goes on
        walk.do(inst, "weekly_report", "CustomerService", {"progress_summary": "第一阶段完成，返工润滑"})
    with at(2026, 9, 21, 9, 1):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["carry_out", "weekly_report"]
        walk.do(inst, "weekly_report", "CustomerService", {"progress_summary": "返工进行中"})
        assert local(pending_timer(inst).due_at) == datetime(2026, 9, 28, 9, 0)
        walk.do(inst, "carry_out", "FieldService", {"work_log": "返工完成"})
        walk.do(inst, "monitor", "Supervisor", {"progress_percent": 100, "on_schedule": False, "risk_note": "延期一周"})
        walk.do(inst, "quality_check", "Supervisor", {"quality_passed": True})
        assert walk.elements(inst) == ["evaluate"]
        assert pending_timer(inst) is None  # execution done: the weekly timer stops
        walk.do(inst, "evaluate", "CustomerService", {"satisfaction_score": 3, "problems_found": True,
                                                      "evaluation_comment": "培训资料不全"})
        for verified in (False, True):
            walk.do(inst, "identify_problem", "TechSupport", {"problem_description": "培训资料缺失",
                                                              "problem_cause": "未随机提供"})
            walk.do(inst, "solve_problem", "TechSupport", {"solution": "补发电子版资料"})
            walk.do(inst, "verify_solution", "CustomerService", {"problem_verified": verified})
        walk.do(inst, "write_summary", "Supervisor", {"summary_report": "保养完成，资料补发"})
        walk.do(inst, "improvements", "Supervisor", {"improvement_measures": "资料随机发放",
                                                     "process_change_needed": True})
        walk.do(inst, "share_case", "Supervisor", {"case_title": "年度保养案例", "share_channel": "knowledge_base"})
        assert walk.status(inst) == "completed"
    completed = [e.element_id for e in history.for_instance(inst.id) if e.event == "task_completed"]
    assert completed.count("approve_plan") == 2 and completed.count("quality_check") == 2
    assert completed.count("weekly_report") == 2 and completed.count("verify_solution") == 2


def test_six_step_without_problems_goes_straight_to_the_summary(walk, actors):
    with at(2026, 9, 8, 10, 0):
        inst = runtime.start_process("six_step_service", actor=actors["wf_sales"], business_key=bkey("SIX-short"))
        walk.do(inst, "record_needs", "CustomerService", NEEDS)
        walk.do(inst, "classify_needs", "CustomerService", {"urgency": "low", "importance": "low"})
        assert walk.one(inst, "draft_plan").priority == 20
        plan_round(walk, inst, approved=True)
        walk.do(inst, "assign_work", "Supervisor", {"executing_department": "TechSupport", "executor": "张工",
                                                    "planned_finish": "2026-09-10"})
        walk.do(inst, "carry_out", "TechSupport", {"work_log": "完成"})
        walk.do(inst, "monitor", "Supervisor", {"progress_percent": 100, "on_schedule": True})
        walk.do(inst, "quality_check", "Supervisor", {"quality_passed": True})
        walk.do(inst, "evaluate", "CustomerService", {"satisfaction_score": 5, "problems_found": False})
        assert walk.elements(inst) == ["write_summary"]
        walk.do(inst, "write_summary", "Supervisor", {"summary_report": "顺利完成"})
        walk.do(inst, "improvements", "Supervisor", {"improvement_measures": "无", "process_change_needed": False})
        walk.do(inst, "share_case", "Supervisor", {"case_title": "标准案例", "share_channel": "team_meeting"})
        assert walk.status(inst) == "completed"
    completed = [e.element_id for e in history.for_instance(inst.id) if e.event == "task_completed"]
    assert "identify_problem" not in completed and "weekly_report" not in completed
    # the process wrote its service plan (created at record_needs) and offered its case to the library
    db.session.expire_all()
    row = db.session.get(ProcessInstance, inst.id)
    plan = db.session.get(ServicePlan, row.record_id)
    assert row.record_type == "service_plan" and plan.status == "closed" and plan.closed_at is not None
    assert plan.summary_report == "顺利完成" and plan.approved_at is not None
    assert [f.evaluation for f in plan.feedback] == ["5/5"]
    case = db.session.scalars(select(Case).filter_by(title="标准案例")).one()
    assert case.is_published is False and case.summary == "顺利完成"


# ----------------------------------------------------------------------------- engine issues found here
# Minimal reproductions of engine issues these diagrams uncovered (all fixed in the engine).

MINI = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{pid}" targetNamespace="x">'
        '<bpmn:process id="{pid}" isExecutable="true"><bpmn:startEvent id="start" />{body}</bpmn:process>'
        '</bpmn:definitions>')


def mini(pid: str, body: str) -> str:
    return MINI.format(pid=pid, body=body)


def test_engine_schedules_time_date_timers(actors, isolated):
    xml = mini("wf_issue_time_date", '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />'
               '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDate>'
               '${add_working_minutes(30)}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
               '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" /><bpmn:endEvent id="end" />')
    definitions.deploy(xml, actor=actors["owner"])
    with at(2026, 9, 21, 10, 0):
        inst = runtime.start_process("wf_issue_time_date", actor=actors["wf_agent"], business_key=bkey("ISSUE-td"))
        assert pending_timer(inst) is not None  # fails: nothing would ever wake the instance up


def test_engine_keeps_branches_started_by_a_non_interrupting_cycle_timer(actors, isolated):
    xml = mini("wf_issue_cycle", '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />'
               '<bpmn:userTask id="work" camunda:candidateGroups="TechSupport" />'
               '<bpmn:boundaryEvent id="weekly" attachedToRef="work" cancelActivity="false"><bpmn:timerEventDefinition>'
               '<bpmn:timeCycle>R/P1W</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
               '<bpmn:sequenceFlow id="f2" sourceRef="weekly" targetRef="report" />'
               '<bpmn:userTask id="report" camunda:candidateGroups="CustomerService" />'
               '<bpmn:sequenceFlow id="f3" sourceRef="report" targetRef="end2" /><bpmn:endEvent id="end2" />'
               '<bpmn:sequenceFlow id="f4" sourceRef="work" targetRef="end" /><bpmn:endEvent id="end" />')
    definitions.deploy(xml, actor=actors["owner"])
    walk = Walker(actors)
    with at(2026, 9, 7, 10, 0):
        inst = runtime.start_process("wf_issue_cycle", actor=actors["wf_agent"], business_key=bkey("ISSUE-cyc"))
    with at(2026, 9, 14, 10, 1):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["report", "work"]
        walk.do(inst, "work", "TechSupport")
        assert walk.elements(inst) == ["report"]  # fails: the weekly report is cancelled with the timer


def test_engine_accepts_iso_duration_due_dates(actors, isolated):
    xml = mini("wf_issue_due_duration", '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />'
               '<bpmn:userTask id="t" camunda:candidateGroups="CustomerService" camunda:dueDate="PT4H" />'
               '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end" /><bpmn:endEvent id="end" />')
    assert definitions.validate(xml) == []  # validation accepts it ...
    definitions.deploy(xml, actor=actors["owner"])
    with at(2026, 9, 21, 10, 0):  # ... but the first instance fails
        inst = runtime.start_process("wf_issue_due_duration", actor=actors["wf_agent"], business_key=bkey("ISSUE-pt"))
        assert Walker(actors).one(inst, "t").due_at is not None


def test_engine_evaluates_candidate_group_expressions(actors, isolated):
    xml = mini("wf_issue_group_expr", '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />'
               '<bpmn:userTask id="t" camunda:candidateGroups="${department}" />'
               '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end" /><bpmn:endEvent id="end" />')
    definitions.deploy(xml, actor=actors["owner"])
    inst = runtime.start_process("wf_issue_group_expr", actor=actors["wf_agent"], business_key=bkey("ISSUE-grp"),
                                 variables={"department": "FieldService"})
    task = Walker(actors).one(inst, "t")
    assert [c.role_name for c in task.candidates] == ["FieldService"]  # fails: ['${department}']


def test_engine_allows_a_form_field_named_like_its_task():
    xml = mini("wf_issue_id_clash", '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="summary" />'
               '<bpmn:userTask id="summary" camunda:candidateGroups="Supervisor"><bpmn:extensionElements>'
               '<camunda:formData><camunda:formField id="summary" label="总结" type="string" /></camunda:formData>'
               '</bpmn:extensionElements></bpmn:userTask>'
               '<bpmn:sequenceFlow id="f2" sourceRef="summary" targetRef="end" /><bpmn:endEvent id="end" />')
    from app.engine.bpmn.parser import parse_definition

    assert parse_definition(xml).problems == []  # fails: "There is no support implemented for this task type."
