"""The base of the read-only record APIs (FAB ModelRestApi); each record kind declares its own in
app/records/<kind>/api.py.

Same permissions as the record screens (``Customer``); personal data only ever leaves masked
(app.pii) — revealing it stays a screen action that is CSRF-checked and audited. Lists are FAB's: rison or
JSON ``q`` (filters, order, ``page``/``page_size`` at most FAB_API_MAX_PAGE_SIZE = 100, ``keys``,
``columns``), checked against the schema the OpenAPI document shows (app.api.record_query).
"""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import ModelRestApi
from werkzeug.exceptions import BadRequest

from app.api.base import JsonErrorsMixin, error_responses, links_to
from app.api.errors import engine_error
from app.api.record_query import query_schema, read_query

READ_ONLY = {"get_list": "read", "get": "read"}


class RecordApi(JsonErrorsMixin, ModelRestApi):
    allow_browser_login = True
    include_route_methods = set(READ_ONLY)
    method_permission_name = READ_ONLY
    class_permission_name = "Customer"
    openapi_spec_tag = "Records"

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        blueprint.before_request(self._read_query)
        return blueprint

    def _read_query(self) -> None:
        name = (request.endpoint or "").rpartition(".")[2]
        g.q_value, g.q_refusal = read_query(self, name) if name in READ_ONLY else ({}, None)

    def get_list_headless(self, **kwargs):
        return self._refusal() or super().get_list_headless(**{**kwargs, "rison": g.q_value})

    def get_headless(self, pk, **kwargs):
        return self._refusal() or super().get_headless(pk, **{**kwargs, "rison": g.q_value})

    def add_apispec_components(self, api_spec) -> None:
        """``columns`` picks the result's fields: none of them is always there."""
        super().add_apispec_components(api_spec)
        for name in (self.list_model_schema_name, self.show_model_schema_name):
            api_spec.components.schemas[name].pop("required", None)

    def _refusal(self):
        """A refused ``q``, answered once @protect let the caller in (as a response: FAB's @safe would
        turn anything raised here into a 500)."""
        err = g.get("q_refusal")
        if isinstance(err, BadRequest):
            return self.response_400(err.description)
        return engine_error(err) if err else None

    def operation_id(self, endpoint: str) -> str:
        return f"{'list' if endpoint == 'get_list' else 'get'}_{self.resource_name}"

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs) -> None:
        """``q`` as exactly as the server checks it; FAB documents ``id``/``ids`` as strings, ours are integers;
        a list links to its first record."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        for operation in operations.values():
            operation["operationId"] = self.operation_id(func.__name__)
            if func.__name__ == "get_list":
                ok = operation["responses"].get(200) or operation["responses"]["200"]
                ok["links"] = links_to("$response.body#/ids/0", self.operation_id("get"))
            for param in operation.get("parameters", []):
                if param.get("name") == "q" and func.__name__ in READ_ONLY:
                    param["content"]["application/json"]["schema"] = query_schema(self, func.__name__)
                    param["description"] = ("rison, e.g. `(filters:!((col:name,opr:ct,value:x)),page_size:10)`, "
                                            "or the same as URL-encoded JSON")
            responses = operation.setdefault("responses", {})
            responses.update(error_responses("403", "414"))  # 414: a long `q`, from the HTTP server
            ok = responses.get(200) or responses.get("200") or {}
            props = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("properties", {})
            if "id" in props:
                props["id"]["type"] = "integer"
            if "ids" in props:
                props["ids"]["items"] = {"type": "integer"}
