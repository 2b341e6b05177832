"""Service requests, field-service records and follow-up surveys."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _
from markupsafe import Markup

from app.engine import mail, sla_policy
from app.extensions import db
from app.models import FieldServiceRecord, ServiceRequest, Survey
from app.models.base import utcnow
from app.models.choices import (
    PRIORITIES, REQUEST_CHANNELS, REQUEST_KINDS, REQUEST_STATUSES, REQUEST_TYPES,
    SATISFACTION, SLA_STATES, SURVEY_CHANNELS, SURVEY_KINDS, LANGUAGES, label,
)
from app.records.conversation.views import CONVERSATION_PERMISSIONS, ConversationMixin
from app.records.process_link import start_from_view
from app.records.screens import RECORD_PERMISSIONS, RecordView
from app.records.service import confirmation, signature
from app.records.timefmt import local_date


# signature.SignatureError's messages, for the catalogue (the screen translates them with gettext)
SIGNATURE_MESSAGES = (_("Draw the signature in the box."), _("The signature image is too large."),
                      _("The signature image is damaged; draw it again."), _("The customer's name is required."),
                      _("The name is too long (at most 100 characters)."))


CONFIRM_CHANNELS = {"email": _("E-mail"), "sms": _("SMS"), "portal": _("Customer portal")}
CONFIRMATION_STATES = {"signature": _("Confirmed by signature"), "link": _("Confirmed by link"),
                       "engineer": _("Confirmed (engineer's record)"), "sent": _("Link sent, awaiting the customer"),
                       "disputed": _("Disputed by the customer"), "none": _("Not confirmed")}
CONFIRMATION_CLASSES = {"signature": "success", "link": "success", "engineer": "info", "sent": "warning",
                        "disputed": "danger", "none": "default"}
# confirmation.ConfirmationError's messages, for the catalogue
CONFIRMATION_MESSAGES = (_("The customer has already confirmed this record."),
                         _("Choose how to send the link: e-mail or SMS."),
                         _("The request's contact has no e-mail address."),
                         _("The request's contact has no mobile number."))


def confirmation_badge(state: str | None) -> Markup:
    return Markup('<span class="label label-{0} confirmation-{1}">{2}</span>').format(
        CONFIRMATION_CLASSES.get(state, "default"), state or "none", CONFIRMATION_STATES.get(state, "—"))


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
    list_columns = ["service_request", "engineer", "appointment_at", "arrived_at", "customer_confirmed",
                    "confirmation_state"]
    add_columns = edit_columns = ["service_request", "engineer", "appointment_at", "arrived_at", "work_done", "cause",
                                  "advice", "customer_confirmed", "confirmed_by_name"]
    show_columns = add_columns + ["confirmation_state", "confirmed_at", "signature_ref", "confirm_sent_at",
                                  "confirm_channels", "confirm_expires_at", "customer_comment", "disputed_at"]
    method_permission_name = {**RECORD_PERMISSIONS, "sign": "write", "signature": "read", "customer_sign": "write",
                              "send_confirmation": "write", "confirmation_link": "write"}
    search_columns = ["service_request", "engineer", "appointment_at", "customer_confirmed", "work_done",
                      "disputed_at"]
    label_columns = {
        "service_request": _("Service request"), "engineer": _("Engineer"), "appointment_at": _("Appointment"),
        "arrived_at": _("Arrived at"), "work_done": _("Work done"), "cause": _("Cause"), "advice": _("Advice"),
        "customer_confirmed": _("Confirmed by customer"), "confirmed_by_name": _("Confirmed by (name)"),
        "confirmed_at": _("Confirmed at"), "signature_ref": _("Customer signature"),
        "confirmation_state": _("Customer confirmation"), "confirm_sent_at": _("Confirmation link sent"),
        "confirm_channels": _("Sent by"), "confirm_expires_at": _("Confirmation link expires"),
        "customer_comment": _("Customer's comment"), "disputed_at": _("Disputed at"),
    }


    formatters_columns = {"signature_ref": lambda pk: Markup('<img class="signature" alt="" src="{0}">').format(
        url_for("FieldRecordView.signature", pk=pk)) if pk else "—",
        "confirmation_state": confirmation_badge,
        "confirm_channels": lambda v: ", ".join(str(CONFIRM_CHANNELS.get(c, c)) for c in (v or "").split(",") if c)
        or "—"}

    def action_applies(self, name: str, item) -> bool:
        if name in ("customer_sign", "send_confirmation"):
            return not item.customer_confirmed  # confirmed once, by signature or by link
        return True

    @action("send_confirmation", _("Send confirmation link"), confirmation=None, icon="fa-paper-plane",
            multiple=False)
    def send_confirmation(self, item):
        return redirect(url_for("FieldRecordView.confirmation_link", pk=item.id))

    @expose("/confirmation-link/<int:pk>", methods=["GET", "POST"])
    @has_access
    def confirmation_link(self, pk: int):
        """Send the customer a one-time link to confirm or dispute the record (e-mail and/or SMS)."""
        visit = db.session.get(FieldServiceRecord, pk) or abort(404)
        reachable = confirmation.available_channels(visit)
        problem = None
        language = request.form.get("language") or mail.site_locale()
        chosen = request.form.getlist("channels") if request.method == "POST" else reachable
        if request.method == "POST":
            try:
                confirmation.send_link(visit, language=language, channels=chosen)
            except confirmation.ConfirmationError as err:
                db.session.rollback()
                problem = (err.field, gettext(str(err)))
            else:
                db.session.commit()
                flash(gettext("The confirmation link was sent to the customer (%(channels)s).",
                              channels=", ".join(str(CONFIRM_CHANNELS[c]) for c in chosen)), "success")
                return redirect(url_for("FieldRecordView.show", pk=pk))
        return self.render_template("records/send_confirmation.html", visit=visit, problem=problem,
                                    reachable=reachable, chosen=chosen, language=language, languages=LANGUAGES,
                                    channels=CONFIRM_CHANNELS)

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


class ServiceRequestView(ConversationMixin, RecordView):
    datamodel = SQLAInterface(ServiceRequest)
    class_permission_name = "ServiceRequest"
    method_permission_name = {**RECORD_PERMISSIONS, **CONVERSATION_PERMISSIONS}
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
