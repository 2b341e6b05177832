"""Screens of the customer-service records, under the "Service" menu.

Menu names are the ones app/security.py grants ``menu_access`` on; labels are
translated. Sub-record screens (contacts, contracts, ...) have no menu entry:
they open as tabs of their parent record.
"""
from __future__ import annotations

from flask import url_for
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _

from app.records.assessment.views import AssessmentView
from app.records.complaints.views import ComplaintRoundView, ComplaintView
from app.records.customers.views import ContactDataView, ContactView, ContractView, CustomerView, EquipmentView
from app.records.emergency.views import ContingencyPlanView, IncidentNotificationView, IncidentView
from app.records.planning.views import CaseView, ServicePlanFeedbackView, ServicePlanView
from app.records.service.views import FieldRecordView, ServiceRequestView, SurveyView

MENU = [
    (CustomerView, "Customers", _("Customers"), "fa-building"),
    (ServiceRequestView, "Service requests", _("Service requests"), "fa-life-ring"),
    (ComplaintView, "Complaints", _("Complaints"), "fa-exclamation-circle"),
    (IncidentView, "Incidents", _("Incidents"), "fa-bolt"),
    (ContingencyPlanView, "Contingency plans", _("Contingency plans"), "fa-book"),
    (FieldRecordView, "Field records", _("Field records"), "fa-wrench"),
    (SurveyView, "Surveys", _("Surveys"), "fa-smile-o"),
    (ServicePlanView, "Service plans", _("Service plans"), "fa-tasks"),
    (CaseView, "Cases", _("Cases"), "fa-archive"),
]
NO_MENU = [ContactView, ContractView, EquipmentView, ComplaintRoundView, IncidentNotificationView,
           ServicePlanFeedbackView, ContactDataView]


# A process instance's record (ProcessInstance.record_type) -> the screen that shows it.
RECORD_SCREENS = {"service_request": ServiceRequestView, "complaint": ComplaintView,
                  "emergency_incident": IncidentView, "service_plan": ServicePlanView,
                  "staff_assessment": AssessmentView}


def record_url(inst) -> str | None:
    """The instance page's link back to its record (the record links to its instance the same way)."""
    view = RECORD_SCREENS.get(inst.record_type or "")
    return url_for(f"{view.__name__}.show", pk=inst.record_id) if view and inst.record_id else None


def register_record_views(appbuilder: AppBuilder) -> None:
    for view, name, label, icon in MENU:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Service",
                            category_label=_("Service"), category_icon="fa-folder-open")
    for view in NO_MENU:
        appbuilder.add_view_no_menu(view)
    appbuilder.add_view(AssessmentView, "Staff assessments", label=_("Staff assessments"), icon="fa-star",
                        category="Reports", category_label=_("Reports"), category_icon="fa-bar-chart")
