"""Quality screens: daily spot checks and their sampled services, monthly inspections (with the
printable report), quality meetings and improvement actions, maintenance return visits."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _
from sqlalchemy import false

from app.engine.errors import EngineError
from app.extensions import db
from app.models import (
    Equipment, ImprovementAction, MaintenanceVisit, QualityInspection, QualityMeeting, SpotCheck,
    SpotCheckItem,
)
from app.records.process_link import start_from_view
from app.records.quality import service
from app.records.quality.process import sync_cycle
from app.records.quality.models import CHECKLIST
from app.records.screens import RECORD_PERMISSIONS, RecordView
from app.records.timefmt import fmt_local

SPOT_CHECK_STATUSES = {"open": _("Not done yet"), "done": _("Done")}
INSPECTION_STATUSES = {"drafting": _("Drafting"), "sent": _("Circulated")}
ACTION_STATUSES = {"open": _("Not done yet"), "in_progress": _("In progress"), "verifying": _("Verifying"),
                   "closed": _("Closed"), "cancelled": _("Cancelled")}
VISIT_STATUSES = {"open": _("Not done yet"), "done": _("Done"), "cancelled": _("Cancelled")}
VISIT_METHODS = {"visit_phone": _("Phone call"), "visit_onsite": _("On-site visit")}
CHECKLIST_LABELS = {"appearance": _("Appearance"), "manners": _("Manners"), "procedure": _("Service process"),
                    "records": _("Records complete")}


class JudgesOnly(BaseFilter):
    """The sampled services are listed to those who may judge them (``service.is_judge``), nobody else."""

    name = "judges only"

    def apply(self, query, value):
        return query if service.is_judge(g.user) else query.filter(false())


class SpotCheckItemView(RecordView):
    """A sampled service and its checklist verdict (supervisors and department heads edit the four items)."""

    datamodel = SQLAInterface(SpotCheckItem)
    class_permission_name = "QualityVerdict"
    base_filters = [["id", JudgesOnly, None]]
    export_name = "spot_check_items"
    list_title = show_title = _("Sampled services")
    edit_title = _("Checklist verdict")
    base_permissions = ["can_read", "can_write"]  # no add or delete: the sample is the process's
    method_permission_name = {**RECORD_PERMISSIONS, "add": "create"}
    list_columns = ["spot_check", "service_request", "person", *CHECKLIST, "compliant", "checked_at"]
    show_columns = [*list_columns, "note"]
    edit_columns = [*CHECKLIST, "note"]
    search_columns = ["spot_check", "service_request", "person", "compliant", "checked_at"]
    label_columns = {"spot_check": _("Spot check"), "service_request": _("Service request"),
                     "person": _("Served by"), "compliant": _("Compliant"), "note": _("Note"),
                     "checked_at": _("Checked at"), **CHECKLIST_LABELS}

    def pre_update(self, item) -> None:
        super().pre_update(item)
        service.judge(item, g.user, note=item.note, **{name: getattr(item, name) for name in CHECKLIST})


class SpotCheckView(RecordView):
    datamodel = SQLAInterface(SpotCheck)
    class_permission_name = "QualityCheck"
    base_permissions = ["can_read"]  # made by the daily check process
    method_permission_name = {**RECORD_PERMISSIONS, "related": "read"}
    export_name = "spot_checks"
    list_title = _("Daily spot checks")
    show_title = _("Daily spot check")
    base_order = ("check_date", "desc")
    list_columns = ["number", "check_date", "department", "inspector", "sample_size", "status", "completed_at"]
    show_columns = ["number", "check_date", "department", "inspector", "sample_size", "status", "summary",
                    "created_at", "completed_at", "process_instance"]
    search_columns = ["number", "check_date", "department", "inspector", "status"]
    label_columns = {"number": _("Number"), "check_date": _("Check date"), "department": _("Department"),
                     "inspector": _("Inspector"), "sample_size": _("Sampled services"), "status": _("Status"),
                     "summary": _("Check summary"), "created_at": _("Created at"), "completed_at": _("Completed at"),
                     "process_instance": _("Process instance")}
    choice_columns = {"status": SPOT_CHECK_STATUSES}
    related_views = [SpotCheckItemView]


class QualityInspectionView(RecordView):
    datamodel = SQLAInterface(QualityInspection)
    class_permission_name = "QualityCheck"
    base_permissions = ["can_read"]  # made by the monthly inspection process
    method_permission_name = {**RECORD_PERMISSIONS, "report": "read", "action": "read", "action_post": "read"}
    export_name = "quality_inspections"
    list_title = _("Monthly inspections")
    show_title = _("Monthly inspection")
    base_order = ("period", "desc")
    list_columns = ["number", "period", "status", "checks_count", "items_checked", "items_compliant", "sent_at"]
    show_columns = ["number", "period", "period_start", "period_end", "status", "checks_count", "items_checked",
                    "items_compliant", "findings", "suggestions", "sent_to", "sent_at", "process_instance"]
    search_columns = ["number", "period", "status", "sent_at"]
    label_columns = {"number": _("Number"), "period": _("Month"), "period_start": _("From"),
                     "period_end": _("Until"), "status": _("Status"), "checks_count": _("Spot checks"),
                     "items_checked": _("Services judged"), "items_compliant": _("Compliant"),
                     "findings": _("Findings"), "suggestions": _("Suggested improvements"),
                     "sent_to": _("Circulated to"), "sent_at": _("Circulated at"), "process_instance": _("Process instance")}
    choice_columns = {"status": INSPECTION_STATUSES}

    @action("report", _("Printable report"), icon="fa-print", multiple=False, single=True)
    def report_action(self, item):
        return redirect(url_for("QualityInspectionView.report", pk=item.id))

    @expose("/report/<int:pk>")
    @has_access
    def report(self, pk: int):
        insp = db.session.get(QualityInspection, pk)
        if insp is None:
            abort(404)
        counts = service.month_counts(insp.period_start, insp.period_end)
        return render_template("quality/report.html", insp=insp, counts=counts, checklist=CHECKLIST_LABELS,
                               fmt_local=fmt_local,
                               departments=service.concerned_departments(insp),
                               appbuilder=self.appbuilder, base_template=self.appbuilder.base_template)


class ImprovementActionView(RecordView):
    datamodel = SQLAInterface(ImprovementAction)
    class_permission_name = "QualityMeeting"
    export_name = "improvement_actions"
    list_title = _("Improvement actions")
    show_title = _("Improvement action")
    add_title = _("Add improvement action")
    edit_title = _("Edit improvement action")
    base_order = ("due_on", "asc")
    list_columns = ["number", "meeting", "problem", "owner", "due_on", "status", "rework_count", "closed_at"]
    show_columns = ["number", "meeting", "problem", "cause", "action", "owner", "due_on", "status", "evidence",
                    "verify_note", "rework_count", "closed_at", "process_instance"]
    add_columns = ["meeting", "problem", "cause", "action", "owner", "due_on"]
    edit_columns = ["problem", "cause", "action"]  # who and by when are the process's (its task and due date)
    search_columns = ["number", "meeting", "problem", "owner", "due_on", "status", "closed_at"]
    label_columns = {"number": _("Number"), "meeting": _("Quality meeting"), "problem": _("Problem"),
                     "cause": _("Root cause"), "action": _("Improvement action"), "owner": _("Person responsible"),
                     "due_on": _("Due on"), "status": _("Status"), "evidence": _("Evidence"),
                     "verify_note": _("Verification"), "rework_count": _("Times sent back"),
                     "closed_at": _("Closed at"), "process_instance": _("Process instance")}
    choice_columns = {"status": ACTION_STATUSES}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        service.check_action(item)

    def post_add(self, item) -> None:
        start_from_view(item)  # quality_improvement: the owner's task in the inbox, due on due_on


class QualityMeetingView(RecordView):
    datamodel = SQLAInterface(QualityMeeting)
    class_permission_name = "QualityMeeting"
    method_permission_name = {**RECORD_PERMISSIONS, "related": "read"}
    export_name = "quality_meetings"
    list_title = _("Quality meetings")
    show_title = _("Quality meeting")
    add_title = _("Add quality meeting")
    edit_title = _("Edit quality meeting")
    base_order = ("held_on", "desc")
    list_columns = ["number", "held_on", "period", "chair", "common_problems"]
    show_columns = ["number", "held_on", "period", "chair", "attendees", "common_problems", "typical_cases",
                    "minutes", "created_at"]
    add_columns = edit_columns = ["held_on", "period", "chair", "attendees", "common_problems", "typical_cases",
                                  "minutes"]
    search_columns = ["number", "held_on", "period", "chair", "common_problems", "typical_cases"]
    label_columns = {"number": _("Number"), "held_on": _("Held on"), "period": _("Month discussed"),
                     "chair": _("Chair"), "attendees": _("Attendees"), "common_problems": _("Common problems"),
                     "typical_cases": _("Typical cases"), "minutes": _("Meeting minutes"), "created_at": _("Created at")}
    related_views = [ImprovementActionView]


class MaintenanceVisitView(RecordView):
    datamodel = SQLAInterface(MaintenanceVisit)
    class_permission_name = "MaintenanceVisit"
    base_permissions = ["can_read"]  # made by the equipment's cycle timer
    export_name = "maintenance_visits"
    list_title = _("Maintenance visits")
    show_title = _("Maintenance visit")
    base_order = ("created_at", "desc")
    list_columns = ["number", "customer", "equipment", "due_at", "status", "method", "visited_at", "visited_by"]
    show_columns = ["number", "customer", "equipment", "due_at", "status", "method", "condition", "advice",
                    "visited_at", "visited_by", "created_at", "process_instance"]
    search_columns = ["number", "customer", "equipment", "due_at", "status", "method", "visited_at", "advice"]
    label_columns = {"number": _("Number"), "customer": _("Customer"), "equipment": _("Equipment"),
                     "due_at": _("Due at"), "status": _("Status"), "method": _("Visit method"),
                     "condition": _("Equipment condition"), "advice": _("Maintenance advice"),
                     "visited_at": _("Visited at"), "visited_by": _("Visited by"), "created_at": _("Created at"),
                     "process_instance": _("Process instance")}
    choice_columns = {"status": VISIT_STATUSES, "method": VISIT_METHODS}


def sync_equipment_cycle(item: Equipment) -> None:
    """For the equipment screens: the maintenance interval starts, replaces or stops the visit cycle;
    a refused interval keeps the record and says why."""
    try:
        sync_cycle(item)
    except service.QualityError as err:
        db.session.rollback()
        flash(gettext("Maintenance interval: %(error)s", error=str(err)), "warning")
    except EngineError as err:  # the record is kept; the cycle did not start
        db.session.rollback()
        flash(gettext("Maintenance interval: %(error)s", error=err.message), "warning")
