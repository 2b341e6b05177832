"""Internal notes and files on a task, kept in the conversation log (channel "note", internal:
never shown in the customer portal). Whoever may see the task (``tasks.visible_task``) reads and
adds them; a task of an instance with a record also shows, and files its notes under, that record.

A form's file field stores its upload here too: an internal message of the task carries the
attachment and the process variable holds the attachment's id, never the bytes."""
from __future__ import annotations

from app.engine import forms, tasks
from app.engine.actor import Actor
from app.engine.errors import Invalid, NotFound
from app.engine.task_actions import allowed_actions, require
from app.extensions import db
from app.models import ConversationAttachment, ConversationMessage, HumanTask
from app.records.conversation import service
from app.records.conversation.service import Upload

MAX_NOTE = 10_000


def _record(task: HumanTask) -> tuple[str | None, int | None]:
    inst = task.instance
    return (inst.record_type, inst.record_id) if inst.record_type and inst.record_id else (None, None)


def notes(task_id: int, *, actor: Actor) -> list[ConversationMessage]:
    """The task's notes and its record's internal notes, oldest first."""
    task = tasks.visible_task(task_id, actor)
    return service.task_notes(task.id, *_record(task))


def _post(task: HumanTask, body: str, uploads, actor: Actor, subject: str | None = None) -> ConversationMessage:
    record_type, record_id = _record(task)
    return service.post(channel="note", direction="internal", body=body, record_type=record_type,
                        record_id=record_id, instance_id=task.instance_id, task_id=task.id, subject=subject,
                        author_id=actor.user_id, attachments=list(uploads))


def add_note(task_id: int, body: str, uploads: list[Upload] | tuple[Upload, ...] = (), *,
             actor: Actor) -> ConversationMessage:
    """Add a note (text, files or both) to a task; a refused file records nothing (422 names it)."""
    task = tasks.visible_task(task_id, actor)
    if len(body or "") > MAX_NOTE:
        raise Invalid("The note is too long.", fields={"body": f"is too long (at most {MAX_NOTE} characters)"})
    if "\x00" in (body or ""):  # PostgreSQL cannot store it
        raise Invalid("The note is not valid text.", fields={"body": "must not contain NUL characters"})
    message = _post(task, (body or "").strip(), uploads, actor)
    db.session.commit()
    return message


def attachment(task_id: int, attachment_id: int, *, actor: Actor) -> ConversationAttachment:
    """A file of one of the notes the task shows; anything else is not found (no hint it exists)."""
    task = tasks.visible_task(task_id, actor)
    found = service.attachment(attachment_id)
    record_type, record_id = _record(task)
    message = found.message if found is not None else None
    if message is None or not message.internal or not (
            message.task_id == task.id or (record_id and (message.record_type, message.record_id)
                                           == (record_type, record_id))):
        raise NotFound(f"File {attachment_id} does not exist.")
    return found


def upload_field_file(task_id: int, field_id: str, upload: Upload, *, actor: Actor) -> ConversationAttachment:
    """Store a file for a file field of the task's form: only who may fill the form in (complete or
    save a draft) uploads, and ``forms.check_upload`` is the field's one check. The answer's id is
    the value to submit for the field."""
    task = tasks.visible_task(task_id, actor)
    if "draft" not in allowed_actions(task, actor):
        require(task, actor, "complete")  # says why not: completed, someone else's, not a candidate
    field = next((f for f in tasks.form_fields(task) if f.id == field_id and f.type == "file" and not f.readonly),
                 None)
    if field is None:
        raise Invalid(f"The form has no file field '{field_id[:100]}' to fill in.", fields={"field": "not a file field"})
    forms.check_upload(field, upload)
    message = _post(task, "", [upload], actor, subject=field.label or field.id)
    db.session.commit()
    return message.attachments[0]
