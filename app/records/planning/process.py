"""A service plan runs the six-step method (six_step_service): needs -> plan -> approval ->
execution -> feedback -> summary; the plan follows its steps and its last step offers the case to
the case library (unpublished until a supervisor publishes it)."""
from __future__ import annotations

from typing import Any

from app.engine import clock
from app.extensions import db
from app.models import Case, HumanTask, ProcessInstance, ServicePlan, ServicePlanFeedback
from app.records.links import Link, customer_for, customer_name, references

PLAN_STATUS = {
    "record_needs": "draft", "classify_needs": "draft", "draft_plan": "draft", "tech_input": "draft",
    "field_input": "draft", "sales_input": "draft", "approve_plan": "pending_approval", "assign_work": "approved",
    "carry_out": "in_progress", "monitor": "in_progress", "quality_check": "in_progress",
    "weekly_report": "in_progress", "evaluate": "in_progress", "identify_problem": "in_progress",
    "solve_problem": "in_progress", "verify_solution": "in_progress", "write_summary": "in_progress",
    "improvements": "summarised", "share_case": "summarised",
}


def plan_key(plan: ServicePlan) -> str:
    return f"SP-{plan.id}"


def _variables(plan: ServicePlan) -> dict[str, Any]:
    """Ids, not copies: the needs form starts from the record (``_drafts``); diagrams read the plan's
    fields through ``record_field`` (FIELDS)."""
    return {**references(plan.customer, None), "record_number": plan_key(plan)}


FIELDS = {
    "customer_name": lambda plan: plan.customer.name if plan.customer else "",
    "need_description": lambda plan: plan.needs or plan.title, "title": lambda plan: plan.title,
}


def _drafts(plan: ServicePlan) -> dict[str, dict]:
    return {"record_needs": {"customer_name": plan.customer.name if plan.customer else "",
                             "need_description": plan.needs or plan.title}}


def _text(data: dict, key: str, current: str | None) -> str | None:
    value = data.get(key)
    return str(value) if value not in (None, "") else current


def _task_completed(plan: ServicePlan, task: HumanTask, data: dict) -> None:
    element = task.element_id
    if element == "record_needs":
        plan.needs = _text(data, "need_description", plan.needs)
    elif element == "classify_needs":
        plan.urgency = data.get("urgency") or plan.urgency
        plan.importance = data.get("importance") or plan.importance
    elif element == "draft_plan":
        plan.plan = _text(data, "plan_summary", plan.plan)
    elif element == "approve_plan" and data.get("plan_approved"):
        plan.approved_by_id, plan.approved_at = task.completed_by_id, clock.now()
    elif element in ("weekly_report", "evaluate"):
        content = data.get("progress_summary") or data.get("evaluation_comment") or data.get("customer_feedback")
        score = data.get("satisfaction_score")
        db.session.add(ServicePlanFeedback(service_plan=plan, content=str(content or "—"),
                                           evaluation=(f"{score}/5" if score not in (None, "") else
                                                       _text(data, "customer_feedback", None))))
    elif element == "identify_problem":
        found = "; ".join(str(data[k]) for k in ("problem_description", "problem_cause") if data.get(k))
        plan.problems = "\n".join(p for p in (plan.problems, found) if p) or None
    elif element == "write_summary":
        plan.summary_report = _text(data, "summary_report", plan.summary_report)
    elif element == "share_case":
        db.session.add(Case(title=str(data.get("case_title") or plan.title)[:200], category="practice",
                            summary=plan.summary_report, content=plan.plan, shared_by_id=task.completed_by_id,
                            is_published=False))  # offered: a supervisor publishes it to the library


def _adopt(data: dict) -> ServicePlan:
    need = str(data.get("need_description") or "").strip()
    return ServicePlan(customer=customer_for(data), title=(need.splitlines()[0] if need else "服务方案")[:200],
                       needs=need or None)


def _ended(plan: ServicePlan, inst: ProcessInstance) -> None:
    plan.closed_at = plan.closed_at or inst.ended_at or clock.now()


LINK = Link(ServicePlan, "six_step_service", plan_key, customer_name, _variables, _drafts, PLAN_STATUS,
            on_task_completed=_task_completed, on_ended=_ended, adopt_at="record_needs", adopt=_adopt,
            fields=FIELDS)
