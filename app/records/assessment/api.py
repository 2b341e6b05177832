"""/api/v1/assessments: the monthly staff assessments the caller may see (a department's head,
supervisors and process owners: every line; anyone else: their own line), read-only."""
from __future__ import annotations

from datetime import date

from flask_appbuilder.api import expose, protect
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.base import EngineApi, actor, load_query
from app.engine import people
from app.engine.errors import Invalid
from app.extensions import db
from app.models import StaffAssessment
from app.records.assessment import process


class AssessmentQuerySchema(Schema):
    month = fields.String(validate=validate.Regexp(r"^[0-9]{4}-[0-9]{2}$"), metadata={"description": "YYYY-MM"})


class AssessmentLineSchema(Schema):
    user_id = fields.Integer(required=True)
    username = fields.String(allow_none=True)
    figures = fields.Dict(required=True, metadata={
        "description": "{response|resolution|satisfaction|complaints|inspection: [num, den]}; den 0: not measured"})
    proposed_grade = fields.String(allow_none=True, metadata={"description": "excellent | pass | fail"})
    grade = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)
    award = fields.Boolean(required=True, metadata={"description": "proposed for 优秀服务专员"})
    improvement_plan = fields.String(allow_none=True)
    plan_deadline = fields.Date(allow_none=True)
    improved = fields.Boolean(allow_none=True)
    outcome = fields.String(allow_none=True)


class AssessmentSchema(Schema):
    number = fields.String(required=True)
    month = fields.String(required=True)
    department = fields.String(required=True)
    status = fields.String(required=True)
    team_award = fields.Boolean(required=True)
    lines = fields.List(fields.Nested(AssessmentLineSchema), required=True)


class AssessmentListSchema(Schema):
    items = fields.List(fields.Nested(AssessmentSchema), required=True)


class AssessmentsApi(EngineApi):
    resource_name = "assessments"
    class_permission_name = "StaffAssessment"
    method_permission_name = {"get": "read"}
    openapi_spec_tag = "Staff assessments"

    @expose("/", methods=["GET"])
    @protect()
    def get(self):
        """The assessments the caller may see, newest month first (``month=YYYY-MM``: that month only).
        ---
        get:
          operationId: getAssessments
          parameters:
          - in: query
            schema: AssessmentQuerySchema
          responses:
            200:
              description: assessments with the lines the caller may see
              content:
                application/json:
                  schema: AssessmentListSchema
        """
        args = load_query(AssessmentQuerySchema())
        query = select(StaffAssessment).order_by(StaffAssessment.month.desc(), StaffAssessment.id)
        if args.get("month"):
            try:
                query = query.where(StaffAssessment.month == date.fromisoformat(args["month"] + "-01"))
            except ValueError:
                raise Invalid("Not a month.", fields={"month": "not a month (YYYY-MM)"}) from None
        who = actor()
        items = []
        for a in db.session.scalars(query):
            lines = a.lines if process.may_see(a, who) else [x for x in a.lines if x.user_id == who.user_id]
            if not lines:
                continue
            logins = people.usernames(x.user_id for x in lines)
            items.append({"number": a.number, "month": f"{a.month:%Y-%m}", "department": a.department.code,
                          "status": a.status, "team_award": a.team_award, "lines": [
                              {"user_id": x.user_id, "username": logins.get(x.user_id), "figures": x.figures,
                               "proposed_grade": x.proposed_grade, "grade": x.grade,
                               "override_reason": x.override_reason, "award": x.award,
                               "improvement_plan": x.improvement_plan, "plan_deadline": x.plan_deadline,
                               "improved": x.improved, "outcome": x.outcome} for x in lines]})
        return self.response(200, **AssessmentListSchema().dump({"items": items}))
