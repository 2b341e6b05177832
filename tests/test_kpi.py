"""Reports → KPIs: the four KPIs counted by hand on a week of known records (March 2023, a
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
    from app.extensions import db
    from app.models import Complaint, ServiceRequest, Survey

    customer_id, _contact, _name = make_customer(app, prefix="指标客户")
    with app.app_context():
        def request(created, accepted, rtype, due, resolved=None):
            return ServiceRequest(customer_id=customer_id, type=rtype, created_at=created, accepted_at=accepted,
                                  due_at=due, resolved_at=resolved, status="resolved" if resolved else "accepted")
        db.session.add_all([
            request(at(6, 10), at(6, 10, 20), "routine_fault", at(8, 18), resolved=at(7, 15)),  # 20 min; on time
            request(at(10, 17, 50), at(13, 9, 15), "general_question", at(13, 18)),  # 10 + 15 working minutes
            request(at(7, 9), at(7, 10), "complex_fault", at(9, 18), resolved=at(10, 11)),  # 60 min; late repair
            request(at(8, 11), None, "routine_fault", at(10, 18)),  # never accepted; repair still open: late
            request(at(20, 10), at(20, 10, 5), "routine_fault", at(21, 18)),  # another week: not counted
        ])
        db.session.add_all([Survey(customer_id=customer_id, score=s, answered_at=at(d, 12))
                            for s, d in ((5, 6), (4, 7), (3, 8), (5, 9), (1, 13))]
                           + [Survey(customer_id=customer_id, score=None, answered_at=at(9, 12))])
        db.session.add(Complaint(customer_id=customer_id, matter="响应太慢", received_at=at(9, 14)))
        db.session.commit()


def test_the_four_kpis_counted_by_hand(app, week):
    from app.records import kpi

    with app.app_context():
        k = kpi.period_kpis(FIRST, LAST)
    assert (k.satisfaction.num, k.satisfaction.den) == (3, 4) and k.satisfaction_met is False
    assert k.average_score == pytest.approx(4.25)
    assert (k.complaint_rate.num, k.complaint_rate.den) == (1, 4)
    assert (k.accepted_in_time.num, k.accepted_in_time.den) == (2, 4)  # 20 and 25 minutes; 60, and one waiting
    assert k.median_accept_minutes == 25
    assert (k.on_time_repairs.num, k.on_time_repairs.den) == (1, 3)


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
