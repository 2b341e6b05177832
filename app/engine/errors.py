"""Errors that carry their meaning; the web UI and the API map them once each."""
from __future__ import annotations

from typing import Any


class EngineError(Exception):
    code = "engine_error"
    http_status = 400

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class NotFound(EngineError):
    code, http_status = "not_found", 404


class Forbidden(EngineError):
    code, http_status = "forbidden", 403


class Invalid(EngineError):
    """Bad input: ``fields`` maps field ids to messages, ``problems`` locates BPMN errors."""

    code, http_status = "invalid", 422


class Conflict(EngineError):
    code, http_status = "conflict", 409


class TaskAlreadyCompleted(Conflict):
    code = "task_already_completed"


class TaskAlreadyClaimed(Conflict):
    code = "task_already_claimed"


class ConcurrentUpdate(Conflict):
    """Someone else changed the instance meanwhile (optimistic locking); retry."""

    code = "concurrent_update"
