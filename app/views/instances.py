"""Process instances: the filtered list and one instance with its tasks,
history, incident and diagram; supervisors suspend, resume, terminate, retry."""
from __future__ import annotations

import os

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.engine import content, definitions, history, people, queries, runtime
from app.engine import tasks as task_service
from app.engine.task_actions import allowed_actions, eligible_users
from app.records.menu import record_url
from app.views import inbox_params as params
from app.views import instance_display as display
from app.views.errors import engine_errors
from app.views.presentation import process_name, reader_lang
from app.views.work import EVENT_LABELS, WorkView

FILTERS = ("process", "status", "business_key", "started_from", "started_to")


def _linked_names(variables: dict) -> dict:
    """The customer, contact and starter a process refers to by id or login, shown by name."""
    from app.extensions import db
    from app.models import Contact, Customer

    out = dict(variables)
    for key, model in (("customer_id", Customer), ("contact_id", Contact)):
        value = out.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            row = db.session.get(model, value)
            if row is not None:
                out[key] = row.name
    if isinstance(out.get("starter"), str):  # the starter's login name: shown as the person
        from flask import current_app

        user = current_app.appbuilder.sm.find_user(username=out["starter"])
        if user is not None:
            out["starter"] = people.display_names([user.id]).get(user.id, out["starter"])
    if out.get("customer_name") and "customer_id" in out:
        out.pop("customer_id")  # the same customer twice
    return out


def _back(instance_id: int) -> str:
    return url_for("InstanceView.show", instance_id=instance_id)


class InstanceView(WorkView):
    route_base = "/instances"
    default_view = "index"
    class_permission_name = "ProcessInstance"
    method_permission_name = {"index": "read", "show": "read", "suspend": "manage", "resume": "manage",
                              "terminate": "manage", "retry": "manage"}

    @expose("/")
    @has_access
    def index(self):
        args = request.args
        filters = {k: str(args.get(k) or "").strip()[:100] for k in FILTERS if args.get(k)}
        start, end = (params.to_date(filters.get(k)) for k in ("started_from", "started_to"))
        started_from, started_to = params.utc_bounds(start, end)
        page_no = params.to_int(args.get("page"), 1, 1, 100_000)
        page = queries.query_instances(page=page_no, page_size=25, process_key=filters.get("process"),
                                       status=filters.get("status"), business_key=filters.get("business_key"),
                                       started_from=started_from, started_to=started_to)
        return self.render(
            "inbox/instances.html", page=page, pages=max(1, -(-page.total // 25)), filters=filters,
            qs=params.query_string, statuses=queries.INSTANCE_STATUSES,
            names=people.display_names(i.started_by_id for i in page.items),
            processes=[(d.key, process_name(d)) for d in definitions.latest_definitions()])

    @expose("/<int:instance_id>/")
    @has_access
    @engine_errors()
    def show(self, instance_id: int):
        actor = self.actor()
        inst = runtime.get_instance(instance_id)
        events = history.for_instance(inst.id)
        task_rows = queries.instance_tasks(inst.id)
        marks = queries.diagram_marks(inst, events, task_rows)
        involved = {inst.started_by_id, *(e.user_id for e in events),
                  *(t.assignee_id for t in task_rows), *(t.completed_by_id for t in task_rows)}
        names = display.element_names(inst.definition, queries.element_names(events, task_rows))
        variables = None
        if actor.sees_process_data:
            fields = display.form_fields(inst.definition, (f for t in task_rows for f in task_service.form_fields(t)))
            variables = display.variable_rows(_linked_names(runtime.variables_of(inst)), fields)
        viewer = os.path.exists(os.path.join(current_app.static_folder, "dist", "viewer.js"))
        return self.render(
            "inbox/instance.html", inst=inst, events=events, tasks=task_rows, marks=marks,
            element_names=names, names=people.display_names(involved),
            event_labels=EVENT_LABELS, variables=variables, viewer=viewer,
            diagram=self._diagram(inst, marks),
            latest=definitions.latest_definition(inst.process_key, required=False),
            manage=actor.is_supervisor, record_url=record_url(inst),
            # each task's picker offers only the people who may work it (the engine's one rule)
            pickers={t.id: [(p.id, p.label) for p in eligible_users(t)] for t in task_rows
                     if "assign" in allowed_actions(t, actor)})

    @staticmethod
    def _diagram(inst, marks: dict) -> dict | None:
        """Data for the viewer; a count badge only where an element ran more than once."""
        if not inst.definition.has_di:
            return None
        return {"xml": content.shown_xml(inst.definition, reader_lang()), **marks,
                "counts": {k: n for k, n in marks["counts"].items() if n > 1}}

    @expose("/<int:instance_id>/suspend", methods=["POST"])
    @has_access
    @engine_errors(_back)
    def suspend(self, instance_id: int):
        runtime.suspend(instance_id, actor=self.actor(), reason=request.form.get("reason", "").strip()[:1000] or None)
        return self._done(instance_id, gettext("Process suspended."))

    @expose("/<int:instance_id>/resume", methods=["POST"])
    @has_access
    @engine_errors(_back)
    def resume(self, instance_id: int):
        runtime.resume(instance_id, actor=self.actor())
        return self._done(instance_id, gettext("Process resumed."))

    @expose("/<int:instance_id>/terminate", methods=["POST"])
    @has_access
    @engine_errors(_back)
    def terminate(self, instance_id: int):
        runtime.terminate(instance_id, actor=self.actor(), reason=request.form.get("reason", ""))
        return self._done(instance_id, gettext("Process terminated."))

    @expose("/<int:instance_id>/retry", methods=["POST"])
    @has_access
    @engine_errors(_back)
    def retry(self, instance_id: int):
        inst = runtime.retry_incident(instance_id, actor=self.actor())
        if inst.status == "incident":
            flash(gettext("The step failed again; see the incident."), "warning")
            return redirect(url_for("InstanceView.show", instance_id=instance_id))
        return self._done(instance_id, gettext("The incident was retried."))

    @staticmethod
    def _done(instance_id: int, message: str):
        flash(message, "success")
        return redirect(url_for("InstanceView.show", instance_id=instance_id))
