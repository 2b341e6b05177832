"""/api/v1/tasks: my tasks, my groups' tasks, claim, release, assign, save a
draft, complete with form data, the form's JSON schema.

A task the caller may not see answers 404 whatever the operation, so ids
cannot be probed. Who may do what is the engine's one rule (``task_actions``):
every task carries the caller's ``allowed_actions``, one POST endpoint each."""
from __future__ import annotations

from flask_appbuilder.api import expose, protect

from app.api.answer import Answer, idempotent
from app.api.base import (
    ID_PARAM, IDEMPOTENCY_PARAM, EngineApi, actor, links_to, load_body, load_query, ok_200, page, with_snippets,
)
from app.api.schemas import (
    AssignSchema,
    CompletedTaskSchema,
    CompleteSchema,
    DraftSchema,
    FormSchemaSchema,
    RecommitSchema,
    TaskPageSchema,
    TaskQuerySchema,
    TaskSchema,
    shared,
)
from app.api.serialize import next_dict, task_dict
from app.engine import commitments, content, queries, tasks
from app.engine.forms import form_schema
from app.lang import reader_lang

_doc = with_snippets(id=ID_PARAM, task_200=ok_200("the task afterwards", "TaskSchema"),
                     completed_200=ok_200("the completed task and what comes next", "CompletedTaskSchema"),
                     idempotency_key=IDEMPOTENCY_PARAM)


class TasksApi(EngineApi):
    resource_name = "tasks"
    class_permission_name = "Inbox"
    method_permission_name = {"get_list": "read", "get": "read", "form": "read", "claim": "write",
                              "release": "write", "unclaim": "write", "assign": "write", "draft": "write",
                              "complete": "write", "recommit": "write"}
    openapi_spec_tag = "Tasks"
    error_codes = {name: ["409"] for name in ("claim", "release", "unclaim", "assign", "draft", "complete",
                                              "recommit")}
    response_links = {
        "get_list": {"200": links_to("$response.body#/items/0/id", "getTask", "getTaskForm", "claimTask",
                                     "listTaskNotes")},
        "claim": {"200": links_to("$response.body#/id", "saveTaskDraft", "completeTask", "releaseTask")},
        "complete": {"200": {**links_to("$response.body#/next/instance_id", "getInstance"),
                             **links_to("$response.body#/next/tasks/0/id", "claimTask", "completeTask")}},
    }

    def _visible(self, pk: int):
        who = actor()
        return tasks.visible_task(pk, who), who

    def _detail(self, task, who) -> dict:
        return shared(TaskSchema).dump(task_dict(task, who, detail=True))

    def _release(self, pk: int):
        task, who = self._visible(pk)
        return self.response(200, **self._detail(tasks.release(task.id, actor=who), who))

    @expose("/", methods=["GET"])
    @protect()
    def get_list(self):
        """The inbox: `view=mine` (assigned to me; a task whose follow-up date is ahead only with `follow_ups=true`), `group` (claimable by my groups), `completed` (by me),
        `department` (supervisors: open tasks assigned to a member of the departments they head or
        belong to, or unassigned and offered to such a member or to a role one of them holds; admins: all),
        `unassigned` (supervisors and admins: open tasks nobody can pick up, because no one who can
        work on tasks is named for them).
        ---
        get:
          operationId: listTasks
          parameters:
          - in: query
            schema: TaskQuerySchema
          responses:
            200:
              description: a page of tasks
              content:
                application/json:
                  schema: TaskPageSchema
        """
        args, who = load_query(TaskQuerySchema()), actor()
        result = queries.inbox(who, view=args["view"], page=args["page"], page_size=args["page_size"],
                               sort=args["sort"], desc=args["desc"], process_key=args.get("process_key"),
                               sla=args.get("sla"), search=args.get("search"), follow_ups=args["follow_ups"],
                               due=args.get("due"))
        items = [task_dict(t, who) for t in result.items]  # candidates and instance status come with the page
        return self.response(200, **shared(TaskPageSchema).dump(page(items, result.total, args)))

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @_doc
    def get(self, pk: int):
        """One task with its form schema, submitted data and (for its assignee) the draft.
        ---
        get:
          operationId: getTask
          parameters:{id}
          {task_200}
        """
        task, who = self._visible(pk)
        return self.response(200, **self._detail(task, who))

    @expose("/<int:pk>/form", methods=["GET"])
    @protect()
    @_doc
    def form(self, pk: int):
        """The JSON schema of the task's form (types, required fields, enum values, limits).
        ---
        get:
          operationId: getTaskForm
          parameters:{id}
          responses:
            200:
              description: the form schema
              content:
                application/json:
                  schema: FormSchemaSchema
        """
        task, _ = self._visible(pk)
        body = {"task_id": task.id, "schema": form_schema(content.fields_in(tasks.form_fields(task), reader_lang()))}
        return self.response(200, **shared(FormSchemaSchema).dump(body))

    @expose("/<int:pk>/claim", methods=["POST"])
    @protect()
    @_doc
    def claim(self, pk: int):
        """Claim a task of one of my groups (409 if someone else was faster).
        ---
        post:
          operationId: claimTask
          parameters:{id}
          {task_200}
        """
        task, who = self._visible(pk)
        return self.response(200, **self._detail(tasks.claim(task.id, actor=who), who))

    @expose("/<int:pk>/release", methods=["POST"])
    @protect()
    @_doc
    def release(self, pk: int):
        """Put my task back into the group queue (or any claimed task, for supervisors).
        ---
        post:
          operationId: releaseTask
          parameters:{id}
          {task_200}
        """
        return self._release(pk)

    @expose("/<int:pk>/unclaim", methods=["POST"])
    @protect()
    @_doc
    def unclaim(self, pk: int):
        """The first name of `release`, kept for existing clients.
        ---
        post:
          operationId: unclaimTask
          deprecated: true
          parameters:{id}
          {task_200}
        """
        return self._release(pk)

    @expose("/<int:pk>/draft", methods=["POST"])
    @protect()
    @_doc
    def draft(self, pk: int):
        """Save the form values typed so far on my task (checked like `complete`, but nothing is required);
        only I see the draft.
        ---
        post:
          operationId: saveTaskDraft
          parameters:{id}
          requestBody:
            required: true
            content:
              application/json:
                schema: DraftSchema
          {task_200}
        """
        task, who = self._visible(pk)
        body = load_body(shared(DraftSchema))
        return self.response(200, **self._detail(tasks.save_draft(task.id, body["data"], actor=who), who))

    @expose("/<int:pk>/assign", methods=["POST"])
    @protect()
    @_doc
    def assign(self, pk: int):
        """Assign or delegate a task to a user (supervisors); `user_id: null` returns it to the queue.
        Only someone who may work the task is accepted (a candidate, active, with a role that works
        on tasks; for a task nobody is named for, any such member of staff): anyone else is a 422
        whose `fields.user_id` and `user` name them.
        ---
        post:
          operationId: assignTask
          parameters:{id}
          requestBody:
            required: true
            content:
              application/json:
                schema: AssignSchema
          {task_200}
        """
        task, who = self._visible(pk)
        body = load_body(shared(AssignSchema))
        return self.response(200, **self._detail(tasks.assign(task.id, body["user_id"], actor=who), who))

    @expose("/<int:pk>/recommit", methods=["POST"])
    @protect()
    @_doc
    def recommit(self, pk: int):
        """The delay notice: the assignee (or a supervisor) records why the task cannot be done in time
        and the new date committed to the customer, which becomes its due date; 422 names each field.
        ---
        post:
          operationId: recommitTask
          parameters:{id}
          requestBody:
            required: true
            content:
              application/json:
                schema: RecommitSchema
          {task_200}
        """
        task, who = self._visible(pk)
        body = load_body(shared(RecommitSchema))
        done = commitments.recommit(task.id, body["new_due"], reason=body["reason"],
                                    customer_informed=body["customer_informed"], actor=who)
        return self.response(200, **self._detail(done, who))

    @expose("/<int:pk>/complete", methods=["POST"])
    @protect()
    @idempotent
    @_doc
    def complete(self, pk: int):
        """Complete a task with its form data; 422 names every invalid field. The answer carries what
        comes next: the instance's status and the open tasks the caller may work, with their forms.
        ---
        post:
          operationId: completeTask
          parameters:{id}{idempotency_key}
          requestBody:
            required: true
            content:
              application/json:
                schema: CompleteSchema
          {completed_200}
        """
        task, who = self._visible(pk)
        body = load_body(shared(CompleteSchema))

        def build(done) -> dict:
            result = task_dict(done, who, detail=True)
            result["next"] = next_dict(done.instance, queries.open_after(done, done.instance_id), who)
            return shared(CompletedTaskSchema).dump(result)

        answer = Answer(200, build)
        tasks.complete(task.id, body["data"], actor=who, before_commit=answer, loaded=task)
        return answer.response(self)
