"""/api/v1/kpis: the service KPIs of a period (app.records.kpi), for dashboards and BI tools."""
from __future__ import annotations

from flask_appbuilder.api import expose, protect

from app.api.base import EngineApi, load_query
from app.api.schemas import KpiQuerySchema, KpiSchema
from app.engine import clock
from app.engine.errors import Invalid
from app.records import kpi


def _ratio(r: kpi.Ratio) -> dict:
    return {"num": r.num, "den": r.den, "value": r.value}


class KpisApi(EngineApi):
    resource_name = "kpis"
    class_permission_name = "Kpi"
    method_permission_name = {"get": "read"}
    openapi_spec_tag = "KPIs"

    @expose("/", methods=["GET"])
    @protect()
    def get(self):
        """Satisfaction, complaint rate, response time and on-time repair rate for a period of local
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
        args = load_query(KpiQuerySchema())
        today = clock.local_today()
        first, last = args.get("from_") or today.replace(day=1), args.get("to") or today
        problem = kpi.period_problem(first, last)
        if problem:
            raise Invalid(f"Not a period: {problem[1]}.", fields={problem[0]: problem[1]})
        k = kpi.period_kpis(first, last)
        return self.response(200, **KpiSchema().dump({
            "from_": first, "to": last, "satisfaction": _ratio(k.satisfaction),
            "satisfaction_target": kpi.SATISFACTION_TARGET, "satisfaction_met": k.satisfaction_met,
            "average_score": k.average_score, "complaint_rate": _ratio(k.complaint_rate),
            "accepted_in_time": _ratio(k.accepted_in_time), "accept_minutes": kpi.ACCEPT_MINUTES,
            "median_accept_minutes": k.median_accept_minutes, "on_time_repairs": _ratio(k.on_time_repairs)}))
