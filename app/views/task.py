"""One task: instructions, record summary, generated form, history; claim,
release, save a draft, complete; supervisors reassign to the people who may work the task
(``eligible_users``). The buttons are the engine's ``allowed_actions``: one endpoint per action,
named after it."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app import pii
from app.engine import commitments, history, onboarding, people, tasks
from app.engine.actor import Actor
from app.engine.errors import EngineError, Forbidden, Invalid, NotFound
from app.engine.task_actions import allowed_actions, eligible_users
from app.extensions import db
from app.models import HumanTask
from app.records.contacts import linked_contact
from app.records.menu import record_url
from app.security_screens import role_label
from app.records.timefmt import fmt_local
from app.views import form_render, task_form, task_notes
from app.views.presentation import fields_in, history_names, task_documentation, task_name
from app.views.errors import engine_errors, field_errors, message_of, safe_next
from app.views.work import EVENT_LABELS, WorkView

CONTROLS = ("csrf_token", "view_token", "action", "next")  # the page's own inputs; the rest is form data
LABELS = {"new_due": _l("New committed date"), "reason": _l("Reason for the delay"),
          "customer_informed": _l("The customer has been told")}


class TaskView(WorkView):
    route_base = "/task"
    class_permission_name = "Inbox"
    method_permission_name = {"show": "read", "claim": "write", "release": "write", "draft": "write",
                              "complete": "write", "assign": "write", "recommit": "write"}

    @expose("/<int:task_id>/")
    @has_access
    @engine_errors()
    def show(self, task_id: int):
        actor = self.actor()
        return self._page(tasks.visible_task(task_id, actor), actor)

    @expose("/<int:task_id>/claim", methods=["POST"])
    @has_access
    def claim(self, task_id: int):
        return self._act(task_id, lambda a, _d: tasks.claim(task_id, actor=a), gettext("You claimed the task."))

    @expose("/<int:task_id>/unclaim", methods=["POST"])  # the first name of release, for pages still open
    @expose("/<int:task_id>/release", methods=["POST"])
    @has_access
    def release(self, task_id: int):
        return self._act(task_id, lambda a, _d: tasks.release(task_id, actor=a),
                         gettext("The task is back in the group."))

    @expose("/<int:task_id>/draft", methods=["POST"])
    @has_access
    def draft(self, task_id: int):
        return self._act(task_id, lambda a, d: tasks.save_draft(task_id, d, actor=a), gettext("Draft saved."),
                         files=True)

    @expose("/<int:task_id>/complete", methods=["POST"])
    @has_access
    def complete(self, task_id: int):
        return self._act(task_id, lambda a, d: tasks.complete(task_id, d, actor=a), gettext("Task completed."),
                         done=lambda: safe_next(url_for("InboxView.mine")), files=True)

    @expose("/<int:task_id>/assign", methods=["POST"])
    @has_access
    @engine_errors(lambda task_id: url_for("TaskView.show", task_id=task_id))
    def assign(self, task_id: int):
        actor = self.actor()
        tasks.visible_task(task_id, actor)
        raw = request.form.get("user_id", "")
        user_id = int(raw) if raw.isdigit() else None
        if raw and user_id is None:
            raise Invalid("No such user.", fields={"user_id": "unknown user"})
        try:
            task = tasks.assign(task_id, user_id, actor=actor)
        except Invalid as err:
            if not err.details.get("user"):
                raise
            flash(gettext("%(user)s may not work on this task: choose one of the people offered.",
                          user=err.details["user"]), "danger")
            return redirect(safe_next(url_for("TaskView.show", task_id=task_id), referrer=True))
        names = people.display_names([user_id])
        flash(gettext("“%(task)s” is now assigned to %(user)s.", task=task_name(task), user=names.get(user_id))
              if user_id else gettext("“%(task)s” is back in the group.", task=task_name(task)), "success")
        return redirect(safe_next(url_for("TaskView.show", task_id=task_id)))

    @expose("/<int:task_id>/recommit", methods=["POST"])
    @has_access
    @engine_errors(lambda task_id: url_for("TaskView.show", task_id=task_id))
    def recommit(self, task_id: int):
        """The delay notice: why it will be late, the customer told, and the new committed date."""
        actor = self.actor()
        tasks.visible_task(task_id, actor)
        try:
            task = commitments.recommit(task_id, request.form.get("new_due", ""), reason=request.form.get("reason", ""),
                                        customer_informed=request.form.get("customer_informed") == "y", actor=actor)
        except Invalid as err:
            db.session.rollback()
            problems = field_errors(err)
            flash(" ".join([message_of(err)] + [f"{LABELS.get(k, k)}: {v}" for k, v in problems.items()]), "danger")
            return redirect(url_for("TaskView.show", task_id=task_id))
        flash(gettext("The new date is recorded: “%(task)s” is now due %(due)s.", task=task_name(task),
                      due=fmt_local(task.due_at)), "success")
        return redirect(url_for("TaskView.show", task_id=task_id))

    # ------------------------------------------------------------------ helpers
    def _act(self, task_id: int, operation, success: str, done=None, files: bool = False):
        """Run an action; on an engine error show the task again with what was typed and why. With
        ``files``, the form's file fields' uploads are stored first and their ids submitted (a file
        kept while another field is corrected is not asked for again)."""
        actor = self.actor()
        task = self._task_for_post(task_id, actor)
        fields = tasks.form_fields(task)
        data = task_form.posted_data(fields, request.form, controls=CONTROLS)
        try:
            if files:
                data.update(task_notes.posted_files(task, actor))
            operation(actor, data)
        except NotFound:
            abort(404)
        except EngineError as err:
            db.session.rollback()
            task = tasks.get_task(task_id)
            who = self._winner(task, actor)
            status = 409 if isinstance(err, Forbidden) and who else err.http_status
            return self._page(task, actor, typed=data, errors=field_errors(err),
                              alert=message_of(err, who=who), status=status)
        flash(success, "success")
        return redirect(done() if done else url_for("TaskView.show", task_id=task_id))

    def _task_for_post(self, task_id: int, actor: Actor) -> HumanTask:
        """The task if this user may see it now, or could when they opened it (signed token)."""
        try:
            return tasks.visible_task(task_id, actor)
        except NotFound:
            if task_form.token_allows(request.form.get("view_token"), actor.user_id, task_id):
                try:
                    return tasks.get_task(task_id)
                except NotFound:
                    pass
            abort(404)

    @staticmethod
    def _winner(task: HumanTask, actor: Actor) -> str | None:
        """Who completed or holds the task, when that is someone else."""
        other = task.completed_by_id if task.state == "completed" else task.assignee_id
        if other and other != actor.user_id:
            return people.display_names([other]).get(other)
        return None

    def _page(self, task: HumanTask, actor: Actor, *, typed=None, errors=None, alert=None, status=200):
        fields = tasks.form_fields(task)
        events = history.for_instance(task.instance_id)
        offered_users = [c.user_id for c in task.candidates if c.user_id]
        involved = {task.assignee_id, task.completed_by_id, *(e.user_id for e in events), *offered_users}
        shown = people.display_names(involved)
        actions = allowed_actions(task, actor)
        if alert is None and not actor.on_post and task.state == "open" and task.assignee_id != actor.user_id:
            alert = message_of(Forbidden(onboarding.PRE_POST_MESSAGE))  # a new hire: why there is no button
        editable = "complete" in actions or "draft" in actions
        values = task_form.shown_values(fields, task.draft, task.submitted, typed)
        if not editable:  # read by others: personal data in a diagram's own fields stays masked
            values = pii.masked_variables(values)
        body = self.render(
            "inbox/task.html", task=task, fields=fields_in(fields), values=values, errors=errors or {}, alert=alert,
            formjs=form_render.config(task.form_id, fields, values, errors or {}, editable),
            actions=actions, editable=editable, events=events, names=shown,
            element_names=history_names(task.process_key, events),
            event_labels=EVENT_LABELS, instructions=task_form.markdown_html(task_documentation(task)),
            view_token=task_form.view_token(actor.user_id, task.id), is_true=task_form.is_true,
            users=[(p.id, p.label) for p in eligible_users(task)] if "assign" in actions else [], actor=actor,
            contact=linked_contact(task.instance), **task_notes.page_context(task, actor),
            offered=[role_label(c.role_name) for c in task.candidates if c.role_name]
            + [shown.get(u, "") for u in offered_users], record_url=record_url(task.instance))
        return body, status
