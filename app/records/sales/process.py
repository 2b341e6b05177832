"""A prospect runs the ``pre_sales`` process (workflows/pre_sales.bpmn); the prospect, its solution
versions, questions and follow-up ledger follow the process's tasks.

第九条 售前服务流程规范 (《机器人集成公司客户服务优化管理制度》): 需求对接 1个工作日内; 方案咨询 (联合
技术部门; 疑问2个工作日内解答); 跟进维护 (每周至少跟进1次, 直至客户明确合作意向或终止咨询). The
deadlines are the SLA policy's (app/engine/sla_policy.py), read by the diagram through ``sla_due``."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import force_locale

from app.engine import clock, mail, notifications, sla_policy
from app.extensions import db
from app.models import HumanTask, ProcessInstance
from app.records.delivery.process import handover_for_won
from app.records.links import Link, customer_for, customer_name, references
from app.records.sales.choices import BUDGET_RANGES, LANGUAGES, OUTCOMES, PRODUCT_LINES
from app.records.sales.models import Opportunity, PresalesContact, PresalesQuestion, SalesSolution

OPPORTUNITY_STATUS = {
    "first_contact": "new", "draft_solution": "solution", "tech_review": "review",
    "present_solution": "proposed", "answer_question": "question", "follow_up": "following",
    "close_lost": "closing",
}
ESCALATIONS = ("escalate_first_contact", "escalate_answer", "escalate_followup")
# the steps that reach the customer: each is a line of the follow-up ledger
CONTACT_STEPS = {"first_contact": "first_contact", "present_solution": "solution", "answer_question": "answer",
                 "follow_up": "followup"}
NO_QUESTION_TEXT = "（客户疑问见沟通记录）(see the contact notes)"


def _variables(opp: Opportunity) -> dict[str, Any]:
    customer = opp.customer
    contact = opp.contact or (customer.primary_contact if customer else None)
    return {"customer_name": customer.name if customer else "", **references(customer, contact),
            "project_needs": opp.needs or "", "record_number": opp.number}


def _drafts(opp: Opportunity) -> dict[str, dict]:
    """The first-contact form starts from what the enquiry already says."""
    draft = {"customer_name": opp.customer.name if opp.customer else None, "project_needs": opp.needs,
             "product_line": opp.product_line, "budget_range": opp.budget_range,
             "customer_language": opp.language,
             "wanted_date": opp.wanted_date.isoformat() if opp.wanted_date else None,
             "time_requirement": opp.time_requirement}
    question = _open_question(opp)
    drafts = {"first_contact": {k: v for k, v in draft.items() if v}}
    if question is not None:
        drafts["answer_question"] = {"customer_question": question.question}
    return drafts


def _open_question(opp: Opportunity) -> PresalesQuestion | None:
    return next((q for q in reversed(opp.questions) if q.answered_at is None), None)


def _task_created(opp: Opportunity, task: HumanTask, status: str | None) -> str | None:
    element = task.element_id
    if element == "first_contact" and opp.first_contact_due is None:
        opp.first_contact_due = task.due_at
    elif element == "follow_up":
        opp.next_followup_at = task.due_at  # a week after the last contact (the follow-up ledger)
    elif element == "answer_question":
        question = _open_question(opp)
        if question is not None:
            question.due_at = task.due_at  # the task's due date is the one the engine enforces
            if not task.draft:
                task.draft = {"customer_question": question.question}
    elif element == "escalate_answer":
        question = _open_question(opp)
        if question is not None and question.escalated_at is None:
            question.escalated_at = clock.now()
    if element in ESCALATIONS:
        return None  # an escalation does not move the prospect
    return status


def _task_completed(opp: Opportunity, task: HumanTask, data: dict) -> list | None:
    element = task.element_id
    now = clock.now()
    user_id = task.completed_by_id or task.assignee_id
    if element in CONTACT_STEPS:
        summary = data.get("contact_summary") or data.get("presentation_note") or data.get("followup_summary") \
            or data.get("answer_text")
        opp.contacts.append(PresalesContact(at=now, kind=CONTACT_STEPS[element], method=data.get("contact_method"),
                                            summary=summary, decision=data.get("customer_decision"), user_id=user_id))
        opp.last_contact_at = now
        if opp.owner_id is None and user_id is not None:
            opp.owner_id = user_id  # whoever made the first contact owns the prospect
    if element == "first_contact":
        if opp.first_contact_due is None:  # adopted at this step (Start page, API): dated by its task
            opp.first_contact_due = task.due_at
            opp.received_at = min(opp.received_at or now, task.created_at or now)
        _record_needs(opp, data, now)
        _confirm_first_contact(opp, task)
    elif element == "draft_solution":
        version = (opp.solutions[-1].version if opp.solutions else 0) + 1
        opp.solutions.append(SalesSolution(
            version=version, title=str(data.get("solution_title") or f"{opp.number} v{version}")[:200],
            feasibility=data.get("feasibility"), advantages=data.get("product_advantages"),
            implementation_steps=data.get("implementation_plan"), cost_structure=data.get("cost_structure"),
            quoted_amount=data.get("quoted_amount"), product_models=data.get("recommended_models"),
            system_design=data.get("system_design"), attachments=data.get("solution_documents"),
            review_status="pending", created_at=now))
    elif element == "tech_review" and opp.solutions:
        solution = opp.solutions[-1]
        solution.review_status = "approved" if data.get("review_approved") else "rejected"
        solution.review_note = data.get("review_note")
        solution.reviewed_by_id = user_id
        solution.reviewed_at = now
    elif element == "answer_question":
        question = _open_question(opp)
        if question is not None:
            question.answer = data.get("answer_text")
            question.answered_at = now
            question.answered_by_id = user_id
    elif element == "close_lost":
        opp.lost_reason = "；".join(str(v) for v in (data.get("lost_reason"), data.get("competitor") and
                                                      f"竞争对手：{data['competitor']}") if v) or None
    if element == "present_solution" and opp.solutions:
        opp.solutions[-1].presented_at = opp.solutions[-1].presented_at or now
    if element == "follow_up":
        opp.followup_count = (opp.followup_count or 0) + 1
    if element in ("present_solution", "follow_up"):
        return _decision(opp, data, now)
    return None


def _record_needs(opp: Opportunity, data: dict, now) -> None:
    """需求对接: 客户基本信息、项目需求、预算范围、时间要求 (第九条(一))."""
    opp.first_contact_at = opp.first_contact_at or now
    opp.needs = data.get("project_needs") or opp.needs
    if data.get("product_line") in PRODUCT_LINES:
        opp.product_line = data["product_line"]
    if data.get("budget_range") in BUDGET_RANGES:
        opp.budget_range = data["budget_range"]
    opp.wanted_date = _day(data.get("wanted_date")) or opp.wanted_date
    opp.time_requirement = data.get("time_requirement") or opp.time_requirement
    if data.get("customer_language") in LANGUAGES:
        opp.language = data["customer_language"]
    opp.status = "contacted"
    sr = opp.service_request
    if sr is not None:  # the pre-sales request got its first reply at the first contact
        sr.accepted_at = sr.accepted_at or now
        sr.first_reply_at = sr.first_reply_at or now


def _decision(opp: Opportunity, data: dict, now) -> list | None:
    """The customer's decision; a won prospect returns its contract handover, which the record links
    start in this transaction (pre-sales hands over to in-sales without anyone re-typing it)."""
    decision = data.get("customer_decision")
    if decision in OUTCOMES:
        opp.outcome = decision
        opp.decided_at = now
        opp.next_followup_at = None
        if decision == "won":
            handover = handover_for_won(opp)
            return [handover] if handover is not None else None
    elif decision == "question":
        text = str(data.get("customer_question") or "").strip() or NO_QUESTION_TEXT
        opp.questions.append(PresalesQuestion(question=text, asked_at=now,
                                              due_at=sla_policy.due("pre_sales", "answer", now)))
    return None


def _confirm_first_contact(opp: Opportunity, task: HumanTask) -> None:
    """The customer's confirmation of the first contact, in the customer's language, through the outbox."""
    contact = opp.contact or (opp.customer.primary_contact if opp.customer else None)
    if notifications.is_muted() or contact is None or not mail.is_address(contact.email):
        return
    locale = opp.language if opp.language in mail.LOCALES else mail.site_locale()
    with force_locale(locale):
        budget = str(BUDGET_RANGES[opp.budget_range]) if opp.budget_range in BUDGET_RANGES else ""
    mail.queue_mail("customer_presales_contact", [contact.email], "presales_first_contact",
                    {"name": contact.name, "business_key": opp.number, "needs": opp.needs,
                     "budget": budget,
                     "wanted_date": opp.wanted_date.isoformat() if opp.wanted_date else "",
                     "time_requirement": opp.time_requirement or "", "owner": _owner_name(opp)},
                    locale=locale, instance_id=task.instance_id)


def _owner_name(opp: Opportunity) -> str:
    owner = opp.owner
    if owner is None and opp.owner_id:
        from flask_appbuilder.security.sqla.models import User

        owner = db.session.get(User, opp.owner_id)
    return str(owner) if owner is not None else ""


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _adopt(data: dict) -> Opportunity:
    return Opportunity(customer=customer_for(data), needs=str(data.get("project_needs") or "—"), channel="web",
                       received_at=clock.now())


def _ended(opp: Opportunity, inst: ProcessInstance) -> None:
    if opp.outcome is None and opp.lost_reason:
        opp.outcome = "lost"
    opp.status = opp.outcome or "closed"
    opp.decided_at = opp.decided_at or inst.ended_at or clock.now()
    opp.next_followup_at = None
    sr = opp.service_request
    if sr is not None and sr.status not in ("closed", "cancelled"):
        sr.status = "closed"
        sr.resolved_at = sr.resolved_at or opp.decided_at


def from_request(sr) -> Opportunity:
    """A pre-sales service request (kind ``pre_sales``) becomes a prospect of the pre-sales process
    instead of starting the repair flow; the request stays, linked, and follows the prospect."""
    existing = db.session.query(Opportunity).filter_by(service_request_id=sr.id).one_or_none() if sr.id else None
    if existing is not None:
        return existing
    opp = Opportunity(customer=sr.customer, customer_id=sr.customer_id, contact=sr.contact,
                      contact_id=sr.contact_id, service_request=sr, channel=sr.channel,
                      needs=sr.description or sr.subject or "—", received_at=sr.created_at or clock.now(),
                      language=mail.site_locale())
    db.session.add(opp)
    sr.status = "in_progress" if sr.status in (None, "new") else sr.status
    return opp


LINK = Link(Opportunity, "pre_sales", lambda r: r.number, customer_name, _variables, _drafts,
            OPPORTUNITY_STATUS, on_task_created=_task_created, on_task_completed=_task_completed, on_ended=_ended,
            adopt_at="first_contact", adopt=_adopt)
