"""Start a process: the processes the user's roles may start, each with its start form."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.engine import definitions, queries, runtime
from app.engine.errors import Conflict, Invalid
from app.engine.forms import FormField
from app.extensions import db
from app.views import form_render, task_form
from app.views.presentation import fields_in
from app.views.errors import engine_errors, field_errors, message_of
from app.views.work import WorkView

CONTROLS = ("csrf_token", "business_key", "customer")  # the page's own inputs; the rest is start input


class StartView(WorkView):
    route_base = "/start"
    default_view = "index"
    class_permission_name = "Inbox"
    method_permission_name = {"index": "read", "form": "read", "start": "write"}

    @expose("/")
    @has_access
    def index(self):
        actor = self.actor()
        items = [d for d in definitions.list_definitions() if runtime.can_start(d["definition"], actor)]
        return self.render("inbox/start_list.html", items=items)

    @expose("/<key>/")
    @has_access
    @engine_errors()
    def form(self, key: str):
        definition = self._startable(key)
        fields = [FormField.from_dict(f) for f in definition.start_form or []]
        values = task_form.shown_values(fields)
        return self.render("inbox/start_form.html", definition=definition, fields=fields_in(fields),
                           values=values, record={}, errors={}, record_errors={}, is_true=task_form.is_true,
                           formjs=form_render.config(definition.start_form_id, fields, values, {}, True))

    @expose("/<key>/", methods=["POST"])
    @has_access
    @engine_errors()
    def start(self, key: str):
        actor = self.actor()
        definition = self._startable(key)
        fields = [FormField.from_dict(f) for f in definition.start_form or []]
        data = task_form.posted_data(fields, request.form, controls=CONTROLS)
        record = {k: request.form.get(k, "").strip() for k in ("business_key", "customer")}
        try:
            inst = runtime.start_process(definition.key, actor=actor, business_key=record["business_key"] or None,
                                         customer=record["customer"] or None, variables=data)
        except (Invalid, Conflict) as err:
            db.session.rollback()
            flash(message_of(err), "danger")
            errors = field_errors(err)
            record_errors = {k: errors.pop(k) for k in ("business_key", "customer") if k in errors}
            values = task_form.shown_values(fields, data)
            body = self.render("inbox/start_form.html", definition=definition, fields=fields_in(fields), record=record,
                               values=values, errors=errors, record_errors=record_errors, is_true=task_form.is_true,
                               formjs=form_render.config(definition.start_form_id, fields, values, errors, True))
            return body, err.http_status
        flash(gettext("Process started."), "success")
        task = queries.workable_task(inst.id, actor)
        if task is not None:
            return redirect(url_for("TaskView.show", task_id=task.id))
        return redirect(url_for("InstanceView.show", instance_id=inst.id))

    def _startable(self, key: str):
        definition = definitions.latest_definition(key[:100], required=False)
        if definition is None or not runtime.can_start(definition, self.actor()):
            abort(404)  # a process you may not start is not listed, and not found
        return definition
