"""Service requests, field-service records and follow-up surveys."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _
from markupsafe import Markup

from app.engine import sla_policy
from app.extensions import db
from app.models import FieldServiceRecord, ServiceRequest, Survey
from app.models.base import utcnow
from app.models.choices import (
    PRIORITIES, REQUEST_CHANNELS, REQUEST_KINDS, REQUEST_STATUSES, REQUEST_TYPES,
    SATISFACTION, SLA_STATES, SURVEY_CHANNELS, SURVEY_KINDS, LANGUAGES, label,
)
from app.records.process_link import start_from_view
from app.records.screens import RECORD_PERMISSIONS, RecordView
from app.records.service import signature
from app.records.timefmt import local_date


# signature.SignatureError's messages, for the catalogue (the screen translates them with gettext)
SIGNATURE_MESSAGES = (_("Draw the signature in the box."), _("The signature image is too large."),
                      _("The signature image is damaged; draw it again."), _("The customer's name is required."),
                      _("The name is too long (at most 100 characters)."))


def sla_badge(state: str | None) -> Markup:
    return Markup('<span class="sla-{0}">{1}</span>').format(state or "none", label(SLA_STATES, state) or "—")


class FieldRecordView(RecordView):
    datamodel = SQLAInterface(FieldServiceRecord)
    class_permission_name = "FieldRecord"
    export_name = "field_records"
    list_title = _("Field service records")
    show_title = _("Field service record")
    add_title = _("Add field service record")
    edit_title = _("Edit field service record")
    base_order = ("appointment_at", "desc")
    list_columns = ["service_request", "engineer", "appointment_at", "arrived_at", "customer_confirmed"]
    add_columns = edit_columns = ["service_request", "engineer", "appointment_at", "arrived_at", "work_done", "cause",
                                  "advice", "customer_confirmed", "confirmed_by_name"]
    show_columns = add_columns + ["confirmed_at", "signature_ref"]
    method_permission_name = {**RECORD_PERMISSIONS, "sign": "write", "signature": "read", "customer_sign": "write"}
    search_columns = ["service_request", "engineer", "appointment_at", "customer_confirmed", "work_done"]
    label_columns = {
        "service_request": _("Service request"), "engineer": _("Engineer"), "appointment_at": _("Appointment"),
        "arrived_at": _("Arrived at"), "work_done": _("Work done"), "cause": _("Cause"), "advice": _("Advice"),
        "customer_confirmed": _("Confirmed by customer"), "confirmed_by_name": _("Confirmed by (name)"),
        "confirmed_at": _("Confirmed at"), "signature_ref": _("Customer signature"),
    }


    formatters_columns = {"signature_ref": lambda pk: Markup('<img class="signature" alt="" src="{0}">').format(
        url_for("FieldRecordView.signature", pk=pk)) if pk else "—"}

    def action_applies(self, name: str, item) -> bool:
        return name != "customer_sign" or not item.customer_confirmed  # signed once

    @action("customer_sign", _("Customer signs"), confirmation=None, icon="fa-pencil", multiple=False)
    def customer_sign(self, item):
        return redirect(url_for("FieldRecordView.sign", pk=item.id))

    @expose("/sign/<int:pk>", methods=["GET", "POST"])
    @has_access
    def sign(self, pk: int):
        """The customer signs the visit on the engineer's touch screen (由客户签字确认)."""
        visit = db.session.get(FieldServiceRecord, pk) or abort(404)
        problem = None
        if request.method == "POST":
            try:
                signature.sign(visit, request.form.get("signature", ""), request.form.get("name", ""))
            except signature.SignatureError as err:
                db.session.rollback()
                problem = (err.field, gettext(str(err)))
            else:
                db.session.commit()
                flash(gettext("The customer signed the field service record."), "success")
                return redirect(url_for("FieldRecordView.show", pk=pk))
        return self.render_template("records/sign.html", visit=visit, problem=problem,
                                    name=request.form.get("name") or visit.confirmed_by_name or "")

    @expose("/signature/<int:pk>")
    @has_access
    def signature(self, pk: int):
        visit = db.session.get(FieldServiceRecord, pk)
        if visit is None or not visit.signature_png:
            abort(404)
        return Response(visit.signature_png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


class SurveyView(RecordView):
    datamodel = SQLAInterface(Survey)
    class_permission_name = "Survey"
    method_permission_name = {**RECORD_PERMISSIONS, "create_link": "write"}
    export_name = "surveys"
    list_title = _("Surveys")
    show_title = _("Survey")
    add_title = _("Add survey")
    edit_title = _("Edit survey")
    base_order = ("created_at", "desc")
    list_columns = ["customer", "kind", "service_request", "complaint", "channel", "sent_at", "answered_at", "score"]
    show_columns = ["customer", "kind", "service_request", "complaint", "language", "channel", "sent_at",
                    "expires_at", "answered_at", "score", "comments"]
    add_columns = ["customer", "kind", "service_request", "complaint", "language", "channel", "score", "comments"]
    edit_columns = add_columns
    search_columns = ["customer", "kind", "channel", "score", "sent_at", "answered_at"]
    label_columns = {
        "customer": _("Customer"), "kind": _("Survey type"), "service_request": _("Service request"),
        "complaint": _("Complaint"), "language": _("Language"), "channel": _("Channel"), "sent_at": _("Sent at"),
        "expires_at": _("Link expires at"), "answered_at": _("Answered at"), "score": _("Score"),
        "comments": _("Comments"),
    }
    choice_columns = {"kind": SURVEY_KINDS, "channel": SURVEY_CHANNELS, "score": SATISFACTION,
                      "language": LANGUAGES}
    description_columns = {"score": _("A result taken by phone or on site: enter it here; it counts in the "
                                      "satisfaction KPI like an answered survey link.")}

    def pre_add(self, item) -> None:
        super().pre_add(item)
        self._answered(item)

    def pre_update(self, item) -> None:
        super().pre_update(item)
        self._answered(item)

    @staticmethod
    def _answered(item) -> None:
        """A score typed in (a phone return visit) is an answer: it is dated now, and counted."""
        if item.score is not None and item.answered_at is None:
            item.answered_at = utcnow()

    @action("create_link", _("Create survey link"), confirmation=None, icon="fa-link", multiple=False)
    def create_link(self, item):
        """Issue a fresh link (the previous one stops working) and show it once."""
        from app.records.surveys import create_survey_link

        if item.answered_at is not None:
            flash(gettext("This survey has already been answered."), "warning")
        else:
            link = create_survey_link(item)
            db.session.commit()
            flash(gettext("Survey link (valid until %(date)s): %(link)s",
                          date=local_date(item.expires_at), link=link), "info")
        return redirect(url_for("SurveyView.show", pk=item.id))


class ServiceRequestView(RecordView):
    datamodel = SQLAInterface(ServiceRequest)
    class_permission_name = "ServiceRequest"
    export_name = "service_requests"
    list_title = _("Service requests")
    show_title = _("Service request")
    add_title = _("Add service request")
    edit_title = _("Edit service request")
    base_order = ("created_at", "desc")
    list_columns = ["number", "customer", "type", "priority", "status", "created_at", "due_at", "sla_state"]
    show_columns = ["number", "customer", "contact", "equipment", "kind", "channel", "type", "priority", "subject",
                    "description", "status", "created_at", "accepted_at", "due_at", "resolved_at", "sla_state",
                    "previous_request", "process_instance"]
    add_columns = ["customer", "contact", "equipment", "kind", "channel", "type", "priority", "subject",
                   "description", "due_at"]
    edit_columns = add_columns + ["status", "accepted_at", "resolved_at"]
    search_columns = ["number", "customer", "kind", "channel", "type", "priority", "status", "subject",
                      "created_at", "due_at"]
    label_columns = {
        "number": _("Number"), "customer": _("Customer"), "contact": _("Contact"), "equipment": _("Equipment"),
        "kind": _("Request kind"), "channel": _("Channel"), "type": _("Request type"), "priority": _("Priority"),
        "subject": _("Subject"), "description": _("Description"), "status": _("Status"),
        "created_at": _("Created at"), "accepted_at": _("Accepted at"), "due_at": _("Due at (SLA)"),
        "resolved_at": _("Resolved at"), "sla_state": _("SLA"), "process_instance": _("Process instance"),
        "previous_request": _("Follows request"),
    }
    description_columns = {"due_at": _("Leave empty to apply the SLA policy of the request type.")}
    choice_columns = {"kind": REQUEST_KINDS, "channel": REQUEST_CHANNELS, "type": REQUEST_TYPES,
                      "priority": PRIORITIES, "status": REQUEST_STATUSES}
    formatters_columns = {"sla_state": sla_badge}
    related_views = [FieldRecordView, SurveyView]

    def pre_add(self, item) -> None:
        super().pre_add(item)
        item.created_at = item.created_at or utcnow()
        if item.due_at is None:
            item.due_at = sla_policy.resolve_due(item.type, item.created_at)

    def post_add(self, item) -> None:
        start_from_view(item)  # after_sales_service; the process keeps status and due date current
