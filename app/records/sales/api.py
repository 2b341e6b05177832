"""Read-only API of the prospects (售前客户跟进台账): same permission as the screens (``Opportunity``); the
contact person is named by id only, never by phone or e-mail (app.pii)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.records import RecordApi
from app.models import Opportunity


class OpportunitiesApi(RecordApi):
    resource_name = "opportunities"
    class_permission_name = "Opportunity"
    datamodel = SQLAInterface(Opportunity)
    list_columns = ["id", "number", "customer_id", "owner_id", "product_line", "budget_range", "wanted_date",
                    "status", "received_at", "first_contact_due", "first_contact_at", "last_contact_at",
                    "next_followup_at", "followup_count", "outcome", "decided_at", "process_instance_id"]
    show_columns = list_columns + ["needs", "time_requirement", "lost_reason"]
    search_columns = ["number", "customer", "status", "outcome", "product_line"]
    order_columns = ["number", "received_at", "next_followup_at", "status"]
