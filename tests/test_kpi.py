"""Reports → KPIs: the KPIs counted by hand on a week of known records (March 2023, a
period no other test writes to), the period checks, and the page per role."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.records_helpers import make_customer

SH = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2023, 3, 6), date(2023, 3, 10)  # Monday to Friday


def at(day, hour, minute=0):
    return datetime(2023, 3, day, hour, minute, tzinfo=SH)


@pytest.fixture(scope="module")
def week(app):
    """Customers A, B, C, D. Requests: A routine (reply 20 min, arrived on time), B question (reply 10+15
    working minutes over the weekend), A complex (reply 60 min, arrived after the deadline), C routine
    (no reply yet, visit booked but nobody arrived), A next week (not counted). Complaints from C and D.
    Answers: A's first request twice (link 3, then phone 5: the latest counts), B 4, C's complaint 3,
    one answer with no event 5, one after the week 1, one unanswered."""
    from app.extensions import db
    from app.models import Complaint, FieldServiceRecord, ServiceRequest, Survey

    a, b, c, d = (make_customer(app, prefix=f"指标客户{x}")[0] for x in "ABCD")
    with app.app_context():
        def request(customer, created, reply, rtype, due, arrived=None, visit=False):
            sr = ServiceRequest(customer_id=customer, type=rtype, created_at=created, accepted_at=reply,
                                first_reply_at=reply, due_at=due, status="accepted")
            if visit or arrived:
                sr.field_records.append(FieldServiceRecord(appointment_at=due, arrived_at=arrived))
            return sr
        r1 = request(a, at(6, 10), at(6, 10, 20), "routine_fault", at(8, 18), arrived=at(7, 15))
        r2 = request(b, at(10, 17, 50), at(13, 9, 15), "general_question", at(13, 18))
        r3 = request(a, at(7, 9), at(7, 10), "complex_fault", at(9, 18), arrived=at(10, 11))
        r4 = request(c, at(8, 11), None, "routine_fault", at(10, 18), visit=True)
        r5 = request(a, at(20, 10), at(20, 10, 5), "routine_fault", at(21, 18), arrived=at(21, 9))
        cp_c = Complaint(customer_id=c, matter="响应太慢", received_at=at(9, 14))
        cp_d = Complaint(customer_id=d, matter="报价不清", received_at=at(8, 9))
        db.session.add_all([r1, r2, r3, r4, r5, cp_c, cp_d])
        db.session.flush()
        db.session.add_all([
            Survey(customer_id=a, service_request_id=r1.id, channel="link", score=3, answered_at=at(6, 12)),
            Survey(customer_id=a, service_request_id=r1.id, channel="phone", score=5, answered_at=at(7, 12)),
            Survey(customer_id=b, service_request_id=r2.id, channel="phone", score=4, answered_at=at(8, 12)),
            Survey(customer_id=c, complaint_id=cp_c.id, channel="phone", score=3, answered_at=at(9, 16)),
            Survey(customer_id=d, channel="link", score=5, answered_at=at(9, 12)),
            Survey(customer_id=a, channel="link", score=1, answered_at=at(13, 12)),
            Survey(customer_id=b, channel="link", score=None, answered_at=at(9, 12)),
        ])
        db.session.commit()


def test_the_kpis_counted_by_hand(app, week):
    """《空调部门客户服务管理制度》 四、顾客服务质量考核: 投诉率=投诉顾客数量/总服务顾客数量×100%; 咨询响应时间:
    从发起至首次得到回复; 维修及时率=及时维修的订单数量/总维修订单数量×100% (接到维修通知至到达维修现场);
    《机器人集成公司客户服务优化管理制度》 第十二条(二) 客户满意度不低于90%, 第十三条(二) 线上问卷、电话回访."""
    from app.records import kpi

    with app.app_context():
        k = kpi.period_kpis(FIRST, LAST)
        details = {name: kpi.detail(name, FIRST, LAST) for name in kpi.DETAILS}
    assert (k.satisfaction.num, k.satisfaction.den) == (3, 4) and k.satisfaction_met is False  # one per event
    assert k.average_score == pytest.approx(4.25)  # 5 (latest of A's first request), 4, 3, 5
    assert (k.complaint_rate.num, k.complaint_rate.den) == (2, 4)  # customers C and D of A, B, C, D
    assert (k.accepted_in_time.num, k.accepted_in_time.den) == (2, 4)  # 20 and 25 minutes; 60, and none yet
    assert k.median_accept_minutes == 25
    assert (k.on_time_repairs.num, k.on_time_repairs.den) == (1, 3)  # arrived in time; late; never arrived
    assert k.standard_execution.value is None  # no inspections recorded: no value, never 0 %
    # the drill-down lists exactly what each figure counted
    assert sum(r["satisfied"] for r in details["satisfaction"]) == 3 and len(details["satisfaction"]) == 4
    assert {r["channel"] for r in details["satisfaction"]} == {"phone", "link"}
    assert sum(r["complained"] for r in details["complaint_rate"]) == 2 and len(details["complaint_rate"]) == 4
    assert sorted(r["minutes"] for r in details["response"] if r["minutes"] is not None) == [20, 25, 60]
    assert [r["in_time"] for r in details["repairs"]] == [True, False, False]


def test_an_empty_period_has_no_values_rather_than_zeros(app):
    from app.records import kpi

    with app.app_context():
        k = kpi.period_kpis(date(2001, 1, 1), date(2001, 1, 31))
    assert k.satisfaction.value is None and k.satisfaction_met is None and k.median_accept_minutes is None
    assert k.complaint_rate.den == 0 and k.on_time_repairs.value is None


def test_periods_run_forward_and_span_at_most_a_year(app):
    from app.records import kpi

    with app.app_context():
        for first, last in ((LAST, FIRST), (date(2022, 1, 1), date(2023, 1, 2)), (date(1, 1, 1), date(1, 1, 2))):
            with pytest.raises(ValueError):
                kpi.period_kpis(first, last)


def test_month_starts_cross_the_year():
    from app.records.kpi import month_starts

    assert month_starts(date(2026, 2, 14), 4) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1),
                                                   date(2026, 2, 1)]


def test_kpi_page_shows_the_period_and_names_bad_fields(login_as, week):
    boss = login_as("supervisor")
    html = boss.get("/kpi/?from=2023-03-06&to=2023-03-10").get_data(as_text=True)
    assert 'id="kpi-satisfaction"' in html and "75.0%" in html and "kpi-missed" in html
    assert "25 分钟" in html and "2/4" in html and "33.3%" in html
    assert html.count('class="kpi-month"') == 6
    bad = boss.get("/kpi/?from=2023-13-01&to=x", follow_redirects=True).get_data(as_text=True)
    assert "“2023-13-01”" in bad and "“x”" in bad  # each bad field named; the default period shown
    ancient = boss.get("/kpi/?from=0001-01-01&to=0001-01-05")  # would overflow at local midnight
    assert ancient.status_code == 200 and "“0001-01-01”" in ancient.get_data(as_text=True)
    backwards = boss.get("/kpi/?from=2023-03-10&to=2023-03-06").get_data(as_text=True)
    assert "结束日期早于开始日期" in backwards
    long = boss.get("/kpi/?from=2020-01-01&to=2023-03-06").get_data(as_text=True)
    assert 'value="2020-12-31"' in long  # clamped to 366 days, and said so
    assert "统计期最长" in long


@pytest.mark.parametrize("user, allowed", [("admin", True), ("owner", True), ("supervisor", True),
                                           ("viewer", True), ("agent", False), ("tech", False)])
def test_who_sees_kpis(login_as, user, allowed):
    resp = login_as(user).get("/kpi/")
    assert (resp.status_code == 200) is allowed
    assert ('href="/kpi/"' in login_as(user).get("/").get_data(as_text=True)) is allowed


def test_each_figure_drills_down_to_its_records_on_the_page_in_csv_and_in_the_api(app, login_as, week):
    boss = login_as("supervisor")
    page = boss.get("/kpi/?from=2023-03-06&to=2023-03-10").get_data(as_text=True)
    service = page.split('id="kpi-lifecycle"')[0]  # the five service KPIs (pre-sales and delivery follow)
    assert service.count('class="kpi-drill"') == 5 and 'id="kpi-standards"' in page
    rows = boss.get("/kpi/detail/complaint_rate/?from=2023-03-06&to=2023-03-10").get_data(as_text=True)
    assert rows.count("指标客户") == 4 and rows.count("<td>是</td>") == 2  # four served, two complained
    csv = boss.get("/kpi/detail/repairs/?from=2023-03-06&to=2023-03-10&format=csv").get_data(as_text=True)
    assert csv.count("\n") == 4  # header + the three repair orders
    xlsx = boss.get("/kpi/detail/satisfaction/?from=2023-03-06&to=2023-03-10&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert boss.get("/kpi/detail/nonsense/").status_code == 404
    api = boss.get("/api/v1/kpis/detail/response?from=2023-03-06&to=2023-03-10")
    assert api.status_code == 200 and len(api.get_json()["rows"]) == 4
    summary = boss.get("/api/v1/kpis/?from=2023-03-06&to=2023-03-10").get_json()
    assert summary["complaint_rate"] == {"num": 2, "den": 4, "value": 0.5}
    assert summary["standard_execution"]["value"] is None


# --------------------------------------------------------------------------- per person and per department
APRIL = (date(2023, 4, 1), date(2023, 4, 30))  # a month no other test writes to


def on(day, hour, minute=0):
    return datetime(2023, 4, day, hour, minute, tzinfo=SH)


HISTORY_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_{key}"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:startEvent id="start" name="开始 / Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
    <bpmn:endEvent id="end" name="结束 / End"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def history_instance(key="kpi_history_test"):
    """A process instance to hang task history on (the records' own process is not run here): a real,
    completed instance of a start-to-end process, so that every page and API that opens it can read it."""
    from flask import current_app

    from app.engine import definitions, runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import ProcessDefinition

    owner = Actor.from_user(current_app.appbuilder.sm.find_user(username="owner"))
    if db.session.query(ProcessDefinition.id).filter_by(key=key).first() is None:
        definitions.deploy(HISTORY_BPMN.format(key=key), actor=owner, filename=f"{key}.bpmn")
    return runtime.start_process(key, actor=owner, commit=False)


def test_history_instances_open_like_any_other(app):
    """The instances the KPI and assessment tests hang history on stay in the shared database, where
    the API fuzzing of tests/security opens any instance id: each must read like a real one."""
    from app.engine import runtime
    from app.extensions import db

    with app.app_context():
        inst = history_instance("kpi_history_readable")
        assert inst.status == "completed"
        assert runtime.variables_of(inst)["starter"] == "owner"
        db.session.rollback()


def step(inst, element, *, done_by=None, at=None, holder=None):
    from app.models import HumanTask

    return HumanTask(instance_id=inst.id, task_guid=f"{inst.id}-{element}", element_id=element, name=element,
                     process_key=inst.process_key, process_name=inst.process_key,
                     state="completed" if done_by else "open", completed_by_id=done_by, completed_at=at,
                     assignee_id=done_by or holder, created_at=at or on(1, 9))


def user_id(username):
    from app.extensions import db
    from flask_appbuilder.security.sqla.models import User

    return db.session.query(User.id).filter_by(username=username).scalar()


@pytest.fixture(scope="module")
def april(app):
    """Customers A, B, C. R1 (A, routine fault): the agent accepted and reached the customer after 20 min;
    engineer `field` arrived in time. R2 (B, question): the agent accepted at 9:40 without reaching the
    customer; `tech` answered remotely at 11:00 (the first reply: tech's). R3 (C, routine): the accept
    step held by the agent, no reply (late: the agent's). Complaint from B, rectified by `supervisor`.
    Answers: R1 5 (the engineer's), R2 4 (tech's), B's complaint 2 (supervisor's), one about no event 5."""
    from app.extensions import db
    from app.models import Complaint, FieldServiceRecord, ServiceRequest, Survey

    a, b, c = (make_customer(app, prefix=f"月度客户{x}")[0] for x in "ABC")
    with app.app_context():
        agent, tech, field, boss = (user_id(u) for u in ("agent", "tech", "field", "supervisor"))
        i1, i2, i3, i4 = (history_instance() for _ in range(4))
        r1 = ServiceRequest(customer_id=a, type="routine_fault", created_at=on(3, 10), first_reply_at=on(3, 10, 20),
                            due_at=on(6, 18), resolved_at=on(5, 12), process_instance_id=i1.id, status="resolved")
        r1.field_records.append(FieldServiceRecord(engineer_id=field, appointment_at=on(5, 9), arrived_at=on(5, 9)))
        r2 = ServiceRequest(customer_id=b, type="general_question", created_at=on(4, 9, 30),
                            first_reply_at=on(4, 11), due_at=on(5, 18), process_instance_id=i2.id, status="accepted")
        r3 = ServiceRequest(customer_id=c, type="routine_fault", created_at=on(5, 10), due_at=on(10, 18),
                            process_instance_id=i3.id, status="new")
        cp = Complaint(customer_id=b, matter="答复太慢", received_at=on(6, 14), process_instance_id=i4.id)
        db.session.add_all([r1, r2, r3, cp,
                            step(i1, "accept", done_by=agent, at=on(3, 10, 20)),
                            step(i2, "accept", done_by=agent, at=on(4, 9, 40)),
                            step(i2, "diagnose", done_by=tech, at=on(4, 11)),
                            step(i3, "accept", holder=agent),
                            step(i4, "register", done_by=agent, at=on(6, 14)),
                            step(i4, "rectify", done_by=boss, at=on(7, 10))])
        db.session.flush()
        db.session.add_all([
            Survey(customer_id=a, service_request_id=r1.id, channel="phone", score=5, answered_at=on(7, 12)),
            Survey(customer_id=b, service_request_id=r2.id, channel="link", score=4, answered_at=on(7, 12)),
            Survey(customer_id=b, complaint_id=cp.id, channel="phone", score=2, answered_at=on(10, 12)),
            Survey(customer_id=c, channel="link", score=5, answered_at=on(11, 12)),
        ])
        db.session.commit()
        return {"agent": agent, "tech": tech, "field": field, "supervisor": boss}


def _ratios(group):
    return {name: (getattr(group, name).num, getattr(group, name).den)
            for name in ("satisfaction", "complaint_rate", "accepted_in_time", "on_time_repairs")}


def test_each_figure_per_person_names_whoever_was_responsible(app, april):
    """《空调部门客户服务管理制度》 四、1.考核指标: 咨询响应时间 … 考核咨询接待人员的响应及时性; 维修及时率: 统计维修人员
    从接到维修通知至到达维修现场的时间; 2.考核方式: 每月对顾客服务人员的各项考核指标进行统计和分析.
    《机器人集成公司客户服务优化管理制度》 第十三条(二) 评价结果作为服务人员绩效考核的重要依据."""
    from app.records import kpi

    with app.app_context():
        groups = {g.key: g for g in kpi.breakdown(*APRIL, "person")}
        total = kpi.period_kpis(*APRIL)
    ids = {name: str(uid) for name, uid in april.items()}
    assert _ratios(groups[ids["agent"]]) == {"satisfaction": (0, 0), "complaint_rate": (0, 2),
                                             "accepted_in_time": (1, 2), "on_time_repairs": (0, 0)}
    assert _ratios(groups[ids["tech"]]) == {"satisfaction": (1, 1), "complaint_rate": (1, 1),
                                            "accepted_in_time": (0, 1), "on_time_repairs": (0, 0)}
    assert _ratios(groups[ids["field"]])["satisfaction"] == (1, 1)  # the visit's engineer, not the agent
    assert _ratios(groups[ids["field"]])["on_time_repairs"] == (1, 1)
    assert _ratios(groups[ids["supervisor"]])["satisfaction"] == (0, 1)  # the complaint's handler
    assert _ratios(groups[kpi.NOBODY])["satisfaction"] == (1, 1)  # an answer about no event
    assert groups[ids["agent"]].department == "CS" and groups[ids["field"]].department == "DELIVERY"
    # one person per record: the rows add up to the totals; the complaint rate counts customers per server
    for name in ("satisfaction", "accepted_in_time", "on_time_repairs"):
        assert sum(getattr(g, name).num for g in groups.values()) == getattr(total, name).num
        assert sum(getattr(g, name).den for g in groups.values()) == getattr(total, name).den
    assert (total.complaint_rate.num, total.complaint_rate.den) == (1, 3)
    assert sum(g.complaint_rate.den for g in groups.values()) == 4  # B served by tech and by the supervisor


def test_per_department_adds_up_and_the_drill_down_filters(app, april):
    """《空调部门客户服务管理制度》 四、2.考核方式 定期考核: 每月对顾客服务人员的各项考核指标进行统计和分析，形成考核报告."""
    from app.records import kpi

    with app.app_context():
        groups = {g.key: g for g in kpi.breakdown(*APRIL, "department")}
        total = kpi.period_kpis(*APRIL)
        cs_response = kpi.detail("response", *APRIL, department="CS")
        tech_sat = kpi.detail("satisfaction", *APRIL, person=str(april["tech"]))
        nobody = kpi.detail("satisfaction", *APRIL, person=kpi.NOBODY)
    assert _ratios(groups["CS"])["accepted_in_time"] == (1, 2) and _ratios(groups["CS"])["complaint_rate"] == (1, 3)
    assert _ratios(groups["TECH"])["accepted_in_time"] == (0, 1)
    for name in ("satisfaction", "accepted_in_time", "on_time_repairs"):
        assert sum(getattr(g, name).den for g in groups.values()) == getattr(total, name).den
        assert sum(getattr(g, name).num for g in groups.values()) == getattr(total, name).num
    assert len(cs_response) == 2 and {r["departments"][0] for r in cs_response} == {"CS"}
    assert [r["score"] for r in tech_sat] == [4] and tech_sat[0]["person"] == "张 工程师"
    assert [r["score"] for r in nobody] == [5] and nobody[0]["people"] == []


def test_breakdown_on_the_page_in_csv_and_in_the_api(app, login_as, april):
    boss = login_as("supervisor")
    period = "from=2023-04-01&to=2023-04-30"
    page = boss.get(f"/kpi/?{period}&by=person").get_data(as_text=True)
    assert 'id="kpi-by-table"' in page and page.count('class="kpi-group"') == 5  # four people + not attributed
    assert "张 工程师" in page and "未归属" in page and "技术部" in page
    assert f"person={april['tech']}" in page  # each figure links to its records
    rows = boss.get(f"/kpi/detail/response/?{period}&person={april['agent']}").get_data(as_text=True)
    assert rows.count("<tr>") == 3 and "李 客服" in rows  # header + R1 and R3
    by_dept = boss.get(f"/kpi/?{period}&by=department").get_data(as_text=True)
    assert "客户服务部" in by_dept and "项目交付部" in by_dept
    csv = boss.get(f"/kpi/breakdown/?{period}&by=department&format=csv").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("部门") and "客户服务部" in csv and "50.0% (1/2)" in csv
    xlsx = boss.get(f"/kpi/breakdown/?{period}&by=person&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    detail_csv = boss.get(f"/kpi/detail/satisfaction/?{period}&department=TECH&format=csv").get_data(as_text=True)
    assert detail_csv.count("\n") == 2 and "技术部" in detail_csv
    assert boss.get(f"/kpi/detail/response/?{period}&person=x").status_code == 404
    api = boss.get(f"/api/v1/kpis/breakdown?{period}&by=person").get_json()
    tech = next(g for g in api["groups"] if g["username"] == "tech")
    assert tech["accepted_in_time"] == {"num": 0, "den": 1, "value": 0.0} and tech["department"] == "TECH"
    assert tech["standard_execution"]["value"] is None
    filtered = boss.get(f"/api/v1/kpis/detail/response?{period}&person={april['agent']}").get_json()
    assert len(filtered["rows"]) == 2 and all(r["people"] == [april["agent"]] for r in filtered["rows"])
    bad = boss.get(f"/api/v1/kpis/breakdown?{period}&by=team")
    assert bad.status_code == 422 and "by" in bad.get_data(as_text=True)


def test_service_standard_rate_counts_the_services_judged_in_the_spot_checks(app, login_as):
    """《空调部门客户服务管理制度》 考核指标: 服务规范执行率 = 合规服务数 / 总服务数 × 100%; the services are
    those judged in the daily spot checks (《机器人集成公司客户服务优化管理制度》 质量监测: 部门负责人每日抽查服务记录),
    compliant when appearance, manners, process and records are all met."""
    from app.extensions import db
    from app.models import Department, ServiceRequest
    from app.records.quality.models import SpotCheck, SpotCheckItem

    def when(day, hour):
        return datetime(2023, 2, day, hour, tzinfo=SH)  # February 2023: no other test judges services then

    with app.app_context():
        dept = db.session.query(Department).first()
        agent = app.appbuilder.sm.find_user(username="agent").id
        tech = app.appbuilder.sm.find_user(username="tech").id
        requests = [ServiceRequest(customer_id=make_customer(app, prefix="规范客户")[0], type="routine_fault",
                                   created_at=when(1, 9), status="accepted") for _ in range(3)]
        db.session.add_all(requests)
        db.session.flush()
        check = SpotCheck(number="SC-KPI-1", check_date=date(2023, 2, 6), department_id=dept.id, status="done")
        check.items = [
            SpotCheckItem(service_request_id=requests[0].id, person_id=agent, appearance=True, manners=True,
                          procedure=True, records=True, compliant=True, checked_at=when(6, 10)),
            SpotCheckItem(service_request_id=requests[1].id, person_id=tech, appearance=True, manners=False,
                          procedure=True, records=True, compliant=False, checked_at=when(7, 10)),
            SpotCheckItem(service_request_id=requests[2].id, person_id=agent, appearance=True, manners=True,
                          procedure=True, records=True, compliant=True, checked_at=when(27, 10)),  # next period
        ]
        db.session.add(check)
        db.session.commit()
    boss = login_as("supervisor")
    summary = boss.get("/api/v1/kpis/?from=2023-02-01&to=2023-02-14").get_json()
    assert summary["standard_execution"] == {"num": 1, "den": 2, "value": 0.5}
    rows = boss.get("/api/v1/kpis/detail/standard?from=2023-02-01&to=2023-02-14").get_json()["rows"]
    assert sorted(r["compliant"] for r in rows) == [False, True]
    by_person = boss.get("/api/v1/kpis/breakdown?by=person&from=2023-02-01&to=2023-02-14").get_json()
    figures = {g["key"]: g["standard_execution"] for g in by_person["groups"]}
    assert figures[str(agent)]["num"] == 1 and figures[str(tech)] == {"num": 0, "den": 1, "value": 0.0}
    page = boss.get("/kpi/detail/standard/?from=2023-02-01&to=2023-02-14").get_data(as_text=True)
    assert "SC-KPI-1" in page


@pytest.mark.parametrize("user", ["supervisor", "viewer"])
def test_the_kpi_page_carries_the_pre_sales_and_delivery_figures_its_reader_may_open(app, login_as, user):
    """第九條(一) "需在1個工作日內完成初步需求對接"; (二) "需在2個工作日內給予清晰、專業的解答"; 第十條(一)
    "項目合同簽訂後…在3個工作日內與客戶開展合同交底工作"; (二) "每月至少2次向客戶反饋項目進展情況".
    One KPI page for the whole service lifecycle: the pre-sales figures (first contact in 1 working day,
    answers in 2, win rate) and the in-sales ones (handover on time, progress reports), counted by their
    own modules, each linking to the records it counted — shown only to a reader who may open those pages."""
    import re

    from app.engine import clock
    from app.records.delivery import kpi as delivery_kpi
    from app.records.sales import kpi as sales_kpi

    html = login_as(user).get("/kpi/?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    with app.app_context():
        sm = app.appbuilder.sm
        reader = sm.find_user(username=user)
        roles = [r.name for r in reader.roles]
        may_presales = any(sm._has_access_builtin_roles(r, "read", "PresalesLedger") for r in reader.roles)
        may_delivery = any(sm._has_access_builtin_roles(r, "read", "Delivery") for r in reader.roles)
        first, last, now = date(2026, 1, 1), date(2026, 12, 31), clock.now()
        expected = {}
        if may_presales:
            expected.update(first_contact=sales_kpi.first_contact_on_time(first, last, now),
                            answers=sales_kpi.answer_on_time(first, last, now), wins=sales_kpi.win_rate(first, last))
        if may_delivery:
            expected.update(handover=delivery_kpi.handover_on_time(first, last),
                            progress=delivery_kpi.progress_compliance(first, last))
    assert expected or user == "viewer", roles  # a supervisor sees both parts
    for name in ("first_contact", "answers", "wins", "handover", "progress"):
        card = re.search(rf'id="kpi-{name}">(.*?)</div>\s*</div>', html, re.S)
        if name not in expected:
            assert card is None, name
            continue
        n, d = expected[name]
        assert card is not None, name
        assert f"{d} 项中 {n} 项" in card.group(1) or f"{n} of {d}" in card.group(1), name
        assert ("/presales/ledger/" if name in ("first_contact", "answers", "wins") else "/kpi/" + name) in card.group(1)
