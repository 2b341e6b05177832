"""An emergency incident runs the emergency-response process; the incident follows its tasks."""
from __future__ import annotations

from typing import Any

from app.engine import clock
from app.models import EmergencyIncident, HumanTask, ProcessInstance
from app.records.links import Link

INCIDENT_STATUS = {
    "report": "reported", "activate_quality": "responding", "activate_disaster": "responding",
    "activate_health": "responding", "organise": "responding", "notify": "responding", "carry_out": "responding",
    "confirm_control": "responding", "update_customers": "responding", "close": "recovering",
    "summarise": "recovering",
}


def incident_key(inc: EmergencyIncident) -> str:
    return f"EI-{inc.id}"


def _variables(inc: EmergencyIncident) -> dict[str, Any]:
    """The record's key, not copies: the report form starts from the record (``_drafts``); diagrams
    read the incident's fields through ``record_field`` (FIELDS)."""
    return {"record_number": incident_key(inc)}


FIELDS = {
    "event_title": lambda inc: inc.title, "emergency_type": lambda inc: inc.type,
    "event_description": lambda inc: inc.description or "",
    "affected_customers": lambda inc: len(inc.customers or []), "status": lambda inc: inc.status,
}


def _drafts(inc: EmergencyIncident) -> dict[str, dict]:
    data = {name: read(inc) for name, read in FIELDS.items() if name != "status"}
    return {"report": {k: v for k, v in data.items() if v not in ("", None)}}


def _customers(inc: EmergencyIncident) -> str | None:
    """The first affected customer, and how many more ("A 等 12 家"): short enough for the inbox."""
    names = [c.name for c in inc.customers or []]
    if len(names) <= 1:
        return names[0] if names else None
    return f"{names[0]} 等 {len(names)} 家"[:200]


def _task_completed(inc: EmergencyIncident, task: HumanTask, data: dict) -> None:
    if task.element_id == "summarise":
        inc.summary = data.get("event_summary") or inc.summary
        inc.improvements = data.get("improvement_measures") or inc.improvements


def _adopt(data: dict) -> EmergencyIncident:
    return EmergencyIncident(title=str(data.get("event_title") or "突发事件")[:200],
                             type=str(data.get("emergency_type") or "public_health")[:20],
                             description=data.get("event_description") or None)


def _ended(inc: EmergencyIncident, inst: ProcessInstance) -> None:
    inc.closed_at = inc.closed_at or inst.ended_at or clock.now()


LINK = Link(EmergencyIncident, "emergency_response", incident_key, _customers, _variables, _drafts,
            INCIDENT_STATUS, on_task_completed=_task_completed, on_ended=_ended, adopt_at="report", adopt=_adopt,
            fields=FIELDS)
