"""Complaint ledger and its archived rounds."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _

from app.extensions import db
from app.models import Complaint, ComplaintRound
from app.models.choices import (
    COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, COMPLAINT_SEVERITIES, COMPLAINT_STATUSES, SATISFACTION,
)
from app.records.conversation.views import CONVERSATION_PERMISSIONS, ConversationMixin
from app.records.process_link import start_from_view
from app.records.screens import RECORD_PERMISSIONS, RecordView
from app.records.service.views import SurveyView


class ComplaintRoundView(RecordView):
    datamodel = SQLAInterface(ComplaintRound)
    class_permission_name = "Complaint"
    base_permissions = ["can_read"]  # history: written only by Complaint.reopen()
    export_name = "complaint_rounds"
    list_title = show_title = _("Earlier rounds")
    base_order = ("round_no", "asc")
    list_columns = ["complaint", "round_no", "plan", "result", "satisfaction", "satisfied", "at"]
    show_columns = ["complaint", "round_no", "plan", "result", "feedback", "satisfaction", "satisfied", "at"]
    search_columns = ["complaint", "round_no", "at"]
    label_columns = {"complaint": _("Complaint"), "round_no": _("Round"), "plan": _("Rectification plan"),
                     "result": _("Rectification result"), "feedback": _("Customer feedback"),
                     "satisfaction": _("Satisfaction"), "satisfied": _("Satisfied"), "at": _("Archived at")}
    choice_columns = {"satisfaction": SATISFACTION}


class ComplaintView(ConversationMixin, RecordView):
    datamodel = SQLAInterface(Complaint)
    class_permission_name = "Complaint"
    method_permission_name = {**RECORD_PERMISSIONS, **CONVERSATION_PERMISSIONS, "reopen": "write"}
    export_name = "complaints"
    list_title = _("Complaints")
    show_title = _("Complaint")
    add_title = _("Add complaint")
    edit_title = _("Edit complaint")
    base_order = ("received_at", "desc")
    list_columns = ["number", "customer", "category", "severity", "responsible_department", "received_at", "status",
                    "satisfaction", "reopen_count"]
    show_columns = ["number", "customer", "contact", "service_request", "channel", "category", "matter",
                    "customer_demand", "severity", "responsible_department", "received_at", "forwarded_at",
                    "rectification_plan", "rectification_result", "rectified_at", "feedback", "feedback_date",
                    "satisfaction", "status", "reopen_count", "closed_at", "process_instance"]
    add_columns = ["customer", "contact", "service_request", "channel", "category", "matter", "customer_demand",
                   "responsible_department", "received_at"]
    edit_columns = add_columns + ["severity", "forwarded_at", "rectification_plan", "rectification_result",
                                  "rectified_at", "feedback", "feedback_date", "satisfaction", "status", "closed_at"]
    search_columns = ["number", "customer", "channel", "category", "severity", "matter", "responsible_department",
                      "received_at", "status", "satisfaction", "reopen_count"]
    label_columns = {
        "number": _("Number"), "customer": _("Customer"), "contact": _("Contact"),
        "service_request": _("Service request"), "matter": _("Complaint matter"),
        "customer_demand": _("Customer demand"), "responsible_department": _("Responsible department"),
        "received_at": _("Received at"), "forwarded_at": _("Forwarded at"),
        "rectification_plan": _("Rectification plan"), "rectification_result": _("Rectification result"),
        "feedback": _("Customer feedback"), "feedback_date": _("Feedback date"), "satisfaction": _("Satisfaction"),
        "status": _("Status"), "reopen_count": _("Times re-opened"), "closed_at": _("Closed at"),
        "process_instance": _("Process instance"), "channel": _("Channel"), "category": _("Category"),
        "severity": _("Severity"), "rectified_at": _("Rectified at"),
    }
    choice_columns = {"status": COMPLAINT_STATUSES, "satisfaction": SATISFACTION, "channel": COMPLAINT_CHANNELS,
                      "category": COMPLAINT_CATEGORIES, "severity": COMPLAINT_SEVERITIES}
    related_views = [ComplaintRoundView, SurveyView]

    def post_add(self, item) -> None:
        start_from_view(item)  # complaint_handling; the process keeps the status current

    def action_applies(self, name: str, item) -> bool:
        return name != "reopen" or item.status == "closed"  # only a closed complaint is re-opened

    @action("reopen", _("Re-open"), confirmation=_("Re-open this complaint? The current round is archived."),
            icon="fa-undo", multiple=False)
    def reopen(self, item):
        if item.status != "closed":
            flash(gettext("Only a closed complaint can be re-opened."), "warning")
        else:
            item.reopen()
            db.session.commit()
            flash(gettext("Complaint re-opened; round %(n)s archived.", n=item.reopen_count), "info")
        return redirect(url_for("ComplaintView.show", pk=item.id))
