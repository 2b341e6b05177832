"""Reports → KPIs: the four service KPIs for a period, and their last six months."""
from __future__ import annotations

from datetime import date, timedelta

from flask import flash, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.engine import clock
from app.records import kpi


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


class KpiView(BaseView):
    route_base = "/kpi"
    default_view = "show"
    class_permission_name = "Kpi"
    method_permission_name = {"show": "read"}

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
        return self.render_template("kpi.html", k=kpi.period_kpis(first, last), months=kpi.monthly(today),
                                    first=first, last=last, presets=presets, target=kpi.SATISFACTION_TARGET,
                                    accept_minutes=kpi.ACCEPT_MINUTES)
