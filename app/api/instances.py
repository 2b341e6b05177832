"""/api/v1/instances: start, list, get (state, variables, open tasks),
suspend/resume/terminate, history.

Starting is work any staff role does from its inbox, so it is checked against
the ``Inbox`` permission (``InstanceStartApi``); everything else against
``ProcessInstance``, like the instance screens."""
from __future__ import annotations

from flask_appbuilder.api import expose, protect

from app import pii
from app.api.answer import Answer, idempotent
from app.api.base import (
    ID_PARAM, IDEMPOTENCY_PARAM, EngineApi, actor, links_to, load_body, load_query, ok_200, page, slice_page,
    with_snippets,
)
from app.api.schemas import (
    HistoryPageSchema,
    InstancePageSchema,
    InstanceQuerySchema,
    InstanceSchema,
    PageQuerySchema,
    StartInstanceSchema,
    SuspendSchema,
    TerminateSchema,
    shared,
)
from app.api.serialize import event_dict, instance_dict
from app.engine import history, people, queries, runtime
from app.models import ProcessInstance


def detail(inst: ProcessInstance, who, *, workable_forms: bool = False) -> dict:
    variables = pii.masked_variables(runtime.variables_of(inst)) if who.sees_process_data else None
    open_tasks = queries.open_after(inst, inst.id)
    return shared(InstanceSchema).dump(instance_dict(inst, variables=variables, open_tasks=open_tasks,
                                                     viewer=who, workable_forms=workable_forms))


def _links() -> str:
    """OpenAPI links from a new instance to what can be done with it and with its first task."""
    out = ""
    for name in ("getInstance", "getInstanceHistory", "suspendInstance", "terminateInstance"):
        out += f"\n                {name}:\n                  operationId: {name}\n" \
               "                  parameters: {pk: '$response.body#/id'}"
    for name in ("getTask", "getTaskForm", "claimTask", "completeTask", "assignTask"):
        out += f"\n                {name}:\n                  operationId: {name}\n" \
               "                  parameters: {pk: '$response.body#/open_tasks/0/id'}"
    return out


_doc = with_snippets(id=ID_PARAM, instance_200=ok_200("the instance afterwards", "InstanceSchema"),
                     start_links=_links(), idempotency_key=IDEMPOTENCY_PARAM)


class InstanceStartApi(EngineApi):
    route_base = "/api/v1/instances"
    class_permission_name = "Inbox"
    method_permission_name = {"start": "write"}
    openapi_spec_tag = "Process instances"
    error_codes = {"start": ["409"]}  # a process that starts only by a message names them

    @expose("/", methods=["POST"])
    @protect()
    @idempotent
    @_doc
    def start(self):
        """Start a process (the latest version unless `version`) with variables and a business key.
        ---
        post:
          operationId: startInstance
          description: >-
            `variables` are validated against the process's start form exactly as the web start page
            validates them: only declared fields (anything else is an `unknown field`), their types,
            limits and required values; an optional field left out is `null`. 422 names every bad
            field and nothing is started. A process without a start form accepts any variables (there
            is nothing to check against); `business_key` and `starter` are set by the engine. The open
            tasks the caller may work come with their forms.
          parameters:{idempotency_key}
          requestBody:
            required: true
            content:
              application/json:
                schema: StartInstanceSchema
          responses:
            201:
              description: the new instance, run to its first wait state
              content:
                application/json:
                  schema: InstanceSchema
              links:{start_links}
        """
        body = load_body(shared(StartInstanceSchema))
        who = actor()
        answer = Answer(201, lambda inst: detail(inst, who, workable_forms=True))
        runtime.start_process(body["process_key"], actor=who, business_key=body.get("business_key"),
                              variables=body.get("variables"), version=body.get("version"),
                              customer=body.get("customer"), before_commit=answer)
        return answer.response(self)


class InstancesApi(EngineApi):
    resource_name = "instances"
    class_permission_name = "ProcessInstance"
    method_permission_name = {"get_list": "read", "get": "read", "history": "read",
                              "suspend": "write", "resume": "write", "terminate": "write"}
    openapi_spec_tag = "Process instances"
    error_codes = {"suspend": ["409"], "resume": ["409"], "terminate": ["409"]}
    response_links = {"get_list": {"200": links_to("$response.body#/items/0/id", "getInstance", "getInstanceHistory")}}

    @expose("/", methods=["GET"])
    @protect()
    def get_list(self):
        """Process instances, newest first, filtered by status, process or business key.
        ---
        get:
          operationId: listInstances
          parameters:
          - in: query
            schema: InstanceQuerySchema
          responses:
            200:
              description: a page of instances
              content:
                application/json:
                  schema: InstancePageSchema
        """
        args = load_query(InstanceQuerySchema())
        result = queries.query_instances(page=args["page"], page_size=args["page_size"], status=args.get("status"),
                                         process_key=args.get("process_key"), business_key=args.get("business_key"),
                                         exact_key=True)
        items = map(instance_dict, result.items)
        return self.response(200, **shared(InstancePageSchema).dump(page(items, result.total, args)))

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @_doc
    def get(self, pk: int):
        """One instance: status, incident, variables and open tasks.
        ---
        get:
          operationId: getInstance
          parameters:{id}
          {instance_200}
        """
        return self.response(200, **detail(runtime.get_instance(pk), actor()))

    @expose("/<int:pk>/history", methods=["GET"])
    @protect()
    @_doc
    def history(self, pk: int):
        """What happened to the instance, oldest first.
        ---
        get:
          operationId: getInstanceHistory
          parameters:{id}
          - in: query
            schema: PageQuerySchema
          responses:
            200:
              description: a page of history events
              content:
                application/json:
                  schema: HistoryPageSchema
        """
        args = load_query(PageQuerySchema())
        inst = runtime.get_instance(pk)
        events, total = slice_page(history.for_instance(inst.id), args)
        names, full = people.usernames(e.user_id for e in events), actor().sees_process_data
        items = (pii.masked_variables(event_dict(e, names, full_data=full, process_key=inst.process_key))
                 for e in events)
        return self.response(200, **shared(HistoryPageSchema).dump(page(items, total, args)))

    @expose("/<int:pk>/suspend", methods=["POST"])
    @protect()
    @_doc
    def suspend(self, pk: int):
        """Suspend a running instance (supervisors): its tasks cannot be worked on until resumed.
        ---
        post:
          operationId: suspendInstance
          parameters:{id}
          requestBody:
            required: false
            content:
              application/json:
                schema: SuspendSchema
          {instance_200}
        """
        body, who = load_body(shared(SuspendSchema), optional=True), actor()
        inst = runtime.suspend(pk, actor=who, reason=body.get("reason"))
        return self.response(200, **detail(inst, who))

    @expose("/<int:pk>/resume", methods=["POST"])
    @protect()
    @_doc
    def resume(self, pk: int):
        """Resume a suspended instance (supervisors).
        ---
        post:
          operationId: resumeInstance
          parameters:{id}
          {instance_200}
        """
        who = actor()
        return self.response(200, **detail(runtime.resume(pk, actor=who), who))

    @expose("/<int:pk>/terminate", methods=["POST"])
    @protect()
    @_doc
    def terminate(self, pk: int):
        """Terminate an instance for a reason (supervisors); its open tasks are cancelled.
        ---
        post:
          operationId: terminateInstance
          parameters:{id}
          requestBody:
            required: true
            content:
              application/json:
                schema: TerminateSchema
          {instance_200}
        """
        body, who = load_body(shared(TerminateSchema)), actor()
        inst = runtime.terminate(pk, actor=who, reason=body["reason"])
        return self.response(200, **detail(inst, who))
