"""Read-only APIs of the in-sales records: contract handovers and projects (``Delivery``), orders
(``SalesOrder``) — the screens' permissions; contacts by id only (app.pii)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.records import RecordApi
from app.models import ContractHandover, Project, SalesOrder


class HandoversApi(RecordApi):
    resource_name = "handovers"
    class_permission_name = "Delivery"
    datamodel = SQLAInterface(ContractHandover)
    list_columns = ["id", "number", "customer_id", "contract_id", "opportunity_id", "signed_on", "due_at",
                    "meeting_on", "held_on", "customer_confirmed", "escalated", "status", "closed_at",
                    "process_instance_id"]
    show_columns = list_columns + ["minutes"]
    search_columns = ["number", "customer", "status", "escalated"]
    order_columns = ["number", "signed_on", "due_at", "status"]


class ProjectsApi(RecordApi):
    resource_name = "projects"
    class_permission_name = "Delivery"
    datamodel = SQLAInterface(Project)
    list_columns = ["id", "number", "name", "customer_id", "contract_id", "started_on", "planned_finish",
                    "installation_status", "commissioning_status", "accepted_on", "status", "closed_at",
                    "process_instance_id"]
    show_columns = list_columns
    search_columns = ["number", "name", "customer", "status"]
    order_columns = ["number", "started_on", "planned_finish", "status"]


class OrdersApi(RecordApi):
    resource_name = "orders"
    class_permission_name = "SalesOrder"
    datamodel = SQLAInterface(SalesOrder)
    list_columns = ["id", "number", "customer_id", "contract_id", "ordered_at", "reviewed", "stock_status",
                    "expected_stock_on", "delivery_on", "delivered_on", "installed_on", "commissioned", "paid_on",
                    "invoice_number", "invoice_date", "invoice_delivered_on", "status", "closed_at",
                    "process_instance_id"]
    show_columns = list_columns
    search_columns = ["number", "customer", "status", "stock_status", "invoice_number"]
    order_columns = ["number", "ordered_at", "delivery_on", "status"]
