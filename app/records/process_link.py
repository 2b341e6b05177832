"""Records and their processes: creating a service request, complaint or
emergency incident starts its process, and the process keeps the record's
status, deadlines and results current (through the engine's hooks).

``start_for_record(record, actor)`` is the one entry point (FAB add views,
the demo seed, the API and the CLI); the listeners (``register_listeners``,
called by ``create_app``) follow every instance whose ``record_type`` is set."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from app.engine import clock, definitions, hooks, runtime
from app.engine.actor import Actor
from app.engine.errors import EngineError
from app.extensions import db
from app.models import Complaint, Department, EmergencyIncident, HumanTask, ProcessInstance, ServiceRequest

# Record status reached when a task of this element is created ("the record is now waiting for ...").
REQUEST_STATUS = {
    "accept": "new", "classify": "accepted", "diagnose": "in_progress", "book_visit": "in_progress",
    "explain_delay": "in_progress", "onsite_service": "on_site", "followup": "resolved", "survey": "resolved",
    # the emergency response called by an "emergency" request runs inside the request's instance
    "report": "escalated", "activate_quality": "escalated", "activate_disaster": "escalated",
    "activate_health": "escalated", "organise": "escalated", "notify": "escalated", "carry_out": "escalated",
    "confirm_control": "escalated", "update_customers": "escalated", "close": "escalated",
    "summarise": "escalated",
}
COMPLAINT_STATUS = {
    "register": "received", "forward": "received", "plan": "forwarded", "rectify": "rectifying",
    "report_back": "awaiting_feedback", "survey": "awaiting_feedback",
}
INCIDENT_STATUS = {
    "report": "reported", "activate_quality": "responding", "activate_disaster": "responding",
    "activate_health": "responding", "organise": "responding", "notify": "responding", "carry_out": "responding",
    "confirm_control": "responding", "update_customers": "responding", "close": "recovering",
    "summarise": "recovering",
}
# Tasks whose open due date is the record's deadline.
REQUEST_DUE_ELEMENTS = ("diagnose", "onsite_service")
# complaint "forward" form: responsible department (role) -> Department.code
DEPARTMENT_OF_ROLE = {"CustomerService": "CS", "Sales": "SALES", "TechSupport": "TECH", "FieldService": "DELIVERY"}
REQUEST_TYPE_CODE = {"general_question": "general", "routine_fault": "routine", "complex_fault": "complex",
                     "emergency_stoppage": "emergency"}


def _references(customer, contact) -> dict[str, int | None]:
    """Who the record is about, by id: phone and e-mail stay in the customer ledger (app.pii);
    the task page shows the contact masked, with the audited reveal."""
    return {"customer_id": customer.id if customer else None, "contact_id": contact.id if contact else None}


# --------------------------------------------------------------------------- what each record starts with

def _request_variables(sr: ServiceRequest) -> dict[str, Any]:
    customer = sr.customer
    contact = sr.contact or (customer.primary_contact if customer else None)
    return {
        "customer_name": customer.name if customer else "", **_references(customer, contact),
        "product_model": sr.equipment.model if sr.equipment else "",
        "service_address": (customer.address or "") if customer else "",
        "issue_description": sr.description or sr.subject or "", "record_number": sr.number,
        "request_priority": sr.priority,
    }


def _request_drafts(sr: ServiceRequest) -> dict[str, dict]:
    code = REQUEST_TYPE_CODE.get(sr.type)
    return {"classify": {"request_type": code}} if code else {}


def _complaint_variables(cp: Complaint) -> dict[str, Any]:
    customer = cp.customer
    contact = cp.contact or (customer.primary_contact if customer else None)
    return {"customer_name": customer.name if customer else "", **_references(customer, contact),
            "complaint_content": cp.matter or "", "customer_demand": cp.customer_demand or "",
            "record_number": cp.number}


def _complaint_drafts(cp: Complaint) -> dict[str, dict]:
    data = _complaint_variables(cp)
    shown = ("customer_name", "complaint_content", "customer_demand")  # fields of the register form
    return {"register": {k: data[k] for k in shown if data[k]}}


def _incident_variables(inc: EmergencyIncident) -> dict[str, Any]:
    return {"event_title": inc.title, "emergency_type": inc.type, "event_description": inc.description or "",
            "affected_customers": len(inc.customers or []), "record_number": _incident_key(inc)}


def _incident_drafts(inc: EmergencyIncident) -> dict[str, dict]:
    data = _incident_variables(inc)
    data.pop("record_number")
    return {"report": {k: v for k, v in data.items() if v not in ("", None)}}


def _incident_customers(inc: EmergencyIncident) -> str | None:
    """The first affected customer, and how many more ("A 等 12 家"): short enough for the inbox."""
    names = [c.name for c in inc.customers or []]
    if len(names) <= 1:
        return names[0] if names else None
    return f"{names[0]} 等 {len(names)} 家"[:200]


def _incident_key(inc: EmergencyIncident) -> str:
    return f"EI-{inc.id}"


@dataclass(frozen=True)
class Link:
    model: type
    process_key: str
    business_key: Callable[[Any], str]
    customer: Callable[[Any], str | None]
    variables: Callable[[Any], dict]
    drafts: Callable[[Any], dict]
    status: dict[str, str]


LINKS: dict[str, Link] = {
    "service_request": Link(ServiceRequest, "after_sales_service", lambda r: r.number,
                            lambda r: r.customer.name if r.customer else None,
                            _request_variables, _request_drafts, REQUEST_STATUS),
    "complaint": Link(Complaint, "complaint_handling", lambda r: r.number,
                      lambda r: r.customer.name if r.customer else None,
                      _complaint_variables, _complaint_drafts, COMPLAINT_STATUS),
    "emergency_incident": Link(EmergencyIncident, "emergency_response", _incident_key,
                               lambda r: _incident_customers(r),
                               _incident_variables, _incident_drafts, INCIDENT_STATUS),
}


def start_for_record(record, actor: Actor, *, commit: bool = True) -> ProcessInstance:
    """Start the record's process (once) and link it: ``record.process_instance_id``."""
    record_type = record.__tablename__
    link = LINKS.get(record_type)
    if link is None:
        raise ValueError(f"No process for records of type {record_type}.")
    if record.process_instance_id:
        return db.session.get(ProcessInstance, record.process_instance_id)
    db.session.flush()  # the record needs its id and number
    if not runtime.can_start(definitions.get_definition(link.process_key), actor):
        actor = Actor.system()  # whoever may create the record starts its process (e.g. tech: requests)
    inst = runtime.start_process(link.process_key, actor=actor, business_key=link.business_key(record),
                                 customer=link.customer(record), record=(record_type, record.id),
                                 internal=link.variables(record), commit=False)  # trusted: from the record
    record.process_instance_id = inst.id
    if commit:
        db.session.commit()
    return inst


def start_from_view(record) -> None:
    """For the FAB add views: start the process as the signed-in user; a failure keeps the record."""
    from flask import flash, g
    from flask_babel import gettext

    try:
        start_for_record(record, Actor.from_user(g.user))
    except EngineError as err:
        db.session.rollback()
        flash(gettext("The record was saved, but its process did not start: %(error)s", error=err.message),
              "warning")


# --------------------------------------------------------------------------- keeping the record current

def record_of(inst: ProcessInstance):
    """(link, record) of an instance started for a record; (None, None) otherwise."""
    link = LINKS.get(inst.record_type or "")
    if link is None or inst.record_id is None:
        return None, None
    return link, db.session.get(link.model, inst.record_id)


def task_created(inst: ProcessInstance, task: HumanTask) -> None:
    link, record = record_of(inst)
    if record is None:
        return
    draft = link.drafts(record).get(task.element_id)
    if draft and not task.draft:
        task.draft = draft
    status = link.status.get(task.element_id)
    if isinstance(record, ServiceRequest):
        if task.element_id in REQUEST_DUE_ELEMENTS and task.due_at is not None:
            record.due_at = task.due_at
        if status == "accepted" and record.accepted_at is None:
            record.accepted_at = clock.now()
        if status == "resolved" and record.resolved_at is None:
            record.resolved_at = clock.now()
        if task.element_id == "escalate" and record.status == "new":
            status = "escalated"  # acceptance overdue
    elif isinstance(record, Complaint) and status == "forwarded" and record.status == "reopened":
        status = None  # a new round after an unsatisfied survey stays "reopened" until rectification
    if status:
        record.status = status


def task_completed(inst: ProcessInstance, task: HumanTask) -> None:
    link, record = record_of(inst)
    if record is None:
        return
    data = task.submitted or {}
    if isinstance(record, Complaint):
        _complaint_task_completed(record, task.element_id, data)
    elif isinstance(record, EmergencyIncident) and task.element_id == "summarise":
        record.summary = data.get("event_summary") or record.summary
        record.improvements = data.get("improvement_measures") or record.improvements
    elif isinstance(record, ServiceRequest) and task.element_id == "accept" and record.accepted_at is None:
        record.accepted_at = clock.now()


def _complaint_task_completed(cp: Complaint, element: str, data: dict) -> None:
    if element == "register":
        cp.matter = data.get("complaint_content") or cp.matter
        cp.customer_demand = data.get("customer_demand") or cp.customer_demand
    elif element == "forward":
        cp.forwarded_at = clock.now()
        cp.status = "forwarded"
        code = DEPARTMENT_OF_ROLE.get(data.get("department"))
        department = db.session.query(Department).filter_by(code=code).one_or_none() if code else None
        if department is not None:
            cp.responsible_department_id = department.id
    elif element == "plan":
        cp.rectification_plan = data.get("rectification_plan") or cp.rectification_plan
    elif element == "rectify":
        cp.rectification_result = data.get("rectification_result") or cp.rectification_result
    elif element == "report_back":
        cp.feedback = data.get("feedback_content") or cp.feedback
    elif element == "survey":
        score = data.get("satisfaction_score")
        cp.satisfaction = int(score) if score not in (None, "") else cp.satisfaction
        cp.feedback = data.get("customer_comment") or cp.feedback
        cp.feedback_date = clock.local_today()
        if data.get("satisfied") is False:
            cp.reopen()  # the round is archived; the process goes back to a new plan


def instance_ended(inst: ProcessInstance) -> None:
    _link, record = record_of(inst)
    if record is None:
        return
    now = inst.ended_at or clock.now()
    record.status = "closed"
    if isinstance(record, ServiceRequest):
        record.resolved_at = record.resolved_at or now
    else:
        record.closed_at = record.closed_at or now


def register_listeners() -> None:
    """Follow the engine's events (``create_app``: the web app, the worker and the CLI alike)."""
    hooks.register(hooks.TASK_CREATED, task_created)
    hooks.register(hooks.TASK_COMPLETED, task_completed)
    hooks.register(hooks.INSTANCE_ENDED, instance_ended)
