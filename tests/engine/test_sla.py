"""One SLA rule (``app/engine/sla.py``) for the inbox, the record lists, the reminder mails and the
KPIs: "at risk: the time left is at most 25 % of the window, never more than the last 4 hours;
work that arrives with less than 4 hours to go is at risk from the start"."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select

from app.engine import sla
from app.extensions import db
from app.models.base import UtcDateTime

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


@pytest.mark.parametrize("window, at_risk_before_due", [
    (48 * H, 4 * H),  # a 2-day deadline: the last 4 hours
    (10 * H, 2.5 * H),  # the last 25 %
    (4 * H, 1 * H),  # a 4-hour emergency: its last hour
    (3 * H, 3 * H),  # arrived with less than 4 hours to go: at risk at once
])
def test_when_work_becomes_at_risk(window, at_risk_before_due):
    due = T0 + window
    assert sla.Rule().at_risk_from(T0, due) == due - at_risk_before_due
    assert sla.state(due, start=T0, now=due - at_risk_before_due - timedelta(seconds=1)) == sla.ON_TIME
    assert sla.state(due, start=T0, now=due - at_risk_before_due) == sla.AT_RISK
    assert sla.state(due, start=T0, now=due) == sla.AT_RISK  # overdue is strictly after the due time
    assert sla.state(due, start=T0, now=due + timedelta(seconds=1)) == sla.OVERDUE


def test_finished_work_is_on_time_or_overdue_and_never_at_risk():
    due = T0 + 10 * H
    assert sla.state(due, start=T0, now=T0 + 50 * H, finished=due, closed=True) == sla.ON_TIME
    assert sla.state(due, start=T0, now=T0 + 9 * H, closed=True) == sla.ON_TIME
    assert sla.state(due, start=T0, now=T0, finished=due + H, closed=True) == sla.OVERDUE
    assert sla.state(None, start=T0, now=T0) == sla.NONE


def test_the_rule_comes_from_the_config(app_ctx):
    app_ctx.config.update(SLA_AT_RISK_SHARE=0.5, SLA_AT_RISK_HOURS=8)
    try:
        assert sla.rule() == sla.Rule(0.5, 8 * H)
        assert sla.state(T0 + 10 * H, start=T0, now=T0 + 5 * H) == sla.AT_RISK
    finally:
        app_ctx.config.update(SLA_AT_RISK_SHARE=0.25, SLA_AT_RISK_HOURS=4.0)
    assert sla.state(T0 + 10 * H, start=T0, now=T0 + 5 * H) == sla.ON_TIME


def test_the_sql_says_what_the_rule_says(app_ctx):
    """The inbox filter and the home counts (SQL) agree with each row's badge (Python), to the second."""
    starts_and_dues = [(T0, T0 + w) for w in (H, 3 * H, 4 * H, 10 * H, 48 * H)] + [(T0 + H, T0 + 2 * H)]
    nows = [T0 + k * timedelta(minutes=30) for k in range(-2, 100)]
    due_p, start_p = bindparam("due", type_=UtcDateTime()), bindparam("start", type_=UtcDateTime())
    for now in nows:
        query = select(*(sla.sql_state(name, due_p, start_p, now) for name in (sla.OVERDUE, sla.AT_RISK, sla.ON_TIME)))
        for start, due in starts_and_dues:
            overdue, at_risk, on_time = db.session.execute(query, {"due": due, "start": start}).one()
            expected = sla.state(due, start=start, now=now)
            assert [bool(overdue), bool(at_risk), bool(on_time)] == [
                expected == sla.OVERDUE, expected == sla.AT_RISK, expected == sla.ON_TIME], (start, due, now)
