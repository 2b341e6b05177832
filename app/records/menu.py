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
from app.records.conversation.views import InboundMailView
from app.records.customers.views import ContactDataView, ContactView, ContractView, CustomerView, EquipmentView
from app.records.delivery.views import (
    ContractHandoverView, OrderLineView, ProgressReportView, ProjectMilestoneView, ProjectView, SalesOrderView,
)
from app.records.emergency.views import ContingencyPlanView, IncidentNotificationView, IncidentView
from app.records.planning.views import CaseView, ServicePlanFeedbackView, ServicePlanView
from app.records.quality.views import (
    ImprovementActionView, MaintenanceVisitView, QualityInspectionView, QualityMeetingView, SpotCheckItemView,
    SpotCheckView,
)
from app.records.sales.views import (
    OpportunityView, PresalesContactView, PresalesLedgerView, PresalesQuestionView, SolutionView,
)
from app.records.service.views import FieldRecordView, ServiceRequestView, SurveyView
from app.records.parts.views import (
    RefillOrderView, SparePartView, StockLevelView, StockLocationView, StockMovementView, StocktakeLineView,
    StocktakeView,
)
from app.records.training.views import (
    MyTrainingView, NewHireView, ReserveStaffView, TrainingAttendanceView, TrainingCourseView, TrainingPlanView,
    TrainingSessionView,
)

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
    (ContractHandoverView, "Contract handovers", _("Contract handovers"), "fa-handshake-o"),
    (ProjectView, "Projects", _("Projects"), "fa-cubes"),
    (SalesOrderView, "Orders", _("Orders"), "fa-shopping-cart"),
    (OpportunityView, "Prospects", _("Pre-sales prospects"), "fa-handshake-o"),
    (SolutionView, "Solutions", _("Solutions and quotations"), "fa-file-text-o"),
    (PresalesLedgerView, "Pre-sales ledger", _("Pre-sales follow-up ledger"), "fa-calendar-check-o"),
]
# 培训管理 and 配件管理: a menu each (names granted in app/security.py)
TRAINING_MENU = [
    (MyTrainingView, "My training", _("My training"), "fa-graduation-cap"),
    (TrainingPlanView, "Training plan", _("Training plan"), "fa-calendar"),
    (TrainingSessionView, "Training sessions", _("Training sessions"), "fa-users"),
    (TrainingAttendanceView, "Training attendance", _("Training attendance"), "fa-check-square-o"),
    (TrainingCourseView, "Training courses", _("Training courses"), "fa-book"),
    (NewHireView, "New hires", _("New hires"), "fa-user-plus"),
    (ReserveStaffView, "Reserve staff", _("Reserve staff"), "fa-user-secret"),
]
PARTS_MENU = [
    (StockLevelView, "Stock", _("Stock"), "fa-cubes"),
    (StockMovementView, "Stock movements", _("Stock movements"), "fa-exchange"),
    (SparePartView, "Spare parts", _("Spare parts"), "fa-cog"),
    (StockLocationView, "Stock locations", _("Stock locations"), "fa-map-marker"),
    (RefillOrderView, "Refill orders", _("Refill orders"), "fa-truck"),
    (StocktakeView, "Stocktakes", _("Stocktakes"), "fa-clipboard"),
]
PARTS_NO_MENU = [StocktakeLineView]
NO_MENU = [ContactView, ContractView, EquipmentView, ComplaintRoundView, IncidentNotificationView,
           ServicePlanFeedbackView, ContactDataView, PresalesQuestionView, PresalesContactView]
QUALITY_NO_MENU: list = []
# The "Quality" menu: spot checks and inspections (质量监测), meetings and actions (质量改进), visits (维修保养).
QUALITY_MENU = [
    (SpotCheckView, "Daily spot checks", _("Daily spot checks"), "fa-check-square-o"),
    (SpotCheckItemView, "Sampled services", _("Sampled services"), "fa-check"),  # the verdicts (heads too)
    (QualityInspectionView, "Monthly inspections", _("Monthly inspections"), "fa-file-text-o"),
    (QualityMeetingView, "Quality meetings", _("Quality meetings"), "fa-users"),
    (ImprovementActionView, "Improvement actions", _("Improvement actions"), "fa-line-chart"),
    (MaintenanceVisitView, "Maintenance visits", _("Maintenance visits"), "fa-calendar-check-o"),
]
NO_MENU += [ProjectMilestoneView, ProgressReportView, OrderLineView]


# A process instance's record (ProcessInstance.record_type) -> the screen that shows it.
RECORD_SCREENS = {"service_request": ServiceRequestView, "complaint": ComplaintView,
                  "emergency_incident": IncidentView, "service_plan": ServicePlanView,
                  "quality_inspection": QualityInspectionView, "quality_improvement_action": ImprovementActionView,
                  "equipment": EquipmentView,
                  "refill_order": RefillOrderView, "stocktake": StocktakeView, "training_plan": TrainingPlanView,
                  "opportunity": OpportunityView,
                  "staff_assessment": AssessmentView}
RECORD_SCREENS.update({"contract_handover": ContractHandoverView, "delivery_project": ProjectView,
                       "sales_order": SalesOrderView})


def record_url(inst) -> str | None:
    """The instance page's link back to its record (the record links to its instance the same way)."""
    view = RECORD_SCREENS.get(inst.record_type or "")
    return url_for(f"{view.__name__}.show", pk=inst.record_id) if view and inst.record_id else None


def register_record_views(appbuilder: AppBuilder) -> None:
    for view, name, label, icon in MENU:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Service",
                            category_label=_("Service"), category_icon="fa-folder-open")
    # mail-in's triage list: customer service and supervisors only (app/security.py)
    appbuilder.add_view(InboundMailView, "Inbound mail", label=_("Inbound mail to triage"), icon="fa-inbox",
                        category="Service")
    for view, name, label, icon in TRAINING_MENU:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Training",
                            category_label=_("Training"), category_icon="fa-graduation-cap")
    for view, name, label, icon in PARTS_MENU:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Spare parts",
                            category_label=_("Spare parts"), category_icon="fa-cubes")
    for view in PARTS_NO_MENU:
        appbuilder.add_view_no_menu(view)
    for view in NO_MENU:
        appbuilder.add_view_no_menu(view)
    for view in QUALITY_NO_MENU:
        appbuilder.add_view_no_menu(view)
    for view, name, label, icon in QUALITY_MENU:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Quality",
                            category_label=_("Quality"), category_icon="fa-check-circle")
    from app.records.feedback.views import FeedbackView  # the public feedback form's records (意見反饋郵箱)

    appbuilder.add_view(FeedbackView, "Feedback", label=_("Customer feedback"), icon="fa-envelope-open-o",
                        category="Service", category_label=_("Service"), category_icon="fa-folder-open")
    appbuilder.add_view(AssessmentView, "Staff assessments", label=_("Staff assessments"), icon="fa-star",
                        category="Reports", category_label=_("Reports"), category_icon="fa-bar-chart")
