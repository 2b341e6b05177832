"""Editor drafts: the working copy of a process, saved on the server.

A save names the ``rev`` it edited (``base_rev``; 0 for "there was no draft").
The update is a compare-and-set on that rev, so two people editing the same
process never overwrite each other silently: the later save gets a
``DraftConflict`` that says who saved the newer draft and when.
"""
from __future__ import annotations


from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.engine import clock, definitions, people
from app.engine.actor import Actor
from app.engine.bpmn import BpmnError
from app.engine.bpmn.parser import select_main_process
from app.engine.bpmn.xml import BPMN_NS, load_xml, local_name
from app.engine.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.models import ProcessDefinition
from app.models.engine import ProcessDraft

MAX_BYTES = 5 * 1024 * 1024


class DraftConflict(Conflict):
    """Someone saved a newer draft since the one the editor loaded."""

    code = "draft_conflict"


def _require_owner(actor: Actor) -> None:
    if not (actor.is_admin or "ProcessOwner" in actor.roles):
        raise Forbidden("Only process owners and admins edit processes.")


def describe(draft: ProcessDraft | None) -> dict:
    if draft is None:
        return {"rev": 0, "saved_by": None, "saved_at": None}
    return {"rev": draft.rev, "saved_by": people.username(draft.saved_by_id),
            "saved_at": draft.saved_at.isoformat() if draft.saved_at else None}


def process_of(xml: bytes | str) -> tuple[str, str]:
    """(key, name) under which a diagram is kept as a draft; Invalid if it is not BPMN 2.0.

    Any well-formed BPMN file opens: the key is the process a deployment would start,
    else the first process with flow nodes (or the first process), else the id of the
    definitions. Whether it can run is the validator's verdict at deploy, not a refusal here.
    """
    root = _root(xml)
    main, _why = select_main_process(root)
    if main is None:
        processes = list(root.iterfind("{%s}process" % BPMN_NS))
        with_nodes = [p for p in processes if len(p) and any(local_name(c) not in _NOT_NODES for c in p)]
        main = (with_nodes or processes or [None])[0]
    if main is not None and main.get("id"):
        return main.get("id"), (main.get("name") or main.get("id"))
    if root.get("id"):
        return root.get("id"), (root.get("name") or root.get("id"))
    raise Invalid("The file has no process and no definitions id to keep it under.")


_NOT_NODES = {"documentation", "extensionElements", "laneSet", "property", "ioSpecification"}


def _root(xml: bytes | str):
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BYTES:
        raise Invalid(f"The diagram is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024} KB.")
    try:
        root = load_xml(data).getroot()
    except BpmnError as err:
        raise Invalid("The diagram cannot be read.", problems=[p.to_dict() for p in err.problems]) from err
    if local_name(root) != "definitions":
        raise Invalid("This is not a BPMN 2.0 file.")
    return root


def _canonical(node) -> tuple:
    """An element as comparable data: namespaces by URI (not prefix), numbers by value,
    whitespace and comments ignored, the exporter stamp of the root ignored."""
    nsmap = node.nsmap or {}

    def value(v: str):
        try:
            return float(v)
        except ValueError:
            pass
        prefix, sep, rest = v.partition(":")
        if sep and prefix in nsmap and "/" not in rest:
            return "{%s}%s" % (nsmap[prefix], rest)
        return v.strip()

    attrs = sorted((k, value(v)) for k, v in node.attrib.items() if k not in _STAMP)
    children = tuple(_canonical(c) for c in node if isinstance(c.tag, str))
    return (node.tag, tuple(attrs), (node.text or "").strip(), children)


_STAMP = {"exporter", "exporterVersion"}


def same_diagram(a: bytes | str, b: bytes | str) -> bool:
    """True if two BPMN files say the same thing, whatever their formatting or prefixes."""
    try:
        return _canonical(_root(a)) == _canonical(_root(b))
    except Invalid:
        return False


def get_draft(key: str) -> ProcessDraft | None:
    return db.session.scalars(select(ProcessDraft).filter_by(key=key)).first()


def _conflict(key: str) -> DraftConflict:
    db.session.rollback()
    current = get_draft(key)
    info = describe(current)
    who = info["saved_by"] or "someone"
    return DraftConflict(f"{who} saved a newer draft of '{key}' meanwhile (revision {info['rev']}); "
                         "your changes were not saved.", key=key, **info)


def save_draft(key: str, xml: bytes | str, base_rev: int, actor: Actor, *, commit: bool = True) -> ProcessDraft:
    """Save the editor's XML as the draft of ``key`` if the draft is still at ``base_rev``.

    ``base_rev`` 0 means the editor started from no draft (a deployed version or a template).
    Raises DraftConflict if another save got there first, Invalid if the diagram's
    process id is not ``key``.
    """
    _require_owner(actor)
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    process_id, name = process_of(text)
    if process_id != key:
        raise Invalid(f"The process id is '{process_id}' but this editor edits '{key}'. "
                      f"Keep the id '{key}' (a new id is a new process: upload it instead).",
                      problems=[{"element_id": process_id, "element_name": name, "element_type": "process",
                                 "message": f"The process id must stay '{key}'.", "hint": "Change the id back.",
                                 "line": None, "severity": "error"}])
    now = clock.now()
    base_rev = int(base_rev or 0)
    if base_rev <= 0:
        draft = ProcessDraft(key=key, name=name[:200], bpmn_xml=text, rev=1, saved_by_id=actor.user_id, saved_at=now)
        db.session.add(draft)
        try:
            db.session.flush()
        except IntegrityError:
            raise _conflict(key) from None
    else:
        result = db.session.execute(
            update(ProcessDraft)
            .where(ProcessDraft.key == key, ProcessDraft.rev == base_rev)
            .values(bpmn_xml=text, name=name[:200], rev=ProcessDraft.rev + 1, saved_by_id=actor.user_id,
                    saved_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise _conflict(key)
        draft = get_draft(key)
        db.session.refresh(draft)
    if commit:
        db.session.commit()
    return draft


def discard_draft(key: str, actor: Actor) -> None:
    _require_owner(actor)
    draft = get_draft(key)
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()


class NoChanges(Invalid):
    """Deploying what is already the latest version: refused, so no empty version appears."""

    code = "no_changes"


def deploy_draft(key: str, xml: bytes | str, base_rev: int, actor: Actor):
    """The editor's deploy: save the XML as the draft (compare-and-set), refuse it if it says
    the same as the latest version, else deploy it; the draft is gone afterwards either way
    (nothing is left pending). Returns the Deployment."""
    draft = save_draft(key, xml, base_rev, actor)
    latest = definitions.latest_definition(key, required=False)
    if latest is not None and same_diagram(xml, latest.bpmn_xml):
        db.session.delete(draft)
        db.session.commit()
        raise NoChanges(f"No changes since version {latest.version}: nothing to deploy.", key=key,
                        version=latest.version, rev=0,
                        problems=[{"element_id": key, "element_name": latest.name, "element_type": "process",
                                   "message": f"The diagram is the same as version {latest.version}.",
                                   "hint": "Change something before deploying, or keep using the current version.",
                                   "line": None, "severity": "error"}])
    deployment = definitions.deploy(xml, actor=actor, source="editor", filename=f"{key}.bpmn")
    db.session.delete(draft)
    db.session.commit()
    return deployment


def has_pending_changes(draft: ProcessDraft | None, latest: ProcessDefinition | None) -> bool:
    """A draft that says something else than the latest deployed version (or with nothing deployed)."""
    if draft is None:
        return False
    return latest is None or not same_diagram(draft.bpmn_xml, latest.bpmn_xml or "")


def all_drafts() -> dict[str, ProcessDraft]:
    return {d.key: d for d in db.session.scalars(select(ProcessDraft)).all()}
