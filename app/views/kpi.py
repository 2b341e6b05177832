"""Reports → KPIs: the service KPIs for a period, their last six months, and what each figure
counted (the drill-down, exported as CSV/XLSX)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Response, abort, flash, request, stream_with_context
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from app.engine import clock
from app.extensions import db
from app.models import Customer
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


class KpiView(BaseView):
    route_base = "/kpi"
    default_view = "show"
    class_permission_name = "Kpi"
    method_permission_name = {"show": "read", "detail": "read"}

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
        return self.render_template("kpi.html", k=kpi.period_kpis(first, last), months=months,
                                    charts=trend_charts(months),
                                    first=first, last=last, presets=presets, target=kpi.SATISFACTION_TARGET,
                                    accept_minutes=kpi.ACCEPT_MINUTES)


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
        headers = [str(lbl) for _key, lbl in DETAIL_COLUMNS[name]]
        rows = detail_cells(name, kpi.detail(name, first, last))
        fmt = request.args.get("format")
        filename = f"kpi-{name}-{first.isoformat()}-{last.isoformat()}"
        if fmt == "csv":
            return Response(stream_with_context(csv_lines(headers, rows)), mimetype="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f"attachment; filename={filename}.csv"})
        if fmt == "xlsx":
            return Response(xlsx_bytes(headers, rows, title=name), headers={
                "Content-Disposition": f"attachment; filename={filename}.xlsx"},
                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return self.render_template("kpi_detail.html", name=name, title=DETAIL_TITLES[name], headers=headers,
                                    rows=rows, first=first, last=last)


# The drill-down of each figure: its columns (the same rows on the page, in CSV/XLSX and in the API).
DETAIL_TITLES = {"satisfaction": _l("Customer satisfaction"), "complaint_rate": _l("Complaint rate"),
                 "response": _l("Response time"), "repairs": _l("On-time repair rate")}
DETAIL_COLUMNS = {
    "satisfaction": [("event", _l("Service event")), ("customer", _l("Customer")), ("channel", _l("Channel")),
                     ("score", _l("Score")), ("answered_at", _l("Answered at")), ("satisfied", _l("Satisfied"))],
    "complaint_rate": [("customer", _l("Customer")), ("complained", _l("Complained"))],
    "response": [("number", _l("Number")), ("received_at", _l("Received at")),
                 ("first_reply_at", _l("First reply")), ("minutes", _l("Minutes")), ("in_time", _l("In time"))],
    "repairs": [("number", _l("Number")), ("due_at", _l("Due at (SLA)")), ("arrived_at", _l("Arrived at")),
                ("in_time", _l("In time"))],
}


def detail_cells(name: str, rows: list[dict]) -> list[list[str]]:
    """Rows as text in the reader's language: times local, flags as words, channels and events named."""
    wanted = {r["customer_id"] for r in rows} if name == "satisfaction" else set()
    names = dict(db.session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(wanted))).all()) \
        if wanted else {}
    events = {"request": gettext("Service request"), "complaint": gettext("Complaint"), "survey": gettext("Survey")}
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
        out.append(cells)
    return out
