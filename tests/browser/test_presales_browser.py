"""A prospect walked through the real screens from first contact to won (《机器人集成公司客户服务优化管理制度》
第九条 售前服务流程规范: 需求对接 1个工作日内 / 方案咨询 联合技术部门 / 跟进维护 售前客户跟进台账): the agent
records the enquiry and makes the first needs contact in Chinese, sales drafts and presents the solution in
English, the technical department reviews it, and the prospect ends won, shown on the prospect page and
the follow-up ledger in both languages."""
import pytest
from sqlalchemy import select

from tests.browser.test_complaint_walk import open_from_inbox, shot, sign_in
from tests.records_helpers import make_customer


@pytest.fixture(scope="module")
def presales_deployed(app):
    from pathlib import Path

    from app.engine import definitions
    from app.engine.actor import Actor

    workflows = Path(__file__).resolve().parents[2] / "workflows"
    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy_directory(workflows, actor=owner)
    return "pre_sales"


def _prospect_of(app, customer_id):
    from app.extensions import db
    from app.models import Opportunity

    with app.app_context():
        opp = db.session.scalars(select(Opportunity).filter_by(customer_id=customer_id)).one()
        return opp.id, opp.number, opp.status, opp.outcome, opp.process_instance_id


def _overdue_prospect(app) -> tuple[str, int]:
    from datetime import timedelta

    from app.demo import presales as demo_presales
    from app.engine import clock, notifications
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import Opportunity, ServiceRequest

    customer_id, contact_id, _name = make_customer(app, "逾期跟进客户")
    with app.app_context(), notifications.muted():
        sr = ServiceRequest(customer_id=customer_id, contact_id=contact_id, kind="pre_sales", channel="phone",
                            type="general_question", subject="空调改造咨询", description="办公楼空调改造咨询",
                            created_at=clock.now() - timedelta(days=10))
        db.session.add(sr)
        db.session.flush()
        agent = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        assert demo_presales.run_request(sr, demo_presales.PLANS.index("follow_overdue"), clock.now(), agent) == 1
        opp = db.session.scalars(select(Opportunity).filter_by(service_request_id=sr.id)).one()
        return opp.number, opp.process_instance_id


def _stop(app, instance_id: int) -> None:
    """The overdue prospect's process is stopped: its timers must not fire in other tests."""
    from app.engine import runtime
    from app.engine.actor import Actor

    with app.app_context():
        runtime.terminate(instance_id, actor=Actor.from_user(app.appbuilder.sm.find_user(username="supervisor")),
                          reason="end of test")


def test_presales_prospect_from_first_contact_to_won(app, live_server, browser, screenshots, presales_deployed):
    base = live_server
    customer_id, _contact_id, name = make_customer(app, "浏览器售前客户")

    # the agent records the enquiry (Chinese screens): saving it starts the pre-sales process
    agent = sign_in(browser, base, "agent")
    agent.goto(f"{base}/opportunityview/add")
    agent.evaluate(f"window.jQuery('#customer').val('{customer_id}').trigger('change')")
    agent.select_option("#product_line", "robot_integration")
    agent.fill("#needs", "码垛机器人工作站，4条包装线")
    agent.select_option("#language", "zh")
    shot(agent, screenshots, "presales_add_zh")
    agent.get_by_role("button", name="保存").click()
    agent.wait_for_load_state()
    opp_id, number, status, outcome, inst_id = _prospect_of(app, customer_id)
    assert inst_id and status == "new" and outcome is None

    # the first needs contact: budget range and time requirements recorded
    open_from_inbox(agent, base, "group", number)
    agent.click("#btn-claim")
    agent.wait_for_selector("#f-budget_range")
    assert agent.input_value("#f-project_needs") == "码垛机器人工作站，4条包装线"  # the enquiry's needs
    agent.select_option("#f-budget_range", "500k_1m")
    agent.fill("#f-wanted_date", "2027-06-30")
    agent.fill("#f-time_requirement", "明年二季度投产")
    agent.select_option("#f-contact_method", "phone")
    shot(agent, screenshots, "presales_first_contact_zh")
    agent.click("#btn-complete")
    agent.wait_for_selector("#inbox")

    # sales, in English, drafts the solution
    sales = sign_in(browser, base, "sales")
    sales.goto(f"{base}/lang/en")
    open_from_inbox(sales, base, "group", number)
    sales.click("#btn-claim")
    sales.wait_for_selector("#f-solution_title")
    sales.fill("#f-solution_title", "Palletising cell")
    sales.fill("#f-feasibility", "Cycle time 8 s per case: feasible")
    sales.fill("#f-implementation_plan", "Survey, simulation, installation, acceptance")
    sales.fill("#f-cost_structure", "Robots 60%, integration 30%, service 10%")
    sales.fill("#f-quoted_amount", "860000")
    shot(sales, screenshots, "presales_solution_en")
    sales.click("#btn-complete")
    sales.wait_for_selector("#inbox")

    # the technical department reviews it
    tech = sign_in(browser, base, "tech")
    open_from_inbox(tech, base, "group", number)
    tech.click("#btn-claim")
    tech.wait_for_selector("#f-review_note")
    tech.check("#f-review_approved")
    tech.fill("#f-review_note", "方案可行")
    tech.click("#btn-complete")
    tech.wait_for_selector("#inbox")

    # sales presents it; the customer agrees
    open_from_inbox(sales, base, "group", number)
    sales.click("#btn-claim")
    sales.wait_for_selector("#f-customer_decision")
    sales.select_option("#f-contact_method", "meeting")
    sales.fill("#f-presentation_note", "Presented on site with the quotation")
    sales.select_option("#f-customer_decision", "won")
    sales.click("#btn-complete")
    sales.wait_for_selector("#inbox")
    _id, _number, status, outcome, _inst = _prospect_of(app, customer_id)
    assert (status, outcome) == ("won", "won")

    # won: the contract is recorded and its handover starts by itself (its walk: test_delivery_browser.py)
    from app.extensions import db
    from app.models import ContractHandover, ProcessInstance

    with app.app_context():
        handover = db.session.scalars(select(ContractHandover).filter_by(opportunity_id=opp_id)).one()
        assert handover.contract.code.startswith("HT-") and handover.process_instance_id
        handover_key = db.session.get(ProcessInstance, handover.process_instance_id).business_key
    open_from_inbox(agent, base, "group", handover_key)  # the agent's first handover step is waiting
    shot(agent, screenshots, "presales_won_handover_task_zh")

    # another prospect, walked by the demo 10 days ago to its weekly follow-up, which nobody made
    late_number, late_instance = _overdue_prospect(app)
    try:
        _ledger_and_prospect_pages(base, agent, sales, opp_id, number, late_number, screenshots)
    finally:
        _stop(app, late_instance)
    for page in (agent, sales, tech):
        page.context.close()


def _ledger_and_prospect_pages(base, agent, sales, opp_id, number, late_number, screenshots):

    # the prospect page and the ledger, in English and in Chinese
    sales.goto(f"{base}/opportunityview/show/{opp_id}")
    text = sales.inner_text("body")
    assert number in text and "Won" in text and "500,000-1 million CNY" in text
    shot(sales, screenshots, "presales_prospect_en")
    sales.goto(f"{base}/presales/ledger/")
    assert "Pre-sales follow-up ledger" in sales.inner_text("h2")
    assert sales.locator("#presales-kpi-wins").count() == 1
    assert "followup-overdue" in sales.get_attribute(f"#ledger-table tr[data-number='{late_number}']", "class")
    assert sales.locator(f"#week-table tr:has-text('{late_number}')").count() == 1
    shot(sales, screenshots, "presales_ledger_en")
    agent.goto(f"{base}/opportunityview/show/{opp_id}")
    text = agent.inner_text("body")
    assert "赢单" in text and "50万–100万元" in text and "码垛机器人工作站" in text
    shot(agent, screenshots, "presales_prospect_zh")
    agent.goto(f"{base}/presales/ledger/")
    assert "售前客户跟进台账" in agent.inner_text("h2")
    shot(agent, screenshots, "presales_ledger_zh")
    agent.goto(f"{base}/opportunityview/list/")
    shot(agent, screenshots, "presales_list_zh")
