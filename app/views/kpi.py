"""Reports → KPIs: the service KPIs for a period, their last six months, and what each figure
counted (the drill-down, exported as CSV/XLSX)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from app.engine import clock
from app.extensions import db
from app.engine.people import display_names
from app.models import Customer, Department
from app.models.choices import SURVEY_CHANNELS, label
from app.records import kpi
from app.records.export import csv_lines, xlsx_bytes
from app.records.timefmt import fmt_local


def _day(name: str, default: date) -> tuple[date, str | None]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default, None
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return default, raw[:20]
    return (day, None) if kpi.EARLIEST <= day <= kpi.LATEST else (default, raw[:20])


def period_from_request(today: date) -> tuple[date, date, list[str]]:
    """The period asked for (default: this month so far), with a message per field that was
    unreadable or out of range; the default stands in for it."""
    first, bad_from = _day("from", today.replace(day=1))
    last, bad_to = _day("to", today)
    problems = [gettext("“%(value)s” in the %(field)s field is not a date between %(a)s and %(b)s (YYYY-MM-DD).",
                        value=value, field=label, a=kpi.EARLIEST, b=kpi.LATEST)
                for value, label in ((bad_from, gettext("From")), (bad_to, gettext("Until"))) if value is not None]
    if last < first:
        problems.append(gettext("The period ends before it starts; showing this month instead."))
        first, last = today.replace(day=1), today
    elif (last - first).days >= kpi.MAX_DAYS:
        problems.append(gettext("A period spans at most %(n)s days; it now ends %(n)s days after it starts.",
                                n=kpi.MAX_DAYS))
        last = first + timedelta(days=kpi.MAX_DAYS - 1)
    return first, last, problems


def _percent(ratio) -> float | None:
    return None if ratio.value is None else round(ratio.value * 100, 1)


def trend_charts(months: list) -> dict:
    """The six-month table as chart data (assets/charts.js): the shares in %, and the median response."""
    months = sorted(months, key=lambda m: m.first)
    labels = [m.first.strftime("%Y-%m") for m in months]
    shares = {"labels": labels, "unit": "%", "max": 100, "datasets": [
        {"label": gettext("Customer satisfaction"), "data": [_percent(m.satisfaction) for m in months]},
        {"label": gettext("Complaint rate"), "data": [_percent(m.complaint_rate) for m in months]},
        {"label": gettext("Replied within %(m)s min", m=kpi.ACCEPT_MINUTES),
         "data": [_percent(m.accepted_in_time) for m in months]},
        {"label": gettext("On-time repair rate"), "data": [_percent(m.on_time_repairs) for m in months]},
    ]}
    response = {"labels": labels, "unit": "", "datasets": [
        {"label": gettext("Median response"),
         "data": [None if m.median_accept_minutes is None else round(m.median_accept_minutes) for m in months]},
    ]}
    return {"shares": shares, "response": response}


def lifecycle_figures(first: date, last: date) -> list[dict]:
    """The pre-sales and in-sales KPIs of the period (their own modules count them) for the reader who
    may open their pages, each linking to the records it counted there."""
    from flask import current_app

    from app.records.delivery import kpi as delivery_kpi
    from app.records.delivery.views import DELIVERY_PERMISSION
    from app.records.sales import kpi as sales_kpi

    sm, now, out = current_app.appbuilder.sm, clock.now(), []
    period = {"from": first.isoformat(), "to": last.isoformat()}
    if sm.has_access("read", "PresalesLedger"):
        ledger = url_for("PresalesLedgerView.ledger", **period)
        out += [{"id": "first_contact", "title": gettext("Pre-sales first contact within 1 working day"),
                 "figure": sales_kpi.first_contact_on_time(first, last, now), "url": ledger},
                {"id": "answers", "title": gettext("Pre-sales questions answered within 2 working days"),
                 "figure": sales_kpi.answer_on_time(first, last, now), "url": ledger},
                {"id": "wins", "title": gettext("Win rate (won of decided)"),
                 "figure": sales_kpi.win_rate(first, last), "url": ledger}]
    if sm.has_access("read", DELIVERY_PERMISSION):
        window = {"kpi_from": first.isoformat(), "kpi_to": last.isoformat()}
        out += [{"id": "handover", "title": gettext("Handover on-time rate"),
                 "figure": delivery_kpi.handover_on_time(first, last),
                 "url": url_for("ProjectView.kpi_detail", name="handover", **window)},
                {"id": "progress", "title": gettext("Progress-report compliance"),
                 "figure": delivery_kpi.progress_compliance(first, last),
                 "url": url_for("ProjectView.kpi_detail", name="progress", **window)}]
    return out


class KpiView(BaseView):
    route_base = "/kpi"
    default_view = "show"
    class_permission_name = "Kpi"
    method_permission_name = {"show": "read", "detail": "read", "breakdown": "read"}

    @expose("/")
    @has_access
    def show(self):
        today = clock.local_today()
        first, last, problems = period_from_request(today)
        for message in problems:
            flash(message, "warning")
        last_month_end = today.replace(day=1) - timedelta(days=1)
        presets = [(gettext("This month"), today.replace(day=1), today),
                   (gettext("Last month"), last_month_end.replace(day=1), last_month_end),
                   (gettext("Last 30 days"), today - timedelta(days=29), today),
                   (gettext("This year"), today.replace(month=1, day=1), today)]
        months = kpi.monthly(today)
        by = request.args.get("by") if request.args.get("by") in kpi.BREAKDOWNS else None
        groups = kpi.breakdown(first, last, by) if by else None
        month_choices = [(m.first, m.last) for m in months][::-1]
        return self.render_template("kpi.html", k=kpi.period_kpis(first, last), months=months,
                                    charts=trend_charts(months), by=by, groups=groups,
                                    group_rows=breakdown_rows(by, groups) if by else None,
                                    month_choices=month_choices,
                                    first=first, last=last, presets=presets, target=kpi.SATISFACTION_TARGET,
                                    accept_minutes=kpi.ACCEPT_MINUTES, lifecycle=lifecycle_figures(first, last))

    @expose("/breakdown/")
    @has_access
    def breakdown(self):
        """The figures per person or department for the period, as CSV (``format=csv``) or XLSX."""
        by = request.args.get("by")
        if by not in kpi.BREAKDOWNS:
            flash(gettext("Choose a breakdown by person or by department."), "warning")
            return redirect(url_for("KpiView.show", **request.args.to_dict()))
        first, last, problems = period_from_request(clock.local_today())
        for message in problems:
            flash(message, "warning")
        rows = breakdown_rows(by, kpi.breakdown(first, last, by))
        headers = [str(h) for h in breakdown_headers(by)]
        cells = [[r["label"]] + ([r["department"]] if by == "person" else []) + r["cells"] for r in rows]
        filename = f"kpi-by-{by}-{first.isoformat()}-{last.isoformat()}"
        if request.args.get("format") == "xlsx":
            return Response(xlsx_bytes(headers, cells, title=f"by-{by}"), headers={
                "Content-Disposition": f"attachment; filename={filename}.xlsx"},
                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return Response(stream_with_context(csv_lines(headers, cells)), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={filename}.csv"})


    @expose("/detail/<name>/")
    @has_access
    def detail(self, name: str):
        """What one figure counted, for the period asked; ``?format=csv|xlsx`` exports the same rows."""
        if name not in kpi.DETAILS:
            abort(404)
        today = clock.local_today()
        first, last, problems = period_from_request(today)
        for message in problems:
            flash(message, "warning")
        person, department, whose = _who_from_request()
        headers = [str(lbl) for _key, lbl in DETAIL_COLUMNS[name]] + [gettext("Responsible"), gettext("Department")]
        rows = detail_cells(name, kpi.detail(name, first, last, person=person, department=department))
        fmt = request.args.get("format")
        filename = f"kpi-{name}-{first.isoformat()}-{last.isoformat()}"
        if person is not None:
            filename += f"-person-{person}"
        if department is not None:
            filename += f"-department-{department}"
        if fmt == "csv":
            return Response(stream_with_context(csv_lines(headers, rows)), mimetype="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f"attachment; filename={filename}.csv"})
        if fmt == "xlsx":
            return Response(xlsx_bytes(headers, rows, title=name), headers={
                "Content-Disposition": f"attachment; filename={filename}.xlsx"},
                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return self.render_template("kpi_detail.html", name=name, title=DETAIL_TITLES[name], headers=headers,
                                    rows=rows, first=first, last=last, whose=whose,
                                    who_args={k: v for k, v in (("person", person), ("department", department))
                                              if v is not None})


def _who_from_request() -> tuple[str | None, str | None, str | None]:
    """(person, department, what the page says it shows) from ``?person=<user id>|none&department=<code>|none``;
    a person that is no user id is refused with 404 (a link from the page is always one)."""
    person, department = request.args.get("person"), request.args.get("department")
    whose = None
    if person is not None:
        if person != kpi.NOBODY and not person.isdigit():
            abort(404)
        whose = (gettext("Not attributed") if person == kpi.NOBODY
                 else display_names([int(person)]).get(int(person)) or abort(404))
    if department is not None:
        department = department[:32]
        if department == kpi.NOBODY:
            whose = gettext("No department")
        else:
            names = db.session.execute(select(Department.name, Department.name_en)
                                       .where(Department.code == department)).first()
            if names is None:
                abort(404)
            whose = kpi.department_label(tuple(names), department)
    return person, department, whose


def breakdown_headers(by: str) -> list:
    first = _l("Person") if by == "person" else _l("Department")
    return [first] + ([_l("Department")] if by == "person" else []) + [
        _l("Customer satisfaction"), _l("Complaint rate"), _l("Replied in time"), _l("Median response"),
        _l("On-time repair rate"), _l("Service-standard execution rate")]


def breakdown_rows(by: str, groups: list) -> list[dict]:
    """Each group as text cells (the page's table and the CSV/XLSX export): "75.0% (3/4)"."""
    depts = {c: kpi.department_label((n, e), c) for c, n, e in
             db.session.execute(select(Department.code, Department.name, Department.name_en))}

    def cell(r) -> str:
        return "—" if r.value is None else f"{r.value * 100:.1f}% ({r.num}/{r.den})"

    out = []
    for g in groups:
        label = g.label or (gettext("Not attributed") if by == "person" else gettext("No department"))
        minutes = "—" if g.median_accept_minutes is None else gettext("%(m)s min", m=round(g.median_accept_minutes))
        out.append({"key": g.key, "label": label, "department": depts.get(g.department, "—") if g.department else "—",
                    "group": g, "cells": [cell(g.satisfaction), cell(g.complaint_rate), cell(g.accepted_in_time),
                                          minutes, cell(g.on_time_repairs), cell(g.standard_execution)]})
    return out


# The drill-down of each figure: its columns (the same rows on the page, in CSV/XLSX and in the API).
DETAIL_TITLES = {"satisfaction": _l("Customer satisfaction"), "complaint_rate": _l("Complaint rate"),
                 "response": _l("Response time"), "repairs": _l("On-time repair rate"),
                 "standard": _l("Service-standard execution rate")}
DETAIL_COLUMNS = {
    "satisfaction": [("event", _l("Service event")), ("customer", _l("Customer")), ("channel", _l("Channel")),
                     ("score", _l("Score")), ("answered_at", _l("Answered at")), ("satisfied", _l("Satisfied"))],
    "complaint_rate": [("customer", _l("Customer")), ("complained", _l("Complained"))],
    "response": [("number", _l("Number")), ("received_at", _l("Received at")),
                 ("first_reply_at", _l("First reply")), ("minutes", _l("Minutes")), ("in_time", _l("In time"))],
    "repairs": [("number", _l("Number")), ("due_at", _l("Due at (SLA)")), ("arrived_at", _l("Arrived at")),
                ("in_time", _l("In time"))],
    "standard": [("record", _l("Number")), ("spot_check", _l("Spot check")), ("checked_at", _l("Checked at")),
                 ("compliant", _l("Compliant"))],
}


def detail_cells(name: str, rows: list[dict]) -> list[list[str]]:
    """Rows as text in the reader's language: times local, flags as words, channels and events named."""
    wanted = {r["customer_id"] for r in rows} if name == "satisfaction" else set()
    names = dict(db.session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(wanted))).all()) \
        if wanted else {}
    events = {"request": gettext("Service request"), "complaint": gettext("Complaint"), "survey": gettext("Survey")}
    depts = {c: kpi.department_label((n, e), c) for c, n, e in
             db.session.execute(select(Department.code, Department.name, Department.name_en))}
    out = []
    for r in rows:
        cells = []
        for key, _label in DETAIL_COLUMNS[name]:
            value = r.get(key)
            if key == "customer" and name == "satisfaction":
                value = names.get(r["customer_id"], "")
            elif key == "event":
                kind, _sep, ident = str(value).partition(":")
                value = f"{events.get(kind, kind)} {r.get('record') or '#' + ident}"
            elif key == "channel":
                value = label(SURVEY_CHANNELS, value) or "—"
            elif isinstance(value, bool):
                value = gettext("Yes") if value else gettext("No")
            elif isinstance(value, datetime):
                value = fmt_local(value)
            elif isinstance(value, float):
                value = f"{value:.0f}"
            cells.append("—" if value in (None, "") else str(value))
        cells.append(r.get("person") or "—")
        cells.append(", ".join(depts.get(d, d) for d in r.get("departments", ())) or "—")
        out.append(cells)
    return out
