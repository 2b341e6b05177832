"""Training (培训管理) and spare parts (配件管理), on a frozen clock: a new hire may not take tasks until
the pre-post training is recorded; parts used on site leave stock with the on-site step, a shortage is
refused at its field; a stocktake's approved difference is an audited adjustment."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.engine import clock, definitions, onboarding, runtime, task_actions, tasks
from app.engine.actor import Actor
from app.engine.errors import Forbidden, Invalid
from app.extensions import db
from app.models import (
    AuditLog, FieldServiceRecord, HumanTask, NewHire, ProcessInstance, RefillOrder, ServiceRequest, SparePart,
    StockLevel, StockLocation, StockMovement, Stocktake, TrainingAttendance, TrainingCourse, TrainingPlan,
    TrainingSession,
)
from app.records.parts import stock
from app.records.process_link import start_for_record
from app.records.training import rules
from tests.records_helpers import make_customer

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday, working hours


@pytest.fixture
def frozen(app):
    with app.app_context(), clock.use(lambda: NOW):
        yield app
        db.session.rollback()
        # the new hires made here leave the staff: later tests (tests/engine/test_eligibility.py) count
        # the demo working users as everyone who may work a task
        for user in db.session.scalars(select(User).where(User.username.like("new\\_%", escape="\\"), User.active)):
            user.active = False
        db.session.commit()
        db.session.remove()


@pytest.fixture
def actors(frozen):
    sm = frozen.appbuilder.sm
    return {u: Actor.from_user(sm.find_user(username=u))
            for u in ("owner", "agent", "supervisor", "tech", "field", "admin")}


@pytest.fixture
def shipped(frozen, actors):
    definitions.deploy_directory(WORKFLOWS, actor=actors["owner"])
    db.session.commit()


def open_task(inst_id: int, element: str) -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, state="open",
                                                          element_id=element)).one()


def do(inst_id: int, element: str, actor: Actor, data: dict) -> HumanTask:
    row = open_task(inst_id, element)
    tasks.claim(row.id, actor=actor)
    return tasks.complete(row.id, data, actor=actor)


def end(inst_id: int, actors) -> None:
    inst = db.session.get(ProcessInstance, inst_id)
    if inst.status in runtime.ACTIVE:
        runtime.terminate(inst_id, actor=actors["supervisor"], reason="end of test")


def new_user(app, role: str) -> Actor:
    sm = app.appbuilder.sm
    name = f"new_{uuid.uuid4().hex[:8]}"
    user = sm.add_user(name, "新", "员工", f"{name}@example.com", sm.find_role(role), password="Demo#2026Pass")
    return Actor.from_user(user)


def started_request(app, actors) -> tuple[ServiceRequest, ProcessInstance]:
    cid, contact_id, _name = make_customer(app)
    sr = ServiceRequest(customer_id=cid, contact_id=contact_id, kind="after_sales", channel="phone",
                        type="routine_fault", subject="空调不制冷")
    db.session.add(sr)
    inst = start_for_record(sr, actors["agent"])
    return sr, inst


def pre_post_session(hours: int) -> TrainingSession:
    course = TrainingCourse(code=f"PP-{uuid.uuid4().hex[:6]}", title="岗前培训 Pre-post training", kind="pre_post",
                            hours=hours, has_exam=True)
    session = TrainingSession(course=course, starts_at=clock.now(), hours=hours)
    db.session.add(session)
    db.session.flush()
    return session


# ------------------------------------------------------------------ training

def test_a_new_hire_may_not_claim_until_30_hours_and_a_passed_exam_are_recorded(frozen, shipped, actors):
    """《机器人集成公司客户服务管理制度》第七条(一) 岗前培训。新入职服务人员需参加为期不少于30学时的岗前培训
    ... 经考核合格后方可上岗: the engine's one eligibility rule holds the new hire back from claiming, being
    given, or completing an unclaimed task, until the hours and a passed exam are recorded."""
    hire = new_user(frozen, "CustomerService")
    db.session.add(NewHire(user_id=hire.user_id, hired_on=clock.local_today(), post="客服专员"))
    db.session.commit()
    hire = Actor.from_user(frozen.appbuilder.sm.get_user_by_id(hire.user_id))  # signed in after enrolment
    sr, inst = started_request(frozen, actors)
    task = open_task(inst.id, "accept")

    assert "claim" not in task_actions.allowed_actions(task, hire)  # the inbox and the task page offer nothing
    with pytest.raises(Forbidden) as refused:
        tasks.claim(task.id, actor=hire)
    assert refused.value.message == onboarding.PRE_POST_MESSAGE
    with pytest.raises(Forbidden):
        tasks.complete(task.id, {"customer_contacted": True}, actor=hire)
    assert not hire.on_post
    assert hire.user_id not in {p.id for p in task_actions.eligible_users(open_task(inst.id, "accept"))}
    with pytest.raises(Invalid):  # nor may a supervisor give it to them
        tasks.assign(task.id, hire.user_id, actor=actors["supervisor"])
    # staff hired before the ledger (no row) are not held back
    assert "claim" in task_actions.allowed_actions(open_task(inst.id, "accept"), actors["agent"])

    # 20 hours with a passed exam: not enough hours
    first = pre_post_session(20)
    db.session.add(TrainingAttendance(session=first, user_id=hire.user_id, hours=20, exam_score=85, passed=True))
    rules.refresh(hire.user_id)
    db.session.commit()
    with pytest.raises(Forbidden):
        tasks.claim(open_task(inst.id, "accept").id, actor=hire)
    # 12 more hours, exam failed this time: 32 hours and one passed exam
    second = pre_post_session(12)
    db.session.add(TrainingAttendance(session=second, user_id=hire.user_id, hours=12, exam_score=50, passed=False))
    cleared = rules.refresh(hire.user_id)
    db.session.commit()
    assert cleared.cleared_at == NOW and not cleared.cleared_by_override
    hire = Actor.from_user(frozen.appbuilder.sm.get_user_by_id(hire.user_id))  # their next request
    assert hire.on_post
    claimed = tasks.claim(open_task(inst.id, "accept").id, actor=hire)
    assert claimed.assignee_id == hire.user_id
    end(inst.id, actors)


def test_only_hours_without_a_passed_exam_do_not_clear(frozen):
    """第七条(一) ... 经考核合格后方可上岗: 40 hours without a passed exam keep the new hire in training."""
    hire = new_user(frozen, "FieldService")
    db.session.add(NewHire(user_id=hire.user_id, hired_on=clock.local_today()))
    session = pre_post_session(40)
    db.session.add(TrainingAttendance(session=session, user_id=hire.user_id, hours=40, exam_score=40, passed=False))
    assert rules.refresh(hire.user_id).cleared_at is None
    db.session.commit()
    assert not onboarding.on_post(hire.user_id)


def test_an_admins_override_clears_a_new_hire_and_is_audited(frozen, actors):
    """第七条(一) the rule has one way around it: an admin's override, with a reason, in the audit log."""
    hire = new_user(frozen, "TechSupport")
    row = NewHire(user_id=hire.user_id, hired_on=clock.local_today())
    db.session.add(row)
    db.session.commit()
    sm = frozen.appbuilder.sm
    with pytest.raises(Forbidden):
        rules.override(row, "经验丰富的调岗人员", user=sm.find_user(username="supervisor"))
    with pytest.raises(Invalid) as no_reason:
        rules.override(row, "  ", user=sm.find_user(username="admin"))
    assert no_reason.value.details["fields"] == {"reason": "required"}
    rules.override(row, "经验丰富的调岗人员 Experienced transfer", user=sm.find_user(username="admin"))
    db.session.commit()
    assert onboarding.on_post(hire.user_id) and row.cleared_by_override
    log = db.session.scalars(select(AuditLog).where(AuditLog.event == "new_hire_override")
                             .order_by(AuditLog.id.desc())).first()
    assert log.username == "admin" and log.target == hire.username and "Experienced transfer" in log.detail


def test_the_yearly_plan_has_a_monthly_training_and_a_quarterly_drill_each_with_its_reminder_task(
        frozen, shipped, actors):
    """第七条(二) 每月组织不少于1次在岗培训 ... 每季度组织1次跨部门协同培训,联合销售、技术等部门开展模拟服务演练;
    《xx空调部顾客服务管理制度》六、培训与提升 1.培训计划 制定年度培训计划: 12 monthly items and 4 quarterly
    drills; each item's process puts a task, due on the item's last day, in the supervisors' inbox."""
    db.session.add(TrainingCourse(code=f"OJ-{uuid.uuid4().hex[:4]}", title="在岗培训", kind="on_job", hours=2))
    year = NOW.year + 1
    rules.year_plan(year)
    items = db.session.scalars(select(TrainingPlan).where(TrainingPlan.year == year)).all()
    assert sorted(i.period for i in items) == sorted([f"M{m:02d}" for m in range(1, 13)] + ["Q1", "Q2", "Q3", "Q4"])
    assert rules.year_plan(year) == []  # once
    december = next(i for i in items if i.period == "M12")
    assert december.due_on == date(year, 12, 31)
    q1 = next(i for i in items if i.period == "Q1")
    assert q1.due_on == date(year, 3, 31) and q1.kind == "cross_dept"
    inst = (db.session.get(ProcessInstance, q1.process_instance_id) if q1.process_instance_id
            else start_for_record(q1, actors["supervisor"]))
    task = open_task(inst.id, "hold_training")
    assert task.due_at.astimezone(clock.zone()).date() == date(year, 3, 31)
    assert "claim" in task_actions.allowed_actions(task, actors["supervisor"])
    do(inst.id, "hold_training", actors["supervisor"], {"held_on": NOW.date().isoformat(), "session_hours": 3,
                                                          "is_drill": True, "departments": "客服部、技术部、销售部"})
    db.session.expire_all()
    plan = db.session.get(TrainingPlan, q1.id)
    assert plan.status == "closed" or plan.status == "held"
    assert plan.held_at is not None
    for item in items:
        if item.process_instance_id:
            end(item.process_instance_id, actors)


# ------------------------------------------------------------------ spare parts

def make_stock(on_hand: int, min_stock: int = 0) -> StockLevel:
    tag = uuid.uuid4().hex[:6]
    part = SparePart(code=f"P-{tag}", name="压缩机启动电容 Start capacitor", supplier="格力原厂 OEM",
                     min_stock=min_stock)
    place = StockLocation(code=f"W-{tag}", name=f"中央仓库 Central {tag}")
    db.session.add_all([part, place])
    db.session.flush()
    if on_hand:
        stock.receive(part, place, on_hand, supplier="格力原厂 OEM", user_id=None)
    db.session.commit()
    return stock.level(part.id, place.id, lock=False)


def to_onsite(frozen, actors) -> tuple[ServiceRequest, ProcessInstance]:
    sr, inst = started_request(frozen, actors)
    do(inst.id, "accept", actors["agent"], {"customer_contacted": True, "accept_note": "已确认"})
    do(inst.id, "classify", actors["agent"], {"request_type": "routine"})
    do(inst.id, "diagnose", actors["tech"], {"diagnosis": "需上门", "resolved_remotely": False})
    day = (clock.local_now() + timedelta(days=1)).date().isoformat()
    do(inst.id, "book_visit", actors["field"], {"appointment_date": day, "appointment_slot": "morning",
                                                "engineer_name": "赵工"})
    return sr, inst


def onsite_form(**parts) -> dict:
    day = (clock.local_now() + timedelta(days=1)).date().isoformat()
    return {"service_date": day, "arrived_at": f"{day}T09:20", "work_done": "更换启动电容",
            "fault_cause": "电容老化", "advice": "定期清洗滤网", "customer_confirmed": True,
            "customer_signatory": "王经理", **parts}


def test_parts_used_on_site_leave_stock_with_the_field_record(frozen, shipped, actors):
    """《xx空调部顾客服务管理制度》售后服务 1.维修保养 维修人员 ... 携带必要的维修工具和配件前往维修现场;
    3.配件管理 建立完善的配件库存管理系统: the on-site step's parts come out of stock in the same
    transaction as the field record, each a "use" movement linked to the visit."""
    row = make_stock(5)
    sr, inst = to_onsite(frozen, actors)
    do(inst.id, "onsite_service", actors["field"], onsite_form(part_1=str(row.id), part_1_qty=2))
    db.session.expire_all()
    level = db.session.get(StockLevel, row.id)
    assert level.on_hand == 3
    visit = db.session.scalars(select(FieldServiceRecord).filter_by(service_request_id=sr.id)).one()
    used = db.session.scalars(select(StockMovement).filter_by(field_record_id=visit.id)).one()
    assert (used.kind, used.quantity, used.balance, used.user_id) == ("use", -2, 3, actors["field"].user_id)
    assert used.service_request_id == sr.id and used.at == NOW
    end(inst.id, actors)


def test_a_shortage_refuses_the_on_site_step_at_its_field(frozen, shipped, actors, login_as):
    """3.配件管理 确保常用配件的充足供应: using more than is available is refused, with the field named
    and the available count; nothing is completed, nothing leaves stock (web form and engine alike)."""
    row = make_stock(1)
    sr, inst = to_onsite(frozen, actors)
    task = open_task(inst.id, "onsite_service")
    tasks.claim(task.id, actor=actors["field"])
    with pytest.raises(Invalid) as short:
        tasks.complete(task.id, onsite_form(part_1=str(row.id), part_1_qty=3), actor=actors["field"])
    assert short.value.message == stock.SHORT
    assert short.value.details["fields"] == {"part_1_qty": f"only 1 available at {row.location}"}
    db.session.expire_all()
    assert db.session.get(StockLevel, row.id).on_hand == 1
    assert db.session.get(HumanTask, task.id).state == "open"
    assert db.session.scalars(select(FieldServiceRecord).filter_by(service_request_id=sr.id)
                              .where(FieldServiceRecord.work_done.is_not(None))).first() is None
    # the task page shows the message at the field, translated
    from tests.conftest import csrf_token
    c = login_as("field")
    token = csrf_token(c, f"/task/{task.id}/")
    form = {k: v for k, v in onsite_form(part_1=str(row.id), part_1_qty=3).items() if not isinstance(v, bool)}
    page = c.post(f"/task/{task.id}/complete", data={**form, "customer_confirmed": "true", "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="err-part_1_qty"' in html
    assert f"库存不足：{row.location} 仅有 1 件可用。" in html
    end(inst.id, actors)


def test_falling_below_the_minimum_opens_a_refill_order_with_its_process(frozen, shipped, actors):
    """3.配件管理 及时补充短缺配件 ... 严格控制配件的采购渠道: below the minimum a refill order opens;
    the supervisor approves, the goods come in only from the approved channel."""
    row = make_stock(3, min_stock=3)
    sr, inst = to_onsite(frozen, actors)
    do(inst.id, "onsite_service", actors["field"], onsite_form(part_1=str(row.id), part_1_qty=1))
    db.session.expire_all()
    order = db.session.scalars(select(RefillOrder).filter_by(part_id=row.part_id)).one()
    assert order.quantity == 4 and order.status == "open" and order.process_instance_id
    do(order.process_instance_id, "approve_refill", actors["supervisor"],
       {"purchase_approved": True, "purchase_quantity": 4, "supplier": "格力原厂 OEM"})
    receive = open_task(order.process_instance_id, "receive_parts")
    tasks.claim(receive.id, actor=actors["field"])
    with pytest.raises(Invalid) as foreign:
        tasks.complete(receive.id, {"received_quantity": 4, "supplier": "路边店"}, actor=actors["field"])
    assert "supplier" in foreign.value.details["fields"]
    tasks.complete(receive.id, {"received_quantity": 4, "supplier": "格力原厂 OEM"}, actor=actors["field"])
    db.session.expire_all()
    assert db.session.get(StockLevel, row.id).on_hand == 6
    assert db.session.get(RefillOrder, order.id).status == "received"
    end(inst.id, actors)


def test_a_stocktake_adjustment_is_approved_and_audited(frozen, shipped, actors):
    """3.配件管理 定期盘点配件库存: expected is taken when the stocktake opens, the counter enters what is
    there, a supervisor approves the difference, which becomes an adjustment movement and an audit row."""
    row = make_stock(10)
    take = Stocktake(location_id=row.location_id)
    db.session.add(take)
    stock.open_stocktake(take)
    inst = start_for_record(take, actors["supervisor"])
    line = take.lines[0]
    assert (line.part_id, line.expected, line.counted) == (row.part_id, 10, None)
    count = open_task(inst.id, "count_stock")
    tasks.claim(count.id, actor=actors["field"])
    with pytest.raises(Invalid) as uncounted:  # every line must be counted first
        tasks.complete(count.id, {"all_counted": True}, actor=actors["field"])
    assert list(uncounted.value.details["fields"]) == ["all_counted"]
    db.session.expire_all()
    db.session.get(Stocktake, take.id).lines[0].counted = 8
    db.session.commit()
    tasks.complete(count.id, {"all_counted": True}, actor=actors["field"])
    do(inst.id, "approve_adjustment", actors["supervisor"], {"adjustment_approved": True, "review_note": "丢失2个"})
    db.session.expire_all()
    assert db.session.get(StockLevel, row.id).on_hand == 8
    adjust = db.session.scalars(select(StockMovement).filter_by(stocktake_id=take.id)).one()
    assert (adjust.kind, adjust.quantity, adjust.balance) == ("adjust", -2, 8)
    log = db.session.scalars(select(AuditLog).where(AuditLog.event == "stock_adjusted")
                             .order_by(AuditLog.id.desc())).first()
    assert log.username == "supervisor" and take.number in log.target
    assert "expected=10 counted=8 change=-2" in log.detail
    taken = db.session.get(Stocktake, take.id)
    assert taken.status == "adjusted" and taken.adjusted_at == NOW and taken.approved_by_id == actors["supervisor"].user_id


def test_the_training_and_parts_menus_are_granted_by_name():
    """Every menu entry of the two menus is a name app/security.py grants, and every screen's permission
    is one the roles name (the role matrix in tests/test_role_matrix.py opens them)."""
    from app.records.menu import PARTS_MENU, PARTS_NO_MENU, TRAINING_MENU
    from app.security import PARTS_MENUS, ROLE_PERMISSIONS, TRAINING_MENUS

    granted = set(TRAINING_MENUS.split("|")) | set(PARTS_MENUS.split("|")) | {"New hires"}
    assert {name for _v, name, _l, _i in TRAINING_MENU + PARTS_MENU} <= granted
    patterns = " ".join(views for role in ROLE_PERMISSIONS.values() for views, _p in role)
    for view in [v for v, *_ in TRAINING_MENU + PARTS_MENU] + PARTS_NO_MENU:
        assert view.class_permission_name in patterns, view


# ------------------------------------------------------------------ the screens

def test_the_screens_record_attendance_clear_a_new_hire_and_move_stock(app, login_as):
    """第七条(一) through the screens: attendance recorded on the Attendance screen clears the new hire
    (30 hours and a passed exam); the admin's override page needs a reason; the stock movement form
    names the field it refuses (a foreign supplier, more than is available)."""
    from tests.conftest import csrf_token

    with app.app_context():
        hire = new_user(app, "FieldService")
        db.session.add(NewHire(user_id=hire.user_id, hired_on=date(2026, 12, 1)))
        session = pre_post_session(30)
        row = make_stock(2)
        db.session.commit()
        hire_id, hire_row_id, session_id, level_id = hire.user_id, db.session.scalars(
            select(NewHire.id).where(NewHire.user_id == hire.user_id)).one(), session.id, row.id
        location = str(row.location)
    sup = login_as("supervisor")
    token = csrf_token(sup, "/trainingattendanceview/add")
    added = sup.post("/trainingattendanceview/add", data={"session": str(session_id), "user": str(hire_id),
                                                           "hours": "30", "exam_score": "90", "passed": "y",
                                                           "csrf_token": token})
    assert added.status_code == 302, added.get_data(as_text=True)[:1500]
    with app.app_context():
        assert db.session.get(NewHire, hire_row_id).cleared_at is not None and onboarding.on_post(hire_id)

    admin = login_as("admin")
    with app.app_context():
        other = new_user(app, "TechSupport")
        db.session.add(NewHire(user_id=other.user_id, hired_on=date(2026, 12, 1)))
        db.session.commit()
        other_row = db.session.scalars(select(NewHire.id).where(NewHire.user_id == other.user_id)).one()
    token = csrf_token(admin, f"/newhireview/override/{other_row}")
    empty = admin.post(f"/newhireview/override/{other_row}", data={"reason": "", "csrf_token": token})
    assert empty.status_code == 200 and 'id="err-reason"' in empty.get_data(as_text=True)
    done = admin.post(f"/newhireview/override/{other_row}", data={"reason": "资深调岗", "csrf_token": token})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(NewHire, other_row).cleared_by_override

    token = csrf_token(sup, f"/stocklevelview/move/{level_id}")
    foreign = sup.post(f"/stocklevelview/move/{level_id}", data={"kind": "in", "quantity": "5", "supplier": "路边店",
                                                                 "csrf_token": token})
    assert 'id="err-supplier"' in foreign.get_data(as_text=True)
    too_many = sup.post(f"/stocklevelview/move/{level_id}", data={"kind": "reserve", "quantity": "3",
                                                                  "service_request": "", "csrf_token": token})
    assert 'id="err-service_request"' in too_many.get_data(as_text=True)
    good = sup.post(f"/stocklevelview/move/{level_id}", data={"kind": "in", "quantity": "5",
                                                              "supplier": "格力原厂 OEM", "csrf_token": token})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.get(StockLevel, level_id).on_hand == 7
    # the ledger is read-only, and exported
    assert sup.get(f"/stockmovementview/add").status_code in (302, 403, 404)
    export = sup.get("/stockmovementview/export/csv")
    assert export.status_code == 200 and location in export.get_data(as_text=True)
    plan = sup.post("/trainingplanview/plan_year", data={"year": "2028", "csrf_token": token})
    assert plan.status_code == 302
    with app.app_context():
        assert db.session.query(TrainingPlan).filter_by(year=2028).count() == 16


def test_the_task_page_tells_a_new_hire_why_there_is_no_claim_button(frozen, shipped, actors, login_as):
    """第七条(一) 经考核合格后方可上岗: the task page offers the new hire no claim and says why, in their language."""
    hire = new_user(frozen, "CustomerService")
    db.session.add(NewHire(user_id=hire.user_id, hired_on=clock.local_today()))
    db.session.commit()
    _sr, inst = started_request(frozen, actors)
    task_id = open_task(inst.id, "accept").id
    page = login_as(hire.username).get(f"/task/{task_id}/").get_data(as_text=True)
    assert 'id="btn-claim"' not in page and "您暂不能领取任务" in page
    end(inst.id, actors)


def test_the_inbox_shows_a_new_hire_why_they_may_not_take_tasks(frozen, login_as):
    """第七条(一) "新入职服务人员需参加为期不少于30学时的岗前培训 ... 经考核合格后方可上岗": the new hire's inbox says
    why they may not take tasks and how far the training is (zh and en); a cleared hire's banner is gone."""
    from app.models import TrainingAttendance

    hire = new_user(frozen, "CustomerService")
    row = NewHire(user_id=hire.user_id, hired_on=clock.local_today())
    db.session.add(row)
    session = pre_post_session(12)
    db.session.add(TrainingAttendance(session_id=session.id, user_id=hire.user_id, hours=12, passed=False))
    db.session.commit()
    c = login_as(hire.username)
    page = c.get("/inbox/mine/").get_data(as_text=True)
    assert "inbox-held-back" in page and "您暂不能领取任务" in page and "12 / 30 学时" in page and "尚未合格" in page
    c.get("/lang/en")
    page = c.get("/inbox/group/").get_data(as_text=True)
    assert "You may not take tasks yet" in page and "12 of 30 class hours; exam: not passed yet" in page
    row.cleared_at = clock.now()
    db.session.commit()
    assert "You may not take tasks yet" not in c.get("/inbox/mine/").get_data(as_text=True)


def test_the_supervisors_inbox_counts_the_new_hires_held_back(app, login_as):
    """第七条(一) 经考核合格后方可上岗: the supervisor's inbox counts the held-back new hires and links to them."""
    with app.app_context():
        hire = new_user(app, "Sales")
        db.session.add(NewHire(user_id=hire.user_id, hired_on=clock.local_today()))
        db.session.commit()
        held = len(onboarding.in_training())
    boss = login_as("supervisor").get("/inbox/mine/").get_data(as_text=True)
    assert f"登记岗前培训前不能领取任务的新员工：{held} 名" in boss and "/newhireview/list/" in boss
    assert "inbox-held-back" not in login_as("agent").get("/inbox/mine/").get_data(as_text=True)
