"""A complaint runs the complaint-handling process; the complaint follows its tasks."""
from __future__ import annotations

from typing import Any

from app.engine import clock
from app.extensions import db
from app.models import Complaint, Department, HumanTask, ProcessInstance, Survey
from app.records.links import Link, customer_for, customer_name, references

COMPLAINT_STATUS = {
    "register": "received", "forward": "received", "plan": "forwarded", "rectify": "rectifying",
    "report_back": "awaiting_feedback", "survey": "awaiting_feedback",
}
# the complaint "forward" form of earlier versions named a role; today it names the department (its code)
DEPARTMENT_OF_ROLE = {"CustomerService": "CS", "Sales": "SALES", "TechSupport": "TECH", "FieldService": "DELIVERY"}


def _variables(cp: Complaint) -> dict[str, Any]:
    """Ids, not copies: the register form starts from the record (``_drafts``); diagrams read the
    complaint's fields through ``record_field`` (FIELDS)."""
    customer = cp.customer
    contact = cp.contact or (customer.primary_contact if customer else None)
    return {**references(customer, contact), "record_number": cp.number}


FIELDS = {
    "customer_name": lambda cp: cp.customer.name if cp.customer else "",
    "complaint_content": lambda cp: cp.matter or "", "customer_demand": lambda cp: cp.customer_demand or "",
    "complaint_channel": lambda cp: cp.channel, "complaint_category": lambda cp: cp.category,
    "severity": lambda cp: cp.severity, "status": lambda cp: cp.status,
}


def _drafts(cp: Complaint) -> dict[str, dict]:
    shown = ("customer_name", "complaint_content", "customer_demand")  # fields of the register form
    return {"register": {k: FIELDS[k](cp) for k in shown if FIELDS[k](cp)}}


def _task_created(cp: Complaint, _task: HumanTask, status: str | None) -> str | None:
    if status == "forwarded" and cp.status == "reopened":
        return None  # a new round after an unsatisfied survey stays "reopened" until rectification
    return status


def _task_completed(cp: Complaint, task: HumanTask, data: dict) -> None:
    element = task.element_id
    if element == "register":
        cp.matter = data.get("complaint_content") or cp.matter
        cp.customer_demand = data.get("customer_demand") or cp.customer_demand
        cp.channel = data.get("complaint_channel") or cp.channel
        cp.category = data.get("complaint_category") or cp.category
    elif element == "forward":
        cp.forwarded_at = clock.now()
        cp.status = "forwarded"
        cp.severity = data.get("severity") or cp.severity
        code = DEPARTMENT_OF_ROLE.get(data.get("department"), data.get("department"))  # a role: before v-next
        department = db.session.query(Department).filter_by(code=code).one_or_none() if code else None
        if department is not None:
            cp.responsible_department_id = department.id
    elif element == "plan":
        cp.rectification_plan = data.get("rectification_plan") or cp.rectification_plan
    elif element == "rectify":
        cp.rectification_result = data.get("rectification_result") or cp.rectification_result
        cp.rectified_at = clock.now()
    elif element == "report_back":
        cp.feedback = data.get("feedback_content") or cp.feedback
    elif element == "survey":
        score = data.get("satisfaction_score")
        cp.satisfaction = int(score) if score not in (None, "") else cp.satisfaction
        if score not in (None, ""):  # the process's satisfaction step is an answer like any other channel
            db.session.add(Survey(kind="satisfaction", customer_id=cp.customer_id, complaint=cp, channel="phone",
                                  score=int(score), comments=data.get("customer_comment") or None,
                                  answered_at=clock.now()))
        cp.feedback = data.get("customer_comment") or cp.feedback
        cp.feedback_date = clock.local_today()
        if data.get("satisfied") is False:
            cp.reopen()  # the round is archived; the process goes back to a new plan


def _adopt(data: dict) -> Complaint:
    return Complaint(customer=customer_for(data), matter=str(data.get("complaint_content") or "—"),
                     customer_demand=data.get("customer_demand") or None)  # the register step fills the rest


def _ended(cp: Complaint, inst: ProcessInstance) -> None:
    cp.closed_at = cp.closed_at or inst.ended_at or clock.now()


LINK = Link(Complaint, "complaint_handling", lambda r: r.number, customer_name, _variables, _drafts,
            COMPLAINT_STATUS, on_task_created=_task_created, on_task_completed=_task_completed, on_ended=_ended,
            adopt_at="register", adopt=_adopt, fields=FIELDS)
