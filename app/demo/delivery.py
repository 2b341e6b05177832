"""Demo in-sales data, made by running the processes on simulated clocks (``timeline``):

* contracts of the demo customers are signed over the last months; each signing starts its
  ``contract_handover``, walked as the demo users: most on time, some late (a supervisor chases
  them), the latest still being prepared; a confirmed handover opens its project;
* each project's ``project_delivery`` is walked day by day: the 14-day cycle timer fires on the
  simulated clock and the field engineer answers most reports (some months fall short on purpose,
  so the compliance KPI has something to show); older projects get installed, commissioned,
  accepted and closed;
* orders go through ``order_fulfilment``: some out of stock, most paid and invoiced.

Customer mails stay unsent (``notifications.muted``), as in the rest of the demo. Idempotent:
nothing happens when a handover exists already.
"""
from __future__ import annotations

import logging
import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.demo import timeline
from app.engine import clock, jobs, notifications, tasks
from app.engine.actor import Actor
from app.engine.errors import EngineError
from app.extensions import db
from app.models import Contract, ContractHandover, HumanTask, Job, OrderLine, ProcessInstance, Project, SalesOrder
from app.records.delivery.process import contract_signed
from app.records.process_link import start_for_record

log = logging.getLogger(__name__)
ROLE_USER = {"CustomerService": "agent", "Supervisor": "supervisor", "TechSupport": "tech", "FieldService": "field",
             "Sales": "sales"}
PRODUCTS = [("KFR-72LW 柜式空调", 12900), ("KFR-35GW 挂壁式空调", 3600), ("RFC-140 多联机外机", 38500),
            ("FP-68 风机盘管", 2100)]
PROGRESS = ["设备已进场，正在进行基础施工", "机器人本体安装完成，正在布线", "电气接线完成，开始单机调试",
            "联调进行中，节拍已达设计值的90%", "试生产运行稳定，准备组织验收"]


def seed_delivery(n_contracts: int = 12, n_orders: int = 10) -> dict[str, int]:
    if db.session.scalars(select(ContractHandover.id).limit(1)).first() is not None:
        return {}
    from flask_appbuilder.security.sqla.models import User

    users = db.session.scalars(select(User).where(User.username.in_(ROLE_USER.values())))
    actors = {u.username: Actor.from_user(u) for u in users}
    rng = random.Random(2026)
    now = clock.now()
    today = now.astimezone(clock.zone()).date()
    counts = {"handovers": 0, "projects": 0, "orders": 0}
    contracts = db.session.scalars(select(Contract).where(Contract.signed_on.is_(None))
                                   .order_by(Contract.id).limit(n_contracts)).all()
    with notifications.muted():
        for i, contract in enumerate(contracts):
            last = i == len(contracts) - 1  # signed yesterday: its handover is still being prepared
            signed = today - timedelta(days=1 if last else 8 + (len(contracts) - 2 - i) * 9)  # one every 9 days
            late = i % 4 == 1
            counts["handovers"] += _handover(contract, signed, late, actors, now, last=last)
        for project in db.session.scalars(select(Project).where(Project.process_instance_id.isnot(None))).all():
            counts["projects"] += _project(project, actors, now, rng)
        for i in range(n_orders):
            counts["orders"] += _order(i, rng, actors, now, today)
    return counts


def _complete(inst: ProcessInstance, element: str, data: dict, actors: dict[str, Actor]) -> bool:
    db.session.expire_all()
    row = db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id=element, state="open")
                             .order_by(HumanTask.id)).first()
    if row is None:
        return False
    role = next((c.role_name for c in row.candidates if c.role_name in ROLE_USER), None)
    actor = actors.get(ROLE_USER.get(role, ""))
    if actor is None:
        return False
    tasks.complete(row.id, data, actor=actor)
    return True


def _fire_timers(inst: ProcessInstance) -> int:
    """This instance's timers due on the simulated clock (other processes' jobs are left alone)."""
    t = clock.now()
    ids = list(db.session.scalars(select(Job.id).where(Job.instance_id == inst.id, Job.kind == "timer",
                                                       Job.state == "pending", Job.due_at <= t)))
    if not ids:
        return 0
    owner = "demo-seed"
    for job in db.session.scalars(select(Job).where(Job.id.in_(ids))):
        job.lease_owner, job.lease_expires_at = owner, t + timedelta(minutes=10)
    db.session.commit()
    return len(jobs.run_jobs(ids, owner).done)


def _at(sim: timeline.WalkClock, moment: datetime) -> None:
    sim.step(moment - sim.now()) if moment > sim.now() else None


def _local(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=clock.zone())


def _handover(contract: Contract, signed: date, late: bool, actors, now: datetime, last: bool) -> int:
    try:
        with timeline.running(timeline.WalkClock(_local(signed), now)) as sim:
            contract.signed_on = signed
            ho = contract_signed(contract, actors.get("sales") or Actor.system())
            inst = db.session.get(ProcessInstance, ho.process_instance_id)
            if last:
                db.session.commit()
                return 1
            sim.step(timedelta(hours=4))
            meeting = signed + timedelta(days=6 if late else 1)
            _complete(inst, "prepare_handover", {"meeting_date": meeting.isoformat(),
                                                 "attendees": "客户服务部 李娜；项目交付部 赵工；客户项目负责人"}, actors)
            sim.step(timedelta(hours=3))
            plan = "\n".join(f"{(signed + timedelta(days=d)).isoformat()} {n}" for d, n in
                             ((14, "设备进场"), (35, "安装完成"), (50, "调试完成"), (60, "最终验收")))
            _complete(inst, "confirm_plan", {"milestone_plan": plan,
                                             "planned_finish": (signed + timedelta(days=60)).isoformat()}, actors)
            _at(sim, _local(meeting, 15))
            _fire_timers(inst)
            if late:
                _complete(inst, "escalate_handover", {"escalation_action": "已督促交付部尽快安排交底会"}, actors)
            _complete(inst, "hold_handover", {
                "held_on": meeting.isoformat(), "acceptance_criteria": "按技术协议验收：节拍、精度、连续运行72小时无故障",
                "responsibilities": "客户提供场地、水电和配合人员；我方负责安装、调试和培训",
                "service_terms": "质保12个月；售后30分钟受理，常规故障3个工作日内解决",
                "handover_minutes": "双方确认实施节点、验收标准和服务条款"}, actors)
            sim.step(timedelta(hours=20))
            _complete(inst, "customer_confirm", {"customer_confirmed": True}, actors)
            sim.step(timedelta(hours=3))
            _complete(inst, "open_project", {"project_name": contract.name, "site_escort": "赵工",
                                             "project_start": (meeting + timedelta(days=3)).isoformat()}, actors)
        db.session.commit()
        return 1
    except EngineError as err:
        db.session.rollback()
        log.warning("demo handover for %s not completed: %s", contract, err.message)
        return 0


def _project(project: Project, actors, now: datetime, rng: random.Random) -> int:
    inst = db.session.get(ProcessInstance, project.process_instance_id)
    if inst is None or inst.status != "running":
        return 0
    try:
        with timeline.running(timeline.WalkClock(inst.started_at, now)) as sim:
            sim.step(timedelta(hours=2))
            _complete(inst, "kickoff", {"planned_finish": (project.planned_finish or
                                                           (sim.now() + timedelta(days=60)).date()).isoformat(),
                                        "kickoff_note": "施工队伍和设备按计划进场"}, actors)
            age = (now - inst.started_at).days
            finish = inst.started_at + timedelta(days=55)
            step = 0
            while sim.now() < sim.latest - timedelta(days=1):
                sim.step(timedelta(days=1))
                _fire_timers(inst)
                if rng.random() < 0.85:  # now and then a report is missed: the KPI shows it
                    if _complete(inst, "progress_report", {"progress_summary": PROGRESS[step % len(PROGRESS)],
                                                           "construction_progress": "按计划推进"}, actors):
                        step += 1
                if age > 60 and sim.now() >= finish:
                    _finish(inst, sim, actors)
                    break
                if sim.now() >= inst.started_at + timedelta(days=20):
                    _complete(inst, "install", {"installation_note": "设备安装完成，符合安装规范"}, actors)
        db.session.commit()
        return 1
    except EngineError as err:
        db.session.rollback()
        log.warning("demo project %s not walked: %s", project, err.message)
        return 0


def _finish(inst: ProcessInstance, sim, actors) -> None:
    _complete(inst, "install", {"installation_note": "设备安装完成"}, actors)
    sim.step(timedelta(hours=4))
    _complete(inst, "commission", {"commissioning_passed": True, "commissioning_note": "联调通过"}, actors)
    sim.step(timedelta(minutes=10))
    _complete(inst, "milestone_notice", {"milestone_summary": "设备安装调试完成，进入验收阶段"}, actors)
    sim.step(timedelta(days=2))
    day = sim.now().astimezone(clock.zone()).date().isoformat()
    _complete(inst, "site_visit", {"escort_name": "赵工", "visit_date": day, "visit_note": "客户参观产线并了解操作"},
              actors)
    sim.step(timedelta(hours=3))
    _complete(inst, "acceptance", {"accepted": True, "accepted_on": day}, actors)
    _complete(inst, "progress_report", {"progress_summary": "项目已验收"}, actors)


def _order(i: int, rng: random.Random, actors, now: datetime, today: date) -> int:
    from app.models import Customer

    customer = db.session.scalars(select(Customer).order_by(Customer.id.desc()).offset(i).limit(1)).first()
    if customer is None:
        return 0
    ordered = now - timedelta(days=4 + i * 6, hours=rng.randint(0, 5))
    order = SalesOrder(customer=customer, contact=customer.primary_contact, ordered_at=ordered,
                       delivery_address=customer.address)
    product, price = rng.choice(PRODUCTS)
    qty = rng.randint(1, 4)
    order.lines.append(OrderLine(product=product, quantity=qty, unit_price=price))
    order.amount = price * qty
    db.session.add(order)
    shortage = i % 3 == 1
    target = ["review_order", "check_stock", "schedule_delivery", "deliver_install", "confirm_payment"][i] \
        if i < 5 else "done"
    try:
        with timeline.running(timeline.WalkClock(ordered, now)) as sim:
            inst = start_for_record(order, actors.get("sales") or Actor.system())
            steps = _order_steps(sim, shortage, qty * price)
            for element, data in steps:
                if element == target:
                    break
                sim.step(timedelta(hours=6))
                if not _complete(inst, element, data(sim.now().astimezone(clock.zone()).date()), actors):
                    break
        db.session.commit()
        return 1
    except EngineError as err:
        db.session.rollback()
        log.warning("demo order not walked: %s", err.message)
        return 0


def _order_steps(sim, shortage: bool, amount: int) -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = [
        ("review_order", lambda d: {"order_ok": True, "review_note": "型号、数量、价格核对无误"}),
        ("check_stock", lambda d: {"stock_status": "shortage" if shortage else "in_stock",
                                   "expected_stock_date": (d + timedelta(days=5)).isoformat() if shortage else None,
                                   "purchase_request": "已提交采购补货" if shortage else ""}),
    ]
    if shortage:
        steps += [("notify_shortage", lambda d: {"promised_delivery_date": (d + timedelta(days=6)).isoformat(),
                                                 "customer_answer": "客户同意"}),
                  ("confirm_arrival", lambda d: {"arrived_on": d.isoformat()})]
    steps += [
        ("schedule_delivery", lambda d: {"delivery_date": (d + timedelta(days=1)).isoformat(), "delivery_slot": "morning"}),
        ("deliver_install", lambda d: {"delivered_on": d.isoformat(), "installed_on": d.isoformat(),
                                       "commissioning_ok": True, "instructions_given": True,
                                       "install_note": "安装调试正常，已讲解使用和保养注意事项"}),
        ("confirm_payment", lambda d: {"payment_method": "bank_transfer", "paid_on": d.isoformat(),
                                       "amount_paid": amount}),
        ("issue_invoice", lambda d: {"invoice_number": f"3100026211{d:%m%d}{amount % 10000:04d}",
                                     "invoice_date": d.isoformat(), "invoice_delivered_on": d.isoformat()}),
    ]
    return steps
