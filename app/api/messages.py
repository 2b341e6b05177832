"""/api/v1/messages: deliver a message to the instances waiting for it (by
business key), start the processes whose start event listens for it, or broadcast
a signal to every instance waiting for it."""
from __future__ import annotations

from flask_appbuilder.api import expose, protect
from marshmallow import fields

from app.api.answer import Answer, idempotent
from app.api.base import IDEMPOTENCY_PARAM, EngineApi, actor, links_to, load_body, with_snippets
from app.api.schemas import (
    KEY, NAME, DeliveredSchema, DeliverMessageSchema, InstanceListSchema, StartByMessageSchema, Strict, Variables,
    shared,
)
from app.api.serialize import instance_dict
from app.engine import runtime


_doc = with_snippets(idempotency_key=IDEMPOTENCY_PARAM)


class SignalSchema(Strict):
    name = fields.String(required=True, validate=NAME)
    business_key = fields.String(allow_none=True, validate=KEY)  # only instances with this key
    process_key = fields.String(allow_none=True, validate=KEY)  # only instances of this process
    payload = Variables


class MessagesApi(EngineApi):
    resource_name = "messages"
    class_permission_name = "Inbox"
    method_permission_name = {"deliver": "write", "start": "write", "signal": "write"}
    openapi_spec_tag = "Messages"
    error_codes = {"deliver": ["409"]}
    response_links = {"start": {"201": links_to("$response.body#/instances/0/id", "getInstance")}}

    @expose("/deliver", methods=["POST"])
    @protect()
    @idempotent
    @_doc
    def deliver(self):
        """Deliver a named message to the running instances with this business key that wait for it
        (409 if none waits).
        ---
        post:
          operationId: deliverMessage
          parameters:{idempotency_key}
          requestBody:
            required: true
            content:
              application/json:
                schema: DeliverMessageSchema
          responses:
            200:
              description: the instances that received the message
              content:
                application/json:
                  schema: DeliveredSchema
        """
        body = load_body(shared(DeliverMessageSchema))
        answer = Answer(200, lambda ids: shared(DeliveredSchema).dump({"instance_ids": ids}))
        runtime.deliver_message(body["name"], business_key=body["business_key"], actor=actor(),
                                payload=body.get("payload"), process_key=body.get("process_key"),
                                before_commit=answer)
        return answer.response(self)

    @expose("/start", methods=["POST"])
    @protect()
    @idempotent
    @_doc
    def start(self):
        """Start every process whose message start event is called `name` (404 if there is none).
        ---
        post:
          operationId: startByMessage
          parameters:{idempotency_key}
          requestBody:
            required: true
            content:
              application/json:
                schema: StartByMessageSchema
          responses:
            201:
              description: the started instances
              content:
                application/json:
                  schema: InstanceListSchema
        """
        body = load_body(shared(StartByMessageSchema))
        answer = Answer(201, lambda started: shared(InstanceListSchema).dump(
            {"instances": [instance_dict(i) for i in started]}))
        runtime.start_by_message(body["name"], actor=actor(), business_key=body.get("business_key"),
                                 variables=body.get("variables"), before_commit=answer)
        return answer.response(self)

    @expose("/signal", methods=["POST"])
    @protect()
    def signal(self):
        """Broadcast a signal to every running instance that waits for it (none waiting: an empty list).
        ---
        post:
          operationId: sendSignal
          requestBody:
            required: true
            content:
              application/json:
                schema: SignalSchema
          responses:
            200:
              description: the instances that caught the signal
              content:
                application/json:
                  schema: DeliveredSchema
        """
        body = load_body(shared(SignalSchema))
        ids = runtime.deliver_signal(body["name"], actor=actor(), payload=body.get("payload"),
                                     business_key=body.get("business_key"), process_key=body.get("process_key"))
        return self.response(200, **shared(DeliveredSchema).dump({"instance_ids": ids}))
