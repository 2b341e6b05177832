"""Move running instances to another version of their process, where it is safe.

SpiffWorkflow's ``diff_workflow`` aligns the instance's tasks with the new
spec; ``migrate_workflow`` then re-points them and re-predicts the branches that
wait (READY/WAITING). An instance moves only if:

* no task the instance has started, finished or waits in belongs to an
  element that the new version removed (predicted tasks may vanish), and no
  element it waits in was replaced by another one (SpiffWorkflow aligns a
  removed element with a new one in the same place);
* no element it currently waits in changed its type (a user task that became
  a script task would suddenly run);
* every running sub-process / call activity still exists in the new version;
* the migrated state survives a round trip through the serializer with the
  new spec (the proof: this is exactly what every later load does).

Waiting timers keep their due time (``reset_branch`` would restart them).
Open inbox rows of tasks whose element changed get the new name, form and
candidates; their claim and due date stay.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app.audit import audit
from app.engine import definitions, history, runtime, store, sync, timers
from app.engine.actor import Actor
from app.engine.bpmn.specs import CALLED_DEFINITIONS, CalledSpecs
from app.engine.errors import Forbidden, Invalid
from app.engine.scripting import script_engine
from app.extensions import db
from app.models import HumanTask, ProcessDefinition, ProcessInstance, TaskCandidate

ACTIVE = definitions.ACTIVE
_ACTIVE_STATES = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
_KEPT_STATES = _ACTIVE_STATES | TaskState.COMPLETED | TaskState.CANCELLED


@dataclass
class Plan:
    instance: ProcessInstance
    reasons: list[str] = field(default_factory=list)
    waiting_at: list[str] = field(default_factory=list)
    changed_elements: set[str] = field(default_factory=set)
    workflow: Any = None  # the migrated workflow when the plan is safe

    @property
    def migratable(self) -> bool:
        return not self.reasons and self.workflow is not None

    def to_dict(self) -> dict:
        inst = self.instance
        return {"id": inst.id, "business_key": inst.business_key, "status": inst.status,
                "from_version": inst.definition.version if inst.definition else None,
                "at": self.waiting_at, "migratable": self.migratable, "reasons": self.reasons}


def _require_rights(actor: Actor) -> None:
    if not (actor.is_supervisor or "ProcessOwner" in actor.roles):
        raise Forbidden("Only supervisors, process owners and admins migrate instances.")


def _label(spec) -> str:
    name = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
    bpmn_id = getattr(spec, "bpmn_id", None)
    return f"'{name}'" + (f" ({bpmn_id})" if bpmn_id and bpmn_id != name else "")


def _check(diff, workflow, version: int, plan: Plan) -> None:
    """Reasons why the aligned workflow (top level or a sub-process) cannot move."""
    for task in diff.removed:
        if task.state & _KEPT_STATES and getattr(task.task_spec, "bpmn_id", None):
            plan.reasons.append(f"{_label(task.task_spec)} is {TaskState.get_name(task.state).lower()} in this "
                                f"instance but does not exist in version {version}.")
    for task, new_spec in diff.alignment.items():
        old_id = getattr(task.task_spec, "bpmn_id", None)
        if new_spec is not None and old_id and task.state & _ACTIVE_STATES \
                and getattr(new_spec, "bpmn_id", None) != old_id:
            plan.reasons.append(f"The instance waits at {_label(task.task_spec)}, which version {version} "
                                f"replaced with {_label(new_spec)}.")
    for task in diff.changed:
        new_spec = diff.alignment.get(task)
        if new_spec is not None and getattr(task.task_spec, "bpmn_id", None):
            plan.changed_elements.add(task.task_spec.bpmn_id)
        if task.state & _ACTIVE_STATES and new_spec is not None \
                and type(new_spec).__name__ != type(task.task_spec).__name__:
            plan.reasons.append(f"The instance waits at {_label(task.task_spec)}, whose type changed "
                                f"({type(task.task_spec).__name__} → {type(new_spec).__name__}) in version {version}.")


def _waiting_timers(workflow) -> dict:
    """internal_data of waiting timer events, so that migration does not restart them."""
    saved = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        event = getattr(task.task_spec, "event_definition", None)
        if event is not None and "Timer" in type(event).__name__:
            saved[task.id] = (type(event).__name__, deepcopy(task.internal_data))
    return saved


def _restore_timers(workflow, saved: dict) -> None:
    for task in workflow.get_tasks(state=TaskState.WAITING):
        kind, data = saved.get(task.id, (None, None))
        event = getattr(task.task_spec, "event_definition", None)
        if kind is not None and type(event).__name__ == kind:
            task.internal_data = data


def plan_instance(inst: ProcessInstance, target: ProcessDefinition) -> Plan:
    """Try the migration in memory; the plan carries the migrated workflow if it is safe."""
    plan = Plan(inst)
    try:
        wf = runtime.load_workflow(inst)
    except Exception as exc:  # noqa: BLE001 - a broken state is a reason, not a crash
        plan.reasons.append(f"The instance's state cannot be loaded: {type(exc).__name__}: {exc}")
        return plan
    plan.waiting_at = sorted({(t.task_spec.bpmn_name or t.task_spec.bpmn_id)
                              for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
                              if getattr(t.task_spec, "bpmn_id", None)})
    new_spec, new_subs = definitions.specs_of(target)
    called = wf.task_tree.internal_data.get(CALLED_DEFINITIONS)
    if called:  # processes chosen at run time by calledElement stay what they were
        new_subs = {**CalledSpecs.by_ids(called), **new_subs}
    registry = store._registry
    try:
        top, sub_diffs = diff_workflow(registry, wf, new_spec, new_subs)
    except Exception as exc:  # noqa: BLE001
        plan.reasons.append(f"SpiffWorkflow cannot align this instance with version {target.version}: "
                            f"{type(exc).__name__}: {exc}")
        return plan
    _check(top, wf, target.version, plan)
    for sp_id, sp_diff in sub_diffs.items():
        sub = wf.subprocesses[sp_id]
        if sp_diff is None:
            if sub.tasks and any(t.state & _KEPT_STATES for t in sub.tasks.values()):
                plan.reasons.append(f"The sub-process '{sub.spec.name}' this instance runs does not exist in "
                                    f"version {target.version}.")
            continue
        _check(sp_diff, sub, target.version, plan)
    if plan.reasons:
        return plan
    try:
        timers = _waiting_timers(wf)
        migrate_workflow(top, wf, new_spec)
        for sp_id, sp_diff in sub_diffs.items():
            if sp_diff is not None:
                sub = wf.subprocesses[sp_id]
                migrate_workflow(sp_diff, sub, new_subs[sub.spec.name])
        wf.subprocess_specs = new_subs
        _restore_timers(wf, timers)
        # The proof: the migrated state must restore against the new spec.
        migrated = store.load_state(store.dump_state(wf), new_spec, new_subs, script_engine())
    except Exception as exc:  # noqa: BLE001
        plan.reasons.append(f"SpiffWorkflow cannot move this instance to version {target.version}: "
                            f"{type(exc).__name__}: {exc}")
        return plan
    plan.workflow = migrated
    return plan


def _target(key: str, target_version: int | None) -> ProcessDefinition:
    return definitions.get_definition(key, int(target_version) if target_version else None)


def _candidates(key: str, target: ProcessDefinition, instance_ids: list[int] | None = None) -> list[ProcessInstance]:
    q = (select(ProcessInstance).where(ProcessInstance.process_key == key, ProcessInstance.status.in_(ACTIVE),
                                       ProcessInstance.definition_id != target.id)
         .order_by(ProcessInstance.id))
    if instance_ids is not None:
        q = q.where(ProcessInstance.id.in_([int(i) for i in instance_ids]))
    return list(db.session.scalars(q).all())


def preview(key: str, *, actor: Actor, target_version: int | None = None) -> dict:
    """Which active instances of ``key`` would move to the target version, and why the others would not."""
    _require_rights(actor)
    target = _target(key, target_version)
    plans = [plan_instance(inst, target) for inst in _candidates(key, target)]
    db.session.rollback()  # nothing of the dry run is kept
    items = [p.to_dict() for p in plans]
    return {"key": key, "target_version": target.version, "instances": items,
            "migratable": sum(1 for i in items if i["migratable"]),
            "refused": sum(1 for i in items if not i["migratable"])}


def _refresh_open_rows(inst: ProcessInstance, wf, changed: set[str]) -> None:
    """Open inbox rows of changed elements get the new name, form and candidates."""
    ready = {str(t.id): t for t in sync.ready_human_tasks(wf)}
    rows = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id,
                                                      HumanTask.state == "open")).all()
    for row in rows:
        task = ready.get(row.task_guid)
        if task is None or row.element_id not in changed:
            continue
        with db.session.no_autoflush:
            fresh = sync.new_task_row(inst, task)
        row.name, row.documentation, row.form = fresh.name, fresh.documentation, fresh.form
        row.confirm_only, row.process_name = bool(fresh.confirm_only), fresh.process_name
        if fresh.priority is not None:
            row.priority = fresh.priority
        if row.due_at is None:
            row.due_at = fresh.due_at
        row.candidates.clear()
        for cand in fresh.candidates:
            row.candidates.append(TaskCandidate(role_name=cand.role_name, user_id=cand.user_id))
        fresh.candidates.clear()
        if fresh in db.session:
            db.session.expunge(fresh)


def migrate(key: str, *, actor: Actor, target_version: int | None = None,
            instance_ids: list[int] | None = None) -> dict:
    """Move the given (default: all migratable) active instances to the target version.

    Each instance moves in its own transaction; one that became unsafe or was
    changed meanwhile is reported as refused, the others still move.
    """
    _require_rights(actor)
    target = _target(key, target_version)
    if instance_ids is not None and not isinstance(instance_ids, list):
        raise Invalid("instance_ids must be a list of instance ids.", fields={"instance_ids": "list expected"})
    ids = [inst.id for inst in _candidates(key, target, instance_ids)]
    target_id, version = target.id, target.version
    migrated, refused = [], []
    for instance_id in ids:
        def operation(instance_id=instance_id):
            inst = runtime.get_instance(instance_id)
            target_def = db.session.get(ProcessDefinition, target_id)
            if inst.status not in ACTIVE or inst.definition_id == target_id:
                return None
            plan = plan_instance(inst, target_def)
            if not plan.migratable:
                return plan.reasons
            from_version = inst.definition.version
            inst.definition = target_def
            inst.definition_id = target_id
            wf = plan.workflow
            history.record(inst.id, "instance_migrated", actor=actor,
                           data={"from_version": from_version, "to_version": version, "to_definition_id": target_id})
            _refresh_open_rows(inst, wf, plan.changed_elements)
            if inst.status == "running":  # the old version's timer job, even if the new one has no timers
                sync.advance(inst, wf, actor=actor, timer_job=timers.pending_timer(inst))
            else:
                sync.sync_tasks(inst, wf)
            runtime.save_workflow(inst, wf)
            db.session.flush()
            return []

        try:
            reasons = runtime.with_retry(operation)
        except Exception as exc:  # noqa: BLE001 - one instance must not stop the others
            db.session.rollback()
            reasons = [f"{type(exc).__name__}: {exc}"]
        if reasons is None:
            continue
        if reasons:
            refused.append({"id": instance_id, "reasons": reasons})
        else:
            migrated.append(instance_id)
    if migrated:
        audit("instances_migrated", target=f"{key} v{version}", detail=",".join(map(str, migrated))[:500])
        db.session.commit()
    return {"key": key, "target_version": version, "migrated": migrated, "refused": refused}
