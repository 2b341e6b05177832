"""The in-browser decision table editor (dmn-js) and its JSON endpoints: load/save the draft
(compare-and-set, app/engine/drafts.py with kind DMN), validate, deploy, and "test this decision"
(the editor's current XML evaluated by app/engine/decisions.py, the engine the processes use).

Every page and endpoint needs ``can_write`` on ProcessDefinition (process owners and admins),
like the process editor; JSON posts carry the page's CSRF token as ``X-CSRFToken``.
"""
from __future__ import annotations

from flask import Response, abort, current_app, jsonify, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import get_locale, gettext

from app.engine import decision_drafts, decisions, drafts
from app.engine.decision_drafts import DMN
from app.engine.errors import Invalid, NotFound
from app.views.decisions import decision_version_dict, name_of
from app.views.definitions import current_actor
from app.views.editor import (AUTOSAVE_MS, _base_rev, _json_body, _problems, _xml_from, deploy_refusal, draft_info,
                              editor_i18n, json_errors)


def decision_i18n() -> dict:
    return {
        **editor_i18n(),
        "valid": gettext("No problems found: the decision table can be deployed."),
        "confirm_deploy": gettext("Deploy this decision table as a new version? New process instances will use it."),
        "import_failed": gettext("The decision table cannot be shown: {message}"),
        "view_label": gettext("{type}: {name}"),
        "view_drd": gettext("Decision requirements"),
        "view_table": gettext("Decision table"),
        "view_literal": gettext("Literal expression"),
        "table": gettext("Decision table"),
        "rule_n": gettext("rule {n}"),
        "test_running": gettext("Evaluating…"),
        "test_failed": gettext("The decision could not be evaluated."),
        "test_matched": gettext("{n} rule(s) matched"),
        "test_no_match": gettext("No rule matched."),
        "test_result": gettext("Result"),
        "test_no_table": gettext("Choose a decision table to test it."),
        "tr_decision": gettext("Decision name"),
        "tr_input": gettext("Input column {n}"),
        "tr_output": gettext("Output column {n}"),
        "tr_as_written": gettext("As written: {text}"),
    }


def versions_of(key: str) -> list[dict]:
    return [decision_version_dict(v) for v in decisions.versions(key)]


class DecisionEditorView(BaseView):
    route_base = "/decisions/editor"
    default_view = "edit"
    class_permission_name = "ProcessDefinition"
    method_permission_name = {
        "edit": "write", "api_draft": "write", "api_save": "write", "api_validate": "write",
        "api_deploy": "write", "api_evaluate": "write", "discard": "write", "download_draft": "write",
    }

    @expose("/<key>")
    @has_access
    def edit(self, key: str):
        draft, versions = drafts.get_draft(key, DMN), decisions.versions(key)
        if draft is None and not versions:
            abort(404)
        config = {
            "key": key,
            "locale": str(get_locale() or "zh"),
            "autosave_ms": int(current_app.config.get("EDITOR_AUTOSAVE_MS", AUTOSAVE_MS)),
            "urls": {
                "draft": url_for("DecisionEditorView.api_draft", key=key),
                "save": url_for("DecisionEditorView.api_save", key=key),
                "validate": url_for("DecisionEditorView.api_validate"),
                "deploy": url_for("DecisionEditorView.api_deploy", key=key),
                "evaluate": url_for("DecisionEditorView.api_evaluate"),
            },
            "i18n": decision_i18n(),
        }
        return self.render_template("decisions/edit.html", key=key, name=name_of(key, draft or versions[0]),
                                    versions=versions_of(key), config=config)

    @expose("/api/<key>/draft", methods=["GET"])
    @has_access_api
    @json_errors
    def api_draft(self, key: str):
        """The XML to edit: the draft if there is one, else the latest version (rev 0)."""
        draft = drafts.get_draft(key, DMN)
        latest = DMN.latest(key)
        if draft is not None:
            return jsonify({"key": key, "xml": draft.bpmn_xml, "source": "draft",
                            "version": latest[0] if latest else None, **draft_info(draft)})
        if latest is None:
            raise NotFound(f"Decision '{key}' does not exist.", key=key)
        return jsonify({"key": key, "xml": latest[1], "source": "version", "version": latest[0],
                        **draft_info(None)})

    @expose("/api/<key>/draft", methods=["POST"])
    @has_access_api
    @json_errors
    def api_save(self, key: str):
        data = _json_body()
        draft = drafts.save_draft(key, _xml_from(data), _base_rev(data), current_actor(), kind=DMN)
        return jsonify({"key": key, **draft_info(draft)})

    @expose("/api/validate", methods=["POST"])
    @has_access_api
    @json_errors
    def api_validate(self):
        problems = _problems(decisions.validate(_xml_from(_json_body())))
        return jsonify({"problems": problems, "errors": sum(1 for p in problems if p["severity"] == "error")})

    @expose("/api/<key>/deploy", methods=["POST"])
    @has_access_api
    @json_errors
    def api_deploy(self, key: str):
        """Save the XML as the draft (compare-and-set), then deploy it; "no changes" is refused."""
        data = _json_body()
        try:
            deployment = drafts.deploy_draft(key, _xml_from(data), _base_rev(data), current_actor(), kind=DMN)
        except drafts.DraftConflict:
            raise
        except Invalid as err:
            return deploy_refusal(err, drafts.get_draft(key, DMN))
        row = next(d for d in deployment.decisions if d.key == key)
        return jsonify({"key": key, "version": row.version, "created": deployment.created, **draft_info(None),
                        "versions": versions_of(key)})

    @expose("/api/evaluate", methods=["POST"])
    @has_access_api
    @json_errors
    def api_evaluate(self):
        """Evaluate a decision of the editor's (undeployed) XML with the inputs typed in the test panel."""
        data = _json_body()
        decision_id = data.get("decision_id")
        if not isinstance(decision_id, str) or not decision_id:
            raise Invalid("Name the decision to test (decision_id).", fields={"decision_id": "required"})
        return jsonify(decision_drafts.test_decision(_xml_from(data), decision_id, data.get("inputs") or {}))

    @expose("/<key>/discard", methods=["POST"])
    @has_access
    def discard(self, key: str):
        from flask import flash

        drafts.discard_draft(key, current_actor(), DMN)
        flash(gettext("The draft of '%(key)s' was discarded.", key=key), "info")
        return redirect(url_for("DecisionsView.list"))

    @expose("/<key>/draft.dmn")
    @has_access
    def download_draft(self, key: str):
        draft = drafts.get_draft(key, DMN)
        if draft is None:
            abort(404)
        return Response(draft.bpmn_xml, mimetype="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{key}_draft.dmn"'})
