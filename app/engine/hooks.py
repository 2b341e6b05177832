"""Listeners on engine events, so that other parts of the app (e.g. the service
records) can follow their processes without the engine knowing them.

``on_task_created(inst, task)``, ``on_task_completed(inst, task)`` and
``on_instance_ended(inst)`` run inside the engine's transaction; a failing
listener is logged and never breaks the engine operation."""
from __future__ import annotations

import logging
from typing import Any, Callable

log = logging.getLogger(__name__)

on_task_created: list[Callable[..., Any]] = []
on_task_completed: list[Callable[..., Any]] = []
on_instance_ended: list[Callable[..., Any]] = []

_LISTENERS = {"task_created": on_task_created, "task_completed": on_task_completed,
              "instance_ended": on_instance_ended}


def register(event: str, listener: Callable[..., Any]) -> None:
    """Add a listener once (registering the same function again is a no-op)."""
    listeners = _LISTENERS[event]
    if listener not in listeners:
        listeners.append(listener)


def emit(event: str, *args: Any) -> None:
    for listener in list(_LISTENERS[event]):
        try:
            listener(*args)
        except Exception:  # noqa: BLE001  (listeners must not break the engine)
            log.exception("listener %s failed on %s", getattr(listener, "__name__", listener), event)
