"""The monthly staff assessment (app/records/assessment): May 2023 (a month no other test writes to),
assessed on a frozen clock (1 June 2023): one 优秀, one 合格, one 不合格 with its interview and improvement
plan, the head's override with a reason, who may grade, who sees what, the monthly job, the export."""
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.records_helpers import make_customer
from tests.test_kpi import history_instance, step, user_id

SH = ZoneInfo("Asia/Shanghai")
MAY = date(2023, 5, 1)
FROZEN = datetime(2023, 6, 1, 10, 0, tzinfo=SH)  # a Thursday, a working day
WORKFLOW = Path(__file__).resolve().parents[1] / "workflows" / "staff_assessment.bpmn"


@pytest.fixture(scope="module")
def frozen():
    from app.engine import clock

    with clock.use(lambda: FROZEN):
        yield FROZEN


@pytest.fixture(scope="module")
def actors(app):
    from app.engine.actor import Actor

    with app.app_context():
        sm = app.appbuilder.sm
        return {u: Actor.from_user(sm.find_user(username=u)) for u in ("owner", "supervisor", "agent", "tech", "field")}


def seed_month(app, actors, year: int, month: int, prefix: str = "考核客户") -> dict[str, int]:
    """A month of known records: agent: two questions replied within minutes and resolved by their
    deadlines (all 100 %). tech: five remote answers, four within 30 working minutes (80 %). field: two
    repairs due in the month, one resolved by its deadline (50 %). The process deployed."""
    from app.engine import definitions
    from app.extensions import db
    from app.models import FieldServiceRecord, ServiceRequest

    def at(day, hour, minute=0):
        return datetime(year, month, day, hour, minute, tzinfo=SH)

    customer = make_customer(app, prefix=prefix)[0]
    with app.app_context():
        definitions.deploy(WORKFLOW.read_bytes(), actor=actors["owner"], filename=WORKFLOW.name)
        agent, tech, field = (user_id(u) for u in ("agent", "tech", "field"))
        rows = []
        for day in (8, 9):
            inst = history_instance("assessment_history_test")
            rows += [ServiceRequest(customer_id=customer, type="general_question", created_at=at(day, 10),
                                    first_reply_at=at(day, 10, 10), due_at=at(day, 18), resolved_at=at(day, 15),
                                    process_instance_id=inst.id, status="resolved"),
                     step(inst, "accept", done_by=agent, at=at(day, 10, 10))]
        for day, minutes in ((15, 10), (16, 20), (17, 25), (18, 5), (19, 90)):
            inst = history_instance("assessment_history_test")
            rows += [ServiceRequest(customer_id=customer, type="general_question", created_at=at(day, 10),
                                    first_reply_at=at(day, 10) + timedelta(minutes=minutes),
                                    process_instance_id=inst.id, status="accepted"),
                     step(inst, "diagnose", done_by=tech, at=at(day, 10) + timedelta(minutes=minutes))]
        for day, resolved in ((22, at(22, 12)), (24, at(27, 12))):
            sr = ServiceRequest(customer_id=customer, type="routine_fault", created_at=at(day - 2, 9),
                                due_at=at(day, 18), resolved_at=resolved, status="resolved")
            sr.field_records.append(FieldServiceRecord(engineer_id=field, arrived_at=at(day - 1, 9)))
            rows.append(sr)
        db.session.add_all(rows)
        db.session.commit()
    return {"agent": agent, "tech": tech, "field": field}


@pytest.fixture(scope="module")
def may_records(app, actors):
    return seed_month(app, actors, 2023, 5)


@pytest.fixture(scope="module")
def opened(app, actors, may_records, frozen):
    from app.engine.actor import Actor
    from app.records.assessment import process

    with app.app_context():
        assessments = process.open_month(MAY, Actor.system())
        return {a.department.code: a.id for a in assessments}


def lines_of(code, opened):
    from app.extensions import db
    from app.models import StaffAssessment

    a = db.session.get(StaffAssessment, opened[code])
    return a, {line.user_id: line for line in a.lines}


def open_task(inst_id, element):
    from app.extensions import db
    from app.models import HumanTask

    db.session.expire_all()
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, state="open", element_id=element)).one()


def test_the_system_proposes_each_grade_from_the_known_figures(app, opened, may_records):
    """《机器人集成公司客户服务优化管理制度》 第十六条(一) 绩效考核指标包括服务响应时效、问题解决效率、客户满意度、投诉处理质量等；
    考核结果分为优秀、合格、不合格三个等级，与薪酬调整、奖金发放直接挂钩.
    《空调部门客户服务管理制度》 四、2.考核方式 定期考核：每月对顾客服务人员的各项考核指标进行统计和分析，形成考核报告."""
    with app.app_context():
        assert set(opened) == {"CS", "TECH", "DELIVERY"}  # Sales has nobody working tasks
        cs, cs_lines = lines_of("CS", opened)
        _tech, tech_lines = lines_of("TECH", opened)
        _delivery, delivery_lines = lines_of("DELIVERY", opened)
        agent = cs_lines[may_records["agent"]]
        assert agent.figures["response"] == [2, 2] and agent.figures["resolution"] == [2, 2]
        assert agent.proposed_grade == agent.grade == "excellent"
        tech = tech_lines[may_records["tech"]]
        assert tech.figures["response"] == [4, 5] and tech.proposed_grade == "pass"  # 80 %: not below the pass line
        field = delivery_lines[may_records["field"]]
        assert field.figures["resolution"] == [1, 2] and field.proposed_grade == "fail"
        assert field.figures["inspection"] == [0, 0]  # no inspections recorded: not measured
        supervisor = cs_lines[user_id("supervisor")]
        assert supervisor.proposed_grade is None  # nothing measured: the head grades
        assert cs.status == "open" and cs.process_instance_id and cs.number == "KH-202305-CS"


def test_thresholds_are_configurable(app):
    from app.records.assessment.process import propose

    figures = {"response": [9, 10], "satisfaction": [9, 10]}
    with app.app_context():
        assert propose(figures) == "pass"
        assert propose(figures, {"excellent": 0.9, "pass": 0.8, "satisfaction_pass": 0.9}) == "excellent"
        assert propose(figures, {"excellent": 0.99, "pass": 0.95, "satisfaction_pass": 0.9}) == "fail"
        assert propose({"satisfaction": [17, 20]}) == "fail"  # 85 %: the rules' 客户满意度不低于90%
        assert propose({"response": [0, 0]}) is None


def test_the_head_confirms_or_overrides_with_a_reason(app, opened, actors, may_records, frozen):
    """《机器人集成公司客户服务优化管理制度》 第十六条(二) 对考核不合格的服务人员，由部门负责人进行约谈."""
    from app.engine.errors import Forbidden, Invalid
    from app.extensions import db
    from app.records.assessment import process

    with app.app_context():
        _cs, cs_lines = lines_of("CS", opened)
        agent = cs_lines[may_records["agent"]]
        with pytest.raises(Invalid) as err:
            process.set_grade(agent, "pass", "", actors["supervisor"])
        assert err.value.details["fields"] == {"override_reason": "required"}
        process.set_grade(agent, "pass", "客户表扬信未计入", actors["supervisor"])
        assert agent.grade == "pass" and agent.override_reason == "客户表扬信未计入"
        process.set_grade(agent, "excellent", None, actors["supervisor"])  # back to the proposal: no reason needed
        with pytest.raises(Forbidden):
            process.set_grade(agent, "fail", "x", actors["agent"])  # not the head
        with pytest.raises(Invalid):
            process.set_grade(agent, "great", "x", actors["supervisor"])
        db.session.commit()
        assert agent.grade == "excellent" and agent.graded_by_id == actors["supervisor"].user_id


def test_confirming_closes_a_department_with_nobody_failing(app, opened, actors, may_records, frozen):
    from app.engine import tasks
    from app.engine.errors import Invalid
    from app.extensions import db
    from app.models import ProcessInstance

    with app.app_context():
        cs, _lines = lines_of("CS", opened)
        task = open_task(cs.process_instance_id, "review")
        assert task.assignee_id == actors["supervisor"].user_id  # the department's head
        assert task.draft == {"has_unsatisfactory": False}
        with pytest.raises(Invalid) as err:
            tasks.complete(task.id, {"has_unsatisfactory": True}, actor=actors["supervisor"])
        assert "has_unsatisfactory" in err.value.details["fields"]
        tasks.complete(task.id, {"has_unsatisfactory": False, "review_note": "本月整体良好"}, actor=actors["supervisor"])
        cs, lines = lines_of("CS", opened)
        assert cs.status == "closed" and cs.confirmed_by_id == actors["supervisor"].user_id
        assert lines[may_records["agent"]].award is True  # 优秀服务专员 proposed
        assert db.session.get(ProcessInstance, cs.process_instance_id).status == "completed"


def test_unsatisfactory_starts_the_interview_and_the_improvement_plan(app, opened, actors, may_records, frozen):
    """《机器人集成公司客户服务优化管理制度》 第十六条(二) 对考核不合格的服务人员，由部门负责人进行约谈，制定绩效改进计划，
    限期整改；整改仍不合格的，调整岗位或解除劳动合同.
    《六步工作法规范服务制度》 四、(二)3. 对于考核不达标或出现严重服务问题的员工，进行绩效扣分、警告、调岗等处理."""
    from app.engine import tasks
    from app.engine.errors import Invalid
    from app.extensions import db
    from app.records.assessment import process

    with app.app_context():
        delivery, _lines = lines_of("DELIVERY", opened)
        review = open_task(delivery.process_instance_id, "review")
        assert review.assignee_id is None  # no head: the supervisors' group
        with pytest.raises(Invalid):
            tasks.complete(review.id, {"has_unsatisfactory": False}, actor=actors["supervisor"])
        tasks.claim(review.id, actor=actors["supervisor"])
        tasks.complete(review.id, {"has_unsatisfactory": True}, actor=actors["supervisor"])
        interview = open_task(delivery.process_instance_id, "interview")  # one per 不合格 person: field's
        expected = process.plan_deadline()
        assert interview.draft == {"interview_notes": "", "improvement_plan": "", "plan_deadline": expected.isoformat()}
        assert interview.name == "约谈并制定改进计划：赵 维修员"
        assert expected == date(2023, 6, 30)  # 20 working days after 1 June (the Dragon Boat holiday, 22-23 June)
        # each person is interviewed on their own (对考核不合格的服务人员 ... 约谈): the head records this one's plan
        _delivery, lines = lines_of("DELIVERY", opened)
        field, others = lines[may_records["field"]], [x for x in lines.values() if x.grade != "fail"]
        with pytest.raises(Invalid):
            process.record_interview(field, actors["supervisor"], "约谈", "计划", date(2023, 5, 31))  # in the past
        if others:
            with pytest.raises(Invalid):
                process.record_interview(others[0], actors["supervisor"], "约谈", "计划", expected)  # not 不合格
        process.record_interview(field, actors["supervisor"], "单独约谈：两单维修超期", "个人改进：每周复盘超期工单",
                                 date(2023, 6, 20))
        db.session.commit()
        interview = open_task(delivery.process_instance_id, "interview")  # their task shows what the page recorded
        assert interview.draft == {"interview_notes": "单独约谈：两单维修超期", "improvement_plan": "个人改进：每周复盘超期工单",
                                   "plan_deadline": "2023-06-20"}
        tasks.claim(interview.id, actor=actors["supervisor"])
        tasks.complete(interview.id, interview.draft, actor=actors["supervisor"])
        delivery, lines = lines_of("DELIVERY", opened)
        field = lines[may_records["field"]]
        assert delivery.status == "improving" and field.grade == "fail"
        assert (field.interview_notes, field.improvement_plan, field.plan_deadline) == (
            "单独约谈：两单维修超期", "个人改进：每周复盘超期工单", date(2023, 6, 20))
        verify = open_task(delivery.process_instance_id, "verify")
        assert verify.due_at == datetime(2023, 6, 20, 18, 0, tzinfo=SH)  # checked at their plan's deadline
        tasks.claim(verify.id, actor=actors["supervisor"])
        tasks.complete(verify.id, {"improved": False}, actor=actors["supervisor"])
        change = open_task(delivery.process_instance_id, "change_post")
        tasks.claim(change.id, actor=actors["supervisor"])
        tasks.complete(change.id, {"post_change": "调至备件管理岗位"}, actor=actors["supervisor"])
        delivery, lines = lines_of("DELIVERY", opened)
        assert lines[may_records["field"]].improved is False and lines[may_records["field"]].outcome == "调至备件管理岗位"
        assert delivery.status == "closed"


def test_the_monthly_job_opens_last_month_and_schedules_the_next(app, actors, may_records):
    from app.engine import clock, jobs
    from app.extensions import db
    from app.models import Job, StaffAssessment
    from app.records.assessment import process

    with app.app_context():  # scheduling (done at deploy; other tests' jobs may have run or moved it):
        db.session.query(Job).filter(Job.kind == process.JOB_KIND, Job.state == "pending").delete()
        process.schedule()    # one pending run, the first of next month, 09:00
        process.schedule()    # and only one
        db.session.commit()
        job = db.session.scalars(select(Job).where(Job.kind == process.JOB_KIND, Job.state == "pending")).one()
        due = job.due_at.astimezone(SH)
        assert (due.day, due.hour, due.minute) == (1, 9, 0) and due > clock.now()
    with app.app_context(), clock.use(lambda: datetime(2023, 7, 1, 9, 5, tzinfo=SH)):
        job = db.session.scalars(select(Job).where(Job.kind == process.JOB_KIND, Job.state == "pending")).one()
        assert process.JOB_KIND in jobs.HANDLERS
        process.run_month(job)
        job.state = "done"
        db.session.commit()
        june = db.session.scalars(select(StaffAssessment).where(StaffAssessment.month == date(2023, 6, 1))).all()
        assert {a.department.code for a in june} == {"CS", "TECH", "DELIVERY"}
        nxt = db.session.scalars(select(Job).where(Job.kind == process.JOB_KIND, Job.state == "pending")).all()
        assert [j.due_at for j in nxt] == [datetime(2023, 8, 1, 9, 0, tzinfo=SH)]
        assert len(process.open_month(date(2023, 6, 1), actors["supervisor"])) == 3  # the same three, not again
        assert db.session.query(StaffAssessment).filter_by(month=date(2023, 6, 1)).count() == 3


def test_pages_results_visible_to_the_person_and_export(app, login_as, opened, may_records):
    """《空调部门客户服务管理制度》 四、3.考核结果应用 与绩效奖金挂钩; 晋升与奖励: 对于考核优秀的服务人员，给予晋升机会或表彰奖励."""
    boss = login_as("supervisor")
    listing = boss.get("/assessment/").get_data(as_text=True)
    assert "KH-202305-CS" in listing and "KH-202305-DELIVERY" in listing
    page = boss.get(f"/assessment/{opened['CS']}/").get_data(as_text=True)
    assert "优秀" in page and "李 客服" in page and "王 主管" in page and 'class="assessment-line' in page
    en = login_as("supervisor")
    en.get("/lang/en", follow_redirects=True)
    english = en.get(f"/assessment/{opened['DELIVERY']}/").get_data(as_text=True)
    assert "Unsatisfactory (不合格)" in english and "每周复盘超期工单" in english
    field = login_as("field")
    own = field.get("/assessment/").get_data(as_text=True)
    assert "assessment-mine-row" in own and "不合格" in own
    assert field.get(f"/assessment/{opened['CS']}/").status_code == 404  # someone else's department
    mine = field.get(f"/assessment/{opened['DELIVERY']}/").get_data(as_text=True)
    assert mine.count('class="assessment-line') == 1 and "assessment-grade" not in mine
    csv = boss.get(f"/assessment/{opened['CS']}/export?format=csv").get_data(as_text=True)
    rows = [line for line in csv.splitlines()[1:] if "李 客服" in line or "王 主管" in line]
    assert len(rows) == 2 and "优秀服务专员" in csv  # the agent and the supervisor (staff other tests add: left out)
    assert login_as("viewer").get("/assessment/").status_code in (302, 403)
    assert field.post(f"/assessment/{opened['DELIVERY']}/line/1/grade", data={}).status_code in (302, 400, 403)


def test_the_api_returns_the_results_each_caller_may_see(app, login_as, opened, may_records):
    boss = login_as("supervisor").get("/api/v1/assessments/?month=2023-05").get_json()
    numbers = {a["number"] for a in boss["items"]}
    assert {"KH-202305-CS", "KH-202305-TECH", "KH-202305-DELIVERY"} <= numbers
    tech = next(a for a in boss["items"] if a["number"] == "KH-202305-TECH")["lines"]
    demo = [x for x in tech if x["username"] == "tech"]  # staff other tests add to the department: left out
    assert [(x["username"], x["proposed_grade"], x["figures"]["response"]) for x in demo] == [("tech", "pass", [4, 5])]
    field = login_as("field").get("/api/v1/assessments/").get_json()["items"]
    assert {x["username"] for a in field for x in a["lines"]} == {"field"}  # their own results only
    assert login_as("supervisor").get("/api/v1/assessments/?month=2023-5").status_code in (400, 422)


def test_the_interview_screen_refuses_who_is_not_failing_and_who_may_not_grade(app, login_as, opened, may_records):
    """第十六条(二) 对考核不合格的服务人员,由部门负责人进行约谈: the per-person interview form of the assessment page is
    refused, with a message, for a person not graded 不合格, and closed to someone who may not grade."""
    from tests.conftest import csrf_token

    with app.app_context():
        _a, lines = lines_of("CS", opened)
        line = next(iter(lines.values()))
        line_id, before = line.id, line.interview_notes
    boss = login_as("supervisor")
    token = csrf_token(boss, f"/assessment/{opened['CS']}/")
    data = {"csrf_token": token, "interview_notes": "约谈", "improvement_plan": "计划", "plan_deadline": "2099-01-01"}
    resp = boss.post(f"/assessment/{opened['CS']}/line/{line_id}/interview", data=data, follow_redirects=True)
    assert resp.status_code == 200 and "alert-danger" in resp.get_data(as_text=True)
    agent = login_as("agent")
    data["csrf_token"] = csrf_token(agent, "/assessment/")
    assert agent.post(f"/assessment/{opened['CS']}/line/{line_id}/interview", data=data).status_code in (302, 403)
    with app.app_context():
        from app.extensions import db
        from app.models import AssessmentLine

        assert db.session.get(AssessmentLine, line_id).interview_notes == before
