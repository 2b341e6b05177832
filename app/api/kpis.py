"""/api/v1/kpis: the service KPIs of a period (app.records.kpi), for dashboards and BI tools."""
from __future__ import annotations

from flask_appbuilder.api import expose, protect

from app.api.base import EngineApi, load_query
from app.api.schemas import (KpiBreakdownQuerySchema, KpiBreakdownSchema, KpiDetailQuerySchema, KpiDetailSchema,
                             KpiQuerySchema, KpiSchema, shared)
from app.engine import clock, people
from app.engine.errors import Invalid, NotFound
from app.records import kpi


def _ratio(r: kpi.Ratio) -> dict:
    return {"num": r.num, "den": r.den, "value": r.value}


class KpisApi(EngineApi):
    resource_name = "kpis"
    class_permission_name = "Kpi"
    method_permission_name = {"get": "read", "detail": "read", "breakdown": "read"}
    openapi_spec_tag = "KPIs"

    @expose("/", methods=["GET"])
    @protect()
    def get(self):
        """Satisfaction, complaint rate, response time, on-time repair rate and service-standard execution for a period of local
        days (at most 366; default: this month so far). See README "Reports → KPIs".
        ---
        get:
          operationId: getKpis
          parameters:
          - in: query
            schema: KpiQuerySchema
          responses:
            200:
              description: the KPIs, each with what it counted
              content:
                application/json:
                  schema: KpiSchema
        """
        first, last = self._period()
        k = kpi.period_kpis(first, last)
        return self.response(200, **shared(KpiSchema).dump({
            "from_": first, "to": last, "satisfaction": _ratio(k.satisfaction),
            "satisfaction_target": kpi.SATISFACTION_TARGET, "satisfaction_met": k.satisfaction_met,
            "average_score": k.average_score, "complaint_rate": _ratio(k.complaint_rate),
            "accepted_in_time": _ratio(k.accepted_in_time), "accept_minutes": kpi.ACCEPT_MINUTES,
            "median_accept_minutes": k.median_accept_minutes, "on_time_repairs": _ratio(k.on_time_repairs),
            "standard_execution": _ratio(k.standard_execution)}))

    @expose("/detail/<name>", methods=["GET"])
    @protect()
    def detail(self, name: str):
        """What one figure counted (`satisfaction`, `complaint_rate`, `response`, `repairs`): the KPI
        page's drill-down, one row per record, times in ISO 8601 with offset.
        ---
        get:
          operationId: getKpiDetail
          parameters:
          - in: path
            name: name
            required: true
            schema: {type: string, enum: [satisfaction, complaint_rate, response, repairs]}
          - in: query
            schema: KpiDetailQuerySchema
          responses:
            200:
              description: the records counted (each with `people`, `person` and `departments`)
              content:
                application/json:
                  schema: KpiDetailSchema
        """
        if name not in kpi.DETAILS:
            raise NotFound(f"No KPI named {name[:40]!r}; one of {', '.join(kpi.DETAILS)}.")
        args = load_query(KpiDetailQuerySchema())
        first, last = self._period(args)
        person, department = args.get("person"), args.get("department")
        if person is not None and person != kpi.NOBODY and not person.isdigit():
            raise Invalid("person is a user id or `none`.", fields={"person": "not a user id"})
        rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                for row in kpi.detail(name, first, last, person=person, department=department)]
        return self.response(200, **shared(KpiDetailSchema).dump({"name": name, "from_": first, "to": last,
                                                                  "rows": rows}))

    @expose("/breakdown", methods=["GET"])
    @protect()
    def breakdown(self):
        """Every figure per person or per department for a period (the KPI page's breakdown): who is
        responsible for each record is defined in README "Reports → KPIs".
        ---
        get:
          operationId: getKpiBreakdown
          parameters:
          - in: query
            schema: KpiBreakdownQuerySchema
          responses:
            200:
              description: the figures per person or department
              content:
                application/json:
                  schema: KpiBreakdownSchema
        """
        args = load_query(KpiBreakdownQuerySchema())
        first, last = self._period(args)
        groups = kpi.breakdown(first, last, args["by"])
        logins = people.usernames(int(g.key) for g in groups if g.key.isdigit()) if args["by"] == "person" else {}
        return self.response(200, **shared(KpiBreakdownSchema).dump({
            "by": args["by"], "from_": first, "to": last, "groups": [
                {"key": g.key, "label": g.label, "username": logins.get(int(g.key)) if g.key.isdigit() else None,
                 "department": g.department, "satisfaction": _ratio(g.satisfaction),
                 "complaint_rate": _ratio(g.complaint_rate), "accepted_in_time": _ratio(g.accepted_in_time),
                 "median_accept_minutes": g.median_accept_minutes, "on_time_repairs": _ratio(g.on_time_repairs),
                 "standard_execution": _ratio(g.standard_execution)} for g in groups]}))

    def _period(self, args=None):
        args = args if args is not None else load_query(KpiQuerySchema())
        today = clock.local_today()
        first, last = args.get("from_") or today.replace(day=1), args.get("to") or today
        problem = kpi.period_problem(first, last)
        if problem:
            raise Invalid(f"Not a period: {problem[1]}.", fields={problem[0]: problem[1]})
        return first, last
