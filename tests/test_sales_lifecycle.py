"""Pre-sales and in-sales: the customer's whole service lifecycle. This part: PRE-SALES.

《机器人集成公司客户服务优化管理制度》 第九条 售前服务流程规范:
  (一) 需求对接。销售对接人员或客户服务专员接收客户咨询后,需在1个工作日内完成初步需求对接,详细记录客户
       基本信息、项目需求、预算范围、时间要求等关键信息;
  (二) 方案咨询。根据客户需求,联合技术部门制定初步的机器人集成解决方案,向客户详细讲解方案的技术可行性、
       产品优势、实施流程及成本构成;针对客户提出的疑问,需在2个工作日内给予清晰、专业的解答;
  (三) 跟进维护。建立售前客户跟进台账,对未达成合作意向的客户,每周至少跟进1次,及时了解客户需求变化,
       调整优化方案,直至客户明确合作意向或终止咨询。
  第十二条(一) 响应时效标准:售前咨询1个工作日内响应。
《空调部门客户服务管理制度》 售前服务 2.产品介绍: 为顾客推荐合适的空调型号,并提供详细的产品资料;
  3.方案设计: 方案应包括空调的选型、安装位置、线路铺设、通风设计等内容 ... 根据顾客意见进行调整和优化。

Every walk runs the shipped ``pre_sales`` diagram through the engine on a frozen clock (China's
official calendar: the Mid-Autumn holiday 2026-09-25..27, National Day 10-01..07, the make-up
working Saturday 10-10); timers fire by time travel.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.engine import clock, runtime
from app.extensions import db
from app.models import HumanTask, MailOutbox, ProcessInstance, ServiceRequest
from app.records.process_link import start_for_record
from app.records.sales import kpi as sales_kpi
from app.records.sales.models import Opportunity
from tests.engine.ops_support import clean_jobs  # noqa: F401  (fixture)
from tests.records_helpers import make_customer
from tests.test_workflows import Walker, actors, at, fire_due_timers, local, shipped  # noqa: F401  (fixtures)

NEEDS = {"customer_name": None, "product_line": "robot_integration", "project_needs": "焊接产线机器人集成，8台六轴机器人",
         "budget_range": "1m_5m", "wanted_date": "2027-03-31", "time_requirement": "春节前完成方案确认",
         "customer_language": "zh", "contact_method": "phone", "contact_summary": "已电话对接，确认产线节拍要求"}
SOLUTION = {"solution_title": "焊接产线集成方案", "feasibility": "节拍45秒可实现", "product_advantages": "国产化率高，交付快",
            "implementation_plan": "1.现场勘测 2.仿真 3.安装调试 4.验收", "cost_structure": "设备70%，集成20%，服务10%",
            "quoted_amount": 3200000}
AC_SOLUTION = {**SOLUTION, "solution_title": "办公楼多联机方案", "recommended_models": "MDV-280W 多联机 ×4，附产品说明书、技术参数",
               "system_design": "选型：按冷负荷280kW；安装位置：屋面；线路铺设：沿桥架；通风设计：新风换气机两台"}


@pytest.fixture
def sales_walk(actors, shipped, clean_jobs, monkeypatch):  # noqa: F811
    """The Walker of the shipped processes; the pre-sales instances a test leaves running are stopped."""
    monkeypatch.setitem(clean_jobs.config, "MAIL_SUPPRESS_SEND", True)
    before = set(db.session.scalars(select(ProcessInstance.id).filter_by(process_key="pre_sales")))
    yield Walker(actors)
    db.session.rollback()
    for inst in db.session.scalars(select(ProcessInstance).where(
            ProcessInstance.process_key == "pre_sales", ProcessInstance.status.in_(runtime.ACTIVE))).all():
        if inst.id not in before:
            runtime.terminate(inst.id, actor=actors["supervisor"], reason="end of test")


def new_prospect(app, actors, **fields) -> tuple[Opportunity, ProcessInstance]:
    customer_id, contact_id, name = make_customer(app, "售前客户")
    opp = Opportunity(customer_id=customer_id, contact_id=contact_id, needs="客户咨询机器人集成方案", channel="phone",
                      **fields)
    db.session.add(opp)
    inst = start_for_record(opp, actors["wf_sales"])
    return opp, inst


def first_contact(walk, inst, role="Sales", **changes):
    opp = db.session.get(Opportunity, inst.record_id)
    walk.do(inst, "first_contact", role, {**NEEDS, "customer_name": opp.customer.name, **changes})


def solution(walk, inst, approved=True, data=SOLUTION):
    walk.do(inst, "draft_solution", "Sales", data)
    walk.do(inst, "tech_review", "TechSupport", {"review_approved": approved,
                                                  "review_note": "方案可行" if approved else "节拍计算需复核"})


def present(walk, inst, decision, question=None):
    walk.do(inst, "present_solution", "Sales", {"contact_method": "meeting", "presentation_note": "现场讲解方案",
                                                "customer_decision": decision, "customer_question": question})


def follow(walk, inst, decision="undecided", role="Sales", question=None):
    walk.do(inst, "follow_up", role, {"contact_method": "phone", "followup_summary": "客户仍在内部评估",
                                      "customer_decision": decision, "customer_question": question})


def refreshed(opp: Opportunity) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def test_presales_won_first_contact_within_one_working_day_over_the_holiday(app, sales_walk, actors):
    """需求对接 1个工作日内 (第九条(一)); the customer gets the confirmation mail in their language; a solution
    reviewed by the technical department is presented (第九条(二)); the customer agrees: won."""
    walk = sales_walk
    # Enquiry on Fri 2026-09-25, the Mid-Autumn holiday: the working day counted is Mon 09-28.
    with at(2026, 9, 25, 10, 0):
        opp, inst = new_prospect(app, actors)
        task = walk.one(inst, "first_contact")
        assert sorted(c.role_name for c in task.candidates) == ["CustomerService", "Sales"]
        assert local(task.due_at) == datetime(2026, 9, 28, 18, 0)
        assert refreshed(opp).first_contact_due == task.due_at and refreshed(opp).status == "new"
    with at(2026, 9, 28, 11, 0):
        first_contact(walk, inst, customer_language="en")
        opp = refreshed(opp)
        assert (opp.budget_range, opp.wanted_date, opp.language) == ("1m_5m", date(2027, 3, 31), "en")
        assert opp.needs == NEEDS["project_needs"] and opp.time_requirement == NEEDS["time_requirement"]
        assert opp.first_contact_at <= opp.first_contact_due and opp.owner.username == "wf_sales"
        mail_row = db.session.scalars(select(MailOutbox).filter_by(instance_id=inst.id,
                                                                   kind="customer_presales_contact")).one()
        assert mail_row.recipients == ["zhang.wei@example.com"]
        assert mail_row.subject.startswith("Your enquiry: needs recorded") and opp.number in mail_row.subject
        assert "1-5 million CNY" in mail_row.body_text and "2027-03-31" in mail_row.body_text
        assert walk.elements(inst) == ["draft_solution"]
        solution(walk, inst)
        present(walk, inst, "won")
        assert walk.status(inst) == "completed"
        opp = refreshed(opp)
        assert (opp.status, opp.outcome, opp.next_followup_at) == ("won", "won", None)
        assert [(s.version, s.review_status) for s in opp.solutions] == [(1, "approved")]
        assert opp.solutions[0].presented_at is not None and opp.solutions[0].reviewed_by.username == "wf_tech"
        assert [c.kind for c in opp.contacts] == ["first_contact", "solution"]
        assert sales_kpi.first_contact_rows(date(2026, 9, 25), date(2026, 9, 25))[-1]["counted_in"] is True
        won = [r for r in sales_kpi.win_rows(date(2026, 9, 28), date(2026, 9, 28)) if r["id"] == opp.id]
        assert won and won[0]["counted_in"] and won[0]["outcome"] == "won"


def test_presales_lost_after_a_solution_sent_back_by_the_technical_review(app, sales_walk, actors):
    """联合技术部门制定方案: a solution the review sends back is revised as a new version; the customer
    chooses another supplier and the reason is recorded in the ledger."""
    walk = sales_walk
    with at(2026, 10, 12, 9, 30):
        opp, inst = new_prospect(app, actors, product_line="air_conditioning")
        first_contact(walk, inst, role="CustomerService", product_line="air_conditioning")
        solution(walk, inst, approved=False, data=AC_SOLUTION)
        assert walk.elements(inst) == ["draft_solution"]
        solution(walk, inst, approved=True, data=AC_SOLUTION)
        present(walk, inst, "lost")
        assert walk.elements(inst) == ["close_lost"]
        walk.do(inst, "close_lost", "Sales", {"lost_reason": "价格高于竞品15%", "competitor": "某品牌"})
        assert walk.status(inst) == "completed"
        opp = refreshed(opp)
        assert (opp.status, opp.outcome) == ("lost", "lost")
        assert "价格高于竞品15%" in opp.lost_reason and "某品牌" in opp.lost_reason
        assert [(s.version, s.review_status) for s in opp.solutions] == [(1, "rejected"), (2, "approved")]
        assert opp.solutions[1].system_design.startswith("选型") and "MDV-280W" in opp.solutions[1].product_models
        assert opp.owner.username == "wf_agent"  # the agent made the first contact
        lost = [r for r in sales_kpi.win_rows(date(2026, 10, 12), date(2026, 10, 12)) if r["id"] == opp.id]
        assert lost and lost[0]["counted_in"] is False


def test_presales_followed_up_weekly_for_five_weeks_then_won(app, sales_walk, actors):
    """每周至少跟进1次 ... 直至客户明确合作意向: five weekly follow-ups (one across National Day: the
    week is a calendar week), each due a week after the last contact; a missed week is escalated."""
    walk = sales_walk
    start = datetime(2026, 9, 21, 10, 0)
    with at(2026, 9, 21, 10, 0):
        opp, inst = new_prospect(app, actors)
        first_contact(walk, inst)
        solution(walk, inst)
        present(walk, inst, "undecided")
        task = walk.one(inst, "follow_up")
        assert local(task.due_at) == start + timedelta(days=7)
        assert refreshed(opp).next_followup_at == task.due_at and refreshed(opp).status == "following"
    for week in range(1, 6):
        day = start + timedelta(days=7 * week - 1)  # the day before the week runs out
        with at(day.year, day.month, day.day, 10, 0):
            assert fire_due_timers(inst) == 0  # nothing overdue: followed up within the week
            follow(walk, inst, "won" if week == 5 else "undecided")
            if week < 5:
                assert local(walk.one(inst, "follow_up").due_at) == day + timedelta(days=7)
    assert walk.status(inst) == "completed"
    opp = refreshed(opp)
    assert (opp.outcome, opp.followup_count) == ("won", 5)
    kinds = [c.kind for c in opp.contacts]
    assert kinds == ["first_contact", "solution"] + ["followup"] * 5
    gaps = [b.at - a.at for a, b in zip(opp.contacts[1:], opp.contacts[2:])]
    assert all(gap <= timedelta(days=7) for gap in gaps)
    assert not db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id,
                                                              element_id="escalate_followup")).first()


def test_presales_missed_weekly_follow_up_is_escalated_and_shown_overdue(app, sales_walk, actors):
    walk = sales_walk
    with at(2026, 11, 2, 10, 0):
        opp, inst = new_prospect(app, actors)
        first_contact(walk, inst)
        solution(walk, inst)
        present(walk, inst, "undecided")
    with at(2026, 11, 9, 10, 30):  # a week and half an hour later: nobody followed up
        assert fire_due_timers(inst) == 1
        escalation = walk.one(inst, "escalate_followup")
        assert [c.role_name for c in escalation.candidates] == ["Supervisor"]
        opp = refreshed(opp)
        assert opp.followup_overdue_at(clock.now()) and opp.status == "following"
        from app.records.sales.views import open_prospects

        assert opp.id in [p.id for p in open_prospects()]
        walk.do(inst, "escalate_followup", "Supervisor", {"escalation_action": "remind"})
        follow(walk, inst, "stopped")
        walk.do(inst, "close_lost", "Sales", {"lost_reason": "项目预算取消"})
    opp = refreshed(opp)
    assert (opp.status, opp.outcome, opp.lost_reason) == ("stopped", "stopped", "项目预算取消")


def test_presales_late_answer_escalated_over_national_day(app, sales_walk, actors):
    """疑问2个工作日内解答 (第九条(二)): asked on Wed 09-30, due Fri 10-09 (National Day 10-01..07);
    unanswered then, the Supervisor gets an escalation; the late answer counts against the KPI."""
    walk = sales_walk
    with at(2026, 9, 30, 10, 0):
        opp, inst = new_prospect(app, actors)
        first_contact(walk, inst)
        solution(walk, inst)
        present(walk, inst, "question", question="焊接节拍能否提升到40秒？")
        task = walk.one(inst, "answer_question")
        assert local(task.due_at) == datetime(2026, 10, 9, 18, 0)
        assert sorted(c.role_name for c in task.candidates) == ["Sales", "TechSupport"]
        assert task.draft == {"customer_question": "焊接节拍能否提升到40秒？"}
        question = refreshed(opp).questions[0]
        assert question.due_at == task.due_at and refreshed(opp).status == "question"
    with at(2026, 10, 9, 17, 0):
        assert fire_due_timers(inst) == 0
    with at(2026, 10, 9, 18, 30):
        assert fire_due_timers(inst) == 1
        assert [c.role_name for c in walk.one(inst, "escalate_answer").candidates] == ["Supervisor"]
        assert refreshed(opp).questions[0].escalated_at is not None
    with at(2026, 10, 10, 10, 0):  # the make-up working Saturday
        walk.do(inst, "answer_question", "TechSupport", {"answer_text": "更换高速焊枪后可达40秒",
                                                          "contact_method": "email"})
        walk.do(inst, "escalate_answer", "Supervisor", {"escalation_action": "handle_personally"})
        question = refreshed(opp).questions[0]
        assert question.answered_on_time is False and question.answered_by.username == "wf_tech"
        assert walk.elements(inst) == ["follow_up"]
        rows = [r for r in sales_kpi.answer_rows(date(2026, 9, 30), date(2026, 9, 30)) if r["id"] == opp.id]
        assert len(rows) == 1 and rows[0]["counted_in"] is False
        follow(walk, inst, "won")
    assert walk.status(inst) == "completed"


def test_presales_first_contact_missed_is_escalated_and_counted_late(app, sales_walk, actors):
    walk = sales_walk
    with at(2026, 10, 8, 16, 0):  # Thu after National Day: due the end of Fri 10-09
        opp, inst = new_prospect(app, actors)
    with at(2026, 10, 9, 18, 5):
        assert fire_due_timers(inst) == 1
        assert walk.elements(inst) == ["escalate_first_contact", "first_contact"]
    with at(2026, 10, 10, 9, 30):
        first_contact(walk, inst)
        rows = [r for r in sales_kpi.first_contact_rows(date(2026, 10, 8), date(2026, 10, 8)) if r["id"] == opp.id]
        assert len(rows) == 1 and rows[0]["counted_in"] is False
        num, den = sales_kpi.first_contact_on_time(date(2026, 10, 8), date(2026, 10, 8))
        assert den >= 1 and num <= den - 1


def test_presales_request_kind_starts_pre_sales_not_the_repair_flow(app, sales_walk, actors):
    """售前咨询 is not a repair: a pre-sales service request becomes a prospect of the pre-sales process
    (no 30-minute acceptance, no diagnosis, no visit); the request follows it to the end."""
    walk = sales_walk
    customer_id, contact_id, _name = make_customer(app, "售前请求客户")
    with at(2026, 11, 16, 9, 0):
        sr = ServiceRequest(customer_id=customer_id, contact_id=contact_id, kind="pre_sales", channel="web",
                            type="general_question", subject="咨询码垛机器人方案", description="需要码垛机器人方案和报价")
        db.session.add(sr)
        inst = start_for_record(sr, actors["wf_agent"])
        assert inst.process_key == "pre_sales" and inst.record_type == "opportunity"
        assert walk.elements(inst) == ["first_contact"]
        opp = db.session.get(Opportunity, inst.record_id)
        assert opp.service_request_id == sr.id and opp.needs == "需要码垛机器人方案和报价"
        assert sr.process_instance_id == inst.id and sr.status == "in_progress"
        first_contact(walk, inst, role="CustomerService")
        db.session.expire_all()
        sr = db.session.get(ServiceRequest, sr.id)
        assert sr.first_reply_at is not None  # the first contact is the request's first reply
        solution(walk, inst)
        present(walk, inst, "won")
    db.session.expire_all()
    assert db.session.get(ServiceRequest, sr.id).status == "closed"
    assert not db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id="accept")).first()


def test_presales_screens_ledger_and_exports(app, sales_walk, actors, login_as):
    walk = sales_walk
    now = clock.now()
    with at(*(now - timedelta(days=9)).astimezone(clock.zone()).timetuple()[:5]):
        opp, inst = new_prospect(app, actors)
        first_contact(walk, inst)
        solution(walk, inst)
        present(walk, inst, "undecided")  # next follow-up: two days ago -> overdue
    number = refreshed(opp).number
    sales = login_as("sales")
    page = sales.get("/presales/ledger/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and number in html
    row = html[html.index(f'data-number="{number}"') - 60:html.index(f'data-number="{number}"')]
    assert "followup-overdue" in row
    assert "presales-kpi-first_contact" in html and "presales-kpi-wins" in html
    listing = sales.get(f"/opportunityview/list/?_flt_0_number={number}").get_data(as_text=True)
    assert number in listing and "followup-overdue" in listing
    export = sales.get(f"/opportunityview/export/csv?_flt_0_number={number}").get_data(as_text=True)
    assert number in export and "zhang.wei" not in export  # the contact's personal data is not exported
    shown = sales.get(f"/opportunityview/show/{opp.id}").get_data(as_text=True)
    assert "zhang.wei@example.com" not in shown and "13812345678" not in shown


def test_presales_demo_walks_the_process_on_the_simulated_clock(app, sales_walk, actors):
    """The demo's pre-sales data is made by running the process (app/demo/presales.py): a request of 60
    days ago followed weekly five times and won, each step dated on the walk's own clock."""
    from app.demo import presales as demo_presales
    from app.engine import notifications

    customer_id, contact_id, _name = make_customer(app, "演示售前客户")
    now = clock.now()
    received = now - timedelta(days=60)
    with notifications.muted():
        sr = ServiceRequest(customer_id=customer_id, contact_id=contact_id, kind="pre_sales", channel="phone",
                            type="general_question", subject="产线改造方案咨询", description="产线改造方案咨询",
                            created_at=received)
        db.session.add(sr)
        db.session.flush()
        assert demo_presales.run_request(sr, demo_presales.PLANS.index("follow_weeks"), now, actors["agent"]) == 1
    db.session.expire_all()
    opp = db.session.scalars(select(Opportunity).filter_by(service_request_id=sr.id)).one()
    assert (opp.outcome, opp.followup_count) == ("won", 5)
    inst = db.session.get(ProcessInstance, opp.process_instance_id)
    assert inst.process_key == "pre_sales" and abs(inst.started_at - received) < timedelta(minutes=1)
    assert all(received <= c.at < now for c in opp.contacts)
    assert opp.contacts[-1].at - opp.contacts[2].at == timedelta(days=6 * 4)  # weekly, on the walk's clock
    assert not db.session.scalars(select(MailOutbox).filter_by(instance_id=inst.id)).first()  # muted


def test_presales_started_from_the_start_page_creates_its_prospect(app, sales_walk, actors):
    """Every way of starting the pre-sales process leaves a prospect in the ledger (adopted at the first contact)."""
    walk = sales_walk
    customer_id, _contact_id, name = make_customer(app, "启动页售前客户")
    with at(2026, 12, 1, 9, 0):
        inst = runtime.start_process("pre_sales", actor=actors["wf_sales"], business_key=f"WF-PS-{customer_id}",
                                     variables={"customer_name": name, "project_needs": "AGV 物流方案"})
        assert local(walk.one(inst, "first_contact").due_at) == datetime(2026, 12, 2, 18, 0)
    with at(2026, 12, 1, 15, 0):
        walk.do(inst, "first_contact", "Sales", {**NEEDS, "customer_name": name, "project_needs": "AGV 物流方案"})
        db.session.refresh(inst)
        opp = db.session.get(Opportunity, inst.record_id)
        assert inst.record_type == "opportunity" and opp.customer_id == customer_id
        assert local(opp.received_at) == datetime(2026, 12, 1, 9, 0) and local(opp.first_contact_due) == \
            datetime(2026, 12, 2, 18, 0)
        assert opp.first_contact_at <= opp.first_contact_due and opp.needs == "AGV 物流方案"


def test_won_prospect_starts_its_contract_handover(app, sales_walk, actors):
    """第九条(三) 直至客户明确合作意向 -> 第十条(一) 合同交底: "项目合同签订后,客户服务部联合项目交付部在3个工作日内
    与客户开展合同交底工作". The customer agrees on Mon 2026-09-28: the prospect's contract is signed that day and
    its handover starts by itself, linked to the prospect, due at close of business of the 3rd working day after
    signing (09-29, 09-30, then National Day 10-01..07: Thu 10-08); held on time it is confirmed. Winning again starts nothing twice."""
    from app.models import ContractHandover

    walk = sales_walk
    with at(2026, 9, 28, 10, 0):
        opp, inst = new_prospect(app, actors)
        first_contact(walk, inst)
        solution(walk, inst)
        present(walk, inst, "won")
        opp = refreshed(opp)
        ho = db.session.scalars(select(ContractHandover).filter_by(opportunity_id=opp.id)).one()
        assert ho.opportunity.id == opp.id and ho.customer_id == opp.customer_id
        assert ho.contract.signed_on == date(2026, 9, 28) and ho.contract.code == f"HT-{opp.number}"
        assert ho.contract.name == SOLUTION["solution_title"] and ho.contract.customer_id == opp.customer_id
        ho_inst = db.session.get(ProcessInstance, ho.process_instance_id)
        assert ho_inst.process_key == "contract_handover" and ho_inst.record_id == ho.id
        assert ho_inst.status in runtime.ACTIVE and ho.status == "preparing"
        prepare = walk.one(ho_inst, "prepare_handover")
        assert local(prepare.due_at) == datetime(2026, 10, 8, 18, 0) and local(ho.due_at) == local(prepare.due_at)
        from app.records.delivery.process import handover_for_won

        assert handover_for_won(opp) is None  # once per prospect
    with at(2026, 9, 29, 14, 0):
        walk.do(ho_inst, "prepare_handover", "CustomerService", {"meeting_date": "2026-09-30", "attendees": "客服；交付"})
        walk.do(ho_inst, "confirm_plan", "FieldService", {"milestone_plan": "2026-10-20 设备进场", "planned_finish": "2026-11-30"})
        walk.do(ho_inst, "hold_handover", "CustomerService", {
            "held_on": "2026-09-29", "acceptance_criteria": "节拍≤45秒", "responsibilities": "甲方提供场地",
            "service_terms": "质保12个月", "handover_minutes": "双方确认"})
        walk.do(ho_inst, "customer_confirm", "CustomerService", {"customer_confirmed": True})
        db.session.refresh(ho)
        assert ho.on_time is True and ho.status == "confirmed"
    runtime.terminate(ho_inst.id, actor=actors["supervisor"], reason="end of test")
