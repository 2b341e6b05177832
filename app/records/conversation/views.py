"""Staff screens of the conversation: the thread on a case's page with the reply and phone-note
forms (``ConversationMixin``), and the triage list of inbound mail from unknown senders."""
from __future__ import annotations

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _
from markupsafe import Markup
from sqlalchemy import select

from app.engine.actor import Actor
from app.engine.errors import Invalid
from app.extensions import db
from app.models import Contact, ConversationAttachment, ConversationMessage, Customer, InboundMail
from app.records.conversation import inbound, outbound, service
from app.records.conversation.service import Upload
from app.records.screens import RecordView

CONVERSATION_PERMISSIONS = {"reply": "write", "phone_note": "write", "attachment": "read", "mark_read": "write"}
CHANNEL_LABELS = {"portal": _("Portal"), "email": _("E-mail"), "phone": _("Phone"), "sms": _("SMS"),
                  "note": _("Internal note")}
DIRECTION_LABELS = {"in": _("From the customer"), "out": _("To the customer"), "internal": _("Internal")}
# inbound.receive's reasons and refusals, for the catalogue (screens translate them with gettext)
MESSAGES = {"unknown sender": _("unknown sender"), "address of several contacts": _("address of several contacts"),
            "Write the reply first.": _("Write the reply first."),
            "The case's contact has no e-mail address.": _("The case's contact has no e-mail address."),
            "Say whether the customer called or was called.": _("Say whether the customer called or was called."),
            "The message is empty.": _("The message is empty."),
            "This mail has already been handled.": _("This mail has already been handled."),
            "No service request or complaint of this customer has that number.":
                _("No service request or complaint of this customer has that number.")}


def said(message: str) -> str:
    return str(MESSAGES.get(message, message))


class ConversationMixin:
    """For a record screen (service request, complaint): the show page shows the record's
    conversation; agents who may edit the record reply by mail or note a call."""

    show_template = "records/show_conversation.html"

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        pk = self._deserialize_pk_if_composite(pk)
        widgets = self._show(pk)
        item = self.datamodel.get(pk, self._base_filters)
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_views, conversation=self._conversation(item))

    def _conversation(self, item) -> dict:
        contact = getattr(item, "contact", None)
        return {"messages": service.thread(item.__tablename__, item.id), "token": outbound.case_token(item),
                "unread": item.unread_in, "last_in_at": item.last_in_at, "max_files": service.max_files(),
                "channels": CHANNEL_LABELS, "directions": DIRECTION_LABELS,
                "may_write": self.appbuilder.sm.has_access("can_write", self.class_permission_name),
                "mail_to": bool(contact and contact.email), "view": self.__class__.__name__}

    def _record(self, pk: int):
        return db.session.get(self.datamodel.obj, pk) or abort(404)

    def _post_message(self, pk: int, write, done: str):
        item = self._record(pk)
        try:
            write(item)
        except Invalid as err:
            db.session.rollback()
            flash(said(err.message), "danger")
        else:
            db.session.commit()
            flash(done, "success")
        return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk) + "#conversation")

    @expose("/<int:pk>/reply", methods=["POST"])
    @has_access
    def reply(self, pk: int):
        files = [Upload(f.filename or "file", f.read()) for f in request.files.getlist("attachments") if f and f.filename]
        return self._post_message(pk, lambda item: outbound.reply(item, request.form.get("body", ""), g.user, files),
                                  gettext("Reply queued for the customer."))

    @expose("/<int:pk>/mark-read", methods=["POST"])
    @has_access
    def mark_read(self, pk: int):
        return self._post_message(pk, service.mark_read, gettext("Marked as read."))

    @expose("/<int:pk>/phone-note", methods=["POST"])
    @has_access
    def phone_note(self, pk: int):
        return self._post_message(pk, lambda item: outbound.phone_note(
            item, request.form.get("body", ""), request.form.get("direction", ""), g.user),
            gettext("Phone call noted."))

    @expose("/<int:pk>/attachment/<int:attachment_id>")
    @has_access
    def attachment(self, pk: int, attachment_id: int):
        item = self._record(pk)
        file = db.session.get(ConversationAttachment, attachment_id)
        message = file and db.session.get(ConversationMessage, file.message_id)
        if message is None or (message.record_type, message.record_id) != (item.__tablename__, item.id):
            abort(404)
        return Response(file.data, mimetype=file.content_type, headers={  # a download, never rendered inline
            "Content-Disposition": f'attachment; filename="{file.id}-{_ascii(file.filename)}"',
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)[:100] or "file"


class InboundMailView(RecordView):
    """The triage list: mail no rule could place (an unknown sender, an address shared by several
    contacts). A person turns it into a request of a contact, or discards it."""

    datamodel = SQLAInterface(InboundMail)
    class_permission_name = "InboundMail"
    base_permissions = ["can_read", "can_write"]
    # no add/edit/delete: a mail is only ever received, assigned or discarded
    method_permission_name = {"list": "read", "show": "read", "export": "read", "action": "write",
                              "action_post": "write", "assign": "write", "attach": "write", "discard": "write"}
    base_filters = [["state", FilterEqual, "triage"]]
    base_order = ("received_at", "asc")
    list_title = _("Inbound mail to triage")
    show_title = _("Inbound mail")
    list_columns = ["received_at", "sender", "subject", "reason"]
    show_columns = ["received_at", "sender", "subject", "reason", "body"]
    search_columns = ["sender", "subject", "received_at"]
    show_template = "records/inbound_show.html"
    label_columns = {"received_at": _("Received at"), "sender": _("Sender"), "subject": _("Subject"),
                     "reason": _("Why it waits"), "body": _("Text")}
    formatters_columns = {"reason": lambda v: said(v or ""),
                          "body": lambda v: Markup('<pre class="conversation-body">{0}</pre>').format(v or "")}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        pk = self._deserialize_pk_if_composite(pk)
        widgets = self._show(pk)
        customers = db.session.scalars(select(Customer).join(Contact).distinct().order_by(Customer.name)).all()
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    customers=customers, files=inbound.file_names(self._row(int(pk))))

    def _row(self, pk: int) -> InboundMail:
        return db.session.get(InboundMail, pk) or abort(404)

    @staticmethod
    def _contact() -> Contact | None:
        contact_id = request.form.get("contact_id", "")
        return db.session.get(Contact, int(contact_id)) if contact_id.isdigit() else None

    @expose("/<int:pk>/attach", methods=["POST"])
    @has_access
    def attach(self, pk: int):
        row, contact = self._row(pk), self._contact()
        if contact is None:
            flash(gettext("Choose the contact the mail is from."), "danger")
            return redirect(url_for("InboundMailView.show", pk=pk))
        try:
            record = inbound.attach(row, contact, request.form.get("number", ""), Actor.from_user(g.user))
        except Invalid as err:
            db.session.rollback()
            flash(said(err.message), "danger")
            return redirect(url_for("InboundMailView.show", pk=pk) if row.state == "triage"
                            else url_for("InboundMailView.list"))
        db.session.commit()
        flash(gettext("The mail was added to %(number)s.", number=record.number), "success")
        view = "ServiceRequestView" if record.__tablename__ == "service_request" else "ComplaintView"
        return redirect(url_for(f"{view}.show", pk=record.id) + "#conversation")

    @expose("/<int:pk>/assign", methods=["POST"])
    @has_access
    def assign(self, pk: int):
        row, contact = self._row(pk), self._contact()
        if contact is None:
            flash(gettext("Choose the contact the mail is from."), "danger")
            return redirect(url_for("InboundMailView.show", pk=pk))
        try:
            created = inbound.assign(row, contact, Actor.from_user(g.user))
        except Invalid as err:
            db.session.rollback()
            flash(said(err.message), "danger")
            return redirect(url_for("InboundMailView.list"))
        db.session.commit()
        flash(gettext("Service request %(number)s created from the mail.", number=created.number), "success")
        return redirect(url_for("ServiceRequestView.show", pk=created.id))

    @action("discard", _("Discard"), confirmation=_("Discard this mail? No request is created."),
            icon="fa-trash", multiple=True, single=True)
    def discard(self, items):
        actor = Actor.from_user(g.user)
        for row in items if isinstance(items, list) else [items]:
            if row.state == "triage":
                inbound.discard(row, actor)
        db.session.commit()
        flash(gettext("Discarded."), "info")
        return redirect(url_for("InboundMailView.list"))
