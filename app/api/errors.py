"""The API's one error mapping: every failure becomes JSON ``{code, message,
fields?/problems?}`` with the right status, never an HTML page or a bare 500.

Handlers are registered per API blueprint (so they win over any HTML error
page of the web UI) and, for routing errors that have no blueprint (unknown
path or method under ``/api/``), on the app for ``/api/`` paths only.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, jsonify, request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_wtf.csrf import CSRFError
from jwt.exceptions import ExpiredSignatureError, PyJWTError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app.engine.errors import EngineError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid",
    429: "rate_limited",
}
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def error_response(status: int, code: str, message: str, **extra: Any):
    resp = jsonify({"code": code, "message": message, **extra})
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


def flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages -> {"variables.x": "Not a valid string."}."""
    if isinstance(messages, dict):
        out: dict[str, str] = {}
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            out.update(flatten(value, name))
        return out
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": " ".join(messages)}
    if isinstance(messages, (list, tuple)):
        out = {}
        for item in messages:
            out.update(flatten(item, prefix))
        return out
    return {prefix or "_schema": str(messages)}


def engine_error(err: EngineError):
    body = err.to_dict()
    body["code"], body["message"] = err.code, err.message  # details never override these
    return error_response(err.http_status, **body)


def validation_error(err: ValidationError):
    fields = flatten(err.messages)
    if set(fields) == {"_schema"}:
        return error_response(422, "invalid", "The body must be a JSON object: " + fields["_schema"], fields=fields)
    return error_response(422, "invalid", "Some fields are not valid: " + ", ".join(sorted(fields)) + ".",
                          fields=fields)


def http_error(err: HTTPException):
    status = err.code or 500
    if isinstance(err, CSRFError):
        return error_response(400, "csrf_failed", "The CSRF token is missing or invalid: API writes authenticated "
                              "by the session cookie must send it in the X-CSRFToken header.")
    message = err.description or err.name
    if status == 429:
        message = f"Too many requests: the limit is {err.description}. Try again later."
    elif status == 413:
        message = "The request body is too large."
    resp = error_response(status, HTTP_CODES.get(status, "http_error"), message)
    original = err.get_response()
    for header in KEPT_HEADERS:
        if header in original.headers:
            resp.headers[header] = original.headers[header]
    return resp


def auth_error(err: Exception):
    if isinstance(err, ExpiredSignatureError):
        message = "The token has expired; log in again."
    elif isinstance(err, PyJWTError):
        message = "The token is not valid."
    else:
        message = str(err) or "Not authenticated."
    return error_response(401, "unauthorized", message)


def unexpected_error(err: Exception):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Internal error; it has been logged.")


def register_blueprint_handlers(bp: Blueprint) -> None:
    bp.register_error_handler(EngineError, engine_error)
    bp.register_error_handler(ValidationError, validation_error)
    for status in HTTP_CODES:  # per code, so they win over app-wide HTML pages
        bp.register_error_handler(status, http_error)
    bp.register_error_handler(HTTPException, http_error)
    bp.register_error_handler(JWTExtendedException, auth_error)
    bp.register_error_handler(PyJWTError, auth_error)
    bp.register_error_handler(Exception, unexpected_error)


def register_jwt_callbacks(jwt_manager) -> None:
    """FAB's own API endpoints (security, OpenAPI) answer token problems the same way: 401 JSON
    (flask-jwt-extended's default is ``{"msg"}`` and 422 for a forged token)."""

    def refuse(message: str):
        return lambda *args: error_response(401, "unauthorized", message)

    jwt_manager.unauthorized_loader(refuse("Not authenticated: send a JWT or an API key (Authorization: Bearer ...)."))
    jwt_manager.invalid_token_loader(refuse("The token is not valid."))
    jwt_manager.expired_token_loader(refuse("The token has expired; log in again."))
    jwt_manager.revoked_token_loader(refuse("The token has been revoked."))
    jwt_manager.needs_fresh_token_loader(refuse("A fresh login is required."))
    jwt_manager.user_lookup_error_loader(refuse("The token's user does not exist or is inactive."))


def register_app_handlers(app: Flask) -> None:
    """Unknown path or method under /api/: JSON too (other paths keep the default page)."""

    def routing_error(err: HTTPException):
        if request.path.startswith("/api/"):
            return http_error(err)
        return err

    for status in (404, 405):
        app.register_error_handler(status, routing_error)
