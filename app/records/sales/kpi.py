"""Pre-sales KPIs over a period of local calendar days ``first``..``last`` (as app/records/kpi.py):

* **First-contact on-time rate** (第九条(一) 1个工作日内完成初步需求对接; 第十二条(一) 售前咨询1个工作日内响应):
  of the prospects received in the period whose first-contact deadline has passed or who were
  contacted, those contacted by the deadline (``first_contact_at <= first_contact_due``).
* **Answer on-time rate** (第九条(二) 疑问2个工作日内解答): of the customer's questions asked in the
  period that were answered or whose deadline passed, those answered by their deadline.
* **Win rate**: of the prospects decided in the period (won, lost or stopped), those won.

Each function returns ``(numerator, denominator)``; each ``*_rows`` function the drill-down: one
dict per record counted, with ``counted_in`` True for the numerator. The deadlines are the ones the
process set (the task's due date, from the SLA policy); a record without one gets the policy's."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.engine import clock, sla_policy
from app.extensions import db
from app.records.sales.models import Opportunity, PresalesQuestion


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight before ``first`` and after ``last``."""
    tz = clock.zone()
    start = datetime.combine(first, time(), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def _ratio(rows: list[dict]) -> tuple[int, int]:
    return sum(1 for r in rows if r["counted_in"]), len(rows)


def first_contact_rows(first: date, last: date, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or clock.now()
    start, end = bounds(first, last)
    out = []
    for opp in db.session.scalars(select(Opportunity).options(selectinload(Opportunity.customer))
                                  .where(Opportunity.received_at >= start, Opportunity.received_at < end)
                                  .order_by(Opportunity.received_at, Opportunity.id)):
        due = opp.first_contact_due or sla_policy.due("pre_sales", "first_contact", opp.received_at)
        if opp.first_contact_at is None and due > now:
            continue  # still within its day: not yet counted either way
        out.append({"number": opp.number, "customer": opp.customer.name if opp.customer else "",
                    "received_at": opp.received_at, "due_at": due, "first_contact_at": opp.first_contact_at,
                    "counted_in": opp.first_contact_at is not None and opp.first_contact_at <= due,
                    "id": opp.id})
    return out


def first_contact_on_time(first: date, last: date, now: datetime | None = None) -> tuple[int, int]:
    return _ratio(first_contact_rows(first, last, now))


def answer_rows(first: date, last: date, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or clock.now()
    start, end = bounds(first, last)
    out = []
    for q in db.session.scalars(select(PresalesQuestion).options(selectinload(PresalesQuestion.opportunity))
                                .where(PresalesQuestion.asked_at >= start, PresalesQuestion.asked_at < end)
                                .order_by(PresalesQuestion.asked_at, PresalesQuestion.id)):
        due = q.due_at or sla_policy.due("pre_sales", "answer", q.asked_at)
        if q.answered_at is None and due > now:
            continue
        out.append({"number": q.opportunity.number if q.opportunity else "", "question": q.question,
                    "asked_at": q.asked_at, "due_at": due, "answered_at": q.answered_at,
                    "escalated_at": q.escalated_at,
                    "counted_in": q.answered_at is not None and q.answered_at <= due,
                    "id": q.opportunity_id})
    return out


def answer_on_time(first: date, last: date, now: datetime | None = None) -> tuple[int, int]:
    return _ratio(answer_rows(first, last, now))


def win_rows(first: date, last: date) -> list[dict[str, Any]]:
    start, end = bounds(first, last)
    out = []
    for opp in db.session.scalars(select(Opportunity).options(selectinload(Opportunity.customer))
                                  .where(Opportunity.outcome.is_not(None), Opportunity.decided_at >= start,
                                         Opportunity.decided_at < end)
                                  .order_by(Opportunity.decided_at, Opportunity.id)):
        out.append({"number": opp.number, "customer": opp.customer.name if opp.customer else "",
                    "received_at": opp.received_at, "decided_at": opp.decided_at, "outcome": opp.outcome,
                    "lost_reason": opp.lost_reason, "counted_in": opp.outcome == "won", "id": opp.id})
    return out


def win_rate(first: date, last: date) -> tuple[int, int]:
    return _ratio(win_rows(first, last))
