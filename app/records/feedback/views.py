"""Supervisors' screen of the public feedback: read, note what was done, mark handled."""
from __future__ import annotations

from flask import g
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from app.records.feedback import service
from app.records.feedback.models import Feedback
from app.records.screens import RECORD_PERMISSIONS, RecordView

FEEDBACK_STATUSES = {"new": _("New"), "handled": _("Handled")}


class FeedbackView(RecordView):
    datamodel = SQLAInterface(Feedback)
    class_permission_name = "Feedback"
    method_permission_name = RECORD_PERMISSIONS
    export_name = "feedback"
    list_title = _("Customer feedback")
    show_title = _("Customer feedback")
    edit_title = _("Handle feedback")
    base_order = ("created_at", "desc")
    list_columns = ["created_at", "name", "company", "message", "status", "handled_at"]
    show_columns = ["created_at", "name", "contact", "company", "message", "language", "status", "handling_note",
                    "handled_by", "handled_at"]
    add_columns = ["name", "contact", "company", "message"]  # feedback given by phone or letter
    edit_columns = ["status", "handling_note"]
    search_columns = ["created_at", "name", "company", "message", "status"]
    label_columns = {"created_at": _("Received at"), "name": _("Sender's name"), "contact": _("How to reach them"),
                     "company": _("Company"), "message": _("Feedback"), "language": _("Language"),
                     "status": _("Status"), "handling_note": _("What was done"), "handled_by": _("Handled by"),
                     "handled_at": _("Handled at")}
    choice_columns = {"status": FEEDBACK_STATUSES}

    def pre_update(self, item) -> None:
        super().pre_update(item)
        service.handled(item, getattr(g.user, "id", None))
