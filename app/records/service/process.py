"""A service request runs the after-sales process; the request follows its tasks."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from app.engine import clock, mail, notifications
from app.engine.sla_policy import ALIASES
from app.extensions import db
from app.models import FieldServiceRecord, HumanTask, ProcessInstance, ServiceRequest, Survey
from app.records.links import Link, customer_for, customer_name, references
from app.records.service import confirmation

# Record status reached when a task of this element is created ("the record is now waiting for ...").
REQUEST_STATUS = {
    "accept": "new", "dispatch_on_call": "in_progress", "escalate_emergency": "escalated", "classify": "accepted", "diagnose": "in_progress", "book_visit": "in_progress",
    "explain_delay": "in_progress", "onsite_service": "on_site", "followup": "resolved", "survey": "resolved",
    # the emergency response called by an "emergency" request runs inside the request's instance
    "report": "escalated", "activate_quality": "escalated", "activate_disaster": "escalated",
    "activate_health": "escalated", "organise": "escalated", "notify": "escalated", "carry_out": "escalated",
    "confirm_control": "escalated", "update_customers": "escalated", "close": "escalated",
    "summarise": "escalated",
}
# Tasks whose open due date is the record's deadline.
REQUEST_DUE_ELEMENTS = ("dispatch_on_call", "diagnose", "onsite_service")
# book_visit's time slots: when the visit starts
SLOT_START = {"morning": time(9, 0), "afternoon": time(13, 30)}
REQUEST_TYPE_CODE = {"general_question": "general", "routine_fault": "routine", "complex_fault": "complex",
                     "emergency_stoppage": "emergency"}


def _variables(sr: ServiceRequest) -> dict[str, Any]:
    """Ids, not copies: the diagram reads the request's fields through ``record_field`` (FIELDS)."""
    customer = sr.customer
    contact = sr.contact or (customer.primary_contact if customer else None)
    return {
        **references(customer, contact), "record_number": sr.number,
        "stoppage": sr.type == "emergency_stoppage",  # the start gateway's decision: 24-hour emergency response
    }


# What the after-sales diagram may read of its request: ${record_field('issue_description')}; the
# names are the start form's, so a diagram reads the same names whether started from a record or not.
FIELDS = {
    "customer_name": lambda sr: sr.customer.name if sr.customer else "",
    "product_model": lambda sr: sr.equipment.model if sr.equipment else "",
    "service_address": lambda sr: (sr.customer.address or "") if sr.customer else "",
    "issue_description": lambda sr: sr.description or sr.subject or "",
    "subject": lambda sr: sr.subject or "", "request_type": lambda sr: sr.type,
    "request_priority": lambda sr: sr.priority, "status": lambda sr: sr.status, "due_at": lambda sr: sr.due_at,
}


def _drafts(sr: ServiceRequest) -> dict[str, dict]:
    code = REQUEST_TYPE_CODE.get(sr.type)
    return {"classify": {"request_type": code}} if code else {}


def _acknowledge(sr: ServiceRequest, task: HumanTask) -> None:
    """Tell the customer at once, at any hour, that the request arrived and when it will be accepted
    (outside office hours: from the next working period, per the SLA policy)."""
    contact = sr.contact or (sr.customer.primary_contact if sr.customer else None)
    if notifications.is_muted() or contact is None or not mail.is_address(contact.email):
        return
    due = task.due_at.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M") if task.due_at else None
    mail.queue_mail("customer_acknowledgement", [contact.email], "acknowledgement",
                    {"name": contact.name, "business_key": sr.number, "matter": sr.subject, "due": due},
                    locale=mail.site_locale(), instance_id=task.instance_id)


def _task_created(sr: ServiceRequest, task: HumanTask, status: str | None) -> str | None:
    if task.element_id in ("accept", "dispatch_on_call"):  # the first step of either path: once a request
        _acknowledge(sr, task)
    if task.element_id in REQUEST_DUE_ELEMENTS and task.due_at is not None:
        sr.due_at = task.due_at
    if status == "accepted" and sr.accepted_at is None:
        sr.accepted_at = clock.now()
    if status == "resolved" and sr.resolved_at is None:
        sr.resolved_at = clock.now()
    if task.element_id == "escalate" and sr.status == "new":
        return "escalated"  # acceptance overdue
    return status


# Steps that reach the customer: the first one completed is the request's first reply (response time).
REPLIES = {"accept": "customer_contacted", "dispatch_on_call": None, "diagnose": "resolved_remotely",
           "onsite_service": None}


def _task_completed(sr: ServiceRequest, task: HumanTask, data: dict) -> list[ServiceRequest] | None:
    if task.element_id in REPLIES and sr.first_reply_at is None:
        flag = REPLIES[task.element_id]
        if flag is None or data.get(flag) is True:
            sr.first_reply_at = clock.now()
    if task.element_id == "survey" and data.get("satisfaction_score") not in (None, ""):
        db.session.add(Survey(kind="satisfaction", customer_id=sr.customer_id, service_request=sr, channel="phone",
                              score=int(data["satisfaction_score"]), comments=data.get("survey_comment") or None,
                              answered_at=clock.now()))  # the process's own satisfaction step: one answer
    if task.element_id == "accept" and sr.accepted_at is None:
        sr.accepted_at = clock.now()
    elif task.element_id == "classify" and ALIASES.get(data.get("request_type")):
        sr.type = ALIASES[data["request_type"]]  # the classification is the request's type
    elif task.element_id == "book_visit":
        visit = _visit(sr)
        day = _day(data.get("appointment_date"))
        if day is not None:
            visit.appointment_at = datetime.combine(day, SLOT_START.get(data.get("appointment_slot"), time(9, 0)),
                                                    tzinfo=clock.zone())
    elif task.element_id == "onsite_service":
        visit = _visit(sr)
        _fill_field_record(visit, task, data)
        if not visit.customer_confirmed and not notifications.is_muted():
            db.session.flush()
            confirmation.send_if_unconfirmed(visit)  # 由客户签字确认: not signed on site, confirmed by link
    elif task.element_id == "followup" and data.get("issue_resolved") is False:
        return [_reopened_by_followup(sr, data)]
    return None


def _reopened_by_followup(sr: ServiceRequest, data: dict) -> ServiceRequest:
    """第十一条(四) 对回访中发现的问题,需及时协调相关部门跟进解决: a new request, linked to this one."""
    found = str(data.get("followup_result") or "").strip()
    return ServiceRequest(customer_id=sr.customer_id, contact_id=sr.contact_id, equipment_id=sr.equipment_id,
                          kind=sr.kind, channel="followup", type=sr.type, priority=sr.priority,
                          subject=f"回访发现问题：{sr.number}"[:200], description=found or sr.description,
                          previous_request=sr)


def _visit(sr: ServiceRequest) -> FieldServiceRecord:
    """The visit being worked: the request's last field record not yet confirmed by the customer
    (an unconfirmed visit is done again on the same record), else a new one."""
    open_visits = [r for r in sr.field_records if not r.customer_confirmed]
    if open_visits:
        return max(open_visits, key=lambda r: r.id or 0)
    visit = FieldServiceRecord(service_request=sr)
    db.session.add(visit)  # SQLAlchemy 2: a backref alone does not put it in the session
    return visit


def _fill_field_record(visit: FieldServiceRecord, task: HumanTask, data: dict) -> None:
    """第十一条(三) 服务完成后 ... 填写现场服务记录表,由客户签字确认: the on-site step is the field record."""
    visit.engineer_id = task.completed_by_id or task.assignee_id
    if data.get("arrived_at"):
        visit.arrived_at = clock.parse_datetime(data["arrived_at"])  # local wall-clock time
    visit.work_done = data.get("work_done") or visit.work_done
    visit.cause = data.get("fault_cause") or visit.cause
    visit.advice = data.get("advice") or visit.advice
    # the customer signed on the field record (signature.py) or confirmed it by link (confirmation.py)
    confirmed = visit.customer_confirmed and visit.confirmed_via in ("signature", "link")
    signed = visit.signature_png is not None or confirmed
    visit.customer_confirmed = bool(data.get("customer_confirmed")) or signed
    visit.confirmed_by_name = data.get("customer_signatory") or visit.confirmed_by_name
    if visit.customer_confirmed and visit.confirmed_at is None:
        visit.confirmed_at = clock.now()
    if visit.customer_confirmed and not visit.confirmed_via:
        visit.confirmed_via = "signature" if visit.signature_png is not None else "engineer"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _adopt(data: dict) -> ServiceRequest:
    text = str(data.get("issue_description") or "").strip()
    return ServiceRequest(customer=customer_for(data), kind="after_sales", channel="web",
                          subject=(text.splitlines()[0] if text else "服务请求")[:200],
                          description=text or None, priority=str(data.get("request_priority") or "normal")[:10])


def _ended(sr: ServiceRequest, inst: ProcessInstance) -> None:
    sr.resolved_at = sr.resolved_at or inst.ended_at or clock.now()


LINK = Link(ServiceRequest, "after_sales_service", lambda r: r.number, customer_name, _variables, _drafts,
            REQUEST_STATUS, on_task_created=_task_created, on_task_completed=_task_completed, on_ended=_ended,
            due_elements=REQUEST_DUE_ELEMENTS, adopt_at="accept", adopt=_adopt, fields=FIELDS)
