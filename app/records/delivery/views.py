"""In-sales screens: contract handovers, projects (with their milestones and progress reports, and the
in-sales KPIs on the project list) and orders (with their lines)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, g, request
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _

from app.engine import clock
from app.models import ContractHandover, OrderLine, ProgressReport, Project, ProjectMilestone, SalesOrder
from app.records.delivery import kpi
from app.records.delivery.process import mail_progress
from app.records.process_link import start_from_view
from app.records.screens import RECORD_PERMISSIONS, RecordView

HANDOVER_STATUSES = {"pending": _("Pending"), "preparing": _("Preparing"), "scheduled": _("Meeting scheduled"),
                     "held": _("Held, awaiting confirmation"), "confirmed": _("Confirmed"), "closed": _("Closed"),
                     "cancelled": _("Cancelled")}
PROJECT_STATUSES = {"planning": _("Planning"), "installing": _("Installing"), "commissioning": _("Commissioning"),
                    "installed": _("Installed and commissioned"), "acceptance": _("Acceptance"),
                    "closed": _("Delivered"), "cancelled": _("Cancelled")}
WORK_STATUSES = {"not_started": _("Not started"), "done": _("Done"), "passed": _("Passed"), "failed": _("Failed"),
                 "rework": _("Rework")}
REPORT_KINDS = {"regular": _("Regular report"), "milestone": _("Major milestone"), "incident": _("Sudden problem")}
REPORT_CHANNELS = {"email": _("Email"), "phone": _("Phone"), "onsite": _("On site"), "meeting": _("Meeting")}
ORDER_STATUSES = {"received": _("Received"), "reviewed": _("Reviewed"), "shortage": _("Stock shortage"),
                  "scheduling": _("Scheduling delivery"), "delivering": _("Delivery and installation"),
                  "awaiting_payment": _("Awaiting payment"), "paid": _("Paid, invoicing"), "closed": _("Completed"),
                  "returned": _("Returned"), "cancelled": _("Cancelled")}
STOCK_STATUSES = {"in_stock": _("In stock"), "shortage": _("Shortage")}
PAYMENT_METHODS = {"bank_transfer": _("Bank transfer"), "card": _("Card"), "cash": _("Cash"), "other": _("Other")}
DELIVERY_PERMISSION, ORDER_PERMISSION = "Delivery", "SalesOrder"


class ProjectMilestoneView(RecordView):
    datamodel = SQLAInterface(ProjectMilestone)
    class_permission_name = DELIVERY_PERMISSION
    export_name = "project_milestones"
    list_title = show_title = _("Milestones")
    add_title = _("Add milestone")
    edit_title = _("Edit milestone")
    base_order = ("planned_on", "asc")
    list_columns = ["project", "name", "planned_on", "done_on", "customer_notified_at"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["project", "name", "planned_on", "done_on"]
    label_columns = {"project": _("Project"), "name": _("Milestone"), "planned_on": _("Planned on"),
                     "done_on": _("Reached on"), "customer_notified_at": _("Customer told at")}


class ProgressReportView(RecordView):
    """Progress reports to the customer; one added here (a sudden problem, a call) is mailed like the
    process's own (第十条(二) 遇重大实施节点或突发问题,需第一时间向客户沟通说明)."""

    datamodel = SQLAInterface(ProgressReport)
    class_permission_name = DELIVERY_PERMISSION
    # added, never changed or deleted: it was told to the customer
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {**RECORD_PERMISSIONS, "edit": "amend", "api_update": "amend"}
    export_name = "progress_reports"
    list_title = show_title = _("Progress reports")
    add_title = _("Add progress report")
    base_order = ("reported_at", "desc")
    list_columns = ["project", "reported_at", "kind", "channel", "content", "mailed", "reported_by"]
    show_columns = ["project", "reported_at", "kind", "channel", "content", "construction", "installation", "mailed",
                    "reported_by"]
    add_columns = ["project", "kind", "channel", "content", "construction", "installation"]
    search_columns = ["project", "reported_at", "kind", "channel", "content", "mailed"]
    label_columns = {"project": _("Project"), "reported_at": _("Reported at"), "kind": _("Kind"),
                     "channel": _("Channel"), "content": _("Progress"), "construction": _("Construction progress"),
                     "installation": _("Installation and commissioning"), "mailed": _("Mailed to the customer"),
                     "reported_by": _("Reported by")}
    choice_columns = {"kind": REPORT_KINDS, "channel": REPORT_CHANNELS}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        item.reported_at = clock.now()
        item.reported_by_id = getattr(g.user, "id", None)

    def post_add(self, item) -> None:
        """Mailed to the customer like the process's own reports."""
        from app.extensions import db

        mail_progress(item)
        db.session.commit()


class ContractHandoverView(RecordView):
    datamodel = SQLAInterface(ContractHandover)
    class_permission_name = DELIVERY_PERMISSION
    base_permissions = ["can_read"]  # created when a contract is signed; its process fills it
    method_permission_name = {**RECORD_PERMISSIONS}
    export_name = "contract_handovers"
    list_title = _("Contract handovers")
    show_title = _("Contract handover")
    base_order = ("created_at", "desc")
    list_columns = ["number", "customer", "contract", "signed_on", "due_at", "meeting_on", "held_on", "on_time",
                    "escalated", "status"]
    show_columns = ["number", "customer", "contract", "opportunity", "signed_on", "due_at", "meeting_on", "held_on",
                    "on_time", "attendees", "minutes", "customer_confirmed", "escalated", "status", "closed_at",
                    "process_instance"]
    export_columns = list_columns
    search_columns = ["number", "customer", "contract", "signed_on", "due_at", "held_on", "escalated", "status"]
    label_columns = {"number": _("Number"), "customer": _("Customer"), "contract": _("Contract"),
                     "opportunity": _("Won prospect"), "signed_on": _("Signed on"), "due_at": _("Handover due"), "meeting_on": _("Meeting planned on"),
                     "held_on": _("Held on"), "on_time": _("On time"), "attendees": _("Attendees"),
                     "minutes": _("Meeting minutes"), "customer_confirmed": _("Confirmed by customer"),
                     "escalated": _("Chased by a supervisor"), "status": _("Status"), "closed_at": _("Closed at"),
                     "process_instance": _("Process instance")}
    choice_columns = {"status": HANDOVER_STATUSES}
    formatters_columns = {"on_time": lambda v: "—" if v is None else (gettext("Yes") if v else gettext("No"))}


class OrderLineView(RecordView):
    datamodel = SQLAInterface(OrderLine)
    class_permission_name = ORDER_PERMISSION
    export_name = "order_lines"
    list_title = show_title = _("Order lines")
    add_title = _("Add order line")
    edit_title = _("Edit order line")
    list_columns = ["order", "product", "part", "quantity", "unit_price", "shortfall"]
    add_columns = edit_columns = ["order", "product", "part", "quantity", "unit_price"]
    show_columns = list_columns
    search_columns = ["order", "product", "part"]
    label_columns = {"order": _("Order"), "product": _("Product / model"), "quantity": _("Quantity"),
                     "unit_price": _("Unit price"), "part": _("Spare part (stock)"),
                     "shortfall": _("Short at the stock check")}


class SalesOrderView(RecordView):
    datamodel = SQLAInterface(SalesOrder)
    class_permission_name = ORDER_PERMISSION
    export_name = "orders"
    list_title = _("Orders")
    show_title = _("Order")
    add_title = _("Add order")
    edit_title = _("Edit order")
    base_order = ("ordered_at", "desc")
    list_columns = ["number", "customer", "ordered_at", "stock_status", "expected_stock_on", "delivery_on",
                    "invoice_number", "invoice_date", "status"]
    show_columns = ["number", "customer", "contact", "contract", "ordered_at", "delivery_address", "reviewed",
                    "stock_status", "expected_stock_on", "delivery_on", "delivered_on", "installed_on",
                    "commissioned", "instructions_given", "payment_method", "paid_on", "amount", "invoice_number",
                    "invoice_date", "invoice_delivered_on", "status", "closed_at", "process_instance"]
    add_columns = ["customer", "contact", "contract", "ordered_at", "delivery_address", "amount"]
    edit_columns = add_columns + ["stock_status", "expected_stock_on", "delivery_on", "delivered_on", "installed_on",
                                  "commissioned", "instructions_given", "payment_method", "paid_on",
                                  "invoice_number", "invoice_date", "invoice_delivered_on"]
    search_columns = ["number", "customer", "ordered_at", "stock_status", "expected_stock_on", "delivery_on",
                      "payment_method", "paid_on", "invoice_number", "invoice_date", "status"]
    label_columns = {
        "number": _("Number"), "customer": _("Customer"), "contact": _("Contact"), "contract": _("Contract"),
        "ordered_at": _("Ordered at"), "delivery_address": _("Delivery address"), "reviewed": _("Order reviewed"),
        "stock_status": _("Stock check"), "expected_stock_on": _("Goods expected on"),
        "delivery_on": _("Agreed delivery date"), "delivered_on": _("Delivered on"),
        "installed_on": _("Installed on"), "commissioned": _("Commissioned"),
        "instructions_given": _("Use explained to the customer"), "payment_method": _("Payment method"),
        "paid_on": _("Paid on"), "amount": _("Amount"), "invoice_number": _("Invoice number"),
        "invoice_date": _("Invoice date"), "invoice_delivered_on": _("Invoice delivered on"),
        "status": _("Status"), "closed_at": _("Closed at"), "process_instance": _("Process instance"),
    }
    choice_columns = {"status": ORDER_STATUSES, "stock_status": STOCK_STATUSES, "payment_method": PAYMENT_METHODS}
    related_views = [OrderLineView]

    def post_add(self, item) -> None:
        start_from_view(item)  # order_fulfilment; the process keeps the order current


def default_period(today: date) -> tuple[date, date]:
    """The KPI panel's period: the last three whole months and this month so far."""
    first = today.replace(day=1)
    for _i in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today


def _period_args(today: date) -> tuple[date, date]:
    first, last = default_period(today)
    try:
        first = date.fromisoformat(request.args.get("kpi_from") or first.isoformat())
        last = date.fromisoformat(request.args.get("kpi_to") or last.isoformat())
    except ValueError:
        flash(gettext("Enter dates as YYYY-MM-DD."), "warning")
        first, last = default_period(today)
    problem = kpi.period_problem(first, last)
    if problem:
        flash(gettext("The KPI period is not valid (%(field)s): %(reason)s", field=problem[0], reason=problem[1]),
              "warning")
        first, last = default_period(today)
    return first, last


class ProjectView(RecordView):
    datamodel = SQLAInterface(Project)
    class_permission_name = DELIVERY_PERMISSION
    method_permission_name = {**RECORD_PERMISSIONS, "kpi_detail": "read"}
    list_template = "delivery/project_list.html"
    export_name = "projects"
    list_title = _("Projects")
    show_title = _("Project")
    add_title = _("Add project")
    edit_title = _("Edit project")
    base_order = ("created_at", "desc")
    list_columns = ["number", "name", "customer", "contract", "started_on", "planned_finish", "installation_status",
                    "commissioning_status", "site_escort", "status"]
    show_columns = ["number", "name", "customer", "contact", "contract", "started_on", "planned_finish",
                    "installation_status", "commissioning_status", "site_escort", "accepted_on", "status",
                    "closed_at", "process_instance"]
    add_columns = ["customer", "contact", "contract", "name", "started_on", "planned_finish", "site_escort"]
    edit_columns = add_columns + ["installation_status", "commissioning_status", "accepted_on"]
    search_columns = ["number", "name", "customer", "contract", "started_on", "planned_finish",
                      "installation_status", "commissioning_status", "site_escort", "status"]
    label_columns = {
        "number": _("Number"), "name": _("Project"), "customer": _("Customer"), "contact": _("Contact"),
        "contract": _("Contract"), "started_on": _("Started on"), "planned_finish": _("Planned finish"),
        "installation_status": _("Installation"), "commissioning_status": _("Commissioning"),
        "site_escort": _("Site visit escort"), "accepted_on": _("Accepted on"), "status": _("Status"),
        "closed_at": _("Closed at"), "process_instance": _("Process instance"),
    }
    choice_columns = {"status": PROJECT_STATUSES, "installation_status": WORK_STATUSES,
                      "commissioning_status": WORK_STATUSES}
    related_views = [ProjectMilestoneView, ProgressReportView]

    def post_add(self, item) -> None:
        start_from_view(item)  # project_delivery

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs["kpi"] = self.kpi_panel()
        return super().render_template(template, **kwargs)

    def kpi_panel(self) -> dict:
        today = clock.local_today()
        first, last = _period_args(today)
        handover = kpi.handover_on_time(first, last)
        progress = kpi.progress_compliance(first, last)
        return {"first": first, "last": last, "handover": handover, "progress": progress}

    @expose("/kpi/<name>")
    @has_access
    def kpi_detail(self, name: str):
        """The rows a figure counted (drill-down)."""
        if name not in ("handover", "progress"):
            abort(404)
        first, last = _period_args(clock.local_today())
        rows = kpi.handover_rows(first, last) if name == "handover" else kpi.progress_rows(first, last)
        return self.render_template("delivery/kpi_detail.html", name=name, rows=rows, first=first, last=last,
                                    title=gettext("Handover on-time rate") if name == "handover"
                                    else gettext("Progress-report compliance"))
