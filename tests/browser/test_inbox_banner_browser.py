"""The inbox's "due this week" filter and the new-hire banner in the browser, as a new hire (an agent still
in pre-post training) and as a supervisor, in zh and en. 第七条(一) 新入职服务人员需参加为期不少于30学时的岗前培训
... 经考核合格后方可上岗."""
import uuid
from pathlib import Path

from tests.browser.test_complaint_walk import PASSWORD, shot, sign_in

SHOTS = Path("/tmp/shots_leftovers")


def test_inbox_banner_and_due_this_week_filter(app, live_server, browser):
    from app.extensions import db
    from app.models import NewHire

    from app.engine import clock

    SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"hire_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(name, "新", "员工", f"{name}@example.com", sm.find_role("CustomerService"),
                           password=PASSWORD)
        db.session.add(NewHire(user_id=user.id, hired_on=clock.local_today()))
        db.session.commit()
        key = _task_due_this_week(app)
    try:
        _walk(app, live_server, browser, name, key)
    finally:  # the shared database: an active member of CustomerService would get the later tests' mails
        with app.app_context():
            user = app.appbuilder.sm.find_user(username=name)
            user.active = False
            db.session.commit()


def _walk(app, base, browser, name, key) -> None:
    hire = sign_in(browser, base, name)
    boss = sign_in(browser, base, "supervisor")
    for lang, banner, week in (("zh", "您暂不能领取任务", "本工作周"), ("en", "You may not take tasks yet", "This week")):
        for page in (hire, boss):
            page.goto(f"{base}/lang/{lang}")
        hire.goto(f"{base}/inbox/group/?due=week")
        assert banner in hire.inner_text(".inbox-held-back") and key in hire.inner_text(".inbox-table")
        assert hire.locator("#due option:checked").inner_text() == week
        shot(hire, SHOTS, f"inbox_new_hire_{lang}")
        boss.goto(f"{base}/inbox/department/?due=week")
        assert "/newhireview/list/" in boss.inner_html(".inbox-held-back") and key in boss.inner_text(".inbox-table")
        shot(boss, SHOTS, f"inbox_supervisor_{lang}")


def _task_due_this_week(app) -> str:
    """A complaint's first task (CustomerService's), due before the end of this working week."""
    from datetime import timedelta

    from app.engine import clock, definitions, runtime, work_calendar
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HumanTask
    from tests.engine.conftest import DATA

    key = f"WEEK-{uuid.uuid4().hex[:6].upper()}"
    sm = app.appbuilder.sm
    definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(),
                       actor=Actor.from_user(sm.find_user(username="owner")))
    inst = runtime.start_process("engine_complaint", actor=Actor.from_user(sm.find_user(username="agent")),
                                 business_key=key, customer="华东精密")
    task = db.session.query(HumanTask).filter_by(instance_id=inst.id, state="open").one()
    task.due_at = work_calendar.week_end(clock.now()) - timedelta(hours=8)
    db.session.commit()
    return key


def test_order_lines_show_the_part_and_shortfall_and_the_handover_its_prospect(app, live_server, browser):
    """The screens changed with the stock check and the won prospect's handover, in zh and en."""
    from datetime import date

    from app.extensions import db
    from app.models import Contract, ContractHandover, Customer, Opportunity, OrderLine, SalesOrder, SparePart

    SHOTS.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:6].upper()
    with app.app_context():
        customer = Customer(name=f"屏幕客户 {tag}")
        part = SparePart(code=f"SC-{tag}", name="KFR-72LW 室外机", supplier="原厂")
        order = SalesOrder(customer=customer, stock_status="shortage")
        order.lines.append(OrderLine(product="KFR-72LW 室外机", quantity=3, part=part, shortfall=2))
        opp = Opportunity(customer=customer, needs="办公楼多联机", outcome="won", status="won")
        contract = Contract(customer=customer, code=f"HT-{tag}", name="办公楼多联机方案", signed_on=date(2026, 12, 4))
        db.session.add_all([order, opp, contract])
        db.session.flush()
        handover = ContractHandover(contract=contract, customer=customer, opportunity_id=opp.id,
                                    signed_on=date(2026, 12, 4), status="preparing")
        db.session.add(handover)
        db.session.commit()
        order_id, handover_id, number = order.id, handover.id, opp.number
    base = live_server
    boss = sign_in(browser, base, "supervisor")
    for lang, short, tab in (("zh", "库存确认时缺货数量", "订单明细"), ("en", "Short at the stock check", "Order lines")):
        boss.goto(f"{base}/lang/{lang}")
        boss.goto(f"{base}/salesorderview/show/{order_id}")
        boss.click(f"a:has-text('{tab}')")
        assert short in boss.content() and f"SC-{tag}" in boss.inner_text(".tab-content")
        shot(boss, SHOTS, f"order_lines_{lang}")
        boss.goto(f"{base}/contracthandoverview/show/{handover_id}")
        assert number in boss.content()
        shot(boss, SHOTS, f"handover_prospect_{lang}")


def test_each_unsatisfactory_person_gets_their_own_interview_form(app, live_server, browser):
    """第十六条(二) 对考核不合格的服务人员,由部门负责人进行约谈,制定绩效改进计划,限期整改: on the confirmed assessment
    page the head records one person's interview, plan and deadline (zh and en screenshots)."""
    from app.engine import tasks
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import HumanTask, StaffAssessment
    from app.records.assessment import process
    from tests.test_assessment import seed_month

    SHOTS.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        sm = app.appbuilder.sm
        actors = {u: Actor.from_user(sm.find_user(username=u)) for u in ("owner", "supervisor")}
    ids = seed_month(app, actors, 2022, 11, prefix="约谈浏览器客户")  # a month no KPI test counts
    with app.app_context():
        from datetime import date

        delivery = next(a for a in process.open_month(date(2022, 11, 1), Actor.system())
                        if a.department.code == "DELIVERY")
        review = db.session.query(HumanTask).filter_by(instance_id=delivery.process_instance_id,
                                                       element_id="review", state="open").one()
        supervisor = Actor.from_user(sm.find_user(username="supervisor"))
        if review.assignee_id is None:
            tasks.claim(review.id, actor=supervisor)
        tasks.complete(review.id, {"has_unsatisfactory": True}, actor=supervisor)
        pk = delivery.id
    base = live_server
    boss = sign_in(browser, base, "supervisor")
    boss.goto(f"{base}/lang/en")
    boss.goto(f"{base}/assessment/{pk}/")
    row = boss.locator(f"tr.assessment-line[data-user='{ids['field']}']")
    assert row.locator("form.assessment-interview").count() == 1
    shot(boss, SHOTS, "assessment_interview_form_en")
    row.locator("textarea[name=interview_notes]").fill("单独约谈：两单维修超期")
    row.locator("textarea[name=improvement_plan]").fill("每周复盘超期工单")
    row.locator("input[name=plan_deadline]").fill("2099-04-30")
    row.locator("form.assessment-interview button[type=submit]").click()
    boss.wait_for_selector(".alert-success")
    boss.goto(f"{base}/lang/zh")
    boss.goto(f"{base}/assessment/{pk}/")
    assert "每周复盘超期工单" in boss.inner_text(f"tr.assessment-line[data-user='{ids['field']}']")
    shot(boss, SHOTS, "assessment_interview_saved_zh")
    with app.app_context():
        assert db.session.get(StaffAssessment, pk).status == "confirmed"
