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
    assert page.count('class="kpi-drill"') == 4 and 'id="kpi-standards"' in page
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
