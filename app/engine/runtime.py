"""Runtime service: start instances, deliver messages and signals, suspend/resume/terminate,
retry incidents. Each operation loads, changes, saves in one transaction;
``rev`` (optimistic locking) makes a concurrent change fail instead of being lost."""
from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any, Callable, Mapping, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.engine import clock, definitions, history, hooks, jobs, store, sync
from app.engine.actor import Actor
from app.engine.bpmn.parser import message_event
from app.engine.dmn.task import pin_decisions
from app.engine.errors import ConcurrentUpdate, Conflict, Forbidden, Invalid, NotFound
from app.engine.forms import SYSTEM_VARIABLES, FormField, validate_form
from app.engine.scripting import script_engine
from app.extensions import db
from app.models import HumanTask, Job, ProcessDefinition, ProcessInstance
from app.models.engine import insert_instance, writes_together

T = TypeVar("T")
RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected (PostgreSQL)
ACTIVE = definitions.ACTIVE
MAX_VARIABLES_BYTES = 256 * 1024
RECORD_FIELDS = [FormField("business_key", maxlength=100), FormField("customer", maxlength=200)]


def load_workflow(inst: ProcessInstance) -> BpmnWorkflow:
    spec, subs = definitions.specs_by_id(inst.definition_id)
    return store.load_state(inst.state, spec, subs, script_engine())


_INSTANCES = ProcessInstance.__table__
# The state written compare-and-set on ``rev``, as the mapper's version check does; built once, a Core
# UPDATE (issue 22: the unit of work cost more than the statement).
_SAVE = _INSTANCES.update().where(_INSTANCES.c.id == bindparam("s_id"), _INSTANCES.c.rev == bindparam("s_rev")) \
    .values(state=bindparam("s_state"), rev=bindparam("s_next"))


@functools.cache
def _save_with(*ctes):
    """PostgreSQL: the state write carrying the step's history row and waiting job (one round trip)."""
    return _SAVE.add_cte(*ctes)


def save_workflow(inst: ProcessInstance, wf: BpmnWorkflow) -> None:
    """Write the instance's state now. A concurrent step that saved first makes this one fail
    (``StaleDataError``: ``with_retry`` runs it again). A new instance, or one whose status or other
    columns changed in this step (its end, an incident), is written by the flush: one UPDATE either way."""
    blob = store.dump_state(wf)
    tracked = sa_inspect(inst)
    if not tracked.persistent or tracked.committed_state:
        inst.state = blob
        return
    rev = inst.rev
    params, ctes, session = {"s_id": inst.id, "s_rev": rev, "s_state": blob, "s_next": rev + 1}, [], db.session()
    if writes_together(session):
        for take, cte in ((history.take_row, history.ROW_CTE), (jobs.take_row, jobs.ROW_CTE)):
            if (row := take(session)) is not None:
                params |= row
                ctes.append(cte)
    done = session.connection().execute(_save_with(*ctes) if ctes else _SAVE, params)
    if done.rowcount != 1:
        raise StaleDataError(f"process instance {inst.id} was saved by someone else meanwhile")
    set_committed_value(inst, "state", blob)
    set_committed_value(inst, "rev", rev + 1)  # the version the mapper checks when it writes the instance later


def with_retry(operation: Callable[[], T], attempts: int = 5,
               before_commit: Callable[[T], None] | None = None) -> T:
    """Run an operation; on an optimistic-lock failure roll back and run it again.
    ``before_commit(result)`` runs in the operation's transaction (an API builds its answer there)."""
    for attempt in range(attempts):
        try:
            result = operation()
            if before_commit is not None:
                before_commit(result)
            db.session.commit()
            return result
        except (StaleDataError, IntegrityError, OperationalError) as err:
            db.session.rollback()
            if isinstance(err, OperationalError) and getattr(err.orig, "sqlstate", None) not in RETRYABLE_SQLSTATES:
                raise
            if attempt == attempts - 1:
                raise ConcurrentUpdate("The instance was changed by someone else meanwhile; please try again.")
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _check_variables(variables: Mapping | None) -> dict:
    variables = dict(variables or {})
    bad = [k for k in variables if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise Invalid("Variable names must be identifiers not starting with '_'.", fields={k: "invalid name" for k in map(str, bad)})
    try:
        size = len(json.dumps(variables, default=str))
    except (TypeError, ValueError) as err:
        raise Invalid(f"Variables must be JSON values: {err}") from err
    if size > MAX_VARIABLES_BYTES:
        raise Invalid(f"Variables are {size} bytes; the limit is {MAX_VARIABLES_BYTES}.")
    return variables


def can_start(definition: ProcessDefinition, actor: Actor) -> bool:
    if not actor.is_staff:
        return False
    groups = set(definition.starter_groups or [])
    return not groups or actor.is_admin or bool(groups & actor.roles)


def start_inputs(definition: ProcessDefinition, variables: Mapping | None, *, internal: Mapping | None = None,
                 timer_fired: bool = False) -> tuple[dict, dict[str, str]]:
    """The start rule, whatever starts the instance (web page, API, message; call activities apply the
    called process's form themselves): (start variables, errors by field).

    ``variables`` is input (typed by a person or sent by a client), checked against the start form:
    declared fields only (others: "unknown field"), their types, constraints and required values; an
    optional field left out is None. A process without a start form accepts any variables: there is
    nothing to check against. ``internal`` holds trusted values computed by server code (a record's
    data): only names, JSON and size are checked, and they stand in for required fields. A start with
    no one to ask (a timer, or server code passing ``internal`` and no ``variables``) requires nothing.
    ``business_key`` and ``starter`` are the engine's own, never input."""
    unattended = timer_fired or (variables is None and internal is not None)
    variables, internal = _check_variables(variables), _check_variables(internal)
    errors = {k: "is set by the engine" for k in SYSTEM_VARIABLES if k in variables or k in internal}
    fields = [FormField.from_dict(f) for f in definition.start_form or []]
    if fields:
        optional = {f.id for f in fields} if unattended else set(internal)
        form = [replace(f, required=False) if f.id in optional else f for f in fields]
        variables, form_errors = validate_form(form, {k: v for k, v in variables.items() if k not in errors})
        errors.update(form_errors)
    return _check_variables({**variables, **internal}), errors


def start_process(key: str, *, actor: Actor, business_key: str | None = None, variables: Mapping | None = None,
                  internal: Mapping | None = None, version: int | None = None, customer: str | None = None,
                  record: tuple[str, int] | None = None, message: str | None = None, timer_fired: bool = False,
                  commit: bool = True,
                  before_commit: Callable[[ProcessInstance], None] | None = None) -> ProcessInstance:
    """Start the latest (or a given) version and run it to its first wait state.

    ``variables`` is input checked by ``start_inputs`` (422 naming each bad field, nothing created);
    ``internal`` is for server code only, never for request data."""
    definition = definitions.get_definition(key, version)
    if not can_start(definition, actor):
        raise Forbidden(f"Your roles may not start '{definition.name}'.")
    if message is None and not timer_fired:
        definitions.refuse_plain_start(definition)
    _, errors = validate_form(RECORD_FIELDS, {"business_key": business_key or "", "customer": customer or ""})
    variables, form_errors = start_inputs(definition, variables, internal=internal, timer_fired=timer_fired)
    errors.update(form_errors)
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    spec, subs = definitions.specs_of(definition)
    wf = BpmnWorkflow(spec, subs, script_engine=script_engine())
    pin_decisions(wf)  # this instance decides by the tables deployed now, whatever is deployed later
    if timer_fired:  # started by its timer start event: that timer has fired already
        store.mark_start_timer_fired(wf)
    variables.update(business_key=business_key, starter=actor.username)
    wf.task_tree.data.update(variables)
    for task in wf.get_tasks():
        task.data.update(variables)
    inst = ProcessInstance(definition=definition, definition_id=definition.id, process_key=definition.key,
                           business_key=business_key, status="running", state=b"", started_by_id=actor.user_id,
                           customer=customer, record_type=record[0] if record else None,
                           record_id=record[1] if record else None)
    insert_instance(db.session(), inst)
    history.record(inst.id, "instance_started", actor=actor, data={"version": definition.version,
                                                                  "business_key": business_key})
    if message:
        wf.do_engine_steps()  # the start event must be waiting before it can catch
        sync.catch(inst, wf, message_event(message, variables), actor=actor)
        history.record(inst.id, "message_received", actor=actor, element_name=message)
    # A new instance has no jobs yet, and no task rows unless a message's catch just made them.
    open_rows = {} if message is None else None
    sync.advance(inst, wf, actor=actor, timer_job=None, open_rows=open_rows)
    save_workflow(inst, wf)
    inst.open_after = sync.open_after(inst, open_rows)  # the answer's open tasks (``queries.open_after``)
    if commit:
        if before_commit is not None:
            before_commit(inst)
        db.session.commit()
    return inst


def start_by_message(name: str, *, actor: Actor, business_key: str | None = None,
                     variables: dict | None = None,
                     before_commit: Callable[[list[ProcessInstance]], None] | None = None) -> list[ProcessInstance]:
    """Start every process whose latest version has a message start event called ``name``; the payload
    is each one's start input (``start_inputs``): if one refuses it, none starts."""
    started = []
    try:
        for d in definitions.latest_definitions():
            if name in (d.start_messages or []):
                started.append(start_process(d.key, actor=actor, business_key=business_key,
                                             variables=variables, message=name, commit=False))
    except Exception:
        db.session.rollback()  # the instances already started for this message go too
        raise
    if not started:
        raise NotFound(f"No deployed process starts on message '{name}'.", message_name=name)
    if before_commit is not None:
        before_commit(started)
    db.session.commit()
    return started


def get_instance(instance_id: int) -> ProcessInstance:
    inst = db.session.get(ProcessInstance, instance_id)
    if inst is None:
        raise NotFound(f"Process instance {instance_id} does not exist.", instance_id=instance_id)
    return inst


def deliver_message(name: str, *, business_key: str, actor: Actor, payload: dict | None = None,
                    process_key: str | None = None,
                    before_commit: Callable[[list[int]], None] | None = None) -> list[int]:
    """Deliver a named message to the running instances with this business key that wait for it."""
    if not actor.is_staff:
        raise Forbidden("Your roles may not send messages to processes.")
    payload = _check_variables(payload)

    def operation() -> list[int]:
        query = select(ProcessInstance).where(ProcessInstance.business_key == business_key,
                                              ProcessInstance.status == "running")
        if process_key:
            query = query.where(ProcessInstance.process_key == process_key)
        delivered = []
        for inst in db.session.scalars(query).all():
            wf = load_workflow(inst)
            names = sync.catching(wf, "message", name)
            if not names:
                continue
            for event_name in names:  # a receive task addressed by its id catches under its own name
                sync.catch(inst, wf, message_event(event_name, payload), actor=actor)
            history.record(inst.id, "message_received", actor=actor, element_name=name, data=payload or None)
            sync.advance(inst, wf, actor=actor)
            save_workflow(inst, wf)
            delivered.append(inst.id)
        if not delivered:
            raise Conflict(f"No running instance with business key '{business_key}' waits for message '{name}'.",
                           message_name=name, business_key=business_key)
        db.session.flush()
        return delivered

    return with_retry(operation, before_commit=before_commit)


def deliver_signal(name: str, *, actor: Actor, payload: dict | None = None, business_key: str | None = None,
                   process_key: str | None = None) -> list[int]:
    """Broadcast a signal to every running instance that waits for it (a catch event, a boundary
    event, an event-based gateway branch or an event subprocess); none waiting is not an error."""
    if not actor.is_staff:
        raise Forbidden("Your roles may not send signals to processes.")
    payload = _check_variables(payload)
    return with_retry(lambda: _signal(name, payload, actor, business_key=business_key, process_key=process_key))


def _signal(name: str, payload: dict, actor: Actor, *, business_key: str | None = None,
            process_key: str | None = None, exclude: int | None = None) -> list[int]:
    query = (select(ProcessInstance).join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
             .where(ProcessInstance.status == "running", ProcessDefinition.bpmn_xml.contains("signal")))
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if exclude is not None:
        query = query.where(ProcessInstance.id != exclude)
    delivered = []
    for inst in db.session.scalars(query.order_by(ProcessInstance.id)).all():
        wf = load_workflow(inst)
        if not sync.catching(wf, "signal", name):
            continue
        sync.catch(inst, wf, BpmnEvent(SignalEventDefinition(name), payload=dict(payload)), actor=actor)
        history.record(inst.id, "event_caught", actor=actor, element_name=name, data={"signal": name, **payload})
        sync.advance(inst, wf, actor=actor)
        save_workflow(inst, wf)
        delivered.append(inst.id)
    db.session.flush()
    return delivered


def signal_job(job: Job) -> None:
    """The ``signal`` job: a signal thrown by an instance reaches the other instances waiting for it."""
    _signal(job.payload["name"], {}, Actor.system(), exclude=job.payload.get("from_instance"))


def register() -> None:
    """The runtime's job handlers (``create_app``)."""
    jobs.register(sync.SIGNAL_JOB, signal_job)


def _require_supervisor(actor: Actor) -> None:
    if not actor.is_supervisor:
        raise Forbidden("Only supervisors and admins may do this.")


def _set_status(instance_id: int, actor: Actor, *, allowed: tuple[str, ...], status: str, event: str,
                reason: str | None = None) -> ProcessInstance:
    _require_supervisor(actor)

    def operation() -> ProcessInstance:
        inst = get_instance(instance_id)
        if inst.status not in allowed:
            raise Conflict(f"Instance {instance_id} is {inst.status}; cannot {event.split('_')[-1]} it.")
        inst.status = status
        if status == "terminated":
            inst.ended_at, inst.end_reason = clock.now(), reason
            for task in db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")):
                task.state = "cancelled"
            for job in db.session.scalars(select(Job).filter_by(instance_id=inst.id, state="pending")):
                job.state = "done"
        history.record(inst.id, event, actor=actor, data={"reason": reason} if reason else None)
        if status == "terminated":
            hooks.emit(hooks.INSTANCE_TERMINATED, inst)  # e.g. its record becomes "cancelled"
        db.session.flush()
        return inst

    return with_retry(operation)


def suspend(instance_id: int, *, actor: Actor, reason: str | None = None) -> ProcessInstance:
    return _set_status(instance_id, actor, allowed=("running", "incident"), status="suspended",
                       event="instance_suspended", reason=reason)


def resume(instance_id: int, *, actor: Actor) -> ProcessInstance:
    inst = _set_status(instance_id, actor, allowed=("suspended",), status="running", event="instance_resumed")
    if inst.incident_element:
        inst.status = "incident"
    hooks.emit(hooks.INSTANCE_RESUMED, inst)  # the timers: a job that came due while suspended ended unfired
    db.session.commit()
    return inst


def terminate(instance_id: int, *, actor: Actor, reason: str) -> ProcessInstance:
    if not reason or not reason.strip():
        raise Invalid("A reason is required to terminate an instance.", fields={"reason": "required"})
    return _set_status(instance_id, actor, allowed=ACTIVE, status="terminated", event="instance_terminated",
                       reason=reason.strip()[:1000])


def set_variables(instance_id: int, variables: dict, *, actor: Actor) -> ProcessInstance:
    """Fix data of an instance (e.g. before retrying an incident)."""
    _require_supervisor(actor)
    variables = _check_variables(variables)

    def operation() -> ProcessInstance:
        inst = get_instance(instance_id)
        wf = load_workflow(inst)
        wf.data.update(variables)
        for task in wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
            task.data.update(variables)
            if task.state == TaskState.WAITING and task.parent is not None:  # a waiting event (a timer)
                task.parent.data.update(variables)  # re-inherits its parent's data on every refresh
        history.record(inst.id, "variables_changed", actor=actor, data=variables)
        if inst.status == "running":
            sync.advance(inst, wf, actor=actor)  # a conditional event may now fire
        save_workflow(inst, wf)
        db.session.flush()
        return inst

    return with_retry(operation)


def retry_incident(instance_id: int, *, actor: Actor) -> ProcessInstance:
    _require_supervisor(actor)

    def operation() -> ProcessInstance:
        inst = get_instance(instance_id)
        if inst.status != "incident":
            raise Conflict(f"Instance {instance_id} has no incident to retry.")
        element = inst.incident_element
        inst.status, inst.incident_element, inst.incident_message = "running", None, None
        history.record(inst.id, "incident_resolved", actor=actor, element_id=element)
        wf = load_workflow(inst)
        sync.advance(inst, wf, actor=actor)
        save_workflow(inst, wf)
        db.session.flush()
        return inst

    return with_retry(operation)


def variables_of(inst: ProcessInstance) -> dict[str, Any]:
    """The instance's current data, merged from its active and last tasks."""
    wf = load_workflow(inst)
    data = dict(wf.data)
    tasks = sync.ready_human_tasks(wf) or ([wf.last_task] if wf.last_task else [])
    for t in tasks:
        data.update(t.data)
    return data


def task_variables(inst: ProcessInstance, guids: list[str]) -> dict[str, dict[str, Any]]:
    """{task guid: the data that task sees} for tasks of the instance's stored state: a task of a
    multi-instance loop sees its own item (``camunda:elementVariable``), which is how a record tells
    whose task it is. A guid the state no longer holds is left out."""
    if not guids:
        return {}
    wf = load_workflow(inst)
    out = {}
    for guid in guids:
        try:
            task = wf.get_task_from_id(UUID(guid))
        except Exception:  # noqa: BLE001 - gone (TaskNotFoundException) or not a guid: not ours to read
            task = None
        if task is not None:
            out[guid] = dict(task.data)
    return out
