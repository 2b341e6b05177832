"""In-sales (售中服务), clause by clause, driven through the shipped processes on a frozen clock across
the 2026 National Day holiday (Oct 1-7) and its make-up working day (Sat Oct 10):

* 《机器人集成公司客户服务优化管理制度》第十条(一) 合同交底: "项目合同签订后,客户服务部联合项目交付部在3个工作日内
  与客户开展合同交底工作,明确项目实施节点、交付标准、双方权责及服务保障条款" -> contract_handover;
* 第十条(二) 进度反馈: "项目实施过程中,售后维保专员需每月至少2次向客户反馈项目进展情况,包括施工进度、设备安装调试
  情况等;遇重大实施节点或突发问题,需第一时间向客户沟通说明" -> project_delivery's 14-day cycle and the KPI;
* 第十条(三) 现场配合: "客户现场考察或参与项目验收环节时,需安排专人全程陪同" -> project_delivery's site visit;
* 《空调部门客户服务管理制度》售中服务 1.订单处理 "确认订单产品的库存情况,如库存不足,及时与顾客沟通交货时间,并协调
  采购部门尽快补货", 2.配送安装 "安装完成后,对空调进行调试……并向顾客介绍产品的使用方法", 3.付款结算 "开具正规的
  发票,并及时交付给顾客" -> order_fulfilment.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.engine import sla_policy
from app.extensions import db
from app.models import (
    Contact, Contract, ContractHandover, Customer, Job, MailOutbox, OrderLine, ProcessInstance, ProgressReport,
    Project, SalesOrder,
)
from app.records.delivery import kpi
from app.records.delivery.process import contract_signed, parse_milestones
from app.records.process_link import start_for_record
from tests.engine.ops_support import clean_jobs  # noqa: F401  (fixture)
from tests.test_workflows import (  # noqa: F401  (fixtures)
    TZ, actors, at, fire_due_timers, isolated, local, shipped, walk,
)

RULES = "《机器人集成公司客户服务优化管理制度》"
AC_RULES = "《空调部门客户服务管理制度》"


def _customer(language: str | None = None, email: str = "buyer@example.com") -> Customer:
    customer = Customer(name=f"交付客户-{uuid.uuid4().hex[:8]}", industry="制造业", language=language)
    customer.contacts.append(Contact(name="王强", phone="13900001111", email=email, is_primary=True))
    db.session.add(customer)
    db.session.flush()
    return customer


def _contract(customer: Customer, signed: date) -> Contract:
    contract = Contract(customer=customer, code=f"HT-{uuid.uuid4().hex[:10]}", name="焊接机器人工作站集成项目",
                        signed_on=signed)
    db.session.add(contract)
    db.session.flush()
    return contract


def _handover(contract: Contract, actor) -> tuple[ContractHandover, ProcessInstance]:
    ho = contract_signed(contract, actor)
    return ho, db.session.get(ProcessInstance, ho.process_instance_id)


def _mails(inst_id: int, kind: str) -> list[MailOutbox]:
    db.session.expire_all()
    return db.session.scalars(select(MailOutbox).filter_by(instance_id=inst_id, kind=kind)
                              .order_by(MailOutbox.id)).all()


PLAN = "2026-10-20 设备进场\n2026-11-10 安装调试完成\n最终验收"
HOLD = {"held_on": "2026-10-09", "acceptance_criteria": "节拍≤45秒，连续72小时无故障",
        "responsibilities": "甲方提供场地和电源；乙方负责安装调试", "service_terms": "质保12个月，4小时响应",
        "handover_minutes": "双方确认实施节点和验收标准"}


def test_handover_on_time_confirms_the_minutes_and_opens_the_project(app_ctx, walk, actors):
    """第十条(一) (RULES): signed Wed Sep 30 2026, the handover is due at close of business of the 3rd
    working day, Sat Oct 10 (National Day Oct 1-7 skipped, the make-up Saturday counted); held Fri Oct 9
    it is on time and nobody is chased; the customer's objection sends the minutes back; the confirmed
    handover writes milestones, acceptance criteria, responsibilities and service terms on the contract
    and opens the project, whose delivery process starts."""
    with at(2026, 9, 30, 10, 0):
        customer = _customer()
        contract = _contract(customer, date(2026, 9, 30))
        ho, inst = _handover(contract, actors["wf_sales"])
        assert contract_signed(contract, actors["wf_sales"]).id == ho.id  # once per contract
        prepare = walk.one(inst, "prepare_handover")
        assert local(prepare.due_at) == datetime(2026, 10, 10, 18, 0)
        assert local(ho.due_at) == datetime(2026, 10, 10, 18, 0) and ho.status == "preparing"
        timer = db.session.scalars(select(Job).filter_by(instance_id=inst.id, kind="timer", state="pending")).one()
        assert local(timer.due_at) == datetime(2026, 10, 10, 18, 0)
        walk.do(inst, "prepare_handover", "CustomerService",
                {"meeting_date": "2026-10-09", "attendees": "客服 李娜；交付 赵工；客户 王强"})
        walk.do(inst, "confirm_plan", "FieldService", {"milestone_plan": PLAN, "planned_finish": "2026-11-30"})
    with at(2026, 10, 9, 15, 0):
        assert fire_due_timers(inst) == 0
        walk.do(inst, "hold_handover", "CustomerService", HOLD)
        walk.do(inst, "customer_confirm", "CustomerService", {"customer_confirmed": False,
                                                             "customer_comment": "验收标准需写明节拍"})
        walk.do(inst, "revise_minutes", "CustomerService", {"handover_minutes": "补充：节拍≤45秒"})
        walk.do(inst, "customer_confirm", "CustomerService", {"customer_confirmed": True})
        db.session.refresh(ho)
        assert ho.status == "confirmed" and ho.held_on == date(2026, 10, 9) and ho.on_time is True
        assert ho.minutes == "补充：节拍≤45秒" and ho.customer_confirmed is True and not ho.escalated
        walk.do(inst, "open_project", "FieldService", {"project_name": "焊接工作站", "site_escort": "赵工",
                                                       "project_start": "2026-10-12"})
        assert walk.status(inst) == "completed"
        assert walk.open(inst) == [] and not any(r.element_id == "escalate_handover" for r in walk.open(inst))
    db.session.expire_all()
    ho = db.session.get(ContractHandover, ho.id)
    contract = ho.contract
    assert ho.status == "closed" and ho.closed_at is not None
    assert contract.milestones == PLAN and contract.service_terms == HOLD["service_terms"]
    assert contract.acceptance_criteria == HOLD["acceptance_criteria"]
    project = db.session.scalars(select(Project).filter_by(contract_id=contract.id)).one()
    assert project.site_escort == "赵工" and project.started_on == date(2026, 10, 12)
    assert sorted((str(m.planned_on), m.name) for m in project.milestones) == [
        ("2026-10-20", "设备进场"), ("2026-11-10", "安装调试完成"), ("None", "最终验收")]
    pinst = db.session.get(ProcessInstance, project.process_instance_id)
    assert pinst.process_key == "project_delivery" and pinst.status == "running"
    rows = {r["id"]: r for r in kpi.handover_rows(date(2026, 10, 1), date(2026, 10, 31),
                                                  now=datetime(2026, 11, 1, tzinfo=TZ))}
    assert rows[ho.id]["on_time"] is True and rows[ho.id]["due_on"] == date(2026, 10, 10)
    _terminate(walk, actors, pinst)


def test_a_late_handover_is_chased_and_counted_late(app_ctx, walk, actors):
    """第十条(一) (RULES): nobody held the handover by Sat Oct 10 18:00 (3 working days after signing on
    Sep 30, the holiday skipped): the deadline's timer gives a Supervisor a task to chase it while the
    handover goes on; held on Mon Oct 12 it counts late in the on-time rate."""
    with at(2026, 9, 30, 11, 0):
        ho, inst = _handover(_contract(_customer(), date(2026, 9, 30)), actors["wf_sales"])
        walk.do(inst, "prepare_handover", "CustomerService", {"meeting_date": "2026-10-12", "attendees": "客服；交付；客户"})
    with at(2026, 10, 10, 17, 59):
        assert fire_due_timers(inst) == 0  # the make-up Saturday is a working day: not late yet
    with at(2026, 10, 10, 18, 1):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["confirm_plan", "escalate_handover"]
        db.session.refresh(ho)
        assert ho.escalated is True and ho.on_time is None  # due today, not yet judged
        walk.do(inst, "escalate_handover", "Supervisor", {"escalation_action": "已督促交付部周一召开"})
    with at(2026, 10, 12, 10, 0):
        walk.do(inst, "confirm_plan", "FieldService", {"milestone_plan": PLAN, "planned_finish": "2026-12-15"})
        walk.do(inst, "hold_handover", "CustomerService", {**HOLD, "held_on": "2026-10-12"})
        db.session.refresh(ho)
        assert ho.on_time is False and ho.status == "held"
    rows = {r["id"]: r for r in kpi.handover_rows(date(2026, 10, 1), date(2026, 10, 31),
                                                  now=datetime(2026, 11, 1, tzinfo=TZ))}
    assert rows[ho.id]["on_time"] is False and rows[ho.id]["escalated"] is True
    num, den = kpi.handover_on_time(date(2026, 10, 1), date(2026, 10, 31), now=datetime(2026, 11, 1, tzinfo=TZ))
    all_rows = list(rows.values())
    assert (num, den) == (sum(r["on_time"] for r in all_rows), len(all_rows)) and num < den
    _terminate(walk, actors, inst)


def _terminate(walk, actors, inst) -> None:
    from app.engine import runtime

    db.session.refresh(inst)
    if inst.status in runtime.ACTIVE:
        runtime.terminate(inst.id, actor=actors["supervisor"], reason="end of test")


def _project(customer: Customer, actor, started: date) -> tuple[Project, ProcessInstance]:
    project = Project(customer=customer, name="涂装线机器人改造", started_on=started, site_escort="赵工")
    db.session.add(project)
    inst = start_for_record(project, actor)
    return project, inst


def test_progress_reports_every_14_days_a_month_with_one_report_is_flagged(app_ctx, walk, actors):
    """第十条(二) (RULES) 每月至少2次向客户反馈项目进展: the implementation's cycle timer (the policy's
    14 days) asks for a report on Nov 11 and Nov 25; the specialist answers only the first, so November
    holds one report and is flagged by the compliance KPI, while a second project that answered both is
    compliant. Each report is mailed to the customer in the customer's language (English here), and the
    major milestone (installed and commissioned) is told at once. 第十条(三): the site visit and the
    acceptance are accompanied by a named person; a failed acceptance goes back to the implementation."""
    assert sla_policy.deadline("in_sales", "progress_report").duration == "P14D"
    with at(2026, 10, 28, 10, 0):
        customer = _customer(language="en", email="pm@example.com")
        lazy, inst = _project(customer, actors["wf_field"], date(2026, 10, 28))
        diligent, inst2 = _project(_customer(), actors["wf_field"], date(2026, 10, 28))
        for i in (inst, inst2):
            walk.do(i, "kickoff", "FieldService", {"planned_finish": "2026-12-31"})
            assert walk.elements(i) == ["install"]
        db.session.refresh(lazy)
        assert lazy.status == "installing" and lazy.planned_finish == date(2026, 12, 31)
    with at(2026, 11, 11, 10, 1):
        assert fire_due_timers(inst) == 1  # one pass of the worker: both projects' timers fire
        assert "progress_report" in walk.elements(inst2)
        walk.do(inst, "progress_report", "FieldService", {"progress_summary": "Robots on site, cabling 60 %",
                                                          "construction_progress": "cabling"})
        walk.do(inst2, "progress_report", "FieldService", {"progress_summary": "设备已进场"})
        (mail,) = _mails(inst.id, "customer_progress_report")
        assert "pm@example.com" in mail.recipients and mail.subject.startswith("Project progress report")
        assert "Robots on site" in mail.body_text
    with at(2026, 11, 25, 10, 1):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["install", "progress_report"]  # left unanswered
        walk.do(inst2, "progress_report", "FieldService", {"progress_summary": "安装完成70%"})
    with at(2026, 12, 2, 9, 0):
        now = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
        rows = {r["id"]: r for r in kpi.progress_rows(date(2026, 11, 1), date(2026, 11, 30), now=now)}
        assert rows[lazy.id]["reports"] == 1 and rows[lazy.id]["compliant"] is False
        assert rows[diligent.id]["reports"] == 2 and rows[diligent.id]["compliant"] is True
        assert lazy.id in rows and rows[lazy.id]["month"] == "2026-11"
        num, den = kpi.progress_compliance(date(2026, 11, 1), date(2026, 11, 30), now=now)
        assert (num, den) == (sum(r["compliant"] for r in rows.values()), len(rows))
        # October: the projects started on the 28th, not judged; December has not ended
        assert lazy.id not in {r["id"] for r in kpi.progress_rows(date(2026, 10, 1), date(2026, 12, 31), now=now)
                               if r["month"] != "2026-11"}
        # installation, a failed then a passed commissioning, the milestone told at once
        walk.do(inst, "install", "FieldService", {"installation_note": "机器人安装完毕"})
        walk.do(inst, "commission", "FieldService", {"commissioning_passed": False, "commissioning_note": "轨迹偏差"})
        walk.do(inst, "install", "FieldService", {"installation_note": "重新校准底座"})
        walk.do(inst, "commission", "FieldService", {"commissioning_passed": True})
        notice = walk.one(inst, "milestone_notice")
        assert notice.due_at is not None and notice.due_at > notice.created_at  # 15 working minutes
        # the implementation ended: the cycle stopped; the unanswered Nov 25 report is still open
        assert walk.elements(inst) == ["milestone_notice", "progress_report"]
        walk.do(inst, "milestone_notice", "CustomerService", {"milestone_summary": "Installed and commissioned"})
        milestone_mail = _mails(inst.id, "customer_progress_report")[-1]
        assert milestone_mail.subject.startswith("Milestone reached")
        walk.do(inst, "site_visit", "CustomerService", {"escort_name": "李娜", "visit_date": "2026-12-03"})
        walk.do(inst, "acceptance", "CustomerService", {"accepted": False, "accepted_on": "2026-12-03",
                                                        "acceptance_issues": "节拍未达标"})
        assert "install" in walk.elements(inst)  # back to the implementation
        walk.do(inst, "install", "FieldService", {"installation_note": "优化节拍"})
        walk.do(inst, "commission", "FieldService", {"commissioning_passed": True})
        walk.do(inst, "milestone_notice", "CustomerService", {"milestone_summary": "Cycle time fixed"})
        walk.do(inst, "site_visit", "CustomerService", {"escort_name": "李娜", "visit_date": "2026-12-04"})
        walk.do(inst, "acceptance", "CustomerService", {"accepted": True, "accepted_on": "2026-12-04"})
        walk.do(inst, "progress_report", "FieldService", {"progress_summary": "Accepted"})
        assert walk.status(inst) == "completed"
        db.session.expire_all()
        lazy = db.session.get(Project, lazy.id)
        assert lazy.status == "closed" and lazy.accepted_on == date(2026, 12, 4) and lazy.site_escort == "李娜"
        assert lazy.commissioning_status == "passed"
        assert [r.kind for r in lazy.reports].count("milestone") == 2
    _terminate(walk, actors, inst2)


def _order(customer: Customer, actor) -> tuple[SalesOrder, ProcessInstance]:
    order = SalesOrder(customer=customer, delivery_address="上海市浦东新区", amount=25800)
    order.lines.append(OrderLine(product="KFR-72LW 柜式空调", quantity=2, unit_price=12900))
    db.session.add(order)
    inst = start_for_record(order, actor)
    return order, inst


def test_an_order_with_a_stock_shortage_is_delivered_installed_paid_and_invoiced(app_ctx, walk, actors):
    """AC_RULES 售中服务: the review passes; the stock check finds a shortage, so the customer is told the
    delivery date (mailed, in Chinese for a customer without a language) and purchasing restocks; the
    delivery time is agreed; a failed commissioning is adjusted and done again, the use is explained; the
    payment is confirmed and the formal invoice issued, delivered and mailed to the customer."""
    with at(2026, 10, 8, 9, 30):
        order, inst = _order(_customer(email="hvac.buyer@example.com"), actors["wf_sales"])
        assert order.number.startswith("SO-2026-") and order.status == "received"
        walk.do(inst, "review_order", "Sales", {"order_ok": True})
        walk.do(inst, "check_stock", "Sales", {"stock_status": "shortage", "expected_stock_date": "2026-10-20",
                                                "purchase_request": "补货2台"})
        db.session.refresh(order)
        assert order.status == "shortage" and order.stock_status == "shortage"
        assert order.expected_stock_on == date(2026, 10, 20)
        walk.do(inst, "notify_shortage", "CustomerService", {"promised_delivery_date": "2026-10-22"})
        (told,) = _mails(inst.id, "customer_delivery_date")
        assert "hvac.buyer@example.com" in told.recipients and "2026-10-22" in told.body_text
        assert told.subject.startswith("订单交货时间通知")
    with at(2026, 10, 20, 14, 0):
        walk.do(inst, "confirm_arrival", "Sales", {"arrived_on": "2026-10-20"})
        walk.do(inst, "schedule_delivery", "CustomerService", {"delivery_date": "2026-10-22", "delivery_slot": "morning"})
        walk.do(inst, "deliver_install", "FieldService", {"delivered_on": "2026-10-22", "installed_on": "2026-10-22",
                                                          "commissioning_ok": False, "instructions_given": False})
        walk.do(inst, "deliver_install", "FieldService", {"delivered_on": "2026-10-22", "installed_on": "2026-10-23",
                                                          "commissioning_ok": True, "instructions_given": True})
        walk.do(inst, "confirm_payment", "Sales", {"payment_method": "bank_transfer", "paid_on": "2026-10-26",
                                                    "amount_paid": 25800})
        assert _mails(inst.id, "customer_invoice_issued") == []
        walk.do(inst, "issue_invoice", "Sales", {"invoice_number": "31000262110012345678",
                                                  "invoice_date": "2026-10-27", "invoice_delivered_on": "2026-10-27"})
        assert walk.status(inst) == "completed"
    db.session.expire_all()
    order = db.session.get(SalesOrder, order.id)
    assert order.status == "closed" and order.delivery_on == date(2026, 10, 22)
    assert order.installed_on == date(2026, 10, 23) and order.commissioned and order.instructions_given
    assert order.paid_on == date(2026, 10, 26) and order.payment_method == "bank_transfer"
    assert order.invoice_number == "31000262110012345678" and order.invoice_date == date(2026, 10, 27)
    (invoice,) = _mails(inst.id, "customer_invoice_issued")
    assert "31000262110012345678" in invoice.body_text and "25800.00" in invoice.body_text
    assert invoice.subject.startswith("发票已开具")


def test_an_order_in_stock_goes_straight_to_delivery_and_a_wrong_order_is_returned(app_ctx, walk, actors):
    """AC_RULES 1.订单处理 业务人员在收到顾客订单后,应及时进行审核,确保订单信息准确无误: in stock, no customer
    mail about a delivery date; a wrong order is returned and ends as returned, not completed."""
    with at(2026, 10, 12, 10, 0):
        order, inst = _order(_customer(), actors["wf_sales"])
        walk.do(inst, "review_order", "Sales", {"order_ok": True})
        walk.do(inst, "check_stock", "Sales", {"stock_status": "in_stock"})
        assert walk.elements(inst) == ["schedule_delivery"] and _mails(inst.id, "customer_delivery_date") == []
        db.session.refresh(order)
        assert order.stock_status == "in_stock" and order.expected_stock_on is None
        _terminate(walk, actors, inst)
        wrong, inst2 = _order(_customer(), actors["wf_sales"])
        walk.do(inst2, "review_order", "Sales", {"order_ok": False, "review_note": "型号与报价不符"})
        walk.do(inst2, "return_order", "Sales", {"return_reason": "型号与报价不符，请确认"})
        assert walk.status(inst2) == "completed"
        db.session.refresh(wrong)
        assert wrong.status == "returned" and wrong.reviewed is False


def test_milestone_lines_are_read_with_and_without_dates():
    assert parse_milestones("2026-10-20 设备进场\n\n 最终验收 ") == [(date(2026, 10, 20), "设备进场"),
                                                                    (None, "最终验收")]


def test_a_sudden_problem_reported_on_the_project_screen_is_mailed_to_the_customer(app, login_as):
    """第十条(二) (RULES) 遇重大实施节点或突发问题,需第一时间向客户沟通说明: a report added on the project's
    screen (a sudden problem) is stored with who reported it and mailed to the customer in their language."""
    from tests.conftest import csrf_token

    with app.app_context():
        customer = _customer(language="en", email="site.lead@example.com")
        project = Project(customer=customer, name="Paint line retrofit", started_on=date(2026, 11, 2))
        db.session.add(project)
        db.session.commit()
        project_id = project.id
    c = login_as("field")
    token = csrf_token(c, "/progressreportview/add")
    resp = c.post("/progressreportview/add", data={"csrf_token": token, "project": str(project_id),
                                                   "kind": "incident", "channel": "phone",
                                                   "content": "Power cut on site; installation paused for a day"})
    assert resp.status_code == 302
    with app.app_context():
        report = db.session.scalars(select(ProgressReport).filter_by(project_id=project_id)).one()
        assert report.kind == "incident" and report.mailed and report.reported_by.username == "field"
        mail = db.session.scalars(select(MailOutbox).filter_by(kind="customer_progress_report")
                                  .order_by(MailOutbox.id.desc())).first()
        assert "site.lead@example.com" in mail.recipients and "Power cut on site" in mail.body_text
        assert mail.subject.startswith("Urgent project notice")
        report_id = report.id
    assert c.get(f"/progressreportview/edit/{report_id}").status_code != 200  # told to the customer: kept as is


def _stocked_part(on_hand: int, min_stock: int = 0):
    from app.models import SparePart, StockLocation
    from app.records.parts import stock

    tag = uuid.uuid4().hex[:6]
    part = SparePart(code=f"AC-{tag}", name="KFR-72LW 室外机", supplier="格力原厂", min_stock=min_stock)
    place = StockLocation(code=f"W-{tag}", name=f"中央仓库 {tag}")
    db.session.add_all([part, place])
    db.session.flush()
    if on_hand:
        stock.receive(part, place, on_hand, supplier="格力原厂", user_id=None)
    return part, place


def test_the_order_stock_check_reads_the_parts_inventory_and_a_shortfall_raises_a_refill(app_ctx, walk, actors):
    """AC_RULES 售中服务 1.订单处理: "确认订单产品的库存情况,如库存不足,及时与顾客沟通交货时间,并协调采购部门尽快补货";
    三、售后服务 3.配件管理: "建立完善的配件库存管理系统 ... 及时补充短缺配件". Lines naming a catalogued part are
    checked against the real stock (on hand less reserved, all active locations): the form starts from the
    shortfall listed per part; "in stock" is refused at its field while a part is short; the shortfall stays on
    its line and purchasing gets a refill order (its parts_refill process started) for what is missing plus the
    part's minimum. A line without a part is not stock; an order whose parts are there finds no shortfall."""
    from app.models import RefillOrder
    from app.engine.errors import Invalid

    with at(2026, 10, 12, 10, 0):
        short_part, place = _stocked_part(1, min_stock=2)
        spare, _place2 = _stocked_part(5)
        order = SalesOrder(customer=_customer(), delivery_address="上海市浦东新区", amount=30000)
        order.lines.append(OrderLine(product="KFR-72LW 室外机", quantity=2, part_id=short_part.id))
        order.lines.append(OrderLine(product="KFR-72LW 室外机（补）", quantity=1, part_id=short_part.id))
        order.lines.append(OrderLine(product="遥控器", quantity=2, part_id=spare.id))
        order.lines.append(OrderLine(product="安装服务", quantity=1))
        db.session.add(order)
        inst = start_for_record(order, actors["wf_sales"])
        walk.do(inst, "review_order", "Sales", {"order_ok": True})
        task = walk.one(inst, "check_stock")
        assert task.draft["stock_status"] == "shortage"
        assert task.draft["purchase_request"] == f"{short_part.code} KFR-72LW 室外机: 3 / 1 (-2)"
        with pytest.raises(Invalid) as refused:
            walk.do(inst, "check_stock", "Sales", {"stock_status": "in_stock"})
        assert short_part.code in refused.value.details["fields"]["stock_status"]
        db.session.rollback()
        assert walk.elements(inst) == ["check_stock"]
        walk.do(inst, "check_stock", "Sales", {"stock_status": "shortage", "expected_stock_date": "2026-10-20",
                                                "purchase_request": task.draft["purchase_request"]})
        db.session.expire_all()
        order = db.session.get(SalesOrder, order.id)
        assert [line.shortfall for line in order.lines] == [2, 2, 0, None] and order.stock_status == "shortage"
        (refill,) = db.session.scalars(select(RefillOrder).filter_by(part_id=short_part.id)).all()
        assert (refill.location_id, refill.quantity, refill.supplier) == (place.id, 2 + 2, "格力原厂")
        assert refill.reason.startswith(order.number) and refill.process_instance_id is not None
        assert db.session.get(ProcessInstance, refill.process_instance_id).process_key == "parts_refill"
        assert walk.elements(inst) == ["notify_shortage"]
        _terminate(walk, actors, inst)
        _terminate(walk, actors, db.session.get(ProcessInstance, refill.process_instance_id))

        fine = SalesOrder(customer=_customer(), amount=100)
        fine.lines.append(OrderLine(product="遥控器", quantity=5, part_id=spare.id))
        db.session.add(fine)
        inst2 = start_for_record(fine, actors["wf_sales"])
        walk.do(inst2, "review_order", "Sales", {"order_ok": True})
        assert walk.one(inst2, "check_stock").draft == {"stock_status": "in_stock"}
        walk.do(inst2, "check_stock", "Sales", {"stock_status": "in_stock"})
        db.session.expire_all()
        assert [line.shortfall for line in db.session.get(SalesOrder, fine.id).lines] == [0]
        assert db.session.scalars(select(RefillOrder).filter_by(part_id=spare.id)).all() == []
        _terminate(walk, actors, inst2)
