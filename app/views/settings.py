"""My settings: how task mails reach me (each at once, or one digest a working day) and in which language."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.engine import mail, queries
from app.models.choices import MAIL_LOCALES, NOTIFY_MODES
from app.views.errors import engine_errors
from app.views.work import WorkView


class SettingsView(WorkView):
    route_base = "/settings"
    default_view = "show"
    class_permission_name = "Inbox"
    method_permission_name = {"show": "read", "save": "write"}

    @expose("/")
    @has_access
    def show(self):
        departments = queries.department_names(self.actor())
        mode, locale = mail.mail_prefs(g.user.id)
        return self.render("settings.html", mode=mode, modes=NOTIFY_MODES, locale=locale,
                           locales=MAIL_LOCALES, site_locale=MAIL_LOCALES[mail.site_locale()],
                           departments=departments, title=gettext("My settings"))

    @expose("/", methods=["POST"])
    @has_access
    @engine_errors()
    def save(self):
        mail.set_mail_prefs(g.user.id, request.form.get("notify_mode", ""), request.form.get("locale") or None)
        flash(gettext("Settings saved."), "success")
        return redirect(url_for("SettingsView.show"))
