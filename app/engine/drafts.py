"""Editor drafts: the working copy of a process, saved on the server.

A save names the ``rev`` it edited (``base_rev``; 0 for "there was no draft").
The update is a compare-and-set on that rev, so two people editing the same
process never overwrite each other silently: the later save gets a
``DraftConflict`` that says who saved the newer draft and when.
"""
from __future__ import annotations


from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.engine import clock, people
from app.engine.actor import Actor
from app.engine.bpmn import BpmnError
from app.engine.bpmn.parser import select_main_process
from app.engine.bpmn.xml import load_xml, local_name
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
    """(process id, name) of the process a diagram starts; Invalid if there is none."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BYTES:
        raise Invalid(f"The diagram is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024} KB.")
    try:
        root = load_xml(data).getroot()
    except BpmnError as err:
        raise Invalid("The diagram cannot be read.", problems=[p.to_dict() for p in err.problems]) from err
    if local_name(root) != "definitions":
        raise Invalid("This is not a BPMN 2.0 file.")
    main, why = select_main_process(root)
    if main is None or not main.get("id"):
        raise Invalid(why or "The diagram has no executable process.")
    return main.get("id"), (main.get("name") or main.get("id"))


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


def has_pending_changes(draft: ProcessDraft | None, latest: ProcessDefinition | None) -> bool:
    """A draft whose XML differs from the latest deployed version (or with nothing deployed)."""
    if draft is None:
        return False
    return latest is None or draft.bpmn_xml.strip() != (latest.bpmn_xml or "").strip()


def all_drafts() -> dict[str, ProcessDraft]:
    return {d.key: d for d in db.session.scalars(select(ProcessDraft)).all()}
