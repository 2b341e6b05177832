"""The per-person improvement loop of the staff assessment (workflows/staff_assessment.bpmn: a parallel
multi-instance subprocess over the people graded 不合格): November 2022 (a month no other test assesses),
on a frozen clock (1 December 2022), a department of its own with two people failing."""
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.engine.ops_support import run_task_mail_jobs

SH = ZoneInfo("Asia/Shanghai")
NOVEMBER = date(2022, 11, 1)
FROZEN = datetime(2022, 12, 1, 10, 0, tzinfo=SH)  # a Thursday, a working day
WORKFLOW = Path(__file__).resolve().parents[1] / "workflows" / "staff_assessment.bpmn"


@pytest.fixture
def department(app):
    """A department with a head and two service agents, members only for this test: deactivated after
    it, so no other test's month finds them."""
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import Department, UserProfile

    with app.app_context():
        sm = app.appbuilder.sm
        tag = uuid.uuid4().hex[:6]

        def user(prefix, first, role):
            name = f"{prefix}_{tag}"
            return sm.add_user(name, first, "考核", f"{name}@example.com", sm.find_role(role), password="Demo#2026Pass")

        head = user("khhead", "主任", "Supervisor")
        a, b = user("kha", "甲", "CustomerService"), user("khb", "乙", "CustomerService")
        dept = Department(code=f"KH{tag}", name=f"考核测试部 {tag}", head_id=head.id)
        db.session.add(dept)
        db.session.flush()
        db.session.add_all([UserProfile(user_id=u.id, department_id=dept.id) for u in (head, a, b)])
        db.session.commit()
        ids = {"dept": dept.id, "head": head.id, "a": a.id, "b": b.id, "head_login": head.username}
        actor = Actor.from_user(head)
    yield ids, actor
    with app.app_context():
        for key in ("head", "a", "b"):
            db.session.get(sm.user_model, ids[key]).active = False
        db.session.commit()


def _open(inst_id, element):
    from app.extensions import db
    from app.models import HumanTask

    db.session.expire_all()
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, state="open", element_id=element)
                              .order_by(HumanTask.id)).all()


def _done(task, data, actor):
    from app.engine import tasks

    return tasks.complete(task.id, data, actor=actor)


def test_each_failed_person_gets_their_own_interview_check_and_change_of_post(app, department, login_as):
    """《机器人集成公司客户服务优化管理制度》 第十六条(二) 对考核不合格的服务人员，由部门负责人进行约谈，制定绩效改进计划，
    限期整改；整改仍不合格的，调整岗位或解除劳动合同: each person failing is interviewed and gets their own plan
    and deadline; each is checked at their own deadline (reminded before it); only whoever has not improved
    has their post changed."""
    from app.engine import clock, content, definitions
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import Department, Job, ProcessInstance, StaffAssessment
    from app.records.assessment import process

    ids, head = department
    with app.app_context(), clock.use(lambda: FROZEN):
        definitions.deploy(WORKFLOW.read_bytes(), actor=Actor.system(), filename=WORKFLOW.name)
        assessment = process.open_assessment(db.session.get(Department, ids["dept"]), NOVEMBER, Actor.system())
        lines = {line.user_id: line for line in assessment.lines}
        assert set(lines) == {ids["head"], ids["a"], ids["b"]}
        for who in ("a", "b"):
            process.set_grade(lines[ids[who]], "fail", "服务响应多次超时", head)
        process.set_grade(lines[ids["head"]], "pass", "部门负责人", head)
        db.session.commit()
        inst_id = assessment.process_instance_id
        _done(_open(inst_id, "review")[0], {"has_unsatisfactory": True}, head)

        interviews = _open(inst_id, "interview")  # one per person, named for them
        assert {t.name for t in interviews} == {"约谈并制定改进计划：甲 考核", "约谈并制定改进计划：乙 考核"}
        assert {content.task_name(t, "en") for t in interviews} == {
            "Interview and improvement plan: 甲 考核", "Interview and improvement plan: 乙 考核"}
        by_name = {t.name[-4:]: t for t in interviews}
        assert by_name["甲 考核"].draft["plan_deadline"] == process.plan_deadline().isoformat()
        _done(by_name["甲 考核"], {"interview_notes": "约谈甲：响应超时", "improvement_plan": "甲：每日复盘",
                                   "plan_deadline": "2022-12-16"}, head)
        _done(by_name["乙 考核"], {"interview_notes": "约谈乙：解决超期", "improvement_plan": "乙：跟岗学习",
                                   "plan_deadline": "2022-12-23"}, head)
        assessment = db.session.get(StaffAssessment, assessment.id)
        lines = {line.user_id: line for line in assessment.lines}
        assert (lines[ids["a"]].improvement_plan, lines[ids["a"]].plan_deadline) == ("甲：每日复盘", date(2022, 12, 16))
        assert (lines[ids["b"]].improvement_plan, lines[ids["b"]].plan_deadline) == ("乙：跟岗学习", date(2022, 12, 23))
        assert assessment.status == "improving"

        page_of = f"/assessment/{assessment.id}/"
        db.session.commit()
        checks = {t.name: t for t in _open(inst_id, "verify")}  # each due at their own deadline
        a_check, b_check = checks["复核整改结果：甲 考核"], checks["复核整改结果：乙 考核"]
        run_task_mail_jobs(a_check.id, b_check.id)  # a new task's job schedules its SLA reminder
        assert a_check.due_at == datetime(2022, 12, 16, 18, 0, tzinfo=SH)
        assert b_check.due_at == datetime(2022, 12, 23, 18, 0, tzinfo=SH)
        for check in (a_check, b_check):  # the SLA reminder before the deadline
            reminders = db.session.scalars(select(Job).where(Job.kind == "sla_warning", Job.state == "pending",
                                                             Job.instance_id == inst_id)).all()
            mine = [j for j in reminders if j.payload.get("task_id") == check.id]
            assert len(mine) == 1 and FROZEN < mine[0].due_at < check.due_at
        # one SLA job at a time per task: the reminder queues the escalation when it runs (notifications.py)
        assert not db.session.scalars(select(Job.id).where(Job.kind == "sla_breach", Job.state == "pending",
                                                           Job.instance_id == inst_id)).all()

        boss = login_as(ids["head_login"])  # the assessment page: each person's own task on their line
        page = boss.get(page_of).get_data(as_text=True)
        assert page.count("assessment-person-task") == 2 and "打开任务：复核整改结果：乙 考核" in page
        boss.get("/lang/en")
        assert "Open the task: Check the improvement: 甲 考核" in boss.get(page_of).get_data(as_text=True)

        _done(a_check, {"improved": True, "verify_note": "已达标"}, head)
        _done(b_check, {"improved": False}, head)
        changes = _open(inst_id, "change_post")  # only the one not improved
        assert [t.name for t in changes] == ["调整岗位：乙 考核"]
        _done(changes[0], {"post_change": "调至备件管理岗位"}, head)

        assessment = db.session.get(StaffAssessment, assessment.id)
        lines = {line.user_id: line for line in assessment.lines}
        assert (lines[ids["a"]].improved, lines[ids["a"]].outcome) == (True, None)
        assert (lines[ids["b"]].improved, lines[ids["b"]].outcome) == (False, "调至备件管理岗位")
        assert lines[ids["head"]].improved is None
        assert db.session.get(ProcessInstance, inst_id).status == "completed" and assessment.status == "closed"
        page = boss.get(page_of).get_data(as_text=True)
        assert "Outcome: Improved" in page and "Outcome: Post changed" in page and "assessment-person-task" not in page


OLD_VERSION = Path(__file__).resolve().parent / "data" / "bpmn" / "staff_assessment_v1.bpmn"  # as shipped before


def test_an_instance_of_the_version_before_the_loop_runs_on_with_one_task_for_everyone(app, department):
    """第十六条(二) 对考核不合格的服务人员，由部门负责人进行约谈，制定绩效改进计划，限期整改；整改仍不合格的，调整岗位:
    an assessment already running on the version with one task for everyone failing keeps it to its end (its
    tasks have no person: each answer is every failing person's); waiting in that interview, it cannot be
    moved to the per-person version (the element now lives in the loop), and is not."""
    from app.engine import clock, definitions, migration
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import Department, ProcessInstance, StaffAssessment
    from app.records.assessment import process

    ids, head = department
    with app.app_context(), clock.use(lambda: FROZEN):
        try:
            definitions.deploy(OLD_VERSION.read_bytes(), actor=Actor.system(), filename=WORKFLOW.name)
            assessment = process.open_assessment(db.session.get(Department, ids["dept"]), date(2022, 10, 1),
                                                 Actor.system())
        finally:  # the shipped version is the newest again for every other test
            current = definitions.deploy(WORKFLOW.read_bytes(), actor=Actor.system(), filename=WORKFLOW.name).definition
        lines = {line.user_id: line for line in assessment.lines}
        for who in ("a", "b"):
            process.set_grade(lines[ids[who]], "fail", "多次超时", head)
        db.session.commit()
        inst_id = assessment.process_instance_id
        _done(_open(inst_id, "review")[0], {"has_unsatisfactory": True}, head)
        interview = _open(inst_id, "interview")
        assert [t.name for t in interview] == ["约谈并制定改进计划"]  # one, for both
        plan = migration.plan_instance(db.session.get(ProcessInstance, inst_id), current)
        assert not plan.migratable and plan.reasons
        _done(interview[0], {"interview_notes": "集体约谈", "improvement_plan": "每周复盘", "plan_deadline": "2022-12-20"},
              head)
        _done(_open(inst_id, "verify")[0], {"improved": False}, head)
        _done(_open(inst_id, "change_post")[0], {"post_change": "调岗"}, head)
        assessment = db.session.get(StaffAssessment, assessment.id)
        failed = [line for line in assessment.lines if line.grade == "fail"]
        assert len(failed) == 2 and all((x.plan_deadline, x.improved, x.outcome) == (date(2022, 12, 20), False, "调岗")
                                        for x in failed)
        assert assessment.status == "closed"
