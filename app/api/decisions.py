"""/api/v1/decisions: list, versions, validate, deploy, download and diff DMN decisions, and evaluate one."""
from __future__ import annotations

from flask import Response
from flask_appbuilder.api import expose, protect
from flask_babel import gettext

from app.api.base import (
    KEY_PARAM, EngineApi, actor, check_key, expensive_limit, load_body, load_query, page, slice_page, versions_page,
    with_snippets, xml_body, xml_upload,
)
from app.api.decision_schemas import (
    DecisionDeploymentSchema,
    DecisionPageSchema,
    DecisionResultSchema,
    DecisionSchema,
    DecisionValidationSchema,
    DiffQuerySchema,
    DiffSchema,
    EvaluateBodySchema,
)
from app.api.schemas import PageQuerySchema, VersionQuerySchema, shared
from app.engine import decisions
from app.engine.errors import Invalid
from app.extensions import limiter

DMN_BODY = xml_body("the DMN 1.3 XML")
_doc = with_snippets(key=KEY_PARAM)


def _upload() -> bytes:
    return xml_upload("DMN", "decision.dmn")[0]


def decision_dict(row, *, detail: bool = False) -> dict:
    out = {"id": row.id, "key": row.key, "name": row.name, "version": row.version, "hit_policy": row.hit_policy,
           "checksum": row.checksum, "source": row.source, "deployed_at": row.deployed_at,
           "deployed_by": row.deployed_by.username if row.deployed_by is not None else None}
    if detail:
        table = decisions.table_of(row)
        out["inputs"] = [{"id": c.id, "label": c.label, "name": c.cell.text.strip() if c.cell else c.name,
                          "type_ref": c.type_ref, "translations": c.translations} for c in table.inputs]
        out["outputs"] = [{"id": c.id, "label": c.label, "name": c.name, "type_ref": c.type_ref,
                           "translations": c.translations} for c in table.outputs]
        out["rules"] = len(table.rules)
        out["translations"] = table.translations
    return out


class DecisionsApi(EngineApi):
    resource_name = "decisions"
    class_permission_name = "ProcessDefinition"  # who may read, validate and deploy processes does the same here
    method_permission_name = {"get_list": "read", "get": "read", "versions": "read", "download": "download",
                              "diff": "read", "evaluate": "read", "validate": "validate", "deploy": "deploy"}
    openapi_spec_tag = "Decisions"
    openapi_spec_methods = {"validate": {"post": {"requestBody": DMN_BODY}},
                            "deploy": {"post": {"requestBody": DMN_BODY}}}
    error_codes = {"validate": ["429"], "deploy": ["409", "429"], "evaluate": ["429"]}

    @expose("/", methods=["GET"])
    @protect()
    def get_list(self):
        """The latest version of every deployed decision.
        ---
        get:
          operationId: listDecisions
          parameters:
          - in: query
            schema: PageQuerySchema
          responses:
            200:
              description: a page of decisions
              content:
                application/json:
                  schema: DecisionPageSchema
        """
        args = load_query(PageQuerySchema())
        rows, total = slice_page(decisions.list_decisions(), args)
        return self.response(200, **shared(DecisionPageSchema).dump(page(map(decision_dict, rows), total, args)))

    @expose("/<process_key:key>", methods=["GET"])
    @protect()
    @_doc
    def get(self, key: str):
        """One decision (the latest version, or ?version=) with its input and output columns.
        ---
        get:
          operationId: getDecision
          parameters:{key}
          - in: query
            schema: VersionQuerySchema
          responses:
            200:
              description: the decision
              content:
                application/json:
                  schema: DecisionSchema
        """
        version = load_query(VersionQuerySchema()).get("version")
        row = decisions.get(check_key(key, "Decision"), version)
        return self.response(200, **shared(DecisionSchema).dump(decision_dict(row, detail=True)))

    @expose("/<process_key:key>/versions", methods=["GET"])
    @protect()
    @_doc
    def versions(self, key: str):
        """Every deployed version of a decision, newest first.
        ---
        get:
          operationId: listDecisionVersions
          parameters:{key}
          - in: query
            schema: PageQuerySchema
          responses:
            200:
              description: a page of versions
              content:
                application/json:
                  schema: DecisionPageSchema
        """
        return self.response(200, **versions_page(key, "decision", decisions.versions, decision_dict,
                                                  DecisionPageSchema()))

    @expose("/<process_key:key>/xml", methods=["GET"])
    @protect()
    @_doc
    def download(self, key: str):
        """Download the DMN file of a version (the latest unless ?version=), exactly as deployed.
        ---
        get:
          operationId: downloadDecisionXml
          parameters:{key}
          - in: query
            schema: VersionQuerySchema
          responses:
            200:
              description: the DMN XML as deployed
              content:
                application/xml:
                  schema: {type: string}
        """
        version = load_query(VersionQuerySchema()).get("version")
        filename, xml = decisions.download(check_key(key, "Decision"), version)
        return Response(xml, mimetype="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @expose("/<process_key:key>/diff", methods=["GET"])
    @protect()
    @_doc
    def diff(self, key: str):
        """Rules added, removed and changed between two versions (?old=1&new=2).
        ---
        get:
          operationId: diffDecisionVersions
          parameters:{key}
          - in: query
            schema: DiffQuerySchema
          responses:
            200:
              description: the changes, rule by rule
              content:
                application/json:
                  schema: DiffSchema
        """
        args = load_query(DiffQuerySchema())
        body = decisions.diff_versions(check_key(key, "Decision"), args["old"], args["new"])
        return self.response(200, **shared(DiffSchema).dump(body))

    @expose("/<process_key:key>/evaluate", methods=["POST"])
    @protect()
    @limiter.limit(expensive_limit)
    @_doc
    def evaluate(self, key: str):
        """Evaluate a decision with these inputs: its outputs and the rules that matched.
        ---
        post:
          operationId: evaluateDecision
          parameters:{key}
          requestBody:
            required: true
            content:
              application/json:
                schema: EvaluateBodySchema
          responses:
            200:
              description: the result (outputs is empty when no rule matches)
              content:
                application/json:
                  schema: DecisionResultSchema
        """
        body = load_body(shared(EvaluateBodySchema))
        key = check_key(key, "Decision")
        result = decisions.evaluate(key, body["inputs"], body.get("version"))
        return self.response(200, **shared(DecisionResultSchema).dump(result.to_dict()))

    @expose("/validate", methods=["POST"])
    @protect()
    @limiter.limit(expensive_limit)
    def validate(self):
        """Check a DMN file without deploying it: 200 with warnings, or 422 with every located problem.
        ---
        post:
          operationId: validateDecision
          responses:
            200:
              description: deployable (problems holds warnings only)
              content:
                application/json:
                  schema: DecisionValidationSchema
        """
        problems = decisions.validate(_upload())
        if any(p.is_error for p in problems):
            raise Invalid(gettext("%(n)s problem(s) prevent deployment.", n=sum(p.is_error for p in problems)),
                          problems=[p.to_dict() for p in problems])
        return self.response(200, **shared(DecisionValidationSchema).dump({"valid": True,
                                                                           "problems": [p.to_dict() for p in problems]}))

    @expose("/", methods=["POST"])
    @protect()
    @limiter.limit(expensive_limit)
    def deploy(self):
        """Deploy a DMN file: a new version of each decision in it (the same file again changes nothing).
        ---
        post:
          operationId: deployDecision
          responses:
            200:
              description: the same file is already deployed; nothing changed
              content:
                application/json:
                  schema: DecisionDeploymentSchema
            201:
              description: deployed as new versions
              content:
                application/json:
                  schema: DecisionDeploymentSchema
        """
        result = decisions.deploy(_upload(), actor=actor(), source="api")
        body = {"created": result.created, "decisions": [decision_dict(r) for r in result.decisions],
                "warnings": [p.to_dict() for p in result.warnings]}
        return self.response(201 if result.created else 200, **shared(DecisionDeploymentSchema).dump(body))
