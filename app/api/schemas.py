"""Marshmallow schemas of the REST API: requests are loaded with them (422 names
the field), responses are dumped with them, and FAB's OpenAPI document is
generated from them, so the three cannot drift apart."""
from __future__ import annotations

import re
from functools import cache

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, fields, validate

from app.engine.task_actions import ACTIONS


@cache
def shared(cls: type[Schema]) -> Schema:
    """One instance per schema class: building one (and its nested schemas) for every request was ~6 %
    of a task completion's CPU; load and dump keep no state on the instance."""
    return cls()

ID_MAX = 2**31 - 1  # every id column is a 32-bit integer
KEY = validate.Length(min=1, max=100)
NAME = validate.Length(min=1, max=200)
STATUSES = ("running", "suspended", "incident", "completed", "terminated")


class JsonInteger(fields.Integer):
    """A JSON integer (JSON Schema counts 2.0 as one) and nothing else. Marshmallow's own turns 2.5, 1e-9,
    "3" and true into a number."""

    def _deserialize(self, value, attr, data, **kwargs):
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class JsonBoolean(fields.Boolean):
    """true or false. Marshmallow's own takes 1, "yes" and "on" too."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryInteger(fields.Integer):
    """A query string's integer: ASCII digits, an optional minus. Marshmallow's own reads " 2", "+2",
    "1_0" and "٣" (an Arabic-Indic three) as numbers."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not (isinstance(value, str) and _QUERY_INTEGER.fullmatch(value)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class QueryBoolean(fields.Boolean):
    """A query string's boolean: true or false (any case), 1 or 0. Marshmallow's own takes "t", "y",
    "yes", "on", "off"... too."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = value.lower() if isinstance(value, str) else None
        if text not in _QUERY_BOOLEANS:
            raise self.make_error("invalid")
        return _QUERY_BOOLEANS[text]


_QUERY_INTEGER = re.compile(r"-?[0-9]+")
_QUERY_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
# marshmallow's converting field -> the one a body or a query string must use instead
_JSON_EXACT = {fields.Integer: JsonInteger, fields.Boolean: JsonBoolean}
_QUERY_EXACT = {fields.Integer: QueryInteger, fields.Boolean: QueryBoolean}


def _exact_fields_only(schema: Schema, name: str, field: fields.Field, exact: dict) -> None:
    """Fails as the schema is built (so in every test that loads it) when a field would convert."""
    if type(field) in exact:
        raise TypeError(f"{type(schema).__name__}.{name}: use {exact[type(field)].__name__}, which takes "
                        "only what the document declares")


class Strict(Schema):
    """A JSON request body: a field the document does not declare, or a value of another JSON type than it
    declares, is refused (422 naming the field)."""

    class Meta:
        unknown = RAISE  # unknown fields are an error (422), not silently dropped

    def on_bind_field(self, field_name, field_obj):
        _exact_fields_only(self, field_name, field_obj, _JSON_EXACT)


class Query(Schema):
    """A query string: integers and booleans only as the document spells them (422 naming the parameter)."""

    class Meta:
        unknown = EXCLUDE  # query strings may carry cache busters etc.

    def on_bind_field(self, field_name, field_obj):
        _exact_fields_only(self, field_name, field_obj, _QUERY_EXACT)


# ---------------------------------------------------------------- errors
class ProblemSchema(Schema):
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    element_type = fields.String(allow_none=True)
    message = fields.String(required=True)
    hint = fields.String()
    line = fields.Integer(allow_none=True)
    severity = fields.String(validate=validate.OneOf(["error", "warning"]))
    form = fields.String(metadata={"description": "a Camunda Form's problem: the form id"})
    component = fields.String(metadata={"description": "a Camunda Form's problem: component id / field key"})
    # a decision table's problems also name the decision, the rule (id and 1-based row) and the column
    decision_id = fields.String(allow_none=True)
    rule_id = fields.String(allow_none=True)
    rule_index = fields.Integer(allow_none=True)
    column_id = fields.String(allow_none=True)
    column_label = fields.String(allow_none=True)


class ErrorSchema(Schema):
    class Meta:
        unknown = INCLUDE  # errors may carry details (key, task_id, completed_by...)

    code = fields.String(required=True, metadata={"description": "machine-readable error code"})
    message = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.Raw(), data_key="fields",
                          metadata={"description": "invalid input: field name -> message"})
    problems = fields.List(fields.Nested(ProblemSchema), metadata={"description": "located BPMN problems"})


# ---------------------------------------------------------------- queries
class PageQuerySchema(Query):
    page = QueryInteger(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = QueryInteger(load_default=25, validate=validate.Range(min=1, max=100))


class InstanceQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    process_key = fields.String(validate=KEY)
    business_key = fields.String(validate=KEY)


class TaskQuerySchema(PageQuerySchema):
    view = fields.String(load_default="mine", validate=validate.OneOf(
        ["mine", "group", "completed", "department", "unassigned"]))
    sort = fields.String(load_default="due", validate=validate.OneOf(
        ["due", "created", "priority", "name", "process", "business_key", "customer"]))
    desc = QueryBoolean(load_default=False)
    process_key = fields.String(validate=KEY)
    sla = fields.String(validate=validate.OneOf(["overdue", "at_risk", "on_time"]))
    search = fields.String(validate=validate.Length(min=1, max=100))
    follow_ups = QueryBoolean(load_default=False, metadata={
        "description": "view=mine: also the tasks whose follow-up date is still ahead (left out by default)"})
    due = fields.String(validate=validate.OneOf(["week"]), metadata={
        "description": "week: due by the end of this working week (China's calendar), overdue ones included"})


class VersionQuerySchema(Query):
    version = QueryInteger(validate=validate.Range(min=1, max=ID_MAX))


# ---------------------------------------------------------------- request bodies
def variables_field(description: str = "") -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)), values=fields.Raw(allow_none=True),
                       metadata={"description": "process variables: identifier -> JSON value (at most 256 KB)"
                                                + description})


Variables = variables_field()
START_INPUT = ("; checked against the process's start form (its `start_form`) exactly like the web start page: "
               "declared fields only (others: 'unknown field'), types, limits, required values; an optional field "
               "left out is null; 422 names every bad field. A process without a start form accepts any variables")


class StartInstanceSchema(Strict):
    process_key = fields.String(required=True, validate=KEY, metadata={"example": "complaint_handling"})
    business_key = fields.String(allow_none=True, validate=KEY, metadata={"example": "C-2026-0001"})
    version = JsonInteger(allow_none=True, validate=validate.Range(min=1, max=ID_MAX))
    customer = fields.String(allow_none=True, validate=NAME)
    variables = variables_field(START_INPUT)


class SuspendSchema(Strict):
    reason = fields.String(allow_none=True, validate=validate.Length(max=1000))


class TerminateSchema(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class AssignSchema(Strict):
    user_id = JsonInteger(required=True, allow_none=True, validate=validate.Range(min=1, max=ID_MAX),
                          metadata={"description": "the new assignee, one who may work the task (else 422 "
                                                   "naming user_id); null puts the task back in the group queue"})


class RecommitSchema(Strict):
    new_due = fields.String(required=True, validate=validate.Length(min=10, max=40),
                            metadata={"description": "the committed date (YYYY-MM-DD: close of business that day) "
                                                     "or date and time (YYYY-MM-DDTHH:MM, local); later than now "
                                                     "and than the current due date"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "why it cannot be done in time (told to the customer)"})
    customer_informed = JsonBoolean(required=True, metadata={"description": "must be true: the customer was "
                                                                            "told before the new date is set"})


class CompleteSchema(Strict):
    data = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict,
                       metadata={"description": "form values keyed by field id (see the task's form schema), "
                                                "checked like the web task page: fields the form does not "
                                                "declare are refused ('unknown field')"})


class DraftSchema(CompleteSchema):
    """The same values as ``complete``; a draft may leave required fields empty."""


class DeliverMessageSchema(Strict):
    name = fields.String(required=True, validate=NAME)
    business_key = fields.String(required=True, validate=KEY)
    process_key = fields.String(allow_none=True, validate=KEY)
    payload = Variables


class StartByMessageSchema(Strict):
    name = fields.String(required=True, validate=NAME)
    business_key = fields.String(allow_none=True, validate=KEY)
    variables = variables_field(" (the start input of each process the message starts; if one refuses it, "
                                "none starts)" + START_INPUT)


# ---------------------------------------------------------------- responses
class DefinitionSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    checksum = fields.String(required=True)
    has_di = fields.Boolean(required=True)
    start_messages = fields.List(fields.String(), required=True)
    timer_start = fields.String(allow_none=True)
    starter_groups = fields.List(fields.String(), required=True)
    source = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(allow_none=True)
    running = fields.Integer(metadata={"description": "active instances of the process (list only)"})
    start_form = fields.Dict(metadata={"description": "JSON schema of the start form"})


class PageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)


class DefinitionPageSchema(PageSchema):
    items = fields.List(fields.Nested(DefinitionSchema), required=True)


class ValidationResultSchema(Schema):
    valid = fields.Boolean(required=True, metadata={"description": "true when no problem is an error"})
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


class DeploymentSchema(Schema):
    created = fields.Boolean(required=True, metadata={"description": "false: identical to the latest version"})
    definition = fields.Nested(DefinitionSchema, required=True)


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    element_id = fields.String(required=True)
    name = fields.String(required=True)
    documentation = fields.String(allow_none=True)
    state = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String())
    priority = fields.Integer(required=True)
    due_at = fields.DateTime(allow_none=True)
    follow_up_at = fields.DateTime(allow_none=True, metadata={"description": "until then it waits out of My tasks"})
    sla = fields.String(validate=validate.OneOf(["on_time", "at_risk", "overdue", "none"]))
    created_at = fields.DateTime(required=True)
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    process_key = fields.String(required=True)
    process_name = fields.String(required=True)
    business_key = fields.String(allow_none=True)
    customer = fields.String(allow_none=True)
    confirm_only = fields.Boolean()
    allowed_actions = fields.List(
        fields.String(validate=validate.OneOf(ACTIONS)), required=True,
        metadata={"description": "what the calling user may do with the task now, each one "
                                 "`POST /api/v1/tasks/{id}/{action}`; the web task page shows the same buttons"})
    submitted = fields.Dict(allow_none=True)
    draft = fields.Dict(allow_none=True)
    form_schema = fields.Dict(metadata={"description": "JSON schema of the task form (detail only)"})


class NextSchema(Schema):
    instance_id = fields.Integer(required=True)
    instance_status = fields.String(required=True, validate=validate.OneOf(
        ["running", "incident", "suspended", "completed", "terminated"]))
    tasks = fields.List(fields.Nested(TaskSchema), required=True, metadata={
        "description": "the instance's open tasks the caller may claim or complete now, with their forms"})


class CompletedTaskSchema(TaskSchema):
    next = fields.Nested(NextSchema, required=True, metadata={"description": "what the completion led to"})


class TaskPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSchema), required=True)


class FormSchemaSchema(Schema):
    task_id = fields.Integer(required=True)
    schema = fields.Dict(required=True, metadata={"description": "JSON schema of the form"})


class InstanceSchema(Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    process_name = fields.String(required=True)
    version = fields.Integer(required=True)
    business_key = fields.String(allow_none=True)
    customer = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    started_at = fields.DateTime(required=True)
    started_by = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)
    incident_element = fields.String(allow_none=True)
    incident_message = fields.String(allow_none=True)
    variables = fields.Dict(metadata={"description": "current process data (detail only; shown to admins, "
                                                     "process owners and supervisors, as on the instance screen)"})
    open_tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "open user tasks (detail only)"})


class InstancePageSchema(PageSchema):
    items = fields.List(fields.Nested(InstanceSchema), required=True)


class InstanceListSchema(Schema):
    instances = fields.List(fields.Nested(InstanceSchema), required=True)


class HistoryEventSchema(Schema):
    id = fields.Integer(required=True)
    event = fields.String(required=True)
    at = fields.DateTime(required=True)
    user = fields.String(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    data = fields.Raw(allow_none=True, metadata={
        "description": "event details; others than admins, process owners and supervisors see only reason, "
                       "error and assignee, as on the instance screen"})


class HistoryPageSchema(PageSchema):
    items = fields.List(fields.Nested(HistoryEventSchema), required=True)


class DeliveredSchema(Schema):
    instance_ids = fields.List(fields.Integer(), required=True)


# ---------------------------------------------------------------- KPIs
class KpiQuerySchema(Query):
    from_ = fields.Date(data_key="from", metadata={"description": "first local day (default: this month's first)"})
    to = fields.Date(metadata={"description": "last local day, inclusive (default: today)"})


class RatioSchema(Schema):
    num = fields.Integer(required=True)
    den = fields.Integer(required=True)
    value = fields.Float(allow_none=True, metadata={"description": "num / den; null when den is 0"})


class KpiSchema(Schema):
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)
    satisfaction = fields.Nested(RatioSchema, required=True, metadata={
        "description": "service events whose latest answer (any channel) scored 4-5 / events answered"})
    satisfaction_target = fields.Float(required=True)
    satisfaction_met = fields.Boolean(allow_none=True)
    average_score = fields.Float(allow_none=True)
    complaint_rate = fields.Nested(RatioSchema, required=True, metadata={
        "description": "distinct complaining customers / distinct customers served (request or complaint)"})
    accepted_in_time = fields.Nested(RatioSchema, required=True, metadata={
        "description": "requests replied to within accept_minutes of the first contact / requests due a reply"})
    accept_minutes = fields.Integer(required=True, metadata={"description": "the reply target, working minutes"})
    median_accept_minutes = fields.Float(allow_none=True, metadata={"description": "median minutes to the first reply"})
    on_time_repairs = fields.Nested(RatioSchema, required=True, metadata={
        "description": "repair orders whose engineer reached the site by the deadline / repair orders due"})
    standard_execution = fields.Nested(RatioSchema, required=True, metadata={
        "description": "compliant services / services inspected (value null until inspections are recorded)"})


class KpiDetailQuerySchema(KpiQuerySchema):
    person = fields.String(metadata={"description": "a user id: only the records naming them; `none`: naming nobody"})
    department = fields.String(metadata={"description": "a department code: only its people's records; `none`: no department"})


class KpiBreakdownQuerySchema(KpiQuerySchema):
    by = fields.String(required=True, validate=validate.OneOf(["person", "department"]),
                       metadata={"description": "person | department"})


class KpiGroupSchema(Schema):
    key = fields.String(required=True, metadata={"description": "user id or department code; `none`: not attributed"})
    label = fields.String(required=True)
    username = fields.String(allow_none=True)
    department = fields.String(allow_none=True, metadata={"description": "a person's department code"})
    satisfaction = fields.Nested(RatioSchema, required=True)
    complaint_rate = fields.Nested(RatioSchema, required=True)
    accepted_in_time = fields.Nested(RatioSchema, required=True)
    median_accept_minutes = fields.Float(allow_none=True)
    on_time_repairs = fields.Nested(RatioSchema, required=True)
    standard_execution = fields.Nested(RatioSchema, required=True)


class KpiBreakdownSchema(Schema):
    by = fields.String(required=True)
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)
    groups = fields.List(fields.Nested(KpiGroupSchema), required=True, metadata={
        "description": "the figures per person or department; satisfaction, response and repairs add up to the totals"})


class KpiDetailSchema(Schema):
    name = fields.String(required=True)
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)
    rows = fields.List(fields.Dict(), required=True, metadata={"description": "the records the figure counted"})
