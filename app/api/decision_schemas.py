"""Schemas of /api/v1/decisions (requests loaded, responses dumped, OpenAPI generated from them)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import ID_MAX, JsonInteger, PageSchema, ProblemSchema, Query, QueryInteger, Strict


class DecisionColumnSchema(Schema):
    id = fields.String(required=True)
    label = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "input: the expression (variable) it reads; "
                                                                 "output: the result name"})
    type_ref = fields.String(required=True)
    translations = fields.Dict(keys=fields.String(), values=fields.String(),
                               metadata={"description": "the label in other languages: language -> label"})


class DecisionSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True, metadata={"description": "the decision id: what camunda:decisionRef names"})
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    hit_policy = fields.String(required=True)
    checksum = fields.String(required=True)
    source = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(allow_none=True)
    inputs = fields.List(fields.Nested(DecisionColumnSchema), metadata={"description": "one decision only"})
    outputs = fields.List(fields.Nested(DecisionColumnSchema), metadata={"description": "one decision only"})
    rules = fields.Integer(metadata={"description": "number of rules (one decision only)"})
    translations = fields.Dict(keys=fields.String(), values=fields.String(),
                               metadata={"description": "the name in other languages (one decision only)"})


class DecisionPageSchema(PageSchema):
    items = fields.List(fields.Nested(DecisionSchema), required=True)


class DecisionDeploymentSchema(Schema):
    created = fields.Boolean(required=True, metadata={"description": "false: the same file is already deployed"})
    decisions = fields.List(fields.Nested(DecisionSchema), required=True)
    warnings = fields.List(fields.Nested(ProblemSchema), required=True)


class DecisionValidationSchema(Schema):
    valid = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


class EvaluateBodySchema(Strict):
    inputs = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)),
                         values=fields.Raw(allow_none=True), required=True,
                         metadata={"description": "variables the decision reads: identifier -> JSON value"})
    version = JsonInteger(validate=validate.Range(min=1, max=ID_MAX),
                          metadata={"description": "a deployed version; the latest if left out"})


class MatchedRuleSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "1-based row of the table"})
    id = fields.String(required=True)


class DecisionResultSchema(Schema):
    decision = fields.String(required=True)
    version = fields.Integer(required=True)
    hit_policy = fields.String(required=True)
    inputs = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True,
                         metadata={"description": "the value of each input column, by its expression"})
    outputs = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True)), required=True,
                          metadata={"description": "one object per rule result (one for an aggregation)"})
    matched_rules = fields.List(fields.Nested(MatchedRuleSchema), required=True)


class DiffQuerySchema(Query):
    old = QueryInteger(required=True, validate=validate.Range(min=1, max=ID_MAX))
    new = QueryInteger(required=True, validate=validate.Range(min=1, max=ID_MAX))


class DiffRowSchema(Schema):
    decision = fields.String(required=True)
    change = fields.String(required=True, validate=validate.OneOf(["added", "removed", "changed"]))
    rule_id = fields.String(required=True)
    old_index = fields.Integer(allow_none=True)
    new_index = fields.Integer(allow_none=True)
    old = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    new = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    changed_cells = fields.List(fields.String(), required=True)


class DiffSchema(Schema):
    rules = fields.List(fields.Nested(DiffRowSchema), required=True)
    tables = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw()), required=True)
