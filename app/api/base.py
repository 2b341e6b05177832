"""Base class and helpers of the engine APIs: authentication through FAB's
``@protect`` (JWT, API key, or the session cookie plus X-CSRFToken), the
caller as an engine ``Actor``, strict JSON loading and pagination."""
from __future__ import annotations

import json
from typing import Any, Iterable

from flask import current_app, g, request
from flask_appbuilder.api import BaseApi
from flask_login import current_user
from marshmallow import Schema
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import BaseConverter

from app.api.errors import error_response, register_blueprint_handlers
from app.api.schemas import ID_MAX, ErrorSchema, PageQuerySchema
from app.engine.actor import Actor
from app.engine.errors import Invalid, NotFound

ErrorSchema.__component_name__ = "Error"
MAX_DEPTH = 32
ERROR_TEXT = {
    "400": "Malformed request: the body is not valid JSON, or the CSRF token is missing",
    "401": "Not authenticated, or the token is expired or forged",
    "403": "Your roles do not allow this",
    "404": "Not found, or not visible to you",
    "409": "Conflict with the current state (already claimed, completed, changed meanwhile...)",
    "413": "The request body is larger than the limit",
    "415": "Unsupported content type",
    "422": "Invalid input: `fields` or `problems` say where",
    "429": "Too many requests",
    # answered by the HTTP server itself (werkzeug, gunicorn's limit_request_line), before the app: no JSON body
    "414": "The address with its query string is longer than the server accepts",
}


ID_PARAM = """
          - in: path
            name: pk
            required: true
            schema: {type: integer, minimum: 1, maximum: 2147483647}"""


IDEMPOTENCY_PARAM = """
          - in: header
            name: Idempotency-Key
            required: false
            description: >-
              Any unique text (a UUID). The same key from the same user within 24 hours answers what the
              first request with it was answered (header Idempotent-Replayed), without acting again; the
              same key with a different request is refused (422).
            schema: {type: string, minLength: 1, maxLength: 200, pattern: '^[!-~]+$'}"""


def ok_200(description: str, schema: str) -> str:
    """The YAML of a 200 JSON response, for ``with_snippets``."""
    return f"""
          responses:
            200:
              description: {description}
              content:
                application/json:
                  schema: {schema}"""


def with_snippets(**snippets: str):
    """Fill shared OpenAPI YAML snippets (``{name}``) into a view's docstring; FAB reads the spec from it."""
    def fill(view):
        for name, text in snippets.items():
            view.__doc__ = view.__doc__.replace("{" + name + "}", text)
        return view
    return fill


def links_to(expression: str, *operation_ids: str, param: str = "pk") -> dict[str, Any]:
    """OpenAPI links: ``param`` of each operation taken from this response (``$response.body#/...``);
    clients and the stateful fuzzing (schemathesis) follow them."""
    return {op: {"operationId": op, "parameters": {param: expression}} for op in operation_ids}


def error_responses(*codes: str) -> dict[str, Any]:
    return {code: {"description": ERROR_TEXT[code]} if code == "414" else {"description": ERROR_TEXT[code], "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}} for code in codes}


class ProcessKeyConverter(BaseConverter):
    """A process key in a path; ``validate`` is reserved for POST /definitions/validate."""

    regex = r"(?!validate$)[^/]+"


def expensive_limit() -> str:
    return current_app.config.get("API_EXPENSIVE_RATE_LIMIT", "30 per minute")


def _guard_request():
    """Before any API view: a request that carries a token is judged by the token alone (a session
    cookie sent along is ignored, so it can neither stand in for a bad token nor skip the CSRF check);
    ids beyond the id columns are simply not found; NUL characters (which PostgreSQL cannot compare
    or store) in the query string are refused. The record APIs check their ``q`` themselves
    (app.api.record_query); the engine APIs read no ``q``."""
    if "Authorization" in request.headers:
        current_app.login_manager._update_request_context_with_user(None)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and value > ID_MAX:
            raise NotFound(f"Object {value} does not exist.")
    bad = {k[:100]: "must not contain NUL characters" for k, v in request.args.items(multi=True) if "\x00" in k + v}
    if bad:
        raise Invalid("Some parameters are not valid: " + ", ".join(sorted(bad)) + ".", fields=bad)


class JsonErrorsMixin:
    """For every API class (engine or FAB ModelRestApi): the JSON error mapping of app.api.errors,
    the request guard, and FAB's own @protect answers in the same {code, message} shape."""

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        register_blueprint_handlers(blueprint)
        blueprint.before_request(_guard_request)
        return blueprint

    def response_400(self, message: str | None = None):
        return error_response(400, "bad_request", str(message or "Bad request.").removeprefix("400 Bad Request: "))

    def response_401(self):
        return error_response(401, "unauthorized", "Not authenticated: send a JWT or an API key "
                              "(Authorization: Bearer ...), or log in.")

    def response_403(self):
        return error_response(403, "forbidden", "Your roles do not allow this.")

    def response_404(self):
        return error_response(404, "not_found", "Not found.")

    def response_422(self, message: str | None = None):
        return error_response(422, "invalid", str(message or "Invalid input."))

    def response_500(self, message: str | None = None):
        return error_response(500, "internal_error", "Internal error; it has been logged.")


class EngineApi(JsonErrorsMixin, BaseApi):
    """Thin API over the engine services; errors are mapped once in app.api.errors."""

    allow_browser_login = True  # the web UI may call the API with its session cookie (CSRF-checked)
    openapi_spec_component_schemas = (ErrorSchema,)
    error_codes: dict[str, list[str]] = {}  # method name -> extra error statuses it documents
    response_links: dict[str, dict[str, dict]] = {}  # method name -> {status: links_to(...)}

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs) -> None:
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in list(responses):
                responses[str(code)] = responses.pop(code)
            codes = ["401", "403", "404", "414", "422"] + (["413", "415"] if "requestBody" in operation else [])
            codes += ["400"] if method.lower() != "get" else []  # a body that is not JSON, a missing CSRF token
            codes += self.error_codes.get(func.__name__, [])
            for status, links in self.response_links.get(func.__name__, {}).items():
                responses[status].setdefault("links", {}).update(links)
            for code, spec in error_responses(*codes).items():
                responses.setdefault(code, spec)


def actor() -> Actor:
    """The caller; JWT and API-key callers also become ``current_user`` so the
    services' audit entries name them."""
    user = g.user
    if not current_user.is_authenticated:
        current_app.login_manager._update_request_context_with_user(user)
    return Actor.from_user(user)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _check_text(value: Any, path: str, errors: dict[str, str], depth: int = 0) -> None:
    """NUL characters and lone surrogates cannot be stored (PostgreSQL refuses them)."""
    if depth > MAX_DEPTH:
        errors[path or "_schema"] = f"is nested too deeply (at most {MAX_DEPTH} levels)"
    elif isinstance(value, str):
        if "\x00" in value:
            errors[path or "_schema"] = "must not contain NUL characters"
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors[path or "_schema"] = "is not valid Unicode text"
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            _check_text(key, sub, errors, depth + 1)
            _check_text(item, sub, errors, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}.{index}" if path else str(index), errors, depth + 1)


def load_body(schema: Schema, *, optional: bool = False) -> dict[str, Any]:
    """Parse the JSON body strictly (400 if malformed, 415 if not JSON) and load it (422 per field)."""
    raw = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH
    if optional and not raw.strip():
        return schema.load({})
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.") from None
    except ValueError as err:  # includes bad UTF-8 and over-long integers
        raise BadRequest(f"The body is not valid JSON: {str(err)[:200]}") from None
    errors: dict[str, str] = {}
    _check_text(data, "", errors)
    if errors:
        raise Invalid("Some fields are not valid: " + ", ".join(sorted(errors)) + ".", fields=errors)
    return schema.load(data)


XML_TYPES = {"application/xml", "text/xml", "application/bpmn+xml", "application/octet-stream"}
KEY_PARAM = """
          - in: path
            name: key
            required: true
            schema: {type: string}"""


def xml_body(description: str) -> dict[str, Any]:
    """The OpenAPI request body of an uploaded file: raw XML or a multipart field ``file``."""
    return {"required": True, "content": {
        "application/xml": {"schema": {"type": "string", "description": description}},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary"}}}},
    }}


def xml_upload(what: str, default_name: str) -> tuple[bytes, str]:
    """An uploaded file (``what``: "BPMN", "DMN") from the raw body (XML) or from a multipart upload
    (field ``file``): (bytes, file name)."""
    if request.mimetype == "multipart/form-data":
        file = request.files.get("file")
        if file is None:
            raise Invalid(f"Upload the {what} file in the form field 'file'.", fields={"file": "required"})
        return file.read(), (file.filename or default_name)[-200:]
    if request.mimetype in XML_TYPES:
        return request.get_data(), default_name
    raise UnsupportedMediaType(f"Send the {what} XML as application/xml, or upload it as multipart/form-data "
                               "in the field 'file'.")


def load_query(schema: Schema) -> dict[str, Any]:
    return schema.load(request.args.to_dict())  # NUL characters were refused by _guard_request


def check_key(key: str, what: str = "Process") -> str:
    """Path keys: anything that cannot be a stored key is simply not found."""
    if "\x00" in key or len(key) > 100:
        raise NotFound(f"{what} '{key[:100]!s}' does not exist.".replace("\x00", ""))
    return key


def page(items: Iterable[dict], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items), "total": total, "page": args["page"], "page_size": args["page_size"]}


def slice_page(rows: list, args: dict[str, Any]) -> tuple[list, int]:
    start = (args["page"] - 1) * args["page_size"]
    return rows[start:start + args["page_size"]], len(rows)


def versions_page(key: str, what: str, versions, to_dict, schema: Schema) -> dict[str, Any]:
    """A page of the deployed versions of a process, decision or form (``versions(key)``, newest first),
    the query checked before the key; 404 when nothing of that key is deployed."""
    args = load_query(PageQuerySchema())
    rows = versions(check_key(key, what.capitalize()))
    if not rows:
        raise NotFound(f"No {what} with key '{key}' is deployed.", key=key)
    items, total = slice_page(rows, args)
    return schema.dump(page(map(to_dict, items), total, args))
