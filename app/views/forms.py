"""The Forms pages: the deployed Camunda Forms (form-js JSON) and the form builder (form-js's editor,
assets/form-builder.js) with validate, deploy and "convert a task's generated form". Process owners
and admins (``can_write`` on ProcessDefinition) build and deploy; readers of process design list."""
from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import get_locale, gettext

from app.engine import content, definitions, form_defs, formjs
from app.engine.bpmn import i18n
from app.engine.errors import Invalid
from app.records.timefmt import fmt_local
from app.views.definitions import current_actor, user_label
from app.views.editor import json_errors
from app.views.presentation import process_name, reader_lang


def convertible_forms() -> list[dict]:
    """The generated (camunda:formData) forms of the deployed processes, which the builder converts."""
    return [{"process": d.key, "element": element,
             "label": f"{process_name(d)} · " + (name if element else gettext("Start form"))}
            for d, element, name in definitions.generated_forms()]


def _converted(process: str, element: str) -> dict:
    """Named as its process, in the default language and (where the diagram translates it) in English."""
    definition, fields = definitions.generated_form_fields(process, element)
    english = content.process_name(definition.key, "en", definition.name)
    return formjs.from_fields(fields, f"{process}_{element or 'start'}"[:100], definition.name,
                              {i18n.key("name", "en"): english} if english != definition.name else None)


def _body_schema() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("schema"), dict):
        raise Invalid("Send the form as a JSON object {\"schema\": ...}.")
    return data["schema"]


def form_name(form) -> str:
    return form_defs.name_in(form, reader_lang())


def form_choices() -> list[dict]:
    """The deployed forms for the BPMN editor's formRef picker: key, name in the reader's language and
    the versions (newest first), which the binding "version" names."""
    versions: dict[str, list[int]] = {}
    for key, version in form_defs.key_versions():
        versions.setdefault(key, []).append(version)
    return [{"key": f.key, "name": form_name(f), "version": f.version, "versions": versions.get(f.key, [])}
            for f in form_defs.list_forms()]


def builder_i18n() -> dict:
    return {
        "validating": gettext("Validating…"), "valid": gettext("No problems found: the form can be deployed."),
        "problems": gettext("{n} problem(s) prevent deployment of the form."),
        "deploying": gettext("Deploying…"), "deployed": gettext("Deployed as version {version}."),
        "unchanged": gettext("Nothing changed since version {version}: no new version was created."),
        "failed": gettext("The request failed."), "english": gettext("English"), "field": gettext("Field"),
        "option": gettext("Option"), "help": gettext("Help text"), "no_fields": gettext("No fields yet."),
        "key_needed": gettext("Give the form an id first."),
        "confirm_convert": gettext("Replace the form being built with the converted one?"),
    }


class FormsView(BaseView):
    route_base = "/forms"
    default_view = "list"
    class_permission_name = "ProcessDefinition"
    method_permission_name = {"list": "read", "edit": "write", "api_validate": "write", "api_deploy": "write",
                              "api_convert": "write", "api_choices": "read"}

    @expose("/")
    @has_access
    def list(self):
        counts: dict[str, int] = {}
        for key, _version in form_defs.key_versions():
            counts[key] = counts.get(key, 0) + 1
        rows = [{"form": f, "versions": counts.get(f.key, 1)} for f in form_defs.list_forms()]
        return self.render_template("forms/list.html", rows=rows, fmt_local=fmt_local, user_label=user_label,
                                    form_name=form_name,
                                    can_write=bool(self.appbuilder.sm.has_access("can_write", "ProcessDefinition")))

    @expose("/build/")
    @expose("/build/<key>")
    @has_access
    def edit(self, key: str | None = None):
        form = form_defs.latest_form(key[:100], required=False) if key else None
        if key and form is None:
            abort(404)
        config = {
            "key": key or "", "locale": str(get_locale() or "zh"),
            "schema": form_defs.schema_of(form) if form else None,
            "convertible": convertible_forms(),
            "urls": {"validate": url_for("FormsView.api_validate"), "deploy": url_for("FormsView.api_deploy"),
                     "convert": url_for("FormsView.api_convert"), "list": url_for("FormsView.list")},
            "i18n": builder_i18n(),
        }
        versions = form_defs.list_versions(form.key) if form else []
        return self.render_template("forms/edit.html", form=form, versions=versions, config=config,
                                    fmt_local=fmt_local, user_label=user_label, form_name=form_name)

    @expose("/api/validate", methods=["POST"])
    @has_access_api
    @json_errors
    def api_validate(self):
        problems = form_defs.validate(_body_schema())
        return jsonify({"problems": problems, "errors": len(problems)})

    @expose("/api/deploy", methods=["POST"])
    @has_access_api
    @json_errors
    def api_deploy(self):
        result = form_defs.deploy(_body_schema(), actor=current_actor(), source="editor")
        return jsonify({"key": result.form.key, "version": result.form.version, "created": result.created,
                        "url": url_for("FormsView.edit", key=result.form.key)})

    @expose("/api/convert")
    @has_access_api
    @json_errors
    def api_convert(self):
        """A form-js schema made from a deployed process's generated form (task, or start form)."""
        return jsonify({"schema": _converted(request.args.get("process", ""), request.args.get("element", ""))})

    @expose("/api/choices")
    @has_access_api
    @json_errors
    def api_choices(self):
        """The deployed forms a diagram's camunda:formRef can name (the BPMN editor's picker)."""
        return jsonify({"forms": form_choices()})
