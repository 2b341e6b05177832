"""Process design: the list of processes, their versions, downloads, the
comparison of two versions, and creating a process (blank template or upload).

Reading needs ``can_read`` on ProcessDefinition (process owners, supervisors,
read-only users, admins); creating and uploading need ``can_write``.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import gettext, lazy_gettext as _

from app.engine import definitions, drafts
from app.engine.actor import Actor
from app.engine.bpmn.parser import DEFAULT_ROLES
from app.engine.errors import EngineError, NotFound
from app.records.timefmt import fmt_local
from app.views.presentation import process_name

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
RESERVED_KEYS = {"editor", "migration", "api", "create", "upload"}
SOURCE_LABELS = {"file": _("File"), "editor": _("Editor"), "api": _("API")}

BLANK_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn" exporter="CS Ops editor" exporterVersion="1">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="{start}">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_1" name="{task}" camunda:candidateGroups="CustomerService">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1" name="{end}">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_1" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_1" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{key}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="182" y="102" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="170" y="145" width="60" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_1_di" bpmnElement="Task_1">
        <dc:Bounds x="280" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1">
        <dc:Bounds x="442" y="102" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="430" y="145" width="60" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1">
        <di:waypoint x="218" y="120" />
        <di:waypoint x="280" y="120" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2">
        <di:waypoint x="380" y="120" />
        <di:waypoint x="442" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _xml_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def blank_template(key: str, name: str) -> str:
    """A minimal executable process: start, one user task for CustomerService, end, with DI."""
    return BLANK_TEMPLATE.format(key=key, name=_xml_attr(name), start=_xml_attr(gettext("Start")),
                                 task=_xml_attr(gettext("Handle request")), end=_xml_attr(gettext("Done")))


def current_actor() -> Actor:
    return Actor.from_user(g.user)


def user_label(user) -> str:
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip()
    return f"{full} ({user.username})" if full else user.username


def version_dict(d) -> dict:
    return {
        "version": d.version, "deployed_by": user_label(d.deployed_by),
        "deployed_at": d.deployed_at.isoformat() if d.deployed_at else None,
        "deployed_at_local": fmt_local(d.deployed_at),
        "source": d.source, "source_label": str(SOURCE_LABELS.get(d.source, d.source)),
        "download_url": url_for("ProcessesView.download", key=d.key, version=d.version),
    }


def versions_and_draft(key: str):
    """The deployed versions (newest first) and the draft of a process; 404 if it has neither."""
    versions, draft = definitions.list_versions(key), drafts.get_draft(key)
    if not versions and draft is None:
        abort(404)
    return versions, draft


def role_names() -> list[str]:
    return list(DEFAULT_ROLES)


class ProcessesView(BaseView):
    route_base = "/processes"
    default_view = "list"
    class_permission_name = "ProcessDefinition"
    method_permission_name = {
        "list": "read", "versions": "read", "download": "read", "compare": "read", "api_xml": "read",
        "create": "write", "upload": "write",
    }

    def _can_write(self) -> bool:
        return bool(self.appbuilder.sm.has_access("can_write", "ProcessDefinition"))

    def _can_migrate(self) -> bool:
        return bool(self.appbuilder.sm.has_access("can_migrate", "ProcessInstance"))

    @expose("/")
    @has_access
    def list(self):
        rows = []
        all_drafts = drafts.all_drafts()
        for item in definitions.list_definitions():
            d = item["definition"]
            draft = all_drafts.pop(d.key, None)
            rows.append({"key": d.key, "name": process_name(d), "latest": d, "running": item["running"], "draft": draft,
                         "pending": drafts.has_pending_changes(draft, d)})
        for key, draft in sorted(all_drafts.items()):  # new processes, never deployed
            rows.append({"key": key, "name": draft.name, "latest": None, "running": 0, "draft": draft,
                         "pending": True})
        rows.sort(key=lambda r: r["key"])
        return self.render_template("editor/list.html", rows=rows, can_write=self._can_write(),
                                    fmt_local=fmt_local, user_label=user_label)

    @expose("/<key>/versions")
    @has_access
    def versions(self, key: str):
        versions, draft = versions_and_draft(key)
        running = definitions.running_by_version(key)
        return self.render_template(
            "editor/versions.html", key=key, versions=versions, draft=draft, running=running,
            name=(process_name(versions[0]) if versions else draft.name), can_write=self._can_write(),
            can_migrate=self._can_migrate(), fmt_local=fmt_local, user_label=user_label,
            source_labels=SOURCE_LABELS,
            config={
                "urls": {"preview": url_for("MigrationView.api_preview", key=key),
                         "migrate": url_for("MigrationView.api_migrate", key=key)},
                "i18n": {
                    "moves": gettext("moves"), "refused": gettext("refused"), "instance": gettext("Instance"),
                    "business_key": gettext("Business key"), "version": gettext("Version"),
                    "status": gettext("Status"), "waiting_at": gettext("Waiting at"), "result": gettext("Result"),
                    "none": gettext("No running instance is on another version."),
                    "loading": gettext("Checking every running instance…"),
                    "preview_summary": gettext("{n} instance(s) can move to version {version}; {m} cannot."),
                    "confirm": gettext("Move {n} instance(s) to version {version}?"),
                    "done": gettext("{n} instance(s) moved to version {version}."),
                    "done_refused": gettext("{m} instance(s) were refused (see the preview for why)."),
                },
            })

    @expose("/<key>/download")
    @has_access
    def download(self, key: str):
        version = request.args.get("version", type=int)
        try:
            d = definitions.get_definition(key, version)
        except NotFound:
            abort(404)
        filename = f"{d.key}_v{d.version}.bpmn"
        return Response(d.bpmn_xml, mimetype="application/xml", headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"})

    @expose("/<key>/compare")
    @has_access
    def compare(self, key: str):
        versions = definitions.list_versions(key)
        if not versions:
            abort(404)
        numbers = [v.version for v in versions]
        b = request.args.get("b", type=int) or numbers[0]
        a = request.args.get("a", type=int) or (numbers[1] if len(numbers) > 1 else numbers[0])
        if a not in numbers or b not in numbers:
            abort(404)
        return self.render_template(
            "editor/compare.html", key=key, name=process_name(versions[0]), numbers=numbers, a=a, b=b,
            config={
                "urls": {"a": url_for("ProcessesView.api_xml", key=key, version=a),
                         "b": url_for("ProcessesView.api_xml", key=key, version=b)},
                "i18n": {"added": gettext("added"), "removed": gettext("removed"), "changed": gettext("changed"),
                         "layout": gettext("moved"), "no_changes": gettext("The two versions are the same."),
                         "load_failed": gettext("The versions could not be loaded."),
                         "summary": gettext("{added} added, {removed} removed, {changed} changed, "
                                            "{layout} only moved.")},
            })

    @expose("/api/<key>/xml")
    @has_access_api
    def api_xml(self, key: str):
        try:
            d = definitions.get_definition(key, request.args.get("version", type=int))
        except EngineError as err:
            return self.response_json(err.to_dict(), err.http_status)
        return self.response_json({"key": d.key, "version": d.version, "xml": d.bpmn_xml})

    @staticmethod
    def response_json(data, status: int = 200):
        from flask import jsonify

        resp = jsonify(data)
        resp.status_code = status
        return resp

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        key = (request.form.get("key") or "").strip()
        name = (request.form.get("name") or "").strip() or key
        if not KEY_RE.match(key) or key in RESERVED_KEYS:
            flash(gettext("The process id must start with a letter and contain only letters, digits, '_', "
                          "'-' or '.' (at most 100 characters)."), "danger")
            return redirect(url_for("ProcessesView.list"))
        if definitions.latest_definition(key, required=False) is not None or drafts.get_draft(key) is not None:
            flash(gettext("A process with the id '%(key)s' already exists.", key=key), "danger")
            return redirect(url_for("ProcessesView.list"))
        try:
            drafts.save_draft(key, blank_template(key, name[:200]), 0, current_actor())
        except EngineError as err:
            flash(err.message, "danger")
            return redirect(url_for("ProcessesView.list"))
        return redirect(url_for("EditorView.edit", key=key))

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        file = request.files.get("file")
        if file is None or not file.filename:
            flash(gettext("Choose a .bpmn file to upload."), "danger")
            return redirect(url_for("ProcessesView.list"))
        data = file.read(drafts.MAX_BYTES + 1)
        try:
            key, _name = drafts.process_of(data)
            if not KEY_RE.match(key) or key in RESERVED_KEYS:
                flash(gettext("The process id '%(key)s' cannot be used as a key: use letters, digits, '_', '-' "
                              "or '.'.", key=key), "danger")
                return redirect(url_for("ProcessesView.list"))
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            flash(gettext("The file is not UTF-8 text."), "danger")
            return redirect(url_for("ProcessesView.list"))
        except EngineError as err:
            flash(gettext("The file cannot be used: %(msg)s", msg=err.message), "danger")
            return redirect(url_for("ProcessesView.list"))
        existing = drafts.get_draft(key)
        latest = definitions.latest_definition(key, required=False)
        if existing is not None and drafts.has_pending_changes(existing, latest) and not request.form.get("replace"):
            flash(gettext("'%(key)s' has a draft with changes that are not deployed (saved by %(who)s). Tick "
                          "\"Replace the draft\" to replace it with the uploaded file.",
                          key=key, who=user_label(existing.saved_by)), "warning")
            return redirect(url_for("ProcessesView.list"))
        try:
            drafts.save_draft(key, text, existing.rev if existing else 0, current_actor())
        except EngineError as err:
            flash(err.message, "danger")
            return redirect(url_for("ProcessesView.list"))
        flash(gettext("Uploaded %(file)s as the draft of '%(key)s'. Validate and deploy it here.",
                      file=file.filename, key=key), "success")
        return redirect(url_for("EditorView.edit", key=key))
