"""In-sales KPIs over a period of local calendar days (first..last), like app/records/kpi.py:

* **Handover on-time rate** (《机器人集成公司客户服务优化管理制度》第十条(一) 合同签订后3个工作日内合同交底):
  each handover is judged once, in the period it was settled: held in the period (on time = held on
  or before the local date of ``due_at``, close of business of the 3rd working day after signing), or
  not held and its deadline fell in the period and has passed (late).
* **Progress-report compliance** (第十条(二) 每月至少2次向客户反馈项目进展): project-months with at least
  ``sla_policy.PROGRESS_REPORTS_PER_MONTH`` (2) progress reports, out of the project-months counted: each
  calendar month that overlaps the period, has ended by ``now``, and during which the project was in
  delivery from the first to the last day (started on or before the 1st, not closed before the last day).
  A month the project only partly spent in delivery is not judged (the 14-day cycle may rightly give one
  report there).

Each function returns (numerator, denominator); the ``*_rows`` functions give the drill-down rows.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.engine import clock, sla_policy
from app.extensions import db
from app.models import ContractHandover, ProgressReport, Project
from app.records.kpi import bounds, period_problem


def _check(first: date, last: date) -> None:
    problem = period_problem(first, last)
    if problem:
        raise ValueError(f"{problem[0]}: {problem[1]}")


def _local_day(value: datetime | None) -> date | None:
    return value.astimezone(clock.zone()).date() if value is not None else None


def handover_rows(first: date, last: date, now: datetime | None = None) -> list[dict]:
    """The handovers judged in the period, one row each (drill-down of the on-time rate)."""
    _check(first, last)
    now = now or clock.now()
    today = _local_day(now)
    start, end = bounds(first, last)
    rows = []
    held = ContractHandover.held_on.between(first, last)
    pending = ContractHandover.held_on.is_(None) & (ContractHandover.due_at >= start) & (ContractHandover.due_at < end)
    query = (select(ContractHandover).where(held | pending, ContractHandover.due_at.isnot(None),
                                            ContractHandover.status != "cancelled")
             .order_by(ContractHandover.due_at, ContractHandover.id))
    for ho in db.session.scalars(query):
        due_day = _local_day(ho.due_at)
        if ho.held_on is None and today <= due_day:
            continue  # not yet held and not yet late: not judged
        on_time = ho.held_on is not None and ho.held_on <= due_day
        rows.append({"id": ho.id, "number": ho.number, "customer": ho.customer.name if ho.customer else "",
                     "contract": ho.contract.code if ho.contract else "", "signed_on": ho.signed_on,
                     "due_on": due_day, "held_on": ho.held_on, "on_time": on_time, "escalated": bool(ho.escalated)})
    return rows


def handover_on_time(first: date, last: date, now: datetime | None = None) -> tuple[int, int]:
    rows = handover_rows(first, last, now)
    return sum(1 for r in rows if r["on_time"]), len(rows)


def _months(first: date, last: date, today: date) -> list[tuple[date, date]]:
    """Calendar months overlapping first..last that have ended before ``today``: (1st, last day)."""
    out, month = [], first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        month_end = following - timedelta(days=1)
        if month_end < today:
            out.append((month, month_end))
        month = following
    return out


def progress_rows(first: date, last: date, now: datetime | None = None) -> list[dict]:
    """One row per project-month judged: the reports it had and whether that meets the rule."""
    _check(first, last)
    now = now or clock.now()
    months = _months(first, last, _local_day(now))
    if not months:
        return []
    need = sla_policy.PROGRESS_REPORTS_PER_MONTH
    rows = []
    projects = db.session.scalars(select(Project).where(Project.status != "cancelled").order_by(Project.id)).all()
    for pj in projects:
        began = pj.started_on or _local_day(pj.created_at)
        ended = _local_day(pj.closed_at)
        for month_first, month_last in months:
            if began is None or began > month_first or (ended is not None and ended < month_last):
                continue
            start, end = bounds(month_first, month_last)
            count = db.session.scalar(select(func.count(ProgressReport.id)).where(
                ProgressReport.project_id == pj.id, ProgressReport.reported_at >= start,
                ProgressReport.reported_at < end)) or 0
            rows.append({"id": pj.id, "number": pj.number, "project": pj.name,
                         "customer": pj.customer.name if pj.customer else "", "month": month_first.strftime("%Y-%m"),
                         "reports": int(count), "required": need, "compliant": count >= need})
    return rows


def progress_compliance(first: date, last: date, now: datetime | None = None) -> tuple[int, int]:
    rows = progress_rows(first, last, now)
    return sum(1 for r in rows if r["compliant"]), len(rows)
