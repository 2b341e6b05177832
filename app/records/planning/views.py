"""Six-step service plans with their feedback, and the case library."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from app.models import Case, ServicePlan, ServicePlanFeedback
from app.models.choices import CASE_CATEGORIES, LEVELS, PLAN_STATUSES
from app.records.process_link import start_from_view
from app.records.screens import RecordView, yes_no


class ServicePlanFeedbackView(RecordView):
    datamodel = SQLAInterface(ServicePlanFeedback)
    class_permission_name = "ServicePlan"
    export_name = "service_plan_feedback"
    list_title = show_title = _("Feedback records")
    add_title = _("Add feedback")
    edit_title = _("Edit feedback")
    base_order = ("at", "desc")
    list_columns = ["service_plan", "at", "content", "evaluation"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["service_plan", "at", "content", "evaluation"]
    label_columns = {"service_plan": _("Service plan"), "at": _("Time"), "content": _("Feedback"),
                     "evaluation": _("Evaluation")}


class ServicePlanView(RecordView):
    datamodel = SQLAInterface(ServicePlan)
    class_permission_name = "ServicePlan"
    export_name = "service_plans"
    list_title = _("Service plans")
    show_title = _("Service plan")
    add_title = _("Add service plan")
    edit_title = _("Edit service plan")
    base_order = ("created_at", "desc")
    list_columns = ["title", "customer", "urgency", "importance", "status", "approved_by", "approved_at"]
    show_columns = ["title", "customer", "needs", "urgency", "importance", "plan", "status", "approved_by",
                    "approved_at", "problems", "summary_report", "created_at", "closed_at", "process_instance"]
    add_columns = ["customer", "title", "needs", "urgency", "importance", "plan"]
    edit_columns = add_columns + ["status", "approved_by", "approved_at", "problems", "summary_report"]
    search_columns = ["title", "customer", "urgency", "importance", "status", "created_at"]
    label_columns = {
        "title": _("Title"), "customer": _("Customer"), "needs": _("Customer needs"), "urgency": _("Urgency"),
        "importance": _("Importance"), "plan": _("Service plan"), "status": _("Status"),
        "approved_by": _("Approved by"), "approved_at": _("Approved at"), "problems": _("Problems found"),
        "summary_report": _("Summary report"), "created_at": _("Created at"), "closed_at": _("Closed at"),
        "process_instance": _("Process instance"),
    }
    choice_columns = {"urgency": LEVELS, "importance": LEVELS, "status": PLAN_STATUSES}
    related_views = [ServicePlanFeedbackView]

    def post_add(self, item) -> None:
        start_from_view(item)  # six_step_service; the plan follows its steps


class CaseView(RecordView):
    datamodel = SQLAInterface(Case)
    class_permission_name = "Case"
    export_name = "cases"
    list_title = _("Case library")
    show_title = _("Case")
    add_title = _("Add case")
    edit_title = _("Edit case")
    base_order = ("shared_at", "desc")
    list_columns = ["title", "category", "shared_by", "shared_at", "is_published"]
    show_columns = ["title", "category", "summary", "content", "service_request", "complaint", "shared_by",
                    "shared_at", "is_published"]
    add_columns = edit_columns = ["title", "category", "summary", "content", "service_request", "complaint",
                                  "is_published"]
    search_columns = ["title", "category", "summary", "content", "shared_by", "shared_at", "is_published"]
    label_columns = {
        "title": _("Title"), "category": _("Category"), "summary": _("Summary"), "content": _("Content"),
        "service_request": _("Source service request"), "complaint": _("Source complaint"),
        "shared_by": _("Shared by"), "shared_at": _("Shared at"), "is_published": _("Published"),
    }
    choice_columns = {"category": CASE_CATEGORIES}
    formatters_columns = {"is_published": yes_no}

    def pre_add(self, item) -> None:
        from flask import g

        super().pre_add(item)
        item.shared_by_id = getattr(g.user, "id", None)
