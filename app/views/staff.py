"""Staff profiles: each user's department and how they are mailed about tasks."""
from __future__ import annotations

from flask import has_request_context, request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _
from wtforms.validators import DataRequired

from app.models import UserProfile
from app.models.choices import MAIL_LOCALES, NOTIFY_MODES
from app.records.screens import RecordView


class StaffView(RecordView):
    """Who belongs to which department (Department tasks, supervisors' reminders) and how each
    person is mailed. Admins edit; supervisors read."""

    datamodel = SQLAInterface(UserProfile)
    class_permission_name = "StaffProfile"
    list_title = _("Staff")
    add_title = _("Add staff profile")
    show_title = _("Staff profile")

    @property
    def edit_title(self) -> str:
        """Name whose profile is edited (the user is not an editable field)."""
        pk = request.view_args.get("pk") if has_request_context() and request.view_args else None
        profile = self.datamodel.get(pk) if pk is not None else None
        who = f"{profile.user} ({profile.user.username})" if profile is not None and profile.user else ""
        return gettext("Edit staff profile: %(user)s", user=who) if who else gettext("Edit staff profile")

    @edit_title.setter
    def edit_title(self, _value) -> None:
        pass  # FAB sets a default title at start-up

    list_columns = ["user", "department", "notify_mode", "locale", "phone"]
    add_columns = ["user", "department", "notify_mode", "locale", "phone"]
    edit_columns = ["department", "notify_mode", "locale", "phone"]
    show_columns = list_columns
    search_columns = ["user", "department", "notify_mode"]
    choice_columns = {"notify_mode": NOTIFY_MODES, "locale": MAIL_LOCALES}  # no locale: the site's language
    validators_columns = {"user": [DataRequired()]}
    label_columns = {"user": _("User"), "department": _("Department"), "notify_mode": _("Task mails"),
                     "locale": _("Mail language"),
                     "phone": _("Phone")}
    base_order = ("user_id", "asc")
    formatters_columns = {"user": lambda u: f"{u} ({u.username})" if u is not None else "",
                          "locale": lambda v: MAIL_LOCALES.get(v) or gettext("Site default")}

    def pre_add(self, item: UserProfile) -> None:
        """One profile per user: say whose, rather than FAB's bare integrity error."""
        if item.user is not None and self.datamodel.session.get(UserProfile, item.user.id) is not None:
            raise ValueError(gettext("%(user)s already has a profile: edit it instead.", user=item.user.username))
