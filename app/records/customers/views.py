"""Customer ledger screens; contacts show phone and e-mail masked (app.pii)."""
from __future__ import annotations

from flask import abort, jsonify, make_response, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _
from sqlalchemy import inspect, select
from wtforms.validators import Email, Optional, Regexp

from app import pii
from app.extensions import db
from app.models import Contact, Contract, Customer, Equipment, ServiceRequest
from app.models.choices import CHANNEL_PREFERENCES, LANGUAGES
from app.records.screens import RECORD_PERMISSIONS, RecordView
from app.records.complaints.views import ComplaintView
from app.records.quality.service import check_interval
from app.records.quality.views import MaintenanceVisitView, sync_equipment_cycle
from app.records.delivery.process import contract_signed
from app.records.delivery.views import ContractHandoverView, ProjectView, SalesOrderView
from app.records.sales.views import OpportunityView
from app.records.service.views import ServiceRequestView, SurveyView

PHONE_RE = r"^\+?[0-9][0-9 \-]{5,30}$"
CUSTOMER_LABELS = {
    "customer": _("Customer"), "name": _("Name"), "industry": _("Industry"), "address": _("Address"),
    "channel_preference": _("Preferred channel"), "notes": _("Notes"), "created_at": _("Created at"),
    "language": _("Mail language"),
}


class ContactView(RecordView):
    datamodel = SQLAInterface(Contact)
    class_permission_name = "Customer"
    export_name = "contacts"
    list_title = show_title = _("Contacts")
    add_title = _("Add contact")
    edit_title = _("Edit contact")
    list_columns = ["customer", "name", "position", "phone_masked", "email_masked", "is_primary"]
    show_columns = list_columns
    add_columns = edit_columns = ["customer", "name", "position", "phone", "email", "is_primary"]
    search_columns = ["customer", "name", "position", "is_primary"]  # no search by phone/email: it would leak them
    label_columns = {
        "customer": _("Customer"), "name": _("Full name"), "position": _("Position"),
        "phone": _("Phone"), "email": _("Email"), "phone_masked": _("Phone"), "email_masked": _("Email"),
        "is_primary": _("Primary contact"),
    }
    validators_columns = {
        "phone": [Optional(), Regexp(PHONE_RE, message=_("Enter a phone number (digits, spaces, dashes)."))],
        "email": [Optional(), Email()],
    }

    def prefill_form(self, form, pk) -> None:
        """The edit form never carries the clear values: blank keeps the stored one."""
        item = self.datamodel.get(pk)
        for field in ("phone", "email"):
            masked = pii.mask("contact", field, getattr(item, field))
            form[field].data = ""
            form[field].description = gettext("Current value: %(value)s. Leave empty to keep it.",
                                              value=masked or "—")

    def pre_update(self, item) -> None:
        super().pre_update(item)
        state = inspect(item)
        for field in ("phone", "email"):
            deleted = state.attrs[field].history.deleted
            if not getattr(item, field) and deleted:
                setattr(item, field, deleted[0])


class ContractView(RecordView):
    datamodel = SQLAInterface(Contract)
    class_permission_name = "Customer"
    export_name = "contracts"
    list_title = show_title = _("Contracts and projects")
    add_title = _("Add contract")
    edit_title = _("Edit contract")
    list_columns = ["customer", "code", "name", "signed_on", "start_date", "end_date"]
    # in-sales: signing starts the contract handover (第十条(一)); the handover fills in what it agreed
    add_columns = edit_columns = show_columns = list_columns + ["milestones", "acceptance_criteria",
                                                                "responsibilities", "service_terms"]
    search_columns = ["customer", "code", "name", "signed_on", "start_date", "end_date"]
    label_columns = {"customer": _("Customer"), "code": _("Contract number"), "name": _("Contract or project name"),
                     "start_date": _("Start date"), "end_date": _("End date"), "signed_on": _("Signed on"),
                     "milestones": _("Milestones"), "acceptance_criteria": _("Acceptance criteria"),
                     "responsibilities": _("Responsibilities"), "service_terms": _("Service terms")}

    def post_add(self, item) -> None:
        self._signed(item)

    def post_update(self, item) -> None:
        self._signed(item)

    @staticmethod
    def _signed(item) -> None:
        """A signing date starts the handover (once); a failure keeps the contract."""
        from flask import flash, g
        from app.engine.actor import Actor
        from app.engine.errors import EngineError

        try:
            contract_signed(item, Actor.from_user(g.user))
        except EngineError as err:
            db.session.rollback()
            flash(gettext("The record was saved, but its process did not start: %(error)s", error=err.message),
                  "warning")


class EquipmentView(RecordView):
    datamodel = SQLAInterface(Equipment)
    class_permission_name = "Customer"
    export_name = "equipment"
    list_title = show_title = _("Equipment")
    add_title = _("Add equipment")
    edit_title = _("Edit equipment")
    list_columns = ["customer", "model", "serial", "installed_on", "warranty_end", "maintenance_interval_months"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["customer", "model", "serial", "installed_on", "warranty_end"]
    label_columns = {"customer": _("Customer"), "model": _("Model"), "serial": _("Serial number"),
                     "installed_on": _("Installed on"), "warranty_end": _("Warranty until"),
                     "maintenance_interval_months": _("Maintenance interval (months)")}
    related_views = [MaintenanceVisitView]  # the equipment's maintenance history (维修保养)
    method_permission_name = {**RECORD_PERMISSIONS, "related": "read"}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        check_interval(item.maintenance_interval_months)

    def pre_update(self, item) -> None:
        super().pre_update(item)
        check_interval(item.maintenance_interval_months)

    def post_add(self, item) -> None:
        sync_equipment_cycle(item)  # the interval's return-visit cycle

    def post_update(self, item) -> None:
        sync_equipment_cycle(item)


class CustomerView(RecordView):
    datamodel = SQLAInterface(Customer)
    class_permission_name = "Customer"
    export_name = "customers"
    list_title = _("Customers")
    show_title = _("Customer")
    add_title = _("Add customer")
    edit_title = _("Edit customer")
    base_order = ("name", "asc")
    list_columns = ["name", "industry", "channel_preference", "address"]
    show_columns = ["name", "industry", "address", "channel_preference", "language", "notes", "created_at"]
    add_columns = edit_columns = ["name", "industry", "address", "channel_preference", "language", "notes"]
    search_columns = ["name", "industry", "address", "channel_preference"]
    label_columns = CUSTOMER_LABELS
    choice_columns = {"channel_preference": CHANNEL_PREFERENCES, "language": LANGUAGES}
    related_views = [ContactView, ContractView, EquipmentView, ServiceRequestView, ComplaintView, SurveyView,
                     ContractHandoverView, ProjectView, SalesOrderView, OpportunityView]
    method_permission_name = {**RECORD_PERMISSIONS, "related": "read"}

    @expose("/related/<int:pk>")
    @has_access
    def related(self, pk: int):
        """The customer's contacts, equipment and latest requests as (id, label): the record forms'
        dependent pickers offer only these once the customer is chosen."""
        customer = db.session.get(Customer, pk) or abort(404)
        requests = db.session.scalars(select(ServiceRequest).filter_by(customer_id=pk)
                                      .order_by(ServiceRequest.created_at.desc()).limit(200)).all()
        return jsonify(contact=[(c.id, str(c)) for c in customer.contacts],
                       equipment=[(e.id, str(e)) for e in customer.equipment],
                       service_request=[(r.id, str(r)) for r in requests])


class ContactDataView(BaseView):
    """Reveals one masked contact field: POST only, CSRF-checked, audited."""

    route_base = "/contactdata"
    class_permission_name = "ContactData"
    method_permission_name = {"reveal": "reveal"}
    base_permissions = ["can_reveal"]
    default_view = "reveal"

    @expose("/reveal/<int:pk>/<field>", methods=["POST"])
    @has_access
    def reveal(self, pk: int, field: str):
        if not pii.is_pii("contact", field):
            abort(404)
        if not self.appbuilder.sm.has_access("can_read", "Customer"):
            abort(403)
        contact = db.session.get(Contact, pk) or abort(404)
        value = pii.reveal(contact, field)
        if request.accept_mimetypes.best == "application/json":
            resp = jsonify(value=value)
        else:
            back = url_for("ContactView.show", pk=pk)
            resp = make_response(self.render_template(
                "records/reveal.html", value=value, back=back, field_label=ContactView.label_columns[field]))
        resp.headers["Cache-Control"] = "no-store"
        return resp
