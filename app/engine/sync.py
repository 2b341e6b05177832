"""Run a workflow to its next wait state and mirror it into our tables:
READY human tasks -> ``human_task`` rows, newly finished elements -> history,
errors -> an incident. Then it emits the engine events (``hooks``): a new task,
the wait state reached (``timers`` keeps the instance's one timer job in step),
the instance ended.

Every expression error becomes an incident located on its element, never an exception to the
caller (a 500 that rolled back and left the instance stuck): scripts and gateways (the engine
steps), timers (``bpmn.timers`` records the error on the waiting task) and the attributes of a
new human task (due date, priority, assignee, candidates: no row until a retry succeeds), and
the successors a completed human task starts (``run_human_task``: a conditional event, a
multi-instance collection). An instance is never left "running" with nothing to wait for
(``stall_reason``): that too is an incident, on the element where it stopped."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable
from uuid import UUID

from flask_appbuilder.security.sqla.models import User
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, or_, select

from app.engine import clock, definitions, form_defs, history, hooks, jobs, mail, task_names, timer_bounds, work_calendar
from app.engine.bpmn import compensation
from app.engine.bpmn.compensation import GENERATED_PREFIX
from app.engine.bpmn.parser import human_task_meta
from app.engine.bpmn.specs import each_event_definition
from app.engine.dmn.task import LAST_RESULT, DecisionTask
from app.engine.bpmn.timers import TIMER_ERROR, TIMER_LATE, element_label, error_reason
from app.engine.scripting import script_engine
from app.extensions import db
from app.models import HumanTask, ProcessInstance, TaskCandidate
from app.models.engine import insert_task, transient

log = logging.getLogger(__name__)
MAX_CONDITION_ROUNDS = 20
LOOK_UP = object()  # see advance(): the timers look the instance's timer job up if it may have one
STALLED = "stalled"  # root task internal data: ids of successors whose start failed (see run_human_task)
_ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR  # a token is here
_UNSTARTED = TaskState.PREDICTED_MASK | TaskState.FUTURE | TaskState.WAITING  # where a failed update leaves one

# Element types worth a history line when they finish (user tasks are recorded by the task service).
_HISTORY_TYPES = {
    "ExclusiveGateway": "gateway_taken", "InclusiveGateway": "gateway_taken", "EventBasedGateway": "gateway_taken",
    "ScriptTask": "script_run", "ServiceTask": "service_run", "SendTask": "message_sent",
    "ReceiveTask": "message_received", "IntermediateCatchEvent": "event_caught", "BoundaryEvent": "event_caught",
    "StartEvent": "start_event", "EndEvent": "end_event", "CallActivity": "call_activity_completed",
    "SubWorkflowTask": "subprocess_completed", "TransactionSubprocess": "subprocess_completed",
    "CompensationThrow": "compensation_thrown",
    "DecisionTask": "service_run",  # a business rule task: its data names the decision, version and matched rules
}


class ElementError(Exception):
    """An error located on a task (what ``_raise_incident`` reads from SpiffWorkflow's exceptions)."""

    def __init__(self, message: str, task) -> None:
        super().__init__(message)
        self.task = task


def _every_task(wf):
    """The tasks of the workflow and of its subprocesses, in no order: where order does not matter, a
    look at each is cheaper than ``get_tasks``' walk of the tree (issue 22), and it sees all the walk sees."""
    yield from wf.tasks.values()
    for sub in wf.subprocesses.values():
        yield from sub.tasks.values()


def _ready_human(task) -> bool:
    return task.state == TaskState.READY and task.task_spec.manual


def _finished_ids(wf) -> set[UUID]:
    return {t.id for t in _every_task(wf) if t.state & TaskState.FINISHED_MASK}


def advance(inst: ProcessInstance, wf, *, actor=None, timer_job=LOOK_UP,
            open_rows: dict[str, HumanTask] | None = None) -> None:
    """Run engine steps, then mirror the new state. Script errors become an incident.

    ``timer_job``: the instance's pending timer job (None: it has none) when the caller
    knows it; by default the timers look it up, if the workflow has timer events at all.
    ``open_rows``: see ``sync_tasks``."""
    before = _finished_ids(wf)
    try:
        with mail.bind_instance(inst.id):  # customer mails record their instance
            if inst.status == "running" and wf.task_tree.internal_data.get(STALLED):
                _start_stalled(wf)
            wf.refresh_timers()
            wf.do_engine_steps()
            for _ in range(MAX_CONDITION_ROUNDS):  # a step may make a condition true, which runs more steps
                if not (_refresh_conditions(wf) | _end_idle_scopes(wf)):
                    break
                wf.do_engine_steps()
    except (SpiffWorkflowException, Exception) as err:  # a broken script must not break the caller
        _raise_incident(inst, wf, err, actor)
    failed = _timer_error(wf)
    if failed is not None and inst.status != "incident":  # an earlier incident is fixed first
        _raise_incident(inst, wf, failed, actor)
    finished, ready = [], []  # completed by this step; the READY human tasks, for the rows and the stall check
    for t in wf.get_tasks():  # one walk of the task tree for both, in its order
        if t.state == TaskState.COMPLETED and t.id not in before:
            finished.append(t)
        elif _ready_human(t):
            ready.append(t)
    _record_finished(inst, finished, actor)
    _broadcast_signals(inst, finished)
    sync_tasks(inst, wf, actor=actor, open_rows=open_rows, ready=ready)
    stalled = stall_reason(inst, wf, ready)
    if stalled is not None:
        _raise_incident(inst, wf, stalled, actor)
    hooks.emit(hooks.WAIT_STATE, inst, wf, timer_job)
    if wf.completed and inst.status in ("running", "incident"):
        inst.status = "completed"
        inst.ended_at = clock.now()
        history.record(inst.id, "instance_completed", actor=actor)
        hooks.emit(hooks.INSTANCE_ENDED, inst)


def waiting_events(wf) -> list[tuple]:
    """(task, PendingBpmnEvent) for everything the workflow waits for; an event-based gateway's
    branches one by one (SpiffWorkflow reports the gateway as one nameless event)."""
    return [(task, definition.details(task)) for task in list(wf.event_manager.tasks.values())
            for definition in each_event_definition(task.task_spec.event_definition)]


def catching(wf, kind: str, name: str) -> list[str]:
    """The names under which the workflow catches a ``kind`` ('message' or 'signal') called ``name``
    now: a waiting event of that name, a receive task or catch event addressed by its id (caught under
    its own name), or the start event of an event subprocess. [] if nothing waits for it."""
    kind = kind.title()
    names = []
    for task, ev in waiting_events(wf):
        if kind in (ev.event_type or "") and ev.name is not None:
            if ev.name == name or (kind == "Message" and task.task_spec.bpmn_id == name):
                names.append(ev.name)
    for spec_name in getattr(wf.spec.start, "trigger_specs", ()):
        spec = wf.subprocess_specs.get(spec_name)
        for start in getattr(spec, "bpmn_start_events", ()):
            ev = start.event_definition
            if kind in type(ev).__name__ and ev.name == name:
                names.append(name)
    return list(dict.fromkeys(names))


def _refresh_conditions(wf) -> bool:
    """Evaluate the conditional events the workflow waits for; True if one fired."""
    fired = False
    for task in list(wf.event_manager.tasks.values()):
        events = each_event_definition(task.task_spec.event_definition)
        if task.state == TaskState.WAITING and any(isinstance(e, ConditionalEventDefinition) for e in events):
            task.task_spec._update(task)
            fired = fired or task.state != TaskState.WAITING
    return fired


def _end_idle_scopes(wf) -> bool:
    """A (sub)process whose flow has ended while event subprocesses still listen ends (Camunda): the
    listeners stop. SpiffWorkflow's end join would wait for them forever. True if one ended."""
    ended = False
    for workflow in (wf, *wf.subprocesses.values()):
        end = workflow.spec.end.name  # a restored spec's `end` is a copy: compare names
        joins = [t for t in workflow.tasks.values() if t.task_spec.name == end and t.state == TaskState.WAITING]
        for join in joins:
            others = [t for t in workflow.tasks.values() if t.has_state(_ACTIVE) and t is not join]
            if others and all(_idle_event_subprocess(wf, t) for t in others):
                for t in others:
                    t.cancel()
                join.task_spec._update(join)
                ended = True
    return ended


def _idle_event_subprocess(wf, task) -> bool:
    """An event subprocess still waiting for its start event."""
    if not isinstance(task.task_spec, EventSubprocess):
        return False
    sub = wf.subprocesses.get(task.id)
    return sub is not None and not any(isinstance(t.task_spec, StartEvent) and t.has_state(TaskState.FINISHED_MASK)
                                       for t in sub.tasks.values())


def stall_reason(inst: ProcessInstance, wf, ready: list | None = None) -> ElementError | None:
    """Why a running instance can never move on by itself or by anyone (None if it can): not
    completed, yet no human task is ready and no event or timer is awaited. Located on the element
    where it stopped. ``ready``: its READY human tasks, when the caller has them."""
    if ready is None:
        ready = ready_human_tasks(wf)
    if inst.status != "running" or wf.completed or ready or wf.event_manager.tasks:
        return None
    open_tasks = [t for t in wf.get_tasks(state=_ACTIVE) if t.task_spec.bpmn_id]
    where = open_tasks[0] if open_tasks else wf.last_task
    label = element_label(where.task_spec) if where is not None else "?"
    return ElementError(f"The instance stalled at {label}: nothing is ready, waiting or scheduled, and the "
                        "process has not ended.", where)


def catch(inst: ProcessInstance, wf, event, *, actor=None) -> None:
    """Deliver an event (a message, a signal) to the workflow. What it starts may fail (a condition, a
    due date): an incident on that element, never an exception to the sender."""
    try:
        wf.catch(event)
    except Exception as err:
        failed = getattr(err, "task", None) or next(iter(wf.get_tasks(state=TaskState.ERROR)), None)
        _raise_incident(inst, wf, err if failed is None else ElementError(str(err), failed), actor)


def run_human_task(inst: ProcessInstance, wf, task, *, actor=None) -> None:
    """Run a completed human task's spec (``task.run()``), which starts its successors.

    An expression failing there (a conditional event, a multi-instance collection) was an
    exception out of the task completion: now an incident on that successor, started again by
    the next ``advance`` once the instance runs (``runtime.retry_incident``)."""
    try:
        task.run()
    except Exception as err:  # the task itself completed; a successor could not start
        stalled = [c for c in task.children if c.has_state(_UNSTARTED)]
        wf.task_tree.internal_data.setdefault(STALLED, []).extend(str(c.id) for c in stalled)
        if getattr(err, "task", None) is None and stalled:
            err = ElementError(str(err), stalled[0])
        _raise_incident(inst, wf, err, actor)


def _start_stalled(wf) -> None:
    """Update the successors ``run_human_task`` left unstarted; one failing again raises."""
    ids = wf.task_tree.internal_data[STALLED]
    while ids:
        try:
            task = wf.get_task_from_id(UUID(ids[0]))
        except TaskNotFoundException:  # gone meanwhile (cancelled with its branch)
            task = None
        if task is not None and task.has_state(_UNSTARTED):
            try:
                task.task_spec._update(task)
            except Exception as err:
                if getattr(err, "task", None) is None:
                    raise ElementError(str(err), task) from err
                raise
        ids.pop(0)
    del wf.task_tree.internal_data[STALLED]


def _timer_error(wf) -> ElementError | None:
    """The first waiting timer whose expression or value was refused."""
    for task in wf.event_manager.tasks.values():
        message = task.internal_data.get(TIMER_ERROR)
        if message:
            return ElementError(message, task)
    return None


def _raise_incident(inst, wf, err, actor) -> None:
    task = getattr(err, "task", None)
    failed = [t for t in wf.get_tasks(state=TaskState.ERROR)]
    task = task or (failed[0] if failed else None)
    for t in failed:  # ready to run again once the data or diagram is fixed
        t._set_state(TaskState.READY)
    element = task.task_spec.bpmn_id if task is not None else None
    name = (task.task_spec.bpmn_name or element) if task is not None else None
    message = str(err)[:2000] or err.__class__.__name__
    inst.status = "incident"
    inst.incident_element = element
    inst.incident_message = message
    history.record(inst.id, "incident_raised", actor=actor, element_id=element, element_name=name,
                   data={"error": message})
    log.warning("incident on %s at %s: %s", inst, element, message)


def _record_finished(inst, finished, actor) -> None:
    for t in finished:
        kind = _HISTORY_TYPES.get(t.task_spec.__class__.__name__)
        if kind is None or t.task_spec.bpmn_id is None or t.task_spec.bpmn_id.startswith(GENERATED_PREFIX):
            continue
        data = None
        if kind == "compensation_thrown":
            data = {"undo": t.data.get(compensation.QUEUE, [])}
        if isinstance(t.task_spec, DecisionTask):
            data = t.internal_data.get(LAST_RESULT)
        if kind == "gateway_taken":
            data = {"to": [c.task_spec.bpmn_id for c in t.children if c.task_spec.bpmn_id]}
        if kind == "event_caught" and isinstance(t.task_spec.event_definition, TimerEventDefinition):
            kind = "timer_fired"
            late = t.internal_data.get(TIMER_LATE)  # a date already past: fired once, at once
            data = {"late": True, "due": late} if late else None
        history.record(inst.id, kind, actor=actor, element_id=t.task_spec.bpmn_id,
                       element_name=t.task_spec.bpmn_name, data=data)


SIGNAL_JOB = "signal"  # a signal thrown by an instance, for the other instances (runtime.signal_job)


def _broadcast_signals(inst, finished) -> None:
    """A signal thrown here was caught inside this instance at once; the other running instances get
    it through a job (a signal is a broadcast, BPMN 2.0 10.5.6). No data travels with it."""
    for t in finished:
        if not isinstance(t.task_spec, ThrowingEvent):
            continue
        for event in each_event_definition(t.task_spec.event_definition):
            if isinstance(event, SignalEventDefinition) and event.name:
                jobs.enqueue(SIGNAL_JOB, {"name": event.name, "from_instance": inst.id})


def ready_human_tasks(wf) -> list:
    return [t for t in wf.get_tasks(state=TaskState.READY, manual=True)]


# The open rows, and any row ever made for a ready task: a stale state must not re-create a
# finished task (the instance's rev check then rejects the stale write). Built once: composing
# the statement cost more CPU than running it.
_ROWS = select(HumanTask).where(HumanTask.instance_id == bindparam("instance_id"), or_(
    HumanTask.state == "open", HumanTask.task_guid.in_(bindparam("guids", expanding=True))))


def sync_tasks(inst: ProcessInstance, wf, *, actor=None, open_rows: dict[str, HumanTask] | None = None,
               ready: list | None = None) -> list[HumanTask]:
    """One open row per READY human task; rows whose task vanished are cancelled.

    A task whose attributes cannot be evaluated gets no row: an incident on its element instead.
    ``open_rows`` ({task guid: row}): every row the instance had for its READY tasks when its state was
    loaded, when the caller has them in hand (``open_rows_in_hand``); then they are not read again, and
    the dict is kept up to date (cancelled rows out, created rows in): the answer's next tasks.
    ``ready``: the READY human tasks, when the caller has them."""
    ready = {str(t.id): t for t in (ready_human_tasks(wf) if ready is None else ready)}
    if not ready and not any_task_spec(wf, lambda ts: ts.manual):
        return []  # no human tasks, no rows (migration moves no instance waiting in one to such a version)
    if open_rows is not None:  # a new READY task has a new guid: no row can exist for it
        every = list(open_rows.values())
    else:
        with db.session.no_autoflush:  # pending changes (an instance's status) wait: one UPDATE per row
            every = db.session.scalars(_ROWS, {"instance_id": inst.id, "guids": list(ready)}).all()
    rows = [r for r in every if r.state == "open"]
    known = {r.task_guid for r in every}
    for row in rows:
        if row.task_guid not in ready:
            row.state = "cancelled"
            if open_rows is not None:
                open_rows.pop(row.task_guid, None)
            history.record(inst.id, "task_cancelled", task_id=row.id, element_id=row.element_id,
                           element_name=row.name)
    created = []
    for guid, task in ready.items():
        if guid in known or inst.status == "incident" and task.task_spec.bpmn_id == inst.incident_element:
            continue
        try:
            row = new_task_row(inst, task)
        except Exception as err:  # a bad dueDate, assignee...: retryable once the data is fixed
            if inst.status != "incident":
                _raise_incident(inst, wf, ElementError(str(err), task), actor)
            continue
        insert_task(db.session(), row)
        created.append(row)
        if open_rows is not None:
            open_rows[guid] = row
    if created:
        for row in created:
            history.record(inst.id, "task_created", task_id=row.id, element_id=row.element_id, element_name=row.name)
            hooks.emit(hooks.TASK_CREATED, inst, row)
    return created


def open_rows_in_hand(inst: ProcessInstance, wf, row: HumanTask) -> dict[str, HumanTask] | None:
    """{guid: row} of the instance's open task rows when ``row`` is all of them: a running instance
    whose one READY human task is ``row``'s (each READY task of a running instance has its row, made by
    ``sync_tasks``). None otherwise: read them."""
    if inst.status != "running" or wf.task_tree.internal_data.get(STALLED):
        return None
    ready = [t for t in _every_task(wf) if _ready_human(t)]
    return {row.task_guid: row} if len(ready) == 1 and str(ready[0].id) == row.task_guid else None


def open_after(inst: ProcessInstance, open_rows: dict[str, HumanTask] | None) -> list[HumanTask] | None:
    """The instance's open task rows, oldest first, from the ``open_rows`` a step kept up to date
    (``sync_tasks``); None when the step did not have them in hand."""
    return None if open_rows is None else sorted(
        (r for r in open_rows.values() if r.state == "open" and r.instance_id == inst.id), key=lambda r: r.id)


def _evaluate(task, source):
    return script_engine().evaluate(task, source) if source else None


def _attribute(name: str, fn, *args):
    """fn(*args); an error names the attribute: "dueDate: name 'x' is not defined"."""
    try:
        return fn(*args)
    except Exception as err:
        raise ElementError(f"{name}: {error_reason(err)}", None) from err


def _expression_defaults(task, form: list[dict]) -> dict:
    """``camunda:defaultValue="${department}"``: evaluated when the task is created, as in Camunda, and shown
    as the task's draft (a value a business rule task chose, say). A default that cannot be evaluated stays
    blank: it is a convenience, the form's own checks still apply when the task is completed."""
    values = {}
    for f in form:
        default = f.get("default")
        if isinstance(default, str) and default.strip().startswith(("${", "#{")):
            try:
                value = _evaluate(task, default.strip())
            except Exception:  # noqa: BLE001 - see the docstring
                continue
            if value is not None:
                values[f["id"]] = value
    return values


def _resolve_users(values: list[str], task) -> list[int]:
    names = []
    for v in values:
        v = v.strip()
        if v.startswith(("${", "#{")):
            v = str(_evaluate(task, v) or "")
        names.extend(n.strip() for n in v.split(",") if n.strip())
    if not names:
        return []
    with db.session.no_autoflush:
        return list(db.session.scalars(select(User.id).where(User.username.in_(names))))


def _instant(task, source) -> datetime:
    """A due/follow-up date: an instant, or an ISO duration (P1D, PT4H) of working time from now;
    neither beyond the timer horizon."""
    value = _evaluate(task, source)
    now, lim = clock.local_now(), timer_bounds.limits()
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        value = work_calendar.current().add_working(now, value.strip().upper(), horizon_years=lim.horizon_years)
    return timer_bounds.check_date(clock.parse_datetime(value), now, lim).astimezone(timezone.utc)


def _resolve_groups(values: list[str], task) -> list[str]:
    """Candidate groups; `${...}` entries are evaluated (a name, a comma list or a list)."""
    groups = []
    for v in values:
        v = v.strip()
        if v.startswith(("${", "#{")):
            value = _evaluate(task, v)
            items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
            groups.extend(str(i).strip() for i in items if str(i).strip())
        elif v:
            groups.append(v)
    return list(dict.fromkeys(groups))


def new_task_row(inst: ProcessInstance, task) -> HumanTask:
    """The row (transient) of a READY human task, with its candidate rows."""
    meta = human_task_meta(task.task_spec)
    spec = task.task_spec
    name = spec.bpmn_name or spec.bpmn_id or spec.name
    if task_names.has_expressions(name):  # "复核整改结果：${person.name}": one name per person, as Camunda does
        name = _attribute("name", task_names.render, name, lambda source: _evaluate(task, source))
    row = dict(instance_id=inst.id, task_guid=str(task.id), element_id=spec.bpmn_id or spec.name,
               name=name[:200], process_key=inst.process_key,
               process_name=definitions.name_of(inst.definition_id) or inst.process_key,
               business_key=inst.business_key, customer=inst.customer, state="open", created_at=clock.now())
    if meta is None:
        return transient(HumanTask, row | {"confirm_only": True, "form": []}, candidates=[])
    row.update(documentation=meta.documentation or None, confirm_only=bool(meta.confirm_only),
               form=[f.to_dict() if hasattr(f, "to_dict") else f for f in meta.form])
    if getattr(meta, "form_ref", None):  # a Camunda Form: its fields are validated like formData
        form = _attribute("formRef", lambda: form_defs.resolve(meta.form_ref, deployed_at=inst.definition.deployed_at))
        row.update(form=form.fields, form_id=form.id)
    row["draft"] = _expression_defaults(task, row["form"]) or None
    if meta.due_date:
        row["due_at"] = _attribute("dueDate", _instant, task, meta.due_date)
    if meta.follow_up_date:
        row["follow_up_at"] = _attribute("followUpDate", _instant, task, meta.follow_up_date)
    if meta.priority not in (None, ""):
        value = str(meta.priority)
        literal = value.strip().lstrip("-").isdigit()
        row["priority"] = int(value) if literal else _attribute("priority", lambda: int(_evaluate(task, value)))
    if meta.assignee:
        users = _attribute("assignee", _resolve_users, [meta.assignee], task)
        row.update(assignee_id=users[0] if users else None, claimed_at=row["created_at"] if users else None)
    # Evaluated before any candidate row exists: a failure leaves nothing half-made in the session.
    candidate_users = _attribute("candidateUsers", _resolve_users, list(meta.candidate_users), task)
    groups = _attribute("candidateGroups", _resolve_groups, meta.candidate_groups, task)
    candidates = [transient(TaskCandidate, {"user_id": user_id}) for user_id in candidate_users]
    candidates += [transient(TaskCandidate, {"role_name": group}) for group in groups]
    return transient(HumanTask, row, candidates=candidates)


def any_task_spec(wf, predicate: Callable) -> bool:
    """Whether an element of the workflow's process or of a sub-/called process matches."""
    return any(predicate(ts) for spec in (wf.spec, *wf.subprocess_specs.values()) for ts in spec.task_specs.values())
