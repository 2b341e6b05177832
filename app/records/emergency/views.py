"""Emergency incidents, their notifications, and the contingency plans."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from app.models import ContingencyPlan, EmergencyIncident, IncidentNotification
from app.models.choices import INCIDENT_STATUSES, INCIDENT_TYPES, NOTIFY_CHANNELS
from app.records.process_link import start_from_view
from app.records.screens import RecordView, join_names


class IncidentNotificationView(RecordView):
    datamodel = SQLAInterface(IncidentNotification)
    class_permission_name = "Incident"
    export_name = "incident_notifications"
    list_title = show_title = _("Customer notifications")
    add_title = _("Add notification")
    edit_title = _("Edit notification")
    base_order = ("sent_at", "desc")
    list_columns = ["incident", "customer", "channel", "sent_at", "content"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["incident", "customer", "channel", "sent_at"]
    label_columns = {"incident": _("Incident"), "customer": _("Customer"), "channel": _("Channel"),
                     "sent_at": _("Sent at"), "content": _("Content")}
    choice_columns = {"channel": NOTIFY_CHANNELS}


class IncidentView(RecordView):
    datamodel = SQLAInterface(EmergencyIncident)
    class_permission_name = "Incident"
    export_name = "incidents"
    list_title = _("Emergency incidents")
    show_title = _("Emergency incident")
    add_title = _("Report an incident")
    edit_title = _("Edit incident")
    base_order = ("reported_at", "desc")
    list_columns = ["title", "type", "reported_at", "status", "contingency_plan", "closed_at"]
    show_columns = ["title", "type", "description", "reported_at", "contingency_plan", "customers", "status",
                    "closed_at", "summary", "improvements", "process_instance"]
    add_columns = ["title", "type", "description", "reported_at", "contingency_plan", "customers"]
    edit_columns = add_columns + ["status", "closed_at", "summary", "improvements"]
    search_columns = ["title", "type", "status", "reported_at", "contingency_plan", "customers"]
    label_columns = {
        "title": _("Title"), "type": _("Incident type"), "description": _("Description"),
        "reported_at": _("Reported at"), "contingency_plan": _("Contingency plan"),
        "customers": _("Affected customers"), "status": _("Status"), "closed_at": _("Closed at"),
        "summary": _("Summary"), "improvements": _("Improvements"), "process_instance": _("Process instance"),
    }
    choice_columns = {"type": INCIDENT_TYPES, "status": INCIDENT_STATUSES}
    formatters_columns = {"customers": join_names}
    related_views = [IncidentNotificationView]

    def post_add(self, item) -> None:
        start_from_view(item)  # emergency_response; the process keeps the status current


class ContingencyPlanView(RecordView):
    datamodel = SQLAInterface(ContingencyPlan)
    class_permission_name = "ContingencyPlan"
    export_name = "contingency_plans"
    list_title = _("Contingency plans")
    show_title = _("Contingency plan")
    add_title = _("Add contingency plan")
    edit_title = _("Edit contingency plan")
    list_columns = ["type", "name"]
    add_columns = edit_columns = show_columns = ["type", "name", "response_organisation", "steps"]
    search_columns = ["type", "name", "steps"]
    label_columns = {"type": _("Incident type"), "name": _("Name"),
                     "response_organisation": _("Response organisation"), "steps": _("Response steps")}
    choice_columns = {"type": INCIDENT_TYPES}
    related_views = [IncidentView]
