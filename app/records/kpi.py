"""The customer's service KPIs over a period of local calendar days.

* **Satisfaction rate** (target >= 90 %): answered surveys scoring 4 or 5, out of
  all surveys answered in the period.
* **Complaint rate**: complaints received per service request received in the period.
* **Response time**: working minutes from a service request's receipt to its
  acceptance (median), and the share accepted within 30 working minutes; a request
  still waiting once its 30 minutes are up counts as missed.
* **On-time repair rate**: fault and stoppage requests whose deadline fell in the
  period (and has passed), resolved by it; one still open past it counts as late.

Every figure keeps its numerator and denominator, so the page can say what it counted.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from app.engine import clock, sla, work_calendar
from app.extensions import db
from app.models import Complaint, ServiceRequest, Survey

SATISFIED_SCORE = 4
SATISFACTION_TARGET = 0.90
ACCEPT_MINUTES = 30
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
    accepted_in_time: Ratio
    median_accept_minutes: float | None
    on_time_repairs: Ratio

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
    scores = db.session.execute(select(func.count(), func.count().filter(Survey.score >= SATISFIED_SCORE),
                                       func.avg(Survey.score))
                                .where(Survey.answered_at >= start, Survey.answered_at < end,
                                       Survey.score.is_not(None))).one()
    complaints = db.session.scalar(select(func.count()).select_from(Complaint)
                                   .where(Complaint.received_at >= start, Complaint.received_at < end))
    requests, in_time, minutes = _acceptance(start, end, now)
    return Kpis(first=first, last=last, satisfaction=Ratio(scores[1], scores[0]),
                average_score=float(scores[2]) if scores[2] is not None else None,
                complaint_rate=Ratio(complaints, requests), accepted_in_time=in_time,
                median_accept_minutes=statistics.median(minutes) if minutes else None,
                on_time_repairs=_repairs(start, min(end, now)))


def _acceptance(start: datetime, end: datetime, now: datetime) -> tuple[int, Ratio, list[int]]:
    """(requests received, accepted in time, working minutes to each acceptance)."""
    cal = work_calendar.current()
    rows = db.session.execute(select(ServiceRequest.created_at, ServiceRequest.accepted_at)
                              .where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)).all()
    minutes, late_waiting = [], 0
    for created, accepted in rows:
        if accepted is not None:
            minutes.append(max(cal.working_minutes_between(created, accepted), 0))
        elif cal.add_working_minutes(created, ACCEPT_MINUTES) < now:
            late_waiting += 1
    in_time = sum(1 for m in minutes if m <= ACCEPT_MINUTES)
    return len(rows), Ratio(in_time, len(minutes) + late_waiting), minutes


def _repairs(start: datetime, until: datetime) -> Ratio:
    r = ServiceRequest
    due = (r.type.in_(REPAIR_TYPES), r.due_at >= start, r.due_at < until)
    in_time = sla.done_in_time(r.resolved_at, r.due_at)  # the rule of the record lists and the inbox
    total, on_time = db.session.execute(select(func.count(), func.count().filter(in_time))
                                        .select_from(r).where(*due)).one()
    return Ratio(on_time or 0, total or 0)


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
