"""The in-browser BPMN editor (bpmn-js + Camunda 7 properties panel) and its
JSON endpoints: load/save the draft (compare-and-set on its rev), validate,
deploy; and the migration of running instances to a new version.

Every page and endpoint of the editor needs ``can_write`` on ProcessDefinition
(process owners and admins). Migration needs ``can_migrate`` on ProcessInstance
(supervisors, process owners, admins). The page sends the CSRF token of
``<meta name="csrf-token">`` as ``X-CSRFToken``.
"""
from __future__ import annotations

from functools import wraps

from flask import Response, abort, current_app, jsonify, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import get_locale, gettext

from app.engine import definitions, drafts, migration
from app.engine.errors import EngineError, Invalid, NotFound
from app.records.timefmt import fmt_local
from app.views.definitions import current_actor, role_names, version_dict, versions_and_draft
from app.views.presentation import process_name

AUTOSAVE_MS = 30_000


def draft_info(draft) -> dict:
    """rev, saved_by, saved_at of a draft, with the time in the app's time zone for display."""
    return _localized(drafts.describe(draft))


def _localized(info: dict) -> dict:
    if info.get("saved_at"):
        from datetime import datetime

        info = {**info, "saved_at_local": fmt_local(datetime.fromisoformat(info["saved_at"]))}
    return info


def json_errors(fn):
    """Engine errors become JSON with their HTTP status (409 conflict, 422 invalid, ...)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EngineError as err:
            from app.extensions import db

            db.session.rollback()
            resp = jsonify(_localized(err.to_dict()))
            resp.status_code = err.http_status
            return resp

    return wrapper


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("Send a JSON object.")
    return data


def _xml_from(data: dict) -> str:
    xml = data.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise Invalid("The request has no diagram (xml).", fields={"xml": "required"})
    if len(xml.encode("utf-8")) > drafts.MAX_BYTES:
        raise Invalid("The diagram is too large.", fields={"xml": "too large"})
    return xml


def _base_rev(data: dict) -> int:
    try:
        return int(data.get("base_rev") or 0)
    except (TypeError, ValueError):
        raise Invalid("base_rev must be a number.", fields={"base_rev": "number expected"}) from None


def _problems(items) -> list[dict]:
    return [p.to_dict() if hasattr(p, "to_dict") else dict(p) for p in items]


def editor_i18n() -> dict:
    return {
        "saved_by": gettext("Draft saved by {who} at {when} (revision {rev})."),
        "not_saved_yet": gettext("No draft saved yet."),
        "editing_version": gettext("Editing a copy of version {version}; the first save creates the draft."),
        "unsaved": gettext("Unsaved changes (autosave every 30 s)."),
        "saving": gettext("Saving…"),
        "save_failed": gettext("The draft could not be saved."),
        "load_failed": gettext("The diagram could not be loaded."),
        "conflict": gettext("{who} saved a newer draft at {when} (revision {rev}). Your changes were NOT saved."),
        "not_saved_conflict": gettext("Not saved: someone else saved a newer draft."),
        "confirm_discard": gettext("Discard your unsaved changes and load the newer draft?"),
        "confirm_overwrite": gettext("Replace the other person's newer draft with your version?"),
        "validating": gettext("Validating…"),
        "validate_failed": gettext("Validation failed."),
        "valid": gettext("No problems found: the diagram can be deployed."),
        "problems_found": gettext("{errors} error(s), {warnings} warning(s)"),
        "error": gettext("Error"),
        "warning": gettext("Warning"),
        "diagram": gettext("Diagram"),
        "confirm_deploy": gettext("Deploy this diagram as a new version? New instances will use it."),
        "deploying": gettext("Deploying…"),
        "deployed": gettext("Deployed as version {version}."),
        "unchanged": gettext("Nothing changed since version {version}: no new version was created."),
        "deploy_failed": gettext("Deployment failed."),
        "migrate_hint": gettext("{n} running instance(s) are on older versions: preview their migration."),
        "download": gettext("Download"),
        "no_versions": gettext("Not deployed yet."),
        "deployed_no_draft": gettext("Deployed; the draft is cleared (the next change starts a new one)."),
        "import_failed": gettext("The diagram cannot be drawn: {message}"),
        "auto_layout": gettext("This file had no layout for {names}: it was laid out automatically. "
                               "Check it and save the draft to keep the layout."),
        "separated": gettext("{names} had no pool in the diagram: each is shown as a diagram of its own "
                             "(choose it under \"Diagram\")."),
        "lint_badge": gettext("{errors} errors, {warnings} warnings"),
        "lint_ok": gettext("No problems"),
        "confirm_import": gettext("Import a file and leave your unsaved changes?"),
    }


def deploy_refusal(err: Invalid, draft) -> Response:
    """A refused deploy as JSON: the located problems and the draft's rev (0: "no changes" cleared it)."""
    body = {**err.to_dict(), **draft_info(draft)}
    body["problems"] = _problems(err.details.get("problems", []))
    if err.code == drafts.NoChanges.code:
        version = err.details["version"]
        body["message"] = gettext("No changes since version %(version)s: nothing to deploy.", version=version)
        for p in body["problems"]:
            p["message"] = gettext("The diagram is the same as version %(version)s.", version=version)
            p["hint"] = gettext("Change something before deploying, or keep using the current version.")
    resp = jsonify(body)
    resp.status_code = err.http_status
    return resp


class EditorView(BaseView):
    route_base = "/processes/editor"
    default_view = "edit"
    class_permission_name = "ProcessDefinition"
    method_permission_name = {
        "edit": "write", "api_draft": "write", "api_save": "write", "api_validate": "write",
        "api_deploy": "write", "discard": "write", "download_draft": "write",
    }

    @expose("/<key>")
    @has_access
    def edit(self, key: str):
        versions, draft = versions_and_draft(key)
        config = {
            "key": key,
            "locale": str(get_locale() or "zh"),
            "autosave_ms": int(current_app.config.get("EDITOR_AUTOSAVE_MS", AUTOSAVE_MS)),
            "urls": {
                "draft": url_for("EditorView.api_draft", key=key),
                "save": url_for("EditorView.api_save", key=key),
                "validate": url_for("EditorView.api_validate"),
                "deploy": url_for("EditorView.api_deploy", key=key),
                "versions": url_for("ProcessesView.versions", key=key),
                "forms": url_for("FormsView.api_choices"),  # the formRef picker's deployed forms
            },
            "i18n": editor_i18n(),
        }
        return self.render_template("editor/edit.html", key=key, name=process_name(draft if draft else versions[0]),
                                    versions=[version_dict(v) for v in versions], roles=role_names(),
                                    config=config)

    @expose("/api/<key>/draft", methods=["GET"])
    @has_access_api
    @json_errors
    def api_draft(self, key: str):
        """The XML to edit: the draft if there is one, else the latest version (rev 0)."""
        draft = drafts.get_draft(key)
        latest = definitions.latest_definition(key, required=False)
        if draft is not None:
            return jsonify({"key": key, "xml": draft.bpmn_xml, "source": "draft",
                            "version": latest.version if latest else None, **draft_info(draft)})
        if latest is None:
            raise NotFound(f"Process '{key}' does not exist.", key=key)
        return jsonify({"key": key, "xml": latest.bpmn_xml, "source": "version", "version": latest.version,
                        **draft_info(None)})

    @expose("/api/<key>/draft", methods=["POST"])
    @has_access_api
    @json_errors
    def api_save(self, key: str):
        data = _json_body()
        draft = drafts.save_draft(key, _xml_from(data), _base_rev(data), current_actor())
        return jsonify({"key": key, **draft_info(draft)})

    @expose("/api/validate", methods=["POST"])
    @has_access_api
    @json_errors
    def api_validate(self):
        xml = _xml_from(_json_body())
        problems = _problems(definitions.validate(xml))
        return jsonify({"problems": problems, "errors": sum(1 for p in problems if p["severity"] == "error")})

    @expose("/api/<key>/deploy", methods=["POST"])
    @has_access_api
    @json_errors
    def api_deploy(self, key: str):
        """Save the editor's XML as the draft (compare-and-set), then deploy it; the draft is
        cleared by a deployment and by a refusal for "no changes" (rev 0 in the answer)."""
        data = _json_body()
        try:
            deployment = drafts.deploy_draft(key, _xml_from(data), _base_rev(data), current_actor())
        except drafts.DraftConflict:
            raise
        except Invalid as err:
            return deploy_refusal(err, drafts.get_draft(key))
        d = deployment.definition
        running_other = sum(n for version_id, n in definitions.running_by_version(key).items() if version_id != d.id)
        return jsonify({"key": key, "version": d.version, "created": deployment.created, **draft_info(None),
                        "running_other": running_other,
                        "versions": [version_dict(v) for v in definitions.list_versions(key)]})

    @expose("/<key>/discard", methods=["POST"])
    @has_access
    def discard(self, key: str):
        from flask import flash, redirect

        drafts.discard_draft(key, current_actor())
        flash(gettext("The draft of '%(key)s' was discarded.", key=key), "info")
        return redirect(url_for("ProcessesView.list"))

    @expose("/<key>/draft.bpmn")
    @has_access
    def download_draft(self, key: str):
        draft = drafts.get_draft(key)
        if draft is None:
            abort(404)
        return Response(draft.bpmn_xml, mimetype="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{key}_draft.bpmn"'})


class MigrationView(BaseView):
    """Preview and run the migration of running instances (supervisors, process owners, admins)."""

    route_base = "/processes/migration"
    class_permission_name = "ProcessInstance"
    method_permission_name = {"api_preview": "migrate", "api_migrate": "migrate"}

    @expose("/api/<key>/preview", methods=["POST"])
    @has_access_api
    @json_errors
    def api_preview(self, key: str):
        data = _json_body()
        return jsonify(migration.preview(key, actor=current_actor(), target_version=data.get("target_version")))

    @expose("/api/<key>/migrate", methods=["POST"])
    @has_access_api
    @json_errors
    def api_migrate(self, key: str):
        data = _json_body()
        return jsonify(migration.migrate(key, actor=current_actor(), target_version=data.get("target_version"),
                                         instance_ids=data.get("instance_ids")))


def register_editor_views(appbuilder) -> None:
    """Menu "Process design" → "Processes"; the editor and migration have no menu entry."""
    from flask_babel import lazy_gettext as _l

    from app.views.definitions import ProcessesView

    appbuilder.add_view(ProcessesView, "Processes", label=_l("Processes"), icon="fa-sitemap",
                        category="Process design", category_label=_l("Process design"),
                        category_icon="fa-code-fork")
    appbuilder.add_view_no_menu(EditorView)
    appbuilder.add_view_no_menu(MigrationView)
    from app.views.forms import FormsView  # Camunda Forms: the list and the form builder (linked from Processes)

    appbuilder.add_view_no_menu(FormsView)
