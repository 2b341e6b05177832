"""The task page's notes, files, due date/priority change and follow-up date: thin callers of
``conversation.task_notes`` and ``engine.task_schedule``; each answers by going back to the task page."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app.engine import people, task_schedule, tasks
from app.engine.actor import Actor
from app.engine.errors import Invalid, NotFound
from app.extensions import db
from app.models import HumanTask
from app.records.conversation import service, task_notes
from app.records.conversation.service import Upload
from app.records.timefmt import fmt_local
from app.views.errors import engine_errors, field_errors, message_of
from app.views.presentation import task_name
from app.views.work import WorkView

LABELS = {"due_at": _l("New due date"), "priority": _l("Priority"), "reason": _l("Reason"),
          "follow_up_at": _l("Follow-up date"), "body": _l("Note"), "attachments": _l("Files")}


def uploads(name: str) -> list[Upload]:
    """The files posted in the input ``name`` (an empty file input posts one nameless, empty part)."""
    return [Upload(f.filename or "file", f.read()) for f in request.files.getlist(name) if f.filename]


def posted_files(task: HumanTask, actor: Actor) -> dict[str, int]:
    """Store the files posted for the form's file fields (``task_notes.upload_field_file``): {field: id}."""
    out = {}
    for field in tasks.form_fields(task):
        for upload in uploads(field.id)[:1] if field.type == "file" and not field.readonly else ():
            out[field.id] = task_notes.upload_field_file(task.id, field.id, upload, actor=actor).id
    return out


def page_context(task: HumanTask, actor: Actor) -> dict:
    """What the task page shows of notes and schedule (``TaskView._page``)."""
    notes = task_notes.notes(task.id, actor=actor)
    return {"notes": notes, "may_reschedule": task_schedule.may_reschedule(task, actor),
            "note_authors": people.display_names({m.author_id for m in notes if m.author_id}),
            "files": {a.id: (a.filename, url_for("TaskNotesView.download", task_id=task.id, attachment_id=a.id))
                      for m in notes for a in m.attachments}}


def _refused(err: Invalid):
    db.session.rollback()
    problems = field_errors(err)
    flash(" ".join([message_of(err)] + [f"{LABELS.get(k, k)}: {v}" for k, v in problems.items()]), "danger")


class TaskNotesView(WorkView):
    route_base = "/task"
    class_permission_name = "Inbox"
    method_permission_name = {"add_note": "write", "download": "read", "reschedule": "write", "follow_up": "write"}

    def _back(self, task_id: int, anchor: str = ""):
        return redirect(url_for("TaskView.show", task_id=task_id) + anchor)

    @expose("/<int:task_id>/notes", methods=["POST"])
    @has_access
    @engine_errors(lambda task_id: url_for("TaskView.show", task_id=task_id))
    def add_note(self, task_id: int):
        try:
            task_notes.add_note(task_id, request.form.get("body", ""), uploads("attachments"), actor=self.actor())
        except Invalid as err:
            _refused(err)
        else:
            flash(gettext("Note added."), "success")
        return self._back(task_id, "#task-notes")

    @expose("/<int:task_id>/files/<int:attachment_id>")
    @has_access
    def download(self, task_id: int, attachment_id: int):
        """Always a download, never shown inline: the type is the one its content proved."""
        try:
            found = task_notes.attachment(task_id, attachment_id, actor=self.actor())
        except NotFound:
            abort(404)
        return Response(found.data, mimetype=found.content_type, headers=service.download_headers(found))

    @expose("/<int:task_id>/reschedule", methods=["POST"])
    @has_access
    @engine_errors(lambda task_id: url_for("TaskView.show", task_id=task_id))
    def reschedule(self, task_id: int):
        try:
            task = task_schedule.reschedule(task_id, due=request.form.get("due_at"),
                                            priority=request.form.get("priority"),
                                            reason=request.form.get("reason", ""), actor=self.actor())
        except Invalid as err:
            _refused(err)
        else:
            flash(gettext("“%(task)s” is now due %(due)s, priority %(priority)s.", task=task_name(task),
                          due=fmt_local(task.due_at) if task.due_at else "—", priority=task.priority), "success")
        return self._back(task_id)

    @expose("/<int:task_id>/follow-up", methods=["POST"])
    @has_access
    @engine_errors(lambda task_id: url_for("TaskView.show", task_id=task_id))
    def follow_up(self, task_id: int):
        try:
            when = None if request.form.get("clear") else request.form.get("follow_up_at")
            task = task_schedule.set_follow_up(task_id, when, actor=self.actor())
        except Invalid as err:
            _refused(err)
        else:
            flash(gettext("It leaves My tasks until %(at)s.", at=fmt_local(task.follow_up_at))
                  if task.follow_up_at else gettext("The follow-up date is cleared."), "success")
        return self._back(task_id)

