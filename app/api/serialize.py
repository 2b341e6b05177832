"""Engine rows -> plain dicts shaped like the response schemas of app.api.schemas. Times are ISO 8601
with their offset: stored instants in UTC ("+00:00", marshmallow's DateTime), process data as given."""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any, Iterable

from app.engine import clock, content
from app.engine import tasks as task_service
from app.engine.actor import Actor
from app.engine.forms import FormField, form_schema
from app.engine.task_actions import allowed_actions
from app.lang import reader_lang
from app.pii import masked_variables


def json_safe(value: Any) -> Any:
    """Process data as strict JSON: dates as ISO text, NaN/Infinity and odd objects as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):  # always with its offset; naive values are local wall-clock time
        return (value if value.tzinfo else value.replace(tzinfo=clock.zone())).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    try:
        return json.loads(json.dumps(value, default=str, allow_nan=False))
    except (TypeError, ValueError):
        return str(value)


def _name(user) -> str | None:
    return user.username if user is not None else None


def definition_dict(d, running: int | None = None, *, detail: bool = False) -> dict[str, Any]:
    out = {
        "id": d.id, "key": d.key, "name": content.process_name(d.key, reader_lang(), d.name), "version": d.version, "checksum": d.checksum,
        "has_di": bool(d.has_di), "start_messages": list(d.start_messages or []), "timer_start": d.timer_start,
        "starter_groups": list(d.starter_groups or []), "source": d.source, "deployed_at": d.deployed_at,
        "deployed_by": _name(d.deployed_by),
    }
    if running is not None:
        out["running"] = running
    if detail:
        out["start_form"] = form_schema(content.fields_in([FormField.from_dict(f) for f in (d.start_form or [])],
                                                          reader_lang()))
    return out


def task_dict(task, viewer: Actor, *, detail: bool = False, actions: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The task as ``viewer`` sees it: ``allowed_actions`` are theirs (the task page's buttons; ``actions``:
    already worked out by the caller); names, instructions and form labels in the reader's language (app.lang)."""
    lang = reader_lang()
    out = {
        "id": task.id, "instance_id": task.instance_id, "element_id": task.element_id,
        "name": content.task_name(task, lang), "documentation": content.task_documentation(task, lang) or None,
        "state": task.state, "assignee": _name(task.assignee),
        "candidate_groups": sorted(c.role_name for c in task.candidates if c.role_name),
        "priority": task.priority, "due_at": task.due_at,
        "follow_up_at": task.follow_up_at, "sla": task_service.sla_state(task),
        "created_at": task.created_at, "claimed_at": task.claimed_at, "completed_at": task.completed_at,
        "completed_by": _name(task.completed_by), "process_key": task.process_key,
        "process_name": content.task_process_name(task, lang), "business_key": task.business_key, "customer": task.customer,
        "confirm_only": bool(task.confirm_only),
        "allowed_actions": list(allowed_actions(task, viewer) if actions is None else actions),
    }
    if detail:
        out["form_schema"] = form_schema(content.fields_in(task_service.form_fields(task), lang))
        out["submitted"] = json_safe(masked_variables(task.submitted))  # the draft is the viewer's own typing
        out["draft"] = json_safe(task.draft) if task.assignee_id == viewer.user_id else None
    return out


def instance_dict(inst, *, variables: dict | None = None, open_tasks: Iterable | None = None,
                  viewer: Actor | None = None, workable_forms: bool = False) -> dict[str, Any]:
    """``viewer``, required with ``open_tasks``, is whom they are shown to (their ``allowed_actions``);
    ``workable_forms``: the tasks the viewer may work come with their form (``next_tasks``)."""
    out = {
        "id": inst.id, "process_key": inst.process_key,
        "process_name": content.process_name(inst.process_key, reader_lang(), inst.definition.name),
        "version": inst.definition.version, "business_key": inst.business_key, "customer": inst.customer,
        "status": inst.status, "started_at": inst.started_at, "started_by": _name(inst.started_by),
        "ended_at": inst.ended_at, "end_reason": inst.end_reason, "incident_element": inst.incident_element,
        "incident_message": inst.incident_message,
    }
    if variables is not None:
        out["variables"] = json_safe(variables)
    if open_tasks is not None:
        if viewer is None:
            raise ValueError("open tasks are shown to a viewer: their allowed actions are the viewer's")
        shown = [(t, allowed_actions(t, viewer)) for t in open_tasks]
        out["open_tasks"] = [task_dict(t, viewer, detail=workable_forms and _workable(actions), actions=actions)
                             for t, actions in shown]
    return out


def _workable(actions: tuple[str, ...]) -> bool:
    """The viewer may work the task (claim or complete): it comes with its form."""
    return bool({"complete", "claim"} & set(actions))


def next_dict(inst, open_tasks: Iterable, viewer: Actor) -> dict[str, Any]:
    """What a completion leads to: the instance's state and the open tasks the viewer may work now
    (claim or complete), each with its form, so a client needs no second request."""
    shown = [(t, allowed_actions(t, viewer)) for t in open_tasks]
    return {"instance_id": inst.id, "instance_status": inst.status,
            "tasks": [task_dict(t, viewer, detail=True, actions=actions) for t, actions in shown if _workable(actions)]}


SHOWN_EVENT_DATA = ("reason", "error", "assignee")  # what the instance screen shows to everyone


def event_dict(event, usernames: dict[int, str], *, full_data: bool = True, process_key: str | None = None
               ) -> dict[str, Any]:
    """A history event; ``process_key`` names its element in the reader's language."""
    data = event.data
    if not full_data and isinstance(data, dict):
        data = {k: v for k, v in data.items() if k in SHOWN_EVENT_DATA} or None
    elif not full_data:
        data = None
    return {
        "id": event.id, "event": event.event, "at": event.at, "user": usernames.get(event.user_id),
        "task_id": event.task_id, "element_id": event.element_id,
        "element_name": content.element_text(process_key, event.element_id, reader_lang(), event.element_name)
        if process_key and event.element_name else event.element_name,
        "data": json_safe(data),
    }
