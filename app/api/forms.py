"""/api/v1/forms: Camunda Forms (form-js JSON) deployed beside the diagrams: list, versions, validate,
deploy. A form's ``fields`` is the same field model (JSON schema) as a task's form."""
from __future__ import annotations

from flask_appbuilder.api import expose, protect
from marshmallow import INCLUDE, Schema, fields, validate

from app.api.base import EngineApi, actor, check_key, expensive_limit, load_body, load_query, page, slice_page, \
    versions_page, with_snippets
from app.api.schemas import PageQuerySchema, PageSchema, ProblemSchema, VersionQuerySchema, shared
from app.engine import form_defs
from app.engine.errors import Invalid
from app.engine.forms import form_schema
from app.extensions import limiter
from app.lang import reader_lang

FORM_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["id", "components"], "description": "a form-js (Camunda Forms) schema",
    "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 100},
                   "name": {"type": "string", "maxLength": 200, "description": "in the site's default language"},
                   "properties": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": 'custom properties; "i18n:name:en": the name in English'},
                   "components": {"type": "array", "items": {"type": "object"}}}}}}}
_doc = with_snippets(key="""
          - in: path
            name: key
            required: true
            schema: {type: string}""")


class FormJsBodySchema(Schema):
    """The body is the form as the builder saves it; the repository checks every part of it."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(validate=validate.Length(max=200))
    components = fields.List(fields.Dict(), required=True)


class FormDefinitionSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "in the reader's language (the default "
                                                                  "language's name where untranslated)"})
    version = fields.Integer(required=True)
    checksum = fields.String(required=True)
    source = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(allow_none=True)
    fields_schema = fields.Dict(data_key="fields", metadata={"description": "JSON schema of the fields, as a task's"})
    schema = fields.Dict(metadata={"description": "the form-js JSON (detail only)"})


class FormPageSchema(PageSchema):
    items = fields.List(fields.Nested(FormDefinitionSchema), required=True)


class FormValidationSchema(Schema):
    valid = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


class FormDeploymentSchema(Schema):
    created = fields.Boolean(required=True, metadata={"description": "false: identical to the latest version"})
    form = fields.Nested(FormDefinitionSchema, required=True)


def form_dict(form, detail: bool = False) -> dict:
    out = {"id": form.id, "key": form.key, "name": form_defs.name_in(form, reader_lang()), "version": form.version,
           "checksum": form.checksum,
           "source": form.source, "deployed_at": form.deployed_at,
           "deployed_by": form.deployed_by.username if form.deployed_by else None,
           "fields_schema": form_schema(form_defs.fields_of(form))}
    if detail:
        out["schema"] = form_defs.schema_of(form)
    return out


class FormsApi(EngineApi):
    resource_name = "forms"
    class_permission_name = "ProcessDefinition"  # forms are deployed by whoever deploys diagrams
    method_permission_name = {"get_list": "read", "get": "read", "versions": "read", "validate": "validate",
                              "deploy": "deploy"}
    openapi_spec_tag = "Forms"
    openapi_spec_methods = {"validate": {"post": {"requestBody": FORM_BODY}},
                            "deploy": {"post": {"requestBody": FORM_BODY}}}
    error_codes = {"validate": ["429"], "deploy": ["409", "429"]}

    @expose("/", methods=["GET"])
    @protect()
    def get_list(self):
        """The latest version of every deployed form.
        ---
        get:
          operationId: listForms
          parameters:
          - in: query
            schema: PageQuerySchema
          responses:
            200:
              description: a page of forms
              content:
                application/json:
                  schema: FormPageSchema
        """
        args = load_query(PageQuerySchema())
        rows, total = slice_page(form_defs.list_forms(), args)
        return self.response(200, **shared(FormPageSchema).dump(page(map(form_dict, rows), total, args)))

    @expose("/<process_key:key>", methods=["GET"])
    @protect()
    @_doc
    def get(self, key: str):
        """One form (the latest version, or ?version=) with its form-js JSON and its fields.
        ---
        get:
          operationId: getForm
          parameters:{key}
          - in: query
            schema: VersionQuerySchema
          responses:
            200:
              description: the form
              content:
                application/json:
                  schema: FormDefinitionSchema
        """
        version = load_query(VersionQuerySchema()).get("version")
        form = form_defs.get_form(check_key(key, "Form"), version)
        return self.response(200, **shared(FormDefinitionSchema).dump(form_dict(form, detail=True)))

    @expose("/<process_key:key>/versions", methods=["GET"])
    @protect()
    @_doc
    def versions(self, key: str):
        """Every deployed version of a form, newest first.
        ---
        get:
          operationId: listFormVersions
          parameters:{key}
          - in: query
            schema: PageQuerySchema
          responses:
            200:
              description: a page of versions
              content:
                application/json:
                  schema: FormPageSchema
        """
        return self.response(200, **versions_page(key, "form", form_defs.list_versions, form_dict, FormPageSchema()))

    @expose("/validate", methods=["POST"])
    @protect()
    @limiter.limit(expensive_limit)
    def validate(self):
        """Check a form without deploying it: 200, or 422 with every problem located (form key, component).
        ---
        post:
          operationId: validateForm
          responses:
            200:
              description: deployable
              content:
                application/json:
                  schema: FormValidationSchema
        """
        problems = form_defs.validate(load_body(shared(FormJsBodySchema)))
        if problems:
            raise Invalid(f"{len(problems)} problem(s) prevent deployment of the form.", problems=problems)
        return self.response(200, **shared(FormValidationSchema).dump({"valid": True, "problems": []}))

    @expose("/", methods=["POST"])
    @protect()
    @limiter.limit(expensive_limit)
    def deploy(self):
        """Deploy a form as a new version (the same JSON as the latest version changes nothing).
        ---
        post:
          operationId: deployForm
          responses:
            200:
              description: identical to the latest version; nothing deployed
              content:
                application/json:
                  schema: FormDeploymentSchema
            201:
              description: deployed as a new version
              content:
                application/json:
                  schema: FormDeploymentSchema
        """
        result = form_defs.deploy(load_body(shared(FormJsBodySchema)), actor=actor(), source="api")
        body = {"created": result.created, "form": form_dict(result.form, detail=True)}
        return self.response(201 if result.created else 200, **shared(FormDeploymentSchema).dump(body))
