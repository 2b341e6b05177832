"""Task inboxes: my tasks, group tasks, completed by me, the department's tasks."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _

from app.engine import definitions, people, queries, tasks
from app.engine.task_actions import allowed_actions
from app.views import inbox_params as params
from app.views.errors import engine_errors, safe_next
from app.views.work import WorkView, lend_count, open_counts

TABS = {"mine": _("My tasks"), "group": _("Group tasks"), "completed": _("Completed tasks"),
        "department": _("Department tasks")}
COLUMNS = [("name", _("Task")), ("process", _("Process")), ("business_key", _("Business key")),
           ("customer", _("Customer")), ("created", _("Created")), ("due", _("Due")),
           ("priority", _("Priority")), ("assignee", _("Assignee"))]


class InboxView(WorkView):
    route_base = "/inbox"
    default_view = "mine"
    class_permission_name = "Inbox"
    method_permission_name = {"mine": "read", "group": "read", "completed": "read", "department": "read",
                              "save_filter": "write", "delete_filter": "write"}

    @expose("/mine/")
    @has_access
    @engine_errors()
    def mine(self):
        return self._inbox("mine")

    @expose("/group/")
    @has_access
    @engine_errors()
    def group(self):
        return self._inbox("group")

    @expose("/completed/")
    @has_access
    @engine_errors()
    def completed(self):
        return self._inbox("completed")

    @expose("/department/")
    @has_access
    @engine_errors()
    def department(self):
        return self._inbox("department")

    def _inbox(self, view: str):
        actor = self.actor()
        filters = params.clean_filters(request.args)
        page_no = params.to_int(request.args.get("page"), 1, 1, 100_000)
        size = params.to_int(request.args.get("size"), 25)
        size = size if size in params.PAGE_SIZES else 25
        kwargs = params.query_kwargs(filters)
        page = tasks.query_tasks(actor, view=view, page=page_no, page_size=size, **kwargs)
        if view in ("mine", "group") and not tasks.has_filters(**kwargs):
            lend_count(view, page.total)  # the menu badge shows the same number
        involved = {t.assignee_id for t in page.items} | {t.completed_by_id for t in page.items}
        supervisor = view == "department" and actor.is_supervisor
        return self.render(
            "inbox/list.html", view=view, tabs=self._tabs(actor), title=TABS[view], page=page,
            pages=max(1, -(-page.total // size)), size=size, filters=filters, columns=COLUMNS,
            names=people.display_names(involved), counts=open_counts(), qs=params.query_string,
            processes=[(d.key, d.name) for d in definitions.latest_definitions()],
            saved=params.saved_filters(actor.user_id), users=queries.assignable_users() if supervisor else [],
            actions={t.id: allowed_actions(t, actor) for t in page.items},  # the row buttons, from the one rule
            actor=actor, sortable=set(tasks.SORTABLE), scope=self._scope(actor) if supervisor else None)

    @staticmethod
    def _scope(actor) -> list[str]:
        """What the Department tab covers: the names of the actor's departments; [] if none."""
        if actor.is_admin:
            return [gettext("All departments")]
        return queries.department_names(actor)

    @staticmethod
    def _tabs(actor) -> list[tuple[str, str]]:
        return [(k, v) for k, v in TABS.items() if k != "department" or actor.is_supervisor]

    @expose("/filters/", methods=["POST"])
    @has_access
    def save_filter(self):
        view = request.form.get("view") if request.form.get("view") in TABS else "mine"
        row = params.save_filter(g.user.id, request.form.get("name", ""), request.form)
        if row is None:
            flash(gettext("Give the filter a name (at most %(n)s filters per user).", n=params.MAX_SAVED), "warning")
        else:
            flash(gettext("Filter “%(name)s” saved.", name=row.name), "success")
        return redirect(url_for(f"InboxView.{view}") + "?" + params.query_string(params.clean_filters(request.form)))

    @expose("/filters/<int:filter_id>/delete", methods=["POST"])
    @has_access
    def delete_filter(self, filter_id: int):
        if not params.delete_filter(g.user.id, filter_id):
            abort(404)
        flash(gettext("Filter deleted."), "success")
        return redirect(safe_next(url_for("InboxView.mine")))
