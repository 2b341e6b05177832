"""Task inboxes: my tasks, group tasks, completed by me, the department's tasks, and the
Unassigned queue (work nobody can pick up, assigned from here by supervisors and admins)."""
from __future__ import annotations

import time

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _

from app.engine import clock, definitions, onboarding, people, queries, tasks
from app.engine.task_actions import allowed_actions, eligible_users
from app.records.conversation.service import unread_by_instance
from app.records.training import rules as training_rules
from app.views import inbox_params as params
from app.views.admin import role_label
from app.views.errors import engine_errors, safe_next
from app.views.presentation import process_name
from app.views.work import WorkView, lend_count, open_counts

TABS = {"mine": _("My tasks"), "group": _("Group tasks"), "completed": _("Completed tasks"),
        "department": _("Department tasks"), "unassigned": _("Unassigned")}
SUPERVISOR_TABS = ("department", "unassigned")
COLUMNS = [("name", _("Task")), ("process", _("Process")), ("business_key", _("Business key")),
           ("customer", _("Customer")), ("created", _("Created")), ("due", _("Due")),
           ("priority", _("Priority")), ("assignee", _("Assignee"))]


# The Unassigned count is the same for every supervisor and costs a pass over the open unassigned
# tasks (~0.4 s at 300 000 on PostgreSQL): other tabs show it up to UNASSIGNED_SECONDS old; the
# Unassigned tab itself always counts afresh.
UNASSIGNED_SECONDS = 10.0
_unassigned: list[tuple[float, int]] = []


def unassigned_count(actor, fresh: int | None = None) -> int:
    now = time.monotonic()
    if fresh is None and _unassigned and now - _unassigned[0][0] < UNASSIGNED_SECONDS:
        return _unassigned[0][1]
    total = fresh if fresh is not None else tasks.count_unassigned(actor)
    _unassigned[:] = [(now, total)]
    return total


class InboxView(WorkView):
    route_base = "/inbox"
    default_view = "mine"
    class_permission_name = "Inbox"
    method_permission_name = {"mine": "read", "group": "read", "completed": "read", "department": "read",
                              "unassigned": "read", "save_filter": "write", "delete_filter": "write"}

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

    @expose("/unassigned/")
    @has_access
    @engine_errors()
    def unassigned(self):
        return self._inbox("unassigned")

    def _inbox(self, view: str):
        actor = self.actor()
        filters = params.clean_filters(request.args)
        page_no = params.to_int(request.args.get("page"), 1, 1, 100_000)
        size = params.to_int(request.args.get("size"), 25)
        size = size if size in params.PAGE_SIZES else 25
        kwargs = params.query_kwargs(filters)
        follow_ups = filters.get("follow_ups") == "1"
        page = queries.inbox(actor, view=view, page=page_no, page_size=size, follow_ups=follow_ups, **kwargs)
        if view == "group" and not tasks.has_filters(**kwargs) or view == "mine" and not (
                follow_ups or tasks.has_filters(**kwargs)):
            lend_count(view, page.total)  # the menu badge shows the same number
        involved = {t.assignee_id for t in page.items} | {t.completed_by_id for t in page.items}
        actions = {t.id: allowed_actions(t, actor) for t in page.items}  # the row buttons, from the one rule
        counts = dict(open_counts())
        if actor.is_supervisor:  # the Unassigned tab's badge
            fresh = page.total if view == "unassigned" and not tasks.has_filters(**kwargs) else None
            counts["unassigned"] = unassigned_count(actor, fresh)
        return self.render(
            "inbox/list.html", view=view, tabs=self._tabs(actor), title=TABS[view], page=page,
            pages=max(1, -(-page.total // size)), size=size, filters=filters, columns=COLUMNS,
            names=people.display_names(involved), counts=counts, qs=params.query_string,
            processes=[(d.key, process_name(d)) for d in definitions.latest_definitions()],
            saved=params.saved_filters(actor.user_id), pickers=self._pickers(page.items, actions),
            reasons=self._reasons(page.items) if view == "unassigned" else {},
            actions=actions, actor=actor, sortable=set(tasks.SORTABLE),
            urgent=tasks.URGENT_PRIORITY, held_back=self._held_back(actor), follow_ups=follow_ups, now=clock.now(),
            waiting=queries.count_follow_ups(actor) if view == "mine" else 0,
            unread={} if view == "completed" else unread_by_instance(t.instance_id for t in page.items),
            scope=self._scope(actor) if view == "department" and actor.is_supervisor else None)

    @staticmethod
    def _pickers(items, actions) -> dict[int, list[tuple[int, str]]]:
        """Each assignable row's reassign choices: the people who may work that task."""
        return {t.id: [(p.id, p.label) for p in eligible_users(t)] for t in items if "assign" in actions[t.id]}

    @staticmethod
    def _reasons(items) -> dict[int, str]:
        """Why each task of the Unassigned queue is there, in the reader's language."""
        named = people.display_names(c.user_id for t in items for c in t.candidates)
        named |= people.display_names(t.assignee_id for t in items)
        out = {}
        for t in items:
            if t.assignee_id:
                out[t.id] = gettext("Assigned to %(user)s, who cannot work on tasks now.",
                                    user=named.get(t.assignee_id, "#%s" % t.assignee_id))
                continue
            offered = [role_label(c.role_name) for c in t.candidates if c.role_name]
            offered += [named.get(c.user_id, "#%s" % c.user_id) for c in t.candidates if c.user_id]
            out[t.id] = (gettext("Offered to %(names)s: nobody there can work on it.", names=", ".join(offered))
                         if offered else gettext("Nobody is named to work on it."))
        return out

    @staticmethod
    def _held_back(actor) -> dict | None:
        """The new-hire banner (第七条(一) 岗前培训 ... 经考核合格后方可上岗): a new hire sees why they may not take
        tasks and how far their training is; a supervisor sees how many new hires are held back."""
        if not actor.on_post:
            hire = training_rules.hire_of(actor.user_id)
            done = training_rules.pre_post(actor.user_id, hire.required_hours) if hire else None
            hours = done.hours if done else 0
            return {"self": True, "hours": int(hours) if hours == int(hours) else hours, "required": hire.required_hours if hire else 30,
                    "exam": bool(done and done.exam_passed)}
        if actor.is_supervisor:
            count = len(onboarding.in_training())
            return {"self": False, "count": count} if count else None
        return None

    @staticmethod
    def _scope(actor) -> list[str]:
        """What the Department tab covers: the names of the actor's departments; [] if none."""
        if actor.is_admin:
            return [gettext("All departments")]
        return queries.department_names(actor)

    @staticmethod
    def _tabs(actor) -> list[tuple[str, str]]:
        return [(k, v) for k, v in TABS.items() if k not in SUPERVISOR_TABS or actor.is_supervisor]

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
