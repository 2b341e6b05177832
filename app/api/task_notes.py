"""/api/v1/tasks/{id}/notes, /files, /reschedule, /follow-up: internal notes and files of a task, its
form's file uploads, a due date or priority change and the follow-up date. Thin callers of
``conversation.task_notes`` and ``engine.task_schedule``; a task the caller may not see is 404.

A form's file field: upload the file first (``POST /tasks/{id}/files``, multipart: ``field`` and
``file``), then complete the task with the answered ``id`` as the field's value."""
from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import expose, protect
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import UnsupportedMediaType

from app.api.base import ID_PARAM, EngineApi, actor, load_body, ok_200, with_snippets
from app.api.schemas import JsonInteger, Strict, TaskSchema, shared
from app.api.serialize import task_dict
from app.engine import people, task_schedule
from app.engine.errors import Invalid
from app.records.conversation import service, task_notes
from app.records.conversation.service import FILE_TYPES, Upload

FILE_PART = {"type": "string", "format": "binary"}
NOTE_BODY = {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/NoteInput"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "body": {"type": "string", "maxLength": task_notes.MAX_NOTE},
        "attachments": {"type": "array", "items": FILE_PART}}}}}}
UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["field", "file"],
    "properties": {"field": {"type": "string", "maxLength": 100}, "file": FILE_PART}}}}}
DOWNLOAD = {"200": {"description": "the file, as an attachment", "content": {
    kind: {"schema": FILE_PART} for kind in FILE_TYPES}}}
_doc = with_snippets(id=ID_PARAM, task_200=ok_200("the task afterwards", "TaskSchema"), file_id="""
          - in: path
            name: file_id
            required: true
            schema: {type: integer, minimum: 1, maximum: 2147483647}""")


class NoteInput(Strict):
    body = fields.String(required=True, validate=validate.Length(min=1, max=task_notes.MAX_NOTE))


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)


class NoteSchema(Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(allow_none=True, metadata={"description": "null: a note of the task's record"})
    author = fields.String(allow_none=True)
    subject = fields.String(allow_none=True, metadata={"description": "a form file's field label"})
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


class NoteListSchema(Schema):
    items = fields.List(fields.Nested(NoteSchema), required=True)


class UploadedSchema(AttachmentSchema):
    field = fields.String(required=True, metadata={"description": "submit `id` as this field's value"})


class RescheduleSchema(Strict):
    due_at = fields.String(allow_none=True, validate=validate.Length(min=10, max=40), metadata={
        "description": "the new due date (YYYY-MM-DD: the end of that day) or date and time (YYYY-MM-DDTHH:MM, local)"})
    priority = JsonInteger(allow_none=True, validate=validate.Range(*task_schedule.PRIORITY_RANGE))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=task_schedule.MAX_REASON))


class FollowUpSchema(Strict):
    follow_up_at = fields.String(required=True, allow_none=True, validate=validate.Length(min=10, max=40), metadata={
        "description": "YYYY-MM-DD (from the start of that day) or YYYY-MM-DDTHH:MM; null clears it"})


def _note(message, authors: dict) -> dict:
    return {"id": message.id, "task_id": message.task_id, "author": authors.get(message.author_id),
            "subject": message.subject, "body": message.body, "created_at": message.created_at,
            "attachments": [_file(a) for a in message.attachments]}


def _file(found) -> dict:
    return {"id": found.id, "filename": found.filename, "content_type": found.content_type, "size": found.size}


def _files(name: str) -> list[Upload]:
    """The files sent in the multipart field ``name``; a plain value there (not a file) is refused, naming it."""
    if name in request.form:
        raise Invalid(f"'{name}' must hold files, not text.", fields={name: "must be a file upload"})
    return [Upload(f.filename or "file", f.read()) for f in request.files.getlist(name) if f.filename]


class TaskNotesApi(EngineApi):
    route_base = "/api/v1/tasks"
    class_permission_name = "Inbox"
    method_permission_name = {"notes": "read", "add_note": "write", "download": "read", "upload": "write",
                              "reschedule": "write", "follow_up": "write"}
    openapi_spec_tag = "Tasks"
    openapi_spec_component_schemas = (*EngineApi.openapi_spec_component_schemas, NoteInput)  # NOTE_BODY's $ref
    openapi_spec_methods = {"add_note": {"post": {"requestBody": NOTE_BODY}},
                            "upload": {"post": {"requestBody": UPLOAD_BODY}},
                            "download": {"get": {"responses": DOWNLOAD}}}
    error_codes = {"upload": ["409"], "reschedule": ["409"], "follow_up": ["409"]}

    @expose("/<int:pk>/notes", methods=["GET"])
    @protect()
    @_doc
    def notes(self, pk: int):
        """The task's internal notes and, if its instance has a record, the record's internal notes, oldest first.
        ---
        get:
          operationId: listTaskNotes
          parameters:{id}
          responses:
            200:
              description: the notes
              content:
                application/json:
                  schema: NoteListSchema
        """
        found = task_notes.notes(pk, actor=actor())
        authors = people.display_names({m.author_id for m in found if m.author_id})
        return self.response(200, **shared(NoteListSchema).dump({"items": [_note(m, authors) for m in found]}))

    @expose("/<int:pk>/notes", methods=["POST"])
    @protect()
    @_doc
    def add_note(self, pk: int):
        """Add an internal note: JSON `{"body": ...}`, or multipart with `body` and files in `attachments`
        (pictures or PDF, checked by content; a refused file records nothing: 422 names it).
        ---
        post:
          operationId: addTaskNote
          parameters:{id}
          responses:
            201:
              description: the note
              content:
                application/json:
                  schema: NoteSchema
        """
        who = actor()
        if request.mimetype == "multipart/form-data":
            body, uploads = request.form.get("body", ""), _files("attachments")
        else:
            body, uploads = load_body(NoteInput())["body"], []
        message = task_notes.add_note(pk, body, uploads, actor=who)
        return self.response(201, **shared(NoteSchema).dump(_note(message, people.display_names([who.user_id]))))

    @expose("/<int:pk>/files/<int:file_id>", methods=["GET"])
    @protect()
    @_doc
    def download(self, pk: int, file_id: int):
        """A file of the task's notes (or of its form's file fields), always as a download.
        ---
        get:
          operationId: downloadTaskFile
          parameters:{id}{file_id}
        """
        found = task_notes.attachment(pk, file_id, actor=actor())
        return Response(found.data, mimetype=found.content_type, headers=service.download_headers(found))

    @expose("/<int:pk>/files", methods=["POST"])
    @protect()
    @_doc
    def upload(self, pk: int):
        """Upload a file for a file field of the task's form (multipart: `field`, `file`); submit the answered
        `id` as the field's value when completing. The field's `accept` and `maxSize` apply; 422 names the field.
        ---
        post:
          operationId: uploadTaskFile
          parameters:{id}
          responses:
            201:
              description: the stored file
              content:
                application/json:
                  schema: UploadedSchema
        """
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("Upload the file as multipart/form-data: `field` and `file`.")
        field, files = request.form.get("field", ""), _files("file")
        if not field or not files:
            raise Invalid("Send the form field's id in `field` and the file in `file`.",
                          fields={k: "required" for k, v in (("field", field), ("file", files)) if not v})
        stored = task_notes.upload_field_file(pk, field, files[0], actor=actor())
        return self.response(201, **shared(UploadedSchema).dump({**_file(stored), "field": field}))

    @expose("/<int:pk>/reschedule", methods=["POST"])
    @protect()
    @_doc
    def reschedule(self, pk: int):
        """Change the due date and/or the priority of an open task, with a reason (supervisors, admins, the head
        of the task's department; others 403). The history keeps the old and new values and the reason.
        ---
        post:
          operationId: rescheduleTask
          parameters:{id}
          requestBody:
            required: true
            content:
              application/json:
                schema: RescheduleSchema
          {task_200}
        """
        who, body = actor(), load_body(shared(RescheduleSchema))
        task = task_schedule.reschedule(pk, due=body.get("due_at"), priority=body.get("priority"),
                                        reason=body["reason"], actor=who)
        return self.response(200, **shared(TaskSchema).dump(task_dict(task, who, detail=True)))

    @expose("/<int:pk>/follow-up", methods=["POST"])
    @protect()
    @_doc
    def follow_up(self, pk: int):
        """Set or clear the task's follow-up date: until then it is left out of its assignee's `view=mine`
        (unless `follow_ups=true`).
        ---
        post:
          operationId: setTaskFollowUp
          parameters:{id}
          requestBody:
            required: true
            content:
              application/json:
                schema: FollowUpSchema
          {task_200}
        """
        who, body = actor(), load_body(shared(FollowUpSchema))
        task = task_schedule.set_follow_up(pk, body["follow_up_at"], actor=who)
        return self.response(200, **shared(TaskSchema).dump(task_dict(task, who, detail=True)))
