"""The customer's rules walked through the real screens on a frozen clock (the issue's done-when:
"A browser test walks: request at 20:00 on a Friday before a holiday (acknowledged at once, due per
policy), a stoppage at 02:00 (on-call engineer notified within a minute), a complaint forwarded to
FieldService (its members get it), and the KPI page for that month with each figure's drill-down
matching the records").

The clauses (Chinese originals, ``/work/shared/seeds``):

* 《机器人集成公司客户服务优化管理制度》第十一条(一) 客户服务专员需在30分钟内完成需求受理 ...; 对于紧急故障报修
  (如设备停机影响生产),需立即启动应急响应机制,通知技术支持专员或售后维保专员赶赴现场处理;
* 同上 第十三条(三) 客户服务专员接收客户投诉后,需立即登记投诉信息,明确投诉事项、诉求及责任部门;在1个工作日内
  将投诉信息反馈至相关责任部门;
* 同上 第十二条 (一)响应时效标准: ... 售后需求30分钟内受理,紧急故障即时响应; (二) ... 客户满意度不低于90%;
* 《空调部门客户服务管理制度》 设立24小时售后服务热线.

The 2026 calendar: Mid-Autumn Fri Sep 25 - Sun Sep 27 and National Day Oct 1-7 are holidays; Sun
Sep 20 is a make-up working day. The clock is frozen with time_machine (process-wide, so the live
server's threads read it too); the browser signs in on the frozen clock, before the first step."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from tests.browser.test_complaint_walk import shot, sign_in
from tests.engine.ops_support import run_task_mail_jobs
from tests.records_helpers import make_customer
from tests.test_workflows import TZ, local

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=TZ), tick=False)


@pytest.fixture(scope="module")
def shipped(app):
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db

    with app.app_context():
        definitions.deploy_directory(WORKFLOWS, actor=Actor.from_user(app.appbuilder.sm.find_user(username="owner")))
        db.session.commit()


def _add_request(page, base: str, cid: int, contact_id: int, type_: str, subject: str) -> None:
    """The agent records a request on the Service requests screen (the hotline)."""
    page.goto(f"{base}/servicerequestview/add")
    page.evaluate(f"window.jQuery('#customer').val('{cid}').trigger('change')")
    page.wait_for_function(f"() => [...document.querySelectorAll('#contact option')].some(o => o.value === '{contact_id}')")
    page.evaluate(f"window.jQuery('#contact').val('{contact_id}').trigger('change')")
    page.select_option("#kind", "after_sales")  # not a pre-sales consultation: the repair flow
    page.select_option("#type", type_)
    page.fill("#subject", subject)
    page.click("form#model_form [type=submit], form [type=submit].btn-primary >> nth=0")
    page.wait_for_load_state()


def _request(app, subject: str):
    from app.extensions import db
    from app.models import ServiceRequest

    with app.app_context():
        sr = db.session.scalars(select(ServiceRequest).filter_by(subject=subject)).one()
        return sr.id, sr.number, sr.created_at, sr.process_instance_id


def _mails(app, instance_id: int, kind: str):
    from app.extensions import db
    from app.models import MailOutbox

    with app.app_context():
        return [(r.recipients, r.body_text, r.created_at) for r in
                db.session.scalars(select(MailOutbox).filter_by(instance_id=instance_id, kind=kind))]


def _rows(page) -> list[tuple[str, bool]]:
    """(text, urgent marker shown) of each inbox row, top first."""
    return [(row.inner_text(), row.locator(".urgent-marker").count() == 1) for row in page.locator("tr.task-row").all()]


def test_the_rules_walked_in_the_browser(app, live_server, browser, screenshots, shipped):
    from app.extensions import db
    from app.models import Department, HumanTask, OnCallShift

    base, tag = live_server, uuid.uuid4().hex[:6]
    cid, contact_id, _name = make_customer(app, prefix="苏州精工", email=f"plant.{tag}@example.com")

    # 0. Fri 2026-04-03 20:00, the evening before the Qingming holiday (Sat Apr 4 - Mon Apr 6): acknowledged
    #    at once, acceptance due 30 working minutes into the next working period, Tue Apr 7 09:30.
    with at(2026, 4, 3, 19, 50):
        early = sign_in(browser, base, "agent")
    with at(2026, 4, 3, 20, 0):
        subject = f"控制柜报警 {tag}"
        _add_request(early, base, cid, contact_id, "general_question", subject)
        _id, early_number, created, early_inst = _request(app, subject)
        assert local(created) == datetime(2026, 4, 3, 20, 0) and early_inst
        (ack,) = _mails(app, early_inst, "customer_acknowledgement")
        assert local(ack[2]) == datetime(2026, 4, 3, 20, 0) and "2026-04-07 09:30" in ack[1]
        early.goto(f"{base}/inbox/group/?q={early_number}")
        (row, _urgent), = _rows(early)
        assert "2026-04-07 09:30" in row
        shot(early, screenshots, "rules_walk_holiday_eve_inbox_zh")
    early.context.close()

    with at(2026, 9, 18, 19, 50):  # signed in on the frozen clock: a session signed later would be "from the future"
        agent = sign_in(browser, base, "agent")
        field = sign_in(browser, base, "field")
        boss = sign_in(browser, base, "supervisor")

    # 1. Fri 2026-09-18 20:00, before a weekend with a make-up working Sunday: acknowledged at once, acceptance due 30 working
    #    minutes into the next working period: the make-up working Sunday Sep 20, 09:30.
    with at(2026, 9, 18, 20, 0):
        subject = f"示教器报错 {tag}"
        _add_request(agent, base, cid, contact_id, "routine_fault", subject)
        sr_id, number, created, inst_id = _request(app, subject)
        assert local(created) == datetime(2026, 9, 18, 20, 0) and inst_id
        (ack,) = _mails(app, inst_id, "customer_acknowledgement")
        assert ack[0] == [f"plant.{tag}@example.com"] and local(ack[2]) == datetime(2026, 9, 18, 20, 0)
        assert "2026-09-20 09:30" in ack[1]  # the promised time, per the policy and the calendar
        agent.goto(f"{base}/inbox/group/?q={number}")
        (row, _urgent), = _rows(agent)
        assert "2026-09-20 09:30" in row
        shot(agent, screenshots, "rules_walk_request_inbox_zh")

    # Mon Sep 21: the request is accepted, classified and diagnosed, the visit booked; the engineer takes
    # the on-site step (due before the night below): ordinary work already in their inbox, due earlier.
    with at(2026, 9, 21, 10, 0), app.app_context():
        from app.engine.actor import Actor
        from tests.test_process_link import do

        people = {u: Actor.from_user(app.appbuilder.sm.find_user(username=u)) for u in ("agent", "tech", "field")}
        do(inst_id, "accept", people["agent"], {"customer_contacted": True, "accept_note": "已电话确认"})
        do(inst_id, "classify", people["agent"], {"request_type": "routine"})
        do(inst_id, "diagnose", people["tech"], {"diagnosis": "需上门检查", "resolved_remotely": False})
        do(inst_id, "book_visit", people["field"], {"appointment_date": "2026-09-24", "appointment_slot": "morning",
                                                     "engineer_name": "赵工"})
        booking = db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, state="open")).one()
        assert booking.element_id == "onsite_service"
        from app.engine import tasks

        tasks.claim(booking.id, actor=people["field"])
        booking_due = booking.due_at  # 3 working days for a routine fault, counted from the classification

    # 2. Sat 2026-09-26 02:00, the Mid-Autumn holiday night: a stoppage goes to whoever is on call,
    #    mailed at once and at the top of their inbox, marked urgent.
    with app.app_context():
        delivery = db.session.scalars(select(Department).filter_by(code="DELIVERY")).one()
        engineer = app.appbuilder.sm.find_user(username="field")
        night = datetime(2026, 9, 26, 0, 0, tzinfo=TZ)
        db.session.add(OnCallShift(department_id=delivery.id, user_id=engineer.id, starts_at=night,
                                   ends_at=night + timedelta(hours=8)))
        db.session.commit()
        engineer_email = engineer.email
    with at(2026, 9, 26, 2, 0):
        subject = f"产线停机 {tag}"
        _add_request(agent, base, cid, contact_id, "emergency_stoppage", subject)
        _sr, stop_number, stop_created, stop_inst = _request(app, subject)
        with app.app_context():
            dispatch = db.session.scalars(select(HumanTask).filter_by(instance_id=stop_inst, state="open")).one()
            assert dispatch.element_id == "dispatch_on_call" and dispatch.assignee_id == engineer.id
            assert local(dispatch.due_at) == datetime(2026, 9, 26, 2, 15)  # at once: 15 minutes, 24-hour clock
            dispatch_due = dispatch.due_at
            run_task_mail_jobs(dispatch.id)  # the task's task_mail job, due at once: a worker runs it within seconds
        notices = [m for m in _mails(app, stop_inst, "task_created") if engineer_email in m[0]]
        assert notices and all(m[2] - stop_created <= timedelta(minutes=1) for m in notices)
        for lang in ("zh", "en"):
            field.goto(f"{base}/lang/{lang}")
            field.goto(f"{base}/inbox/mine/")
            rows = _rows(field)
            mine = next(i for i, (text, _u) in enumerate(rows) if stop_number in text)
            assert rows[mine][1], "the dispatch is marked urgent"
            assert all(urgent for _text, urgent in rows[:mine + 1]), "no ordinary task above the emergency"
            later = next(i for i, (text, _u) in enumerate(rows) if number in text)
            assert mine < later and not rows[later][1]  # the on-site step, due earlier, comes after it
            assert booking_due is not None and booking_due < dispatch_due
            shot(field, screenshots, f"rules_walk_on_call_inbox_{lang}")

    # 3. Mon 2026-09-28 10:00: a complaint, registered by the agent and forwarded by the supervisor to
    #    项目交付部 (whose member works field service): its rectification plan reaches that member.
    with at(2026, 9, 28, 10, 0):
        matter = f"工程师未按约定时间上门 {tag}"
        agent.goto(f"{base}/complaintview/add")
        agent.evaluate(f"window.jQuery('#customer').val('{cid}').trigger('change')")
        agent.fill("#matter", matter)
        agent.click("form [type=submit].btn-primary >> nth=0")
        agent.wait_for_load_state()
        from app.models import Complaint

        with app.app_context():
            cp = db.session.scalars(select(Complaint).filter_by(matter=matter)).one()
            cp_number, cp_inst = cp.number, cp.process_instance_id
        agent.goto(f"{base}/lang/zh")
        agent.goto(f"{base}/inbox/group/?q={cp_number}")
        agent.click(f"tr.task-row:has-text('{cp_number}') a.task-link")
        agent.wait_for_selector("#task-form")
        agent.click("#btn-claim")
        agent.wait_for_selector("#btn-complete")
        for select_id, value in (("#f-complaint_channel", "phone"), ("#f-complaint_category", "service_attitude")):
            if agent.locator(select_id).count():
                agent.select_option(select_id, value)
        agent.click("#btn-complete")
        agent.wait_for_selector("#inbox")

        boss.goto(f"{base}/lang/zh")
        boss.goto(f"{base}/inbox/group/?q={cp_number}")
        boss.click(f"tr.task-row:has-text('{cp_number}') a.task-link")
        boss.wait_for_selector("#task-form")
        boss.click("#btn-claim")
        boss.wait_for_selector("#f-department")
        assert "项目交付部" in boss.inner_text("#f-department")
        boss.select_option("#f-department", "DELIVERY")
        if boss.locator("#f-severity").count():
            boss.select_option("#f-severity", "serious")
        shot(boss, screenshots, "rules_walk_forward_zh")
        boss.click("#btn-complete")
        boss.wait_for_selector("#inbox")

        field.goto(f"{base}/lang/zh")
        field.goto(f"{base}/inbox/group/?q={cp_number}")
        (plan_row, _u), = _rows(field)
        assert cp_number in plan_row
        shot(field, screenshots, "rules_walk_complaint_field_zh")
        with app.app_context():
            run_task_mail_jobs(*db.session.scalars(select(HumanTask.id).filter_by(instance_id=cp_inst, state="open")))
        assert any(engineer_email in m[0] for m in _mails(app, cp_inst, "task_created")), "its members are mailed"

    # 4. The KPI page for September 2026, each figure checked against its drill-down.
    with at(2026, 10, 8, 10, 0):
        boss.goto(f"{base}/lang/en")
        period = "from=2026-09-01&to=2026-09-30"
        boss.goto(f"{base}/kpi/?{period}")
        shot(boss, screenshots, "rules_walk_kpi_en")
        cards = {"satisfaction": (r"(\d+) of (\d+) service events", "satisfied", "Satisfied"),
                 "complaint_rate": (r"(\d+) complaining customers of (\d+)", "complained", "Complained"),
                 "response": (r"\((\d+)/(\d+)\)", "in_time", "In time"),
                 "repairs": (r"(\d+) of (\d+) repair orders", "in_time", "In time")}
        card_ids = {"satisfaction": "#kpi-satisfaction", "complaint_rate": "#kpi-complaints",
                    "response": "#kpi-response", "repairs": "#kpi-repairs"}
        figures = {name: tuple(int(n) for n in re.search(pattern, boss.inner_text(card_ids[name])).groups())
                   for name, (pattern, _key, _col) in cards.items()}
        seen = {}
        for name, (_pattern, _key, column) in cards.items():
            boss.goto(f"{base}/kpi/detail/{name}/?{period}")
            headers = [h.strip() for h in boss.locator("#kpi-detail thead th").all_inner_texts()]
            rows = [[c.strip() for c in r.locator("td").all_inner_texts()]
                    for r in boss.locator("#kpi-detail tbody tr").all()]
            rows = [r for r in rows if len(r) == len(headers)]
            flag = headers.index(column)
            assert figures[name] == (sum(1 for r in rows if r[flag] == "Yes"), len(rows)), name
            seen[name] = rows
            shot(boss, screenshots, f"rules_walk_kpi_{name}_en")
        numbers = {r[0] for r in seen["response"]}
        assert number in numbers and stop_number in numbers  # both requests of the month are counted
        complained = {r[0]: r[1] for r in seen["complaint_rate"]}
        with app.app_context():
            from app.models import Customer

            customer_name = db.session.get(Customer, cid).name
        assert complained.get(customer_name) == "Yes"
    for page in (agent, field, boss):
        page.context.close()
