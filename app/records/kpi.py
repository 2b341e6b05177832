"""The customer's service KPIs over a period of local calendar days, exactly as the rules define them
(《空调部门客户服务管理制度》 四、顾客服务质量考核; 《机器人集成公司客户服务优化管理制度》 第十二条):

* **Satisfaction** (target >= 90 %): of the service events (a request, a complaint, or an answer
  with neither) answered in the period on any channel the rules name (online survey link, phone
  return visit, the processes' satisfaction steps, results typed in from a phone call), those whose
  latest answer scored 4 or 5. One result per event; every answer stays a row with its channel.
* **Complaint rate** = complaining customers / customers served × 100 %: distinct customers with a
  complaint received in the period, out of distinct customers with a request or complaint received
  in it (投诉率=投诉顾客数量/总服务顾客数量×100%).
* **Response time**: from the customer's first contact (the request's receipt) to the first reply
  (``first_reply_at``: the agent reached the customer at acceptance, the on-call engineer was
  dispatched, or a remote answer was given), in working minutes (24-hour minutes for stoppages);
  the median, and the share replied within the SLA policy's 30 working minutes; a request still
  without reply once its deadline passed counts as late (咨询响应时间).
* **On-time repair rate** = repair orders whose engineer reached the site in time / repair orders
  (维修及时率): fault and stoppage requests with a field visit whose deadline fell in the period and
  has passed; in time = the first arrival on site (``FieldServiceRecord.arrived_at``) by the
  request's deadline.
* **Service-standard execution rate** = compliant services / services inspected (服务规范执行率):
  not measured until service inspections are recorded (quality issue); shown as "—", never 0.

Every figure keeps its numerator and denominator, and ``detail`` lists the records it counted.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from app.engine import clock, sla_policy, work_calendar
from app.extensions import db
from app.models import Complaint, Customer, FieldServiceRecord, ServiceRequest, Survey

SATISFIED_SCORE = 4
SATISFACTION_TARGET = 0.90
ACCEPT_MINUTES = sla_policy.minutes("after_sales", "accept")  # 30 working minutes
REPAIR_TYPES = ("routine_fault", "complex_fault", "emergency_stoppage")
MAX_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # beyond these, local midnight may not convert


@dataclass(frozen=True)
class Ratio:
    num: int
    den: int

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None


@dataclass
class Kpis:
    first: date
    last: date
    satisfaction: Ratio
    average_score: float | None
    complaint_rate: Ratio
    accepted_in_time: Ratio  # replied within the policy's minutes (the response-time KPI)
    median_accept_minutes: float | None  # median minutes to the first reply
    on_time_repairs: Ratio
    standard_execution: Ratio = Ratio(0, 0)  # no inspections recorded yet: no value

    @property
    def satisfaction_met(self) -> bool | None:
        value = self.satisfaction.value
        return None if value is None else value >= SATISFACTION_TARGET


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight before ``first`` and after ``last``."""
    tz = clock.zone()
    start = datetime.combine(first, time(), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def period_problem(first: date, last: date) -> tuple[str, str] | None:
    """(field, reason) when (first, last) is no period: ``from`` or ``to`` is the field to fix."""
    for name, day in (("from", first), ("to", last)):
        if not EARLIEST <= day <= LATEST:
            return name, f"dates lie between {EARLIEST} and {LATEST}"
    if last < first:
        return "to", "the period ends before it starts"
    if (last - first).days >= MAX_DAYS:
        return "to", f"a period spans at most {MAX_DAYS} days"
    return None


def period_kpis(first: date, last: date, now: datetime | None = None) -> Kpis:
    problem = period_problem(first, last)
    if problem:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    now = now or clock.now()
    start, end = bounds(first, last)
    results = satisfaction_results(start, end)
    scores = [r["score"] for r in results]
    replies = _replies(start, end, now)
    minutes = [r["minutes"] for r in replies if r["minutes"] is not None]
    return Kpis(first=first, last=last,
                satisfaction=Ratio(sum(1 for r in results if r["satisfied"]), len(results)),
                average_score=statistics.fmean(scores) if scores else None,
                complaint_rate=_complaint_rate(start, end),
                accepted_in_time=Ratio(sum(1 for r in replies if r["in_time"]), len(replies)),
                median_accept_minutes=statistics.median(minutes) if minutes else None,
                on_time_repairs=Ratio(*_count(repair_orders(start, min(end, now)))))


def _count(rows: list[dict]) -> tuple[int, int]:
    return sum(1 for r in rows if r["in_time"]), len(rows)


# --------------------------------------------------------------------------- what each figure counted

def satisfaction_results(start: datetime, end: datetime) -> list[dict]:
    """One result per service event answered in the period: its latest answer (any channel)."""
    rows = db.session.execute(
        select(Survey.id, Survey.service_request_id, Survey.complaint_id, Survey.customer_id, Survey.channel,
               Survey.score, Survey.answered_at, ServiceRequest.number.label("request_number"),
               Complaint.number.label("complaint_number"))
        .outerjoin(ServiceRequest, ServiceRequest.id == Survey.service_request_id)
        .outerjoin(Complaint, Complaint.id == Survey.complaint_id)
        .where(Survey.answered_at >= start, Survey.answered_at < end, Survey.score.is_not(None))
        .order_by(Survey.answered_at, Survey.id)).all()
    latest: dict[tuple, dict] = {}
    for r in rows:
        event = ("request", r.service_request_id) if r.service_request_id else (
            ("complaint", r.complaint_id) if r.complaint_id else ("survey", r.id))
        latest[event] = {"survey_id": r.id, "event": f"{event[0]}:{event[1]}", "customer_id": r.customer_id,
                         "record": r.request_number or r.complaint_number, "channel": r.channel, "score": r.score,
                         "answered_at": r.answered_at, "satisfied": r.score >= SATISFIED_SCORE}
    return list(latest.values())


def _complaint_rate(start: datetime, end: datetime) -> Ratio:
    rows = complaint_customers(start, end)
    return Ratio(sum(1 for r in rows if r["complained"]), len(rows))


def complaint_customers(start: datetime, end: datetime) -> list[dict]:
    """Every customer served in the period (a request or a complaint received), and whether they complained."""
    served = set(db.session.scalars(select(ServiceRequest.customer_id).where(
        ServiceRequest.created_at >= start, ServiceRequest.created_at < end)))
    complained = set(db.session.scalars(select(Complaint.customer_id).where(
        Complaint.received_at >= start, Complaint.received_at < end)))
    names = dict(db.session.execute(select(Customer.id, Customer.name)
                                    .where(Customer.id.in_(served | complained))).all()) if served | complained else {}
    return [{"customer_id": cid, "customer": names.get(cid, ""), "complained": cid in complained}
            for cid in sorted(served | complained)]


def _replies(start: datetime, end: datetime, now: datetime) -> list[dict]:
    """Requests received in the period with minutes to the first reply, and whether in time."""
    cal = work_calendar.current()
    rows = db.session.execute(select(ServiceRequest.id, ServiceRequest.number, ServiceRequest.type,
                                     ServiceRequest.created_at, ServiceRequest.first_reply_at)
                              .where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
                              .order_by(ServiceRequest.created_at)).all()
    out = []
    for r in rows:
        stoppage = r.type == "emergency_stoppage"
        due = (sla_policy.due("emergency_stoppage", "respond", r.created_at) if stoppage
               else cal.add_working_minutes(r.created_at, ACCEPT_MINUTES))
        if r.first_reply_at is None and due >= now:
            continue  # still within its time: not counted yet
        minutes = None
        if r.first_reply_at is not None:
            minutes = ((r.first_reply_at - r.created_at).total_seconds() / 60 if stoppage
                       else max(cal.working_minutes_between(r.created_at, r.first_reply_at), 0))
        out.append({"request_id": r.id, "number": r.number, "received_at": r.created_at,
                    "first_reply_at": r.first_reply_at, "minutes": minutes,
                    "in_time": r.first_reply_at is not None and r.first_reply_at <= due})
    return out


def response_rows(start: datetime, end: datetime, now: datetime | None = None) -> list[dict]:
    return _replies(start, end, now or clock.now())


def repair_orders(start: datetime, until: datetime) -> list[dict]:
    """Fault and stoppage requests with a field visit, due in the period (and already due): in time when
    the engineer first reached the site by the request's deadline."""
    r, f = ServiceRequest, FieldServiceRecord
    arrived = (select(f.service_request_id, func.min(f.arrived_at).label("arrived_at"))
               .group_by(f.service_request_id).subquery())
    rows = db.session.execute(select(r.id, r.number, r.due_at, arrived.c.arrived_at)
                              .join(arrived, arrived.c.service_request_id == r.id)
                              .where(r.type.in_(REPAIR_TYPES), r.due_at >= start, r.due_at < until)
                              .order_by(r.due_at)).all()
    return [{"request_id": row.id, "number": row.number, "due_at": row.due_at, "arrived_at": row.arrived_at,
             "in_time": row.arrived_at is not None and row.arrived_at <= row.due_at} for row in rows]


DETAILS = ("satisfaction", "complaint_rate", "response", "repairs")


def detail(name: str, first: date, last: date, now: datetime | None = None) -> list[dict]:
    """The records a figure counted (the KPI page's drill-down, its CSV/XLSX export and the API)."""
    start, end = bounds(first, last)
    now = now or clock.now()
    if name == "satisfaction":
        return satisfaction_results(start, end)
    if name == "complaint_rate":
        return complaint_customers(start, end)
    if name == "response":
        return response_rows(start, end, now)
    if name == "repairs":
        return repair_orders(start, min(end, now))
    raise ValueError(f"no KPI named {name!r}; one of {', '.join(DETAILS)}")


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last ``months`` months, oldest first, this month included."""
    firsts, d = [], today.replace(day=1)
    for _ in range(months):
        firsts.append(d)
        d = (d - timedelta(days=1)).replace(day=1)
    return firsts[::-1]


def monthly(today: date, months: int = 6, now: datetime | None = None) -> list[Kpis]:
    out = []
    for first in month_starts(today, months):
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        out.append(period_kpis(first, min(last, today), now))
    return out
