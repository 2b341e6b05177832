"""/api/v1/definitions: list, versions, validate, deploy, download BPMN XML."""
from __future__ import annotations

from flask import Response
from flask_appbuilder.api import expose, protect
from flask_babel import gettext

from app.api.base import (
    KEY_PARAM, EngineApi, actor, links_to, check_key, expensive_limit, load_query, page, slice_page, versions_page,
    with_snippets, xml_body,
    xml_upload,
)
from app.api.schemas import (
    DefinitionPageSchema,
    DefinitionSchema,
    DeploymentSchema,
    PageQuerySchema,
    ValidationResultSchema,
    VersionQuerySchema,
    shared,
)
from app.api.serialize import definition_dict
from app.engine import definitions
from app.engine.bpmn import errors_only
from app.engine.errors import Invalid
from app.extensions import limiter

XML_BODY = xml_body("the BPMN 2.0 XML")
_doc = with_snippets(key=KEY_PARAM)


def _upload() -> tuple[bytes, str]:
    """The diagram from the raw body (XML) or from a multipart upload (field ``file``)."""
    return xml_upload("BPMN", "diagram.bpmn")


def _requested_version(key: str):
    """The version named by ?version=, or the latest."""
    version = load_query(VersionQuerySchema()).get("version")
    return definitions.get_definition(check_key(key), version)


class DefinitionsApi(EngineApi):
    resource_name = "definitions"
    class_permission_name = "ProcessDefinition"
    method_permission_name = {"get_list": "read", "get": "read", "versions": "read", "download": "download",
                              "validate": "validate", "deploy": "deploy"}
    openapi_spec_tag = "Process definitions"
    openapi_spec_methods = {"validate": {"post": {"requestBody": XML_BODY}},
                            "deploy": {"post": {"requestBody": XML_BODY}}}
    error_codes = {"validate": ["429"], "deploy": ["409", "429"]}
    response_links = {"get_list": {"200": links_to("$response.body#/items/0/key", "getDefinition",
                                                   "listDefinitionVersions", "downloadDefinitionXml", param="key")}}

    @expose("/", methods=["GET"])
    @protect()
    def get_list(self):
        """The latest version of every deployed process.
        ---
        get:
          operationId: listDefinitions
          parameters:
          - in: query
            schema: PageQuerySchema
          responses:
            200:
              description: a page of definitions
              content:
                application/json:
                  schema: DefinitionPageSchema
        """
        args = load_query(PageQuerySchema())
        rows, total = slice_page(definitions.list_definitions(), args)
        items = [definition_dict(r["definition"], r["running"]) for r in rows]
        return self.response(200, **shared(DefinitionPageSchema).dump(page(items, total, args)))

    @expose("/<process_key:key>", methods=["GET"])
    @protect()
    @_doc
    def get(self, key: str):
        """One process definition (the latest version, or ?version=), with its start form.
        ---
        get:
          operationId: getDefinition
          parameters:{key}
          - in: query
            schema: VersionQuerySchema
          responses:
            200:
              description: the definition
              content:
                application/json:
                  schema: DefinitionSchema
        """
        definition = _requested_version(key)
        return self.response(200, **shared(DefinitionSchema).dump(definition_dict(definition, detail=True)))

    @expose("/<process_key:key>/versions", methods=["GET"])
    @protect()
    @_doc
    def versions(self, key: str):
        """Every deployed version of a process, newest first.
        ---
        get:
          operationId: listDefinitionVersions
          parameters:{key}
          - in: query
            schema: PageQuerySchema
          responses:
            200:
              description: a page of versions
              content:
                application/json:
                  schema: DefinitionPageSchema
        """
        return self.response(200, **versions_page(key, "process", definitions.list_versions, definition_dict,
                                                  DefinitionPageSchema()))

    @expose("/<process_key:key>/xml", methods=["GET"])
    @protect()
    @_doc
    def download(self, key: str):
        """Download the BPMN XML of a version (the latest unless ?version=).
        ---
        get:
          operationId: downloadDefinitionXml
          parameters:{key}
          - in: query
            schema: VersionQuerySchema
          responses:
            200:
              description: the BPMN XML as deployed
              content:
                application/xml:
                  schema: {type: string}
        """
        d = _requested_version(key)
        return Response(d.bpmn_xml, mimetype="application/xml", headers={
            "Content-Disposition": f'attachment; filename="{d.key}-v{d.version}.bpmn"'})

    @expose("/validate", methods=["POST"])
    @protect()
    @limiter.limit(expensive_limit)
    def validate(self):
        """Check a diagram without deploying it: 200 with warnings, or 422 with every located problem.
        ---
        post:
          operationId: validateDefinition
          responses:
            200:
              description: deployable (problems holds warnings only)
              content:
                application/json:
                  schema: ValidationResultSchema
        """
        xml, filename = _upload()
        problems = definitions.validate(xml, filename=filename)
        errors = errors_only(problems)
        if errors:
            raise Invalid(gettext("%(n)s problem(s) prevent deployment.", n=len(errors)),
                          problems=[p.to_dict() for p in problems])
        body = {"valid": True, "problems": [p.to_dict() for p in problems]}
        return self.response(200, **shared(ValidationResultSchema).dump(body))

    @expose("/", methods=["POST"])
    @protect()
    @limiter.limit(expensive_limit)
    def deploy(self):
        """Deploy a diagram as a new version (identical XML to the latest version changes nothing).
        ---
        post:
          operationId: deployDefinition
          responses:
            200:
              description: identical to the latest version; nothing deployed
              content:
                application/json:
                  schema: DeploymentSchema
            201:
              description: deployed as a new version
              content:
                application/json:
                  schema: DeploymentSchema
        """
        xml, filename = _upload()
        result = definitions.deploy(xml, actor=actor(), source="api", filename=filename)
        body = {"created": result.created, "definition": definition_dict(result.definition, detail=True)}
        return self.response(201 if result.created else 200, **shared(DeploymentSchema).dump(body))
