"""Engine events and their listeners: the one registry, each event named once here.

The engine emits; other rooms listen, so that no engine module calls "up" into them:
notifications mail people, the service records follow their process, the timers keep each
instance's timer job in step. Listeners are registered in one step of ``create_app``
(``app/__init__.py``), never when a module is imported, so the web app, the job worker and the
CLI all have the same ones.

Listeners run inside the engine's transaction. A *guarded* listener (the default) that fails is
logged and the engine operation goes on; a database error still propagates (the transaction is
lost anyway). The engine's own listeners register ``guarded=False``: their failure is the
operation's failure (a refused timer refuses the deployment)."""
from __future__ import annotations

import logging
from typing import Any, Callable

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
Listener = Callable[..., Any]

TASK_CREATED = "task_created"  # (instance, task): a human task row was created
TASK_ASSIGNED = "task_assigned"  # (instance, task): a supervisor (re)assigned the task
TASK_COMPLETED = "task_completed"  # (instance, task): a person completed the task
TASK_RECOMMITTED = "task_recommitted"  # (instance, task): a new committed date is the task's due date
INSTANCE_ENDED = "instance_ended"  # (instance): the instance completed
INSTANCE_TERMINATED = "instance_terminated"  # (instance): a supervisor terminated the instance
INSTANCE_RESUMED = "instance_resumed"  # (instance): a supervisor resumed a suspended instance
WAIT_STATE = "wait_state"  # (instance, workflow, timer_job): the instance ran to its next wait state
DEFINITION_DEPLOYED = "definition_deployed"  # (definition): a new version was stored
CUSTOMER_WROTE = "customer_wrote"  # (record, message): a customer's message reached an existing case
EVENTS = (TASK_CREATED, TASK_ASSIGNED, TASK_COMPLETED, TASK_RECOMMITTED, INSTANCE_ENDED, INSTANCE_TERMINATED,
          INSTANCE_RESUMED, WAIT_STATE, DEFINITION_DEPLOYED, CUSTOMER_WROTE)
# The engine's own work listens to these (timers): emitting one that nobody hears means the
# app was built without create_app's listener step, and timers would silently never fire.
REQUIRED = frozenset({INSTANCE_RESUMED, WAIT_STATE, DEFINITION_DEPLOYED})

_LISTENERS: dict[str, list[Listener]] = {event: [] for event in EVENTS}
_UNGUARDED: set[Listener] = set()
# The record links' events by their old names (a test swaps one list for a broken listener).
on_task_created = _LISTENERS[TASK_CREATED]
on_task_completed = _LISTENERS[TASK_COMPLETED]
on_instance_ended = _LISTENERS[INSTANCE_ENDED]


def register(event: str, listener: Listener, *, guarded: bool = True) -> None:
    """Add a listener once (registering the same function again is a no-op)."""
    listeners = _LISTENERS[event]  # KeyError: not an engine event
    if listener not in listeners:
        listeners.append(listener)
    if not guarded:
        _UNGUARDED.add(listener)


def listeners(event: str) -> list[Listener]:
    return list(_LISTENERS[event])


def emit(event: str, *args: Any) -> None:
    found = list(_LISTENERS[event])
    if not found and event in REQUIRED:
        raise RuntimeError(f"nobody listens to the engine event {event!r}: build the app with create_app")
    for listener in found:
        if listener in _UNGUARDED:
            listener(*args)
            continue
        try:
            listener(*args)
        except SQLAlchemyError:
            raise
        except Exception:  # noqa: BLE001  (a guarded listener must not break the engine)
            log.exception("listener %s failed on %s", getattr(listener, "__name__", listener), event)
