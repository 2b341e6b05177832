"""Read-only APIs of quality: daily spot checks and monthly inspections (``QualityCheck``), improvement
actions (``QualityMeeting``) — the screens' permissions."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.records import RecordApi
from app.models import ImprovementAction, QualityInspection, SpotCheck


class SpotChecksApi(RecordApi):
    resource_name = "spot_checks"
    class_permission_name = "QualityCheck"
    datamodel = SQLAInterface(SpotCheck)
    list_columns = ["id", "number", "check_date", "department_id", "inspector_id", "sample_size", "status",
                    "completed_at", "process_instance_id"]
    show_columns = list_columns + ["summary"]
    search_columns = ["number", "check_date", "department", "status"]
    order_columns = ["number", "check_date", "status"]


class InspectionsApi(RecordApi):
    resource_name = "inspections"
    class_permission_name = "QualityCheck"
    datamodel = SQLAInterface(QualityInspection)
    list_columns = ["id", "number", "period", "status", "checks_count", "items_checked", "items_compliant",
                    "sent_at", "process_instance_id"]
    show_columns = list_columns + ["findings", "suggestions"]
    search_columns = ["number", "period", "status"]
    order_columns = ["number", "period", "status"]


class ImprovementActionsApi(RecordApi):
    resource_name = "improvement_actions"
    class_permission_name = "QualityMeeting"
    datamodel = SQLAInterface(ImprovementAction)
    list_columns = ["id", "number", "meeting_id", "owner_id", "due_on", "status", "rework_count", "closed_at",
                    "process_instance_id"]
    show_columns = list_columns + ["problem", "cause", "action", "evidence", "verify_note"]
    search_columns = ["number", "status", "due_on"]
    order_columns = ["number", "due_on", "status"]
