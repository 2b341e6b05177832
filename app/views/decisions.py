"""Process design → Decision tables: the list of decisions (deployed and drafts), a new table
from the blank template, the versions of a decision, downloads and the comparison of two
versions rule by rule (app/engine/decisions.py computes it; this only lays it out).

Every page needs ``can_write`` on ProcessDefinition: process owners and admins.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext

from app.engine import decision_drafts, decisions, drafts
from app.engine.decision_drafts import DMN
from app.engine.errors import EngineError, NotFound
from app.records.timefmt import fmt_local
from app.views.definitions import KEY_RE, RESERVED_KEYS, SOURCE_LABELS, current_actor, user_label
from app.views.presentation import reader_lang


def name_of(key: str, row_or_draft) -> str:
    """A deployed version's or a draft's decision name in the reader's language."""
    xml = getattr(row_or_draft, "dmn_xml", None) or getattr(row_or_draft, "bpmn_xml", None)
    return decision_drafts.decision_name(key, xml, row_or_draft.name, reader_lang())

def decision_version_dict(d) -> dict:
    return {
        "version": d.version, "deployed_by": user_label(d.deployed_by),
        "deployed_at": d.deployed_at.isoformat() if d.deployed_at else None,
        "deployed_at_local": fmt_local(d.deployed_at), "hit_policy": d.hit_policy,
        "source": d.source, "source_label": str(SOURCE_LABELS.get(d.source, d.source)),
        "download_url": url_for("DecisionsView.download", key=d.key, version=d.version),
    }


def _columns(rows: list[dict]) -> list[str]:
    """The diff's cell columns in table order: inputs, outputs, then the description."""
    seen: dict[str, None] = {}
    for row in rows:
        for side in ("old", "new"):
            seen.update(dict.fromkeys(row[side]))
    order = {"in": 0, "out": 1}
    return sorted(seen, key=lambda c: order.get(c.partition(":")[0], 2))


def column_label(column: str, labels: dict[str, str]) -> str:
    """A diff column ("in:<label>", "out:<label>", "description") as a header in the reader's language."""
    kind, sep, label = column.partition(":")
    if not sep:
        return gettext("Description")
    label = labels.get(label, label)
    return (gettext("When: %(label)s", label=label) if kind == "in" else gettext("Then: %(label)s", label=label))


class DecisionsView(BaseView):
    route_base = "/decisions"
    default_view = "list"
    class_permission_name = "ProcessDefinition"
    method_permission_name = {"list": "write", "create": "write", "versions": "write", "download": "write",
                              "diff": "write"}

    @expose("/")
    @has_access
    def list(self):
        pending = drafts.all_drafts(DMN)
        rows = []
        for d in decisions.list_decisions():
            draft = pending.pop(d.key, None)
            rows.append({"key": d.key, "name": name_of(d.key, d), "latest": d, "draft": draft,
                         "pending": draft is not None and not drafts.same_diagram(draft.bpmn_xml, d.dmn_xml)})
        rows += [{"key": key, "name": name_of(key, draft), "latest": None, "draft": draft, "pending": True}
                 for key, draft in pending.items()]
        rows.sort(key=lambda r: r["key"])
        return self.render_template("decisions/list.html", rows=rows, fmt_local=fmt_local, user_label=user_label)

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        key = (request.form.get("key") or "").strip()
        name = (request.form.get("name") or "").strip() or key
        if not KEY_RE.match(key) or key in RESERVED_KEYS:
            flash(gettext("The decision id must start with a letter and contain only letters, digits, '_', "
                          "'-' or '.' (at most 100 characters)."), "danger")
            return redirect(url_for("DecisionsView.list"))
        if DMN.latest(key) is not None or drafts.get_draft(key, DMN) is not None:
            flash(gettext("A decision with the id '%(key)s' already exists.", key=key), "danger")
            return redirect(url_for("DecisionsView.list"))
        xml = decision_drafts.blank_template(key, name[:200], gettext("Input"), gettext("Output"))
        try:
            drafts.save_draft(key, xml, 0, current_actor(), kind=DMN)
        except EngineError as err:
            flash(err.message, "danger")
            return redirect(url_for("DecisionsView.list"))
        return redirect(url_for("DecisionEditorView.edit", key=key))

    @expose("/<key>/versions")
    @has_access
    def versions(self, key: str):
        versions, draft = decisions.versions(key), drafts.get_draft(key, DMN)
        if not versions and draft is None:
            abort(404)
        return self.render_template("decisions/versions.html", key=key, name=name_of(key, versions[0] if versions else draft),
                                    versions=[decision_version_dict(v) for v in versions], draft=draft,
                                    fmt_local=fmt_local, user_label=user_label)

    @expose("/<key>/download")
    @has_access
    def download(self, key: str):
        try:
            filename, xml = decisions.download(key, request.args.get("version", type=int))
        except NotFound:
            abort(404)
        return Response(xml, mimetype="application/xml", headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"})

    @expose("/<key>/diff")
    @has_access
    def diff(self, key: str):
        numbers = [v.version for v in decisions.versions(key)]
        if not numbers:
            abort(404)
        b = request.args.get("b", type=int) or numbers[0]
        a = request.args.get("a", type=int) or (numbers[1] if len(numbers) > 1 else numbers[0])
        if a not in numbers or b not in numbers:
            abort(404)
        result = decisions.diff_versions(key, a, b)
        labels = {**decision_drafts.column_labels(decisions.get(key, a).dmn_xml, reader_lang()),
                  **decision_drafts.column_labels(decisions.get(key, b).dmn_xml, reader_lang())}
        return self.render_template("decisions/diff.html", key=key, name=name_of(key, decisions.get(key)), numbers=numbers,
                                    a=a, b=b, rows=result["rules"], tables=result["tables"], labels=labels,
                                    columns=_columns(result["rules"]), column_label=column_label)


def register_decision_views(appbuilder) -> None:
    """Menu "Process design" → "Decision tables", beside "Processes"; the editor has no entry."""
    from flask_babel import lazy_gettext as _l

    from app.views.decision_editor import DecisionEditorView

    appbuilder.add_view(DecisionsView, "Decision tables", label=_l("Decision tables"), icon="fa-table",
                        category="Process design", category_label=_l("Process design"))
    appbuilder.add_view_no_menu(DecisionEditorView)
