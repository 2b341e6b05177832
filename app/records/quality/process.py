"""How the quality records follow their processes.

* ``quality_daily_check`` (timer-started each day, working days only): each ``spot_check`` task of a
  department head opens its ``SpotCheck`` with the day's sample; completing it closes the check.
* ``quality_monthly_inspection`` (timer-started on the 1st): its ``write_report`` task opens the
  month's ``QualityInspection``; completing it mails the report to the departments concerned.
* ``quality_improvement``: one instance per ``ImprovementAction`` (``LINK``, started with the record).
* ``maintenance_visit``: one instance per equipment item with a maintenance interval (its cycle
  timer); each ``return_visit`` task opens a ``MaintenanceVisit`` that takes the advice."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from app.engine import clock, definitions, hooks, people, runtime
from app.engine.actor import Actor
from app.extensions import db
from app.models import Equipment, HumanTask, ProcessInstance
from app.records.links import Link
from app.records.quality import service
from app.records.quality.models import ImprovementAction, MaintenanceVisit, QualityInspection, SpotCheck

DAILY, MONTHLY, IMPROVEMENT, MAINTENANCE = (
    "quality_daily_check", "quality_monthly_inspection", "quality_improvement", "maintenance_visit")
INSPECTION_RECORD = "quality_inspection"
EQUIPMENT_RECORD = "equipment"


# --------------------------------------------------------------------------- improvement actions (a Link)

def _action_variables(action: ImprovementAction) -> dict[str, Any]:
    due = datetime.combine(action.due_on, time(18, 0), tzinfo=clock.zone())  # the close of the due day
    return {"action_owner": people.username(action.owner_id), "action_due": due.isoformat(),
            "record_number": action.number}


def _action_created(action: ImprovementAction, task: HumanTask, status: str | None) -> str | None:
    if task.element_id == "carry_out" and action.status == "verifying":
        action.rework_count = (action.rework_count or 0) + 1  # the supervisor found it not effective
    return status


def _action_completed(action: ImprovementAction, task: HumanTask, data: dict) -> None:
    if task.element_id == "carry_out":
        action.evidence = data.get("evidence") or action.evidence
    elif task.element_id == "verify":
        action.verify_note = data.get("verify_note") or action.verify_note


def _action_ended(action: ImprovementAction, inst: ProcessInstance) -> None:
    action.closed_at = action.closed_at or inst.ended_at or clock.now()


LINK = Link(ImprovementAction, IMPROVEMENT, lambda r: r.number, lambda r: None, _action_variables, lambda r: {},
            {"carry_out": "in_progress", "verify": "verifying"}, on_task_created=_action_created,
            on_task_completed=_action_completed, on_ended=_action_ended, due_elements=())


# --------------------------------------------------------------------------- maintenance cycles

def cycle_of(equipment: Equipment) -> ProcessInstance | None:
    return db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.record_type == EQUIPMENT_RECORD, ProcessInstance.record_id == equipment.id,
        ProcessInstance.process_key == MAINTENANCE, ProcessInstance.status.in_(runtime.ACTIVE))).first()


def sync_cycle(equipment: Equipment, *, commit: bool = True) -> ProcessInstance | None:
    """The equipment's return-visit cycle follows its maintenance interval: started when one is set,
    replaced when it changes, stopped when it is cleared. Returns the running cycle."""
    months = equipment.maintenance_interval_months
    service.check_interval(months)
    every = f"P{months}M" if months else None
    current = cycle_of(equipment)
    if current is not None and every is not None and runtime.variables_of(current).get("maintenance_every") == every:
        return current
    system = Actor.system()
    if current is not None:
        runtime.terminate(current.id, actor=system, reason="保养周期已更改")
    inst = None
    if every is not None and definitions.latest_definition(MAINTENANCE) is not None:
        inst = runtime.start_process(
            MAINTENANCE, actor=system, business_key=equipment.serial,
            customer=equipment.customer.name if equipment.customer else None,
            record=(EQUIPMENT_RECORD, equipment.id),
            internal={"maintenance_every": every, "equipment_id": equipment.id}, commit=False)
    if commit:
        db.session.commit()
    return inst


# --------------------------------------------------------------------------- listeners

def task_created(inst: ProcessInstance, task: HumanTask) -> None:
    if inst.process_key == DAILY and task.element_id == "spot_check":
        service.open_spot_check(task, inst.id)
    elif inst.process_key == MONTHLY and task.element_id == "write_report":
        insp = service.open_inspection(inst.id)
        if not inst.record_type:
            inst.record_type, inst.record_id = INSPECTION_RECORD, insp.id
            inst.business_key = inst.business_key or insp.period
    elif inst.process_key == MAINTENANCE and task.element_id == "return_visit" and inst.record_type == EQUIPMENT_RECORD:
        equipment = db.session.get(Equipment, inst.record_id)
        if equipment is not None:
            db.session.add(MaintenanceVisit(equipment_id=equipment.id, customer_id=equipment.customer_id,
                                            due_at=task.due_at, human_task_id=task.id, process_instance_id=inst.id,
                                            created_at=clock.now()))


def task_completed(inst: ProcessInstance, task: HumanTask) -> None:
    data = task.submitted or {}
    if inst.process_key == DAILY and task.element_id == "spot_check":
        check = db.session.scalars(select(SpotCheck).where(SpotCheck.human_task_id == task.id)).first()
        if check is not None:
            service.complete_spot_check(check, data)
    elif inst.process_key == MONTHLY and task.element_id == "write_report" and inst.record_type == INSPECTION_RECORD:
        insp = db.session.get(QualityInspection, inst.record_id)
        if insp is not None:
            service.send_report(insp, data)
    elif inst.process_key == MAINTENANCE and task.element_id == "return_visit":
        visit = db.session.scalars(select(MaintenanceVisit).where(MaintenanceVisit.human_task_id == task.id)).first()
        if visit is not None:
            visit.method = data.get("visit_method") or visit.method
            visit.condition = data.get("equipment_condition") or visit.condition
            visit.advice = data.get("maintenance_advice") or visit.advice
            visit.visited_at, visit.visited_by_id, visit.status = clock.now(), task.completed_by_id, "done"


def instance_terminated(inst: ProcessInstance) -> None:
    if inst.process_key == MAINTENANCE:
        for visit in db.session.scalars(select(MaintenanceVisit).where(
                MaintenanceVisit.process_instance_id == inst.id, MaintenanceVisit.status == "open")):
            visit.status = "cancelled"


def register_listeners() -> None:
    """``create_app``: the quality records follow their processes (the improvement actions through
    ``process_link.LINKS``)."""
    hooks.register(hooks.TASK_CREATED, task_created)
    hooks.register(hooks.TASK_COMPLETED, task_completed)
    hooks.register(hooks.INSTANCE_TERMINATED, instance_terminated)
