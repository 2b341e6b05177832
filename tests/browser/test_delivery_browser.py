"""In-sales in the real browser (《机器人集成公司客户服务优化管理制度》第十条(一) 合同交底: 项目合同签订后,客户服务部
联合项目交付部在3个工作日内与客户开展合同交底工作): sales records a signed contract (zh), which starts the
handover; the agent prepares it (zh), project delivery confirms the milestones, the agent holds the
meeting and records the customer's confirmation (en), delivery opens the project; the handover shows
held on time and the project list shows the in-sales KPIs, in both languages."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.browser.test_complaint_walk import open_from_inbox, shot, sign_in
from tests.records_helpers import make_customer

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


@pytest.fixture(scope="module")
def in_sales_deployed(app):
    from app.engine import definitions
    from app.engine.actor import Actor

    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        for key in ("contract_handover", "project_delivery", "order_fulfilment"):
            definitions.deploy((WORKFLOWS / f"{key}.bpmn").read_bytes(), actor=owner, filename=f"{key}.bpmn")


def _handover_of(app, code: str):
    from app.extensions import db
    from app.models import Contract, ContractHandover, Project

    with app.app_context():
        contract = db.session.query(Contract).filter_by(code=code).one()
        ho = db.session.query(ContractHandover).filter_by(contract_id=contract.id).one()
        project = db.session.query(Project).filter_by(contract_id=contract.id).one_or_none()
        return {"id": ho.id, "number": ho.number, "status": ho.status, "held_on": ho.held_on,
                "on_time": ho.on_time, "service_terms": contract.service_terms,
                "project": project.number if project else None}


def complete(page) -> None:
    page.click("#btn-complete")
    page.wait_for_selector("#inbox")


def test_signed_contract_to_handover_as_sales_and_agent(app, live_server, browser, screenshots, in_sales_deployed):
    from app.engine import clock

    base, code = live_server, f"HT-BW-{uuid.uuid4().hex[:6].upper()}"
    cid, _contact, customer = make_customer(app, prefix="交底客户")
    with app.app_context():
        today = clock.local_today().isoformat()

    # sales records the signed contract (zh): signing starts the handover
    sales = sign_in(browser, base, "sales")
    sales.goto(f"{base}/contractview/add")
    sales.evaluate(f"window.jQuery('#customer').val('{cid}').trigger('change')")
    sales.fill("#code", code)
    sales.fill("#name", "焊接机器人工作站集成项目")
    sales.fill("#service_terms", "质保12个月")
    # the signing date through FAB's date picker (typing alone is undone when the pop-up closes)
    sales.evaluate("d => window.jQuery('#signed_on').closest('.appbuilder_date').datepicker('update', d)", today)
    sales.mouse.click(20, 600)  # elsewhere: the pop-up closes
    assert sales.input_value("#signed_on") == today
    shot(sales, screenshots, "delivery_contract_add_zh")
    with sales.expect_navigation():
        sales.click("#model_form button[type=submit]")
    sales.wait_for_selector(".alert-success")
    shot(sales, screenshots, "delivery_contract_saved_zh")
    ho = _handover_of(app, code)
    assert ho["status"] == "preparing"
    sales.goto(f"{base}/contracthandoverview/list/")
    assert ho["number"] in sales.inner_text("body") and "合同交底" in sales.inner_text("h1, h2, .panel-title, body")
    shot(sales, screenshots, "delivery_handover_list_zh")

    # the agent prepares the handover (zh)
    agent = sign_in(browser, base, "agent")
    open_from_inbox(agent, base, "group", ho["number"])
    assert "准备合同交底" in agent.inner_text("body")
    agent.click("#btn-claim")
    agent.wait_for_selector("#f-meeting_date")
    agent.fill("#f-meeting_date", today)
    agent.fill("#f-attendees", "客服 李娜；交付 赵工；客户 王强")
    shot(agent, screenshots, "delivery_task_prepare_zh")
    complete(agent)

    # project delivery confirms the milestones
    field = sign_in(browser, base, "field")
    open_from_inbox(field, base, "group", ho["number"])
    field.click("#btn-claim")
    field.wait_for_selector("#f-milestone_plan")
    field.fill("#f-milestone_plan", "2026-12-20 设备进场\n2027-01-15 调试完成")
    field.fill("#f-planned_finish", "2027-01-31")
    complete(field)

    # the agent holds the meeting and records the customer's confirmation (en)
    agent.goto(f"{base}/lang/en")
    open_from_inbox(agent, base, "group", ho["number"])
    agent.click("#btn-claim")
    agent.wait_for_selector("#f-held_on")
    assert agent.input_value("#f-service_terms") == "质保12个月"  # the contract's terms, as a draft
    agent.fill("#f-held_on", today)
    agent.fill("#f-acceptance_criteria", "节拍≤45秒，连续运行72小时无故障")
    agent.fill("#f-responsibilities", "客户提供场地和电源；我方负责安装调试")
    agent.fill("#f-handover_minutes", "双方确认实施节点、验收标准和服务条款")
    shot(agent, screenshots, "delivery_task_hold_en")
    complete(agent)
    open_from_inbox(agent, base, "group", ho["number"])
    agent.click("#btn-claim")
    agent.wait_for_selector("#f-customer_confirmed")
    agent.check("#f-customer_confirmed")
    complete(agent)

    # delivery opens the project
    open_from_inbox(field, base, "group", ho["number"])
    field.click("#btn-claim")
    field.wait_for_selector("#f-project_name")
    assert field.input_value("#f-project_name") == "焊接机器人工作站集成项目"
    field.fill("#f-site_escort", "赵工")
    field.fill("#f-project_start", today)
    complete(field)

    ho = _handover_of(app, code)
    assert ho["status"] == "closed" and ho["on_time"] is True and ho["project"]
    assert ho["service_terms"] == "质保12个月"

    # the handover record and the project list with the KPIs, in English then Chinese
    agent.goto(f"{base}/contracthandoverview/show/{ho['id']}")
    body = agent.inner_text("body")
    assert "Held on" in body and "Handover due" in body and customer in body
    shot(agent, screenshots, "delivery_handover_show_en")
    agent.goto(f"{base}/projectview/list/")
    panel = agent.inner_text(".delivery-kpi")
    assert "Handover on-time rate" in panel and "Progress-report compliance" in panel
    held_on_time = int(agent.inner_text("tr[data-kpi=handover] .kpi-count").split("/")[0])
    assert held_on_time >= 1  # this handover, held today before its deadline
    assert ho["project"] in agent.inner_text("body")
    shot(agent, screenshots, "delivery_project_list_en")
    agent.click("tr[data-kpi=handover] a")
    agent.wait_for_selector("#delivery-kpi-detail")
    shot(agent, screenshots, "delivery_kpi_handover_en")
    agent.goto(f"{base}/salesorderview/list/")
    shot(agent, screenshots, "delivery_order_list_en")
    agent.goto(f"{base}/lang/zh")
    agent.goto(f"{base}/projectview/list/")
    assert "合同交底及时率" in agent.inner_text(".delivery-kpi")
    shot(agent, screenshots, "delivery_project_list_zh")
    for page in (sales, agent, field):
        page.context.close()
