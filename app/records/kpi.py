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
  dispatched, a remote answer was given, or the case's conversation logged its first message to the
  customer, a mail or a call, whichever came first; a request opened by mail is received when the
  mail arrived), in working minutes (24-hour minutes for stoppages);
  the median, and the share replied within the SLA policy's 30 working minutes; a request still
  without reply once its deadline passed counts as late (咨询响应时间).
* **On-time repair rate** = repair orders whose engineer reached the site in time / repair orders
  (维修及时率): fault and stoppage requests with a field visit whose deadline fell in the period and
  has passed; in time = the first arrival on site (``FieldServiceRecord.arrived_at``) by the
  request's deadline.
* **Service-standard execution rate** = compliant services / services inspected (服务规范执行率): the
  services judged in the daily spot checks (``app.records.quality.service.standard_rows``) whose
  verdict was given in the period; compliant when appearance, manners, process and records are all
  met; the person is the one whose service was checked. No verdicts: "—", never 0.

Every figure keeps its numerator and denominator, and ``detail`` lists the records it counted.

**Per person and per department** (``breakdown``; ``detail(..., person=, department=)``): each record a
figure counts names the staff member responsible for it, read from the records and the process history
(``HumanTask``), and that person's department (the Departments screen, ``UserProfile.department_id``):

* response time: whoever gave the first reply, i.e. completed the reply step (accept with the customer
  reached, on-call dispatch, remote diagnosis, on-site service) at ``first_reply_at``; a request still
  without a reply: whoever holds (or was given) its first reply step;
* on-time repair: the engineer of the visit (``FieldServiceRecord.engineer_id``, the first arrival);
* satisfaction: a request's engineer when it had a field visit, else whoever replied first; a
  complaint's handler (who rectified it, else who holds the rectification, else who registered it);
  an answer about no event names nobody;
* complaint rate: a customer counts for everyone who served them in the period (replied to one of
  their requests or handled one of their complaints), complaining or not.

A record with nobody named counts in the "not attributed" row. Satisfaction, response time and
on-time repair name at most one person per record, so the rows of a breakdown add up to the totals;
the complaint rate counts customers, and a customer served by two people counts for both, so its rows
need not add up (each row is still 投诉顾客数量/总服务顾客数量 of that person's customers).
``resolution`` (问题解决效率: requests resolved by their deadline) is counted the same way for the
staff assessment (app/records/assessment); it is not one of the five KPIs.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from app.engine import clock, people, sla_policy, work_calendar
from app.extensions import db
from app.models import (Complaint, Customer, Department, FieldServiceRecord, HumanTask, ServiceRequest, Survey,
                        UserProfile)
from app.records.quality.service import standard_ratio, standard_rows

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
    standard_execution: Ratio = Ratio(0, 0)  # judged services of the daily spot checks (quality)

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
                on_time_repairs=Ratio(*_count(repair_orders(start, min(end, now)))),
                standard_execution=Ratio(*standard_ratio(start, min(end, now))))


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


def resolution_rows(start: datetime, until: datetime) -> list[dict]:
    """Requests whose deadline fell in the period and has passed: resolved by it or not (问题解决效率)."""
    r = ServiceRequest
    rows = db.session.execute(select(r.id, r.number, r.due_at, r.resolved_at)
                              .where(r.due_at >= start, r.due_at < until).order_by(r.due_at)).all()
    return [{"request_id": row.id, "number": row.number, "due_at": row.due_at, "resolved_at": row.resolved_at,
             "in_time": row.resolved_at is not None and row.resolved_at <= row.due_at} for row in rows]


DETAILS = ("satisfaction", "complaint_rate", "response", "repairs", "standard")
NOBODY = "none"  # the person / department key of records that name nobody


def detail(name: str, first: date, last: date, now: datetime | None = None, *,
           person: int | str | None = None, department: str | None = None) -> list[dict]:
    """The records a figure counted (the KPI page's drill-down, its CSV/XLSX export and the API), each
    with the people responsible (``people``: user ids) and their departments (``departments``: codes);
    ``person`` (a user id, or ``NOBODY``) and ``department`` (a code, or ``NOBODY``) keep only theirs."""
    rows = _attributed(name, first, last, now or clock.now())
    if person is not None:
        rows = [r for r in rows if (not r["people"] if person == NOBODY else int(person) in r["people"])]
    if department is not None:
        rows = [r for r in rows if (not r["departments"] if department == NOBODY else department in r["departments"])]
    return rows


def _raw(name: str, start: datetime, end: datetime, now: datetime) -> list[dict]:
    if name == "satisfaction":
        return satisfaction_results(start, end)
    if name == "complaint_rate":
        return complaint_customers(start, end)
    if name == "response":
        return response_rows(start, end, now)
    if name == "repairs":
        return repair_orders(start, min(end, now))
    if name == "resolution":
        return resolution_rows(start, min(end, now))
    if name == "standard":
        return standard_rows(start, min(end, now))
    raise ValueError(f"no KPI named {name!r}; one of {', '.join(DETAILS)}")


# --------------------------------------------------------------------------- who is responsible

REPLY_STEPS = ("accept", "dispatch_on_call", "diagnose", "onsite_service")  # service/process.REPLIES
CHUNK = 500


def _chunks(ids) -> list[list[int]]:
    ids = sorted({i for i in ids if i is not None})
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def repliers(request_ids) -> dict[int, int]:
    """{request id: user} who gave the first reply; without a reply yet, who holds its first reply step."""
    out: dict[int, int] = {}
    r, t = ServiceRequest, HumanTask
    for ids in _chunks(request_ids):
        rows = db.session.execute(
            select(r.id, r.first_reply_at, t.state, t.completed_at, t.completed_by_id, t.assignee_id)
            .join(t, t.instance_id == r.process_instance_id)
            .where(r.id.in_(ids), t.element_id.in_(REPLY_STEPS)).order_by(t.id)).all()
        for row in rows:
            if row.first_reply_at is not None:
                if row.state == "completed" and row.completed_at is not None and row.completed_at <= row.first_reply_at:
                    out[row.id] = row.completed_by_id  # the last reply step done by the first reply
            elif row.id not in out and (row.assignee_id or row.completed_by_id):
                out[row.id] = row.assignee_id or row.completed_by_id
    return {k: v for k, v in out.items() if v}


def engineers(request_ids) -> dict[int, int]:
    """{request id: engineer} of its visit: the first to arrive, else the first visit with an engineer."""
    out: dict[int, int] = {}
    f = FieldServiceRecord
    for ids in _chunks(request_ids):
        rows = db.session.execute(select(f.service_request_id, f.engineer_id, f.arrived_at, f.id)
                                  .where(f.service_request_id.in_(ids), f.engineer_id.is_not(None))).all()
        far = datetime.max.replace(tzinfo=timezone.utc)
        for row in sorted(rows, key=lambda x: (x.arrived_at or far, x.id)):
            out.setdefault(row.service_request_id, row.engineer_id)
    return out


def handlers(complaint_ids) -> dict[int, int]:
    """{complaint id: user} who rectified it, else who holds the rectification, else who registered it."""
    rank = {"rectify": 0, "register": 1}
    best: dict[int, tuple] = {}
    c, t = Complaint, HumanTask
    for ids in _chunks(complaint_ids):
        rows = db.session.execute(select(c.id, t.element_id, t.state, t.completed_by_id, t.assignee_id, t.id.label("tid"))
                                  .join(t, t.instance_id == c.process_instance_id)
                                  .where(c.id.in_(ids), t.element_id.in_(tuple(rank)))).all()
        for row in rows:
            who = row.completed_by_id if row.state == "completed" else row.assignee_id
            if not who:
                continue
            key = (rank[row.element_id], row.state != "completed", -row.tid)  # the latest completed rectification
            if row.id not in best or key < best[row.id][0]:
                best[row.id] = (key, who)
    return {k: v[1] for k, v in best.items()}


def user_departments(user_ids) -> dict[int, str]:
    """{user id: department code} of those in a department."""
    out: dict[int, str] = {}
    for ids in _chunks(user_ids):
        out.update(db.session.execute(select(UserProfile.user_id, Department.code)
                                      .join(Department, Department.id == UserProfile.department_id)
                                      .where(UserProfile.user_id.in_(ids))).all())
    return out


def _attributed(name: str, first: date, last: date, now: datetime) -> list[dict]:
    start, end = bounds(first, last)
    rows = _raw(name, start, end, now)
    if name == "satisfaction":
        requests = [int(r["event"].split(":")[1]) for r in rows if r["event"].startswith("request:")]
        complaints = [int(r["event"].split(":")[1]) for r in rows if r["event"].startswith("complaint:")]
        by_request = {**repliers(requests), **engineers(requests)}
        by_complaint = handlers(complaints)
        for r in rows:
            kind, _sep, ident = r["event"].partition(":")
            who = by_request.get(int(ident)) if kind == "request" else (
                by_complaint.get(int(ident)) if kind == "complaint" else None)
            r["people"] = [who] if who else []
    elif name == "complaint_rate":
        served = _served_by(start, end)
        for r in rows:
            r["people"] = sorted(served.get(r["customer_id"], ()))
    elif name in ("response", "resolution"):
        ids = [r["request_id"] for r in rows]
        who = repliers(ids) if name == "response" else {**repliers(ids), **engineers(ids)}
        for r in rows:
            r["people"] = [who[r["request_id"]]] if r["request_id"] in who else []
    elif name == "standard":  # the person whose service was checked
        for r in rows:
            r["people"] = [r["person_id"]] if r.get("person_id") else []
    else:  # repairs
        who = engineers([r["request_id"] for r in rows])
        for r in rows:
            r["people"] = [who[r["request_id"]]] if r["request_id"] in who else []
    depts = user_departments({p for r in rows for p in r["people"]})
    names = people.display_names({p for r in rows for p in r["people"]})
    for r in rows:
        r["departments"] = sorted({depts[p] for p in r["people"] if p in depts})
        r["person"] = ", ".join(names.get(p, str(p)) for p in r["people"])
    return rows


def _served_by(start: datetime, end: datetime) -> dict[int, set[int]]:
    """{customer id: the people who served them in the period}: repliers of their requests received in
    it, handlers of their complaints received in it."""
    requests = dict(db.session.execute(select(ServiceRequest.id, ServiceRequest.customer_id).where(
        ServiceRequest.created_at >= start, ServiceRequest.created_at < end)).all())
    complaints = dict(db.session.execute(select(Complaint.id, Complaint.customer_id).where(
        Complaint.received_at >= start, Complaint.received_at < end)).all())
    out: dict[int, set[int]] = {}
    for rid, who in repliers(requests).items():
        out.setdefault(requests[rid], set()).add(who)
    for cid, who in handlers(complaints).items():
        out.setdefault(complaints[cid], set()).add(who)
    return out


@dataclass
class Group:
    """One row of a breakdown: a person (or department) and their figures."""
    key: str  # user id / department code as text, or NOBODY
    label: str
    department: str | None  # a person's department code
    satisfaction: Ratio
    complaint_rate: Ratio
    accepted_in_time: Ratio
    median_accept_minutes: float | None
    on_time_repairs: Ratio
    resolution: Ratio
    standard_execution: Ratio = Ratio(0, 0)


BREAKDOWNS = ("person", "department")


def breakdown(first: date, last: date, by: str, now: datetime | None = None) -> list[Group]:
    """Every figure per person (``by="person"``) or per department (``"department"``) for the period:
    the rows of ``detail`` grouped by whom they name (see the module's docstring); the "not
    attributed" group (key ``NOBODY``) last."""
    if by not in BREAKDOWNS:
        raise ValueError(f"a breakdown is by one of {', '.join(BREAKDOWNS)}, not {by!r}")
    problem = period_problem(first, last)
    if problem:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    now = now or clock.now()
    field = "people" if by == "person" else "departments"
    figures = {name: _attributed(name, first, last, now)
               for name in ("satisfaction", "complaint_rate", "response", "repairs", "resolution", "standard")}
    keys: set = set()
    grouped: dict[str, dict[object, list[dict]]] = {}
    for name, rows in figures.items():
        per = grouped.setdefault(name, {})
        for r in rows:
            for key in (r[field] or [NOBODY]):
                per.setdefault(key, []).append(r)
                keys.add(key)
    depts = {c: (n, e) for c, n, e in db.session.execute(select(Department.code, Department.name, Department.name_en))}
    if by == "person":
        names = people.display_names(k for k in keys if k != NOBODY)
        of = user_departments(k for k in keys if k != NOBODY)
    out = []
    for key in sorted(keys, key=lambda k: (k == NOBODY, str(k))):
        def ratio(name, key=key):
            rows = grouped[name].get(key, [])
            return Ratio(sum(1 for r in rows if r.get("satisfied", r.get("complained", r.get("in_time", r.get("compliant"))))),
                         len(rows))
        minutes = [r["minutes"] for r in grouped["response"].get(key, []) if r["minutes"] is not None]
        if key == NOBODY:
            label, department = "", None
        elif by == "person":
            label, department = names.get(key, str(key)), of.get(key)
        else:
            label, department = department_label(depts.get(key), key), key
        out.append(Group(key=str(key), label=label, department=department, satisfaction=ratio("satisfaction"),
                         complaint_rate=ratio("complaint_rate"), accepted_in_time=ratio("response"),
                         median_accept_minutes=statistics.median(minutes) if minutes else None,
                         on_time_repairs=ratio("repairs"), resolution=ratio("resolution"),
                         standard_execution=ratio("standard")))
    return sorted(out, key=lambda g: (g.key == NOBODY, g.label))


def department_label(names: tuple | None, code: str) -> str:
    """A department's name in the reader's language (its English name where it has one)."""
    from flask import has_request_context
    from flask_babel import get_locale

    if not names:
        return code
    english = has_request_context() and str(get_locale()) == "en"
    return (names[1] if english and names[1] else names[0]) or code


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
