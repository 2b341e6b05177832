"""Editor drafts: the working copy of a process, saved on the server.

A save names the ``rev`` it edited (``base_rev``; 0 for "there was no draft").
The update is a compare-and-set on that rev, so two people editing the same
process never overwrite each other silently: the later save gets a
``DraftConflict`` that says who saved the newer draft and when.

Processes (BPMN) and decisions (DMN, app/engine/decision_drafts.py) keep their drafts alike; a
``DraftKind`` says what a draft of that kind is. A decision's row key carries its kind's prefix,
so a decision and a process may share an id.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext
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
    raise Invalid(gettext("The file has no process and no definitions id to keep it under."))


_NOT_NODES = {"documentation", "extensionElements", "laneSet", "property", "ioSpecification"}


def _root(xml: bytes | str):
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BYTES:
        raise Invalid(gettext("The diagram is %(size)s KB; the limit is %(limit)s KB.", size=len(data) // 1024,
                              limit=MAX_BYTES // 1024))
    try:
        root = load_xml(data).getroot()
    except BpmnError as err:
        raise Invalid(gettext("The diagram cannot be read."), problems=[p.to_dict() for p in err.problems]) from err
    if local_name(root) != "definitions":
        raise Invalid(gettext("This is not a BPMN 2.0 file."))
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


@dataclass(frozen=True)
class DraftKind:
    """What a draft holds. ``name_of(key, text)``: the name to list it under, Invalid if the file
    cannot be kept as the draft of ``key``; ``latest(key)``: (version, xml) of the latest deployed
    version or None; ``deploy(key, xml, actor)``: the deployment (raises Invalid if refused)."""

    prefix: str
    noun: str
    name_of: Callable[[str, str], str]
    latest: Callable[[str], tuple[int, str] | None]
    deploy: Callable


def _process_name(key: str, text: str) -> str:
    process_id, name = process_of(text)
    if process_id != key:
        raise Invalid(gettext("The process id is '%(id)s' but this editor edits '%(key)s'. Keep the id "
                              "'%(key)s' (a new id is a new process: upload it instead).", id=process_id, key=key),
                      problems=[{"element_id": process_id, "element_name": name, "element_type": "process",
                                 "message": gettext("The process id must stay '%(key)s'.", key=key),
                                 "hint": gettext("Change the id back."), "line": None, "severity": "error"}])
    return name


def _latest_process(key: str) -> tuple[int, str] | None:
    latest = definitions.latest_definition(key, required=False)
    return (latest.version, latest.bpmn_xml) if latest is not None else None


def _deploy_process(key: str, xml, actor: Actor):
    return definitions.deploy(xml, actor=actor, source="editor", filename=f"{key}.bpmn")


BPMN = DraftKind("", "process", _process_name, _latest_process, _deploy_process)


def get_draft(key: str, kind: DraftKind = BPMN) -> ProcessDraft | None:
    return db.session.scalars(select(ProcessDraft).filter_by(key=kind.prefix + key)).first()


def _conflict(key: str, kind: DraftKind = BPMN) -> DraftConflict:
    db.session.rollback()
    current = get_draft(key, kind)
    info = describe(current)
    who = info["saved_by"] or "someone"
    return DraftConflict(f"{who} saved a newer draft of '{key}' meanwhile (revision {info['rev']}); "
                         "your changes were not saved.", key=key, **info)


def save_draft(key: str, xml: bytes | str, base_rev: int, actor: Actor, *, commit: bool = True,
               kind: DraftKind = BPMN) -> ProcessDraft:
    """Save the editor's XML as the draft of ``key`` if the draft is still at ``base_rev``.

    ``base_rev`` 0 means the editor started from no draft (a deployed version or a template).
    Raises DraftConflict if another save got there first, Invalid if the file cannot be
    the draft of ``key`` (for a process: its process id is not ``key``).
    """
    _require_owner(actor)
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    name = kind.name_of(key, text)
    row_key = kind.prefix + key
    now = clock.now()
    base_rev = int(base_rev or 0)
    if base_rev <= 0:
        draft = ProcessDraft(key=row_key, name=name[:200], bpmn_xml=text, rev=1, saved_by_id=actor.user_id,
                             saved_at=now)
        db.session.add(draft)
        try:
            db.session.flush()
        except IntegrityError:
            raise _conflict(key, kind) from None
    else:
        result = db.session.execute(
            update(ProcessDraft)
            .where(ProcessDraft.key == row_key, ProcessDraft.rev == base_rev)
            .values(bpmn_xml=text, name=name[:200], rev=ProcessDraft.rev + 1, saved_by_id=actor.user_id,
                    saved_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise _conflict(key, kind)
        draft = get_draft(key, kind)
        db.session.refresh(draft)
    if commit:
        db.session.commit()
    return draft


def discard_draft(key: str, actor: Actor, kind: DraftKind = BPMN) -> None:
    _require_owner(actor)
    draft = get_draft(key, kind)
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()


class NoChanges(Invalid):
    """Deploying what is already the latest version: refused, so no empty version appears."""

    code = "no_changes"


def deploy_draft(key: str, xml: bytes | str, base_rev: int, actor: Actor, kind: DraftKind = BPMN):
    """The editor's deploy: save the XML as the draft (compare-and-set), refuse it if it says
    the same as the latest version, else deploy it; the draft is gone afterwards either way
    (nothing is left pending). Returns the Deployment."""
    draft = save_draft(key, xml, base_rev, actor, kind=kind)
    latest = kind.latest(key)
    if latest is not None and same_diagram(xml, latest[1]):
        version = latest[0]
        db.session.delete(draft)
        db.session.commit()
        raise NoChanges(f"No changes since version {version}: nothing to deploy.", key=key,
                        version=version, rev=0,
                        problems=[{"element_id": key, "element_name": draft.name, "element_type": kind.noun,
                                   "message": f"The diagram is the same as version {version}.",
                                   "hint": "Change something before deploying, or keep using the current version.",
                                   "line": None, "severity": "error"}])
    deployment = kind.deploy(key, xml, actor)
    db.session.delete(draft)
    db.session.commit()
    return deployment


def has_pending_changes(draft: ProcessDraft | None, latest: ProcessDefinition | None) -> bool:
    """A draft that says something else than the latest deployed version (or with nothing deployed)."""
    if draft is None:
        return False
    return latest is None or not same_diagram(draft.bpmn_xml, latest.bpmn_xml or "")


def all_drafts(kind: DraftKind = BPMN) -> dict[str, ProcessDraft]:
    """The drafts of one kind by key (a process id has no ':', a prefixed key does)."""
    rows = db.session.scalars(select(ProcessDraft)).all()
    if not kind.prefix:
        return {d.key: d for d in rows if ":" not in d.key}
    return {d.key[len(kind.prefix):]: d for d in rows if d.key.startswith(kind.prefix)}
