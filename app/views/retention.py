"""Admin -> Retention: how long done jobs and sent mails stay (app.engine.retention); history stays for good."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.engine import retention
from app.engine.actor import Actor
from app.engine.errors import Forbidden, Invalid
from app.extensions import db


class RetentionView(BaseView):
    route_base = "/admin/retention"
    default_view = "show"
    class_permission_name = "Job"  # the admins' jobs and mail screens
    method_permission_name = {"show": "read", "save": "write"}

    def _page(self, *, typed: str | None = None, error: str | None = None, status: int = 200):
        days = retention.days()
        return self.render_template(
            "ops/retention.html", days=days, typed=typed if typed is not None else (days or ""), error=error,
            min_days=retention.MIN_DAYS, max_days=retention.MAX_DAYS, title=gettext("Retention")), status

    @expose("/")
    @has_access
    def show(self):
        return self._page()

    @expose("/", methods=["POST"])
    @has_access
    def save(self):
        typed = request.form.get("days", "")
        try:
            retention.set_days(retention.parse_days(typed), actor=Actor.from_user(g.user))
        except Forbidden:
            abort(403)
        except Invalid:
            db.session.rollback()
            return self._page(typed=typed, status=422, error=gettext(
                "A whole number of days from %(low)d to %(high)d, or blank to keep forever.",
                low=retention.MIN_DAYS, high=retention.MAX_DAYS))
        flash(gettext("Retention saved."), "success")
        return redirect(url_for("RetentionView.show"))
