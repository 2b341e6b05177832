"""The customer's rules, clause by clause, driven through the engine on a frozen clock across the
2026 holidays (Mid-Autumn Sep 25-27, National Day Oct 1-7) and make-up working days (Sun Sep 20,
Sat Oct 10). Each test names its clause and document. More clauses are covered where they are
built: the SLA policy (tests/engine/test_sla_policy.py), records that follow their processes
(tests/test_process_link.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.engine import clock, jobs, runtime
from app.extensions import db
from app.models import (
    Department, HumanTask, Job, MailOutbox, OnCallShift, ServiceRequest, UserProfile,
)
from app.records.process_link import start_for_record
from tests.engine.ops_support import clean_jobs  # noqa: F401  (fixture)
from tests.records_helpers import make_customer
from tests.test_workflows import (  # noqa: F401  (fixtures)
    TZ, actors, at, fire_due_timers, isolated, local, shipped, walk,
)

RULES = "《机器人集成公司客户服务优化管理制度》"
AC_RULES = "《空调部门客户服务管理制度》"


def _request(app, type_: str, *, email: str = "buyer@example.com") -> ServiceRequest:
    cid, contact_id, _name = make_customer(app, email=email)
    sr = ServiceRequest(customer_id=cid, contact_id=contact_id, kind="after_sales", channel="phone",
                        type=type_, subject="产线停机" if type_ == "emergency_stoppage" else "示教器报错")
    db.session.add(sr)
    return sr


def _open(inst_id: int) -> list[HumanTask]:
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, state="open")
                              .order_by(HumanTask.id)).all()


def _on_call(user, code: str, start: datetime, end: datetime) -> None:
    dept = db.session.scalars(select(Department).filter_by(code=code)).one()
    db.session.add(OnCallShift(department=dept, user_id=user.user_id, starts_at=start, ends_at=end))
    db.session.commit()


def test_a_stoppage_at_night_on_a_holiday_goes_to_the_on_call_engineer_at_once(app, walk, actors):
    """第十一条(一) 对于紧急故障报修(如设备停机影响生产),需立即启动应急响应机制,通知技术支持专员或售后维保
    专员赶赴现场处理 (RULES); 设立24小时售后服务热线 (AC_RULES): a stoppage at 02:00 on National Day
    skips acceptance and classification, is assigned to whoever is on call, mailed at once, due in
    15 minutes on the 24-hour clock, and escalated to a supervisor when nobody responds in time."""
    night = datetime(2026, 10, 2, 0, 0, tzinfo=TZ)
    _on_call(actors["wf_field"], "DELIVERY", night, night + timedelta(hours=8))
    with at(2026, 10, 2, 2, 0):
        sr = _request(app, "emergency_stoppage", email="plant.manager@example.com")
        inst = start_for_record(sr, actors["wf_agent"])
        (dispatch,) = _open(inst.id)
        assert dispatch.element_id == "dispatch_on_call" and dispatch.assignee_id == actors["wf_field"].user_id
        assert local(dispatch.due_at) == datetime(2026, 10, 2, 2, 15) and dispatch.priority == 100
        [notify] = [j for j in db.session.scalars(select(Job).filter_by(kind="task_mail", state="pending"))
                    if j.payload["task_id"] == dispatch.id]
        assert notify.due_at <= clock.now()  # the task's mail job is due at once; a worker runs it:
        notify.lease_owner, notify.lease_expires_at = "test", clock.now() + timedelta(minutes=5)
        db.session.commit()
        assert jobs.run_job(notify.id, "test")
        to_engineer = db.session.scalars(select(MailOutbox).filter_by(instance_id=inst.id, kind="task_created")).all()
        assert to_engineer, "the on-call engineer is mailed at once"
        ack = db.session.scalars(select(MailOutbox).filter_by(instance_id=inst.id,
                                                              kind="customer_acknowledgement")).one()
        assert "plant.manager@example.com" in ack.recipients
    with at(2026, 10, 2, 2, 16):
        assert fire_due_timers(inst) == 1
        assert sorted(t.element_id for t in _open(inst.id)) == ["dispatch_on_call", "escalate_emergency"]
    with at(2026, 10, 2, 2, 20):
        walk.do(inst, "dispatch_on_call", "FieldService", {"expected_arrival": "2026-10-02T03:30"})
        onsite = walk.one(inst, "onsite_service")
        assert local(onsite.due_at) == datetime(2026, 10, 2, 6, 20)  # the department's arrival setting: 4 h


def test_a_request_after_hours_before_a_make_up_day_is_acknowledged_at_once(app, walk, actors):
    """第十一条(一) 客户服务专员需在30分钟内完成需求受理 (RULES): a request at 20:00 on Friday Sep 18 is
    acknowledged to the customer at once and is due 30 working minutes into the next working period,
    which is the make-up working Sunday Sep 20 (09:30), not Monday."""
    with at(2026, 9, 18, 20, 0):
        sr = _request(app, "routine_fault", email="ops@example.com")
        inst = start_for_record(sr, actors["wf_agent"])
        accept = walk.one(inst, "accept")
        assert local(accept.due_at) == datetime(2026, 9, 20, 9, 30)
        ack = db.session.scalars(select(MailOutbox).filter_by(instance_id=inst.id,
                                                              kind="customer_acknowledgement")).one()
        assert "ops@example.com" in ack.recipients and "2026-09-20 09:30" in ack.body_text
        runtime.terminate(inst.id, actor=actors["wf_supervisor"], reason="test done")


def test_a_complaint_goes_to_the_department_the_supervisor_chose(app, walk, actors):
    """第十三条(三) 明确投诉事项、诉求及责任部门;在1个工作日内将投诉信息反馈至相关责任部门,督促其制定整改方案
    (RULES): the forward form lists the departments of the Departments screen, and the rectification
    plan goes to the members of the chosen department (here 项目交付部), not to a fixed role."""
    from app.engine import tasks
    from tests.test_workflows import COMPLAINT, bkey

    with at(2026, 9, 22, 10, 0):
        inst = runtime.start_process("complaint_handling", actor=actors["wf_agent"], business_key=bkey("CP-route"))
        walk.do(inst, "register", "CustomerService", COMPLAINT)
        forward = walk.one(inst, "forward")
        options = dict(next(f for f in tasks.form_fields(forward) if f.id == "department").options)
        names = {d.code: d.name for d in db.session.scalars(select(Department))}
        assert options == names  # one list: the Departments screen's
        walk.do(inst, "forward", "Supervisor", {"department": "DELIVERY", "severity": "serious"})
        plan = walk.one(inst, "plan")
        delivery = db.session.scalars(select(Department).filter_by(code="DELIVERY")).one()
        members = {p.user_id for p in db.session.scalars(select(UserProfile).filter_by(department_id=delivery.id))}
        offered = {c.user_id for c in plan.candidates}
        assert offered and offered <= members and actors["wf_field"].user_id in offered
        assert actors["wf_tech"].user_id not in offered
        runtime.terminate(inst.id, actor=actors["wf_supervisor"], reason="test done")


def test_a_delay_is_told_to_the_customer_and_the_new_date_becomes_the_due_date(app, walk, actors, login_as):
    """第十一条(二) 复杂故障维修需在7个工作日内完成,若无法按时完成,需提前向客户说明原因并承诺解决时限 (RULES):
    the assignee records the reason and the committed date (only once the customer was told); it becomes
    the task's due date and the deadline the later on-site step inherits; history keeps the old date;
    the request's deadline follows. The page and the API offer it as a task action."""
    from app.engine import commitments, history
    from app.engine.errors import Invalid

    with at(2026, 9, 23, 10, 0):
        sr = _request(app, "complex_fault")
        inst = start_for_record(sr, actors["wf_agent"])
        walk.do(inst, "accept", "CustomerService", {"customer_contacted": True, "accept_note": "已确认"})
        walk.do(inst, "classify", "CustomerService", {"request_type": "complex"})
        diagnose = walk.one(inst, "diagnose")
        assert local(diagnose.due_at) == datetime(2026, 10, 10, 18, 0)  # 7 working days, Sat Oct 10 make-up
        tech = actors["wf_tech"]
        from app.engine import tasks
        tasks.claim(diagnose.id, actor=tech)
        try:
            commitments.recommit(diagnose.id, "2026-10-14", reason="备件需从德国调货", customer_informed=False,
                                 actor=tech)
            raise AssertionError("a date without telling the customer was accepted")
        except Invalid as err:
            assert set(err.details["fields"]) == {"customer_informed"}
        commitments.recommit(diagnose.id, "2026-10-14", reason="备件需从德国调货", customer_informed=True, actor=tech)
        db.session.expire_all()
        diagnose = walk.one(inst, "diagnose")
        assert local(diagnose.due_at) == datetime(2026, 10, 14, 18, 0)
        assert db.session.get(ServiceRequest, sr.id).due_at == diagnose.due_at
        event = [e for e in history.for_instance(inst.id) if e.event == "task_recommitted"][-1]
        assert event.data["reason"] == "备件需从德国调货" and event.data["old_due"].startswith("2026-10-10T10:00")
        walk.do(inst, "diagnose", "TechSupport", {"diagnosis": "需上门更换", "resolved_remotely": False})
        walk.do(inst, "book_visit", "FieldService", {"appointment_date": "2026-10-13", "appointment_slot": "morning",
                                                     "engineer_name": "赵工"})
        assert local(walk.one(inst, "onsite_service").due_at) == datetime(2026, 10, 14, 18, 0)  # inherited
        runtime.terminate(inst.id, actor=actors["wf_supervisor"], reason="test done")
