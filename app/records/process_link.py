"""Records and their processes: creating a service request, complaint or
emergency incident starts its process, and the process keeps the record's
status, deadlines and results current (through the engine's hooks).

Each record kind declares its link in app/records/<kind>/process.py;
``start_for_record(record, actor)`` is the one entry point (FAB add views,
the demo seed, the API and the CLI); the listeners (``register_listeners``,
called by ``create_app``) follow every instance whose ``record_type`` is set."""
from __future__ import annotations

from app.engine import definitions, hooks, runtime
from app.engine.actor import Actor
from app.engine.errors import EngineError
from app.extensions import db
from app.models import HumanTask, ProcessInstance
from app.records.assessment import process as assessment
from app.records.complaints import process as complaints
from app.records.delivery import process as delivery
from app.records.emergency import process as emergency
from app.records.links import Link
from app.records.planning import process as planning
from app.records.quality import process as quality
from app.records.sales import process as sales
from app.records.service import process as service
from app.records.parts import process as parts
from app.records.training import process as training

LINKS: dict[str, Link] = {
    "service_request": service.LINK,
    "complaint": complaints.LINK,
    "emergency_incident": emergency.LINK,
    "service_plan": planning.LINK,
    "quality_improvement_action": quality.LINK,
    "contract_handover": delivery.HANDOVER_LINK,
    "delivery_project": delivery.PROJECT_LINK,
    "sales_order": delivery.ORDER_LINK,
    "refill_order": parts.REFILL_LINK,
    "stocktake": parts.STOCKTAKE_LINK,
    "training_plan": training.LINK,
    "opportunity": sales.LINK,
    "staff_assessment": assessment.LINK,
}
BY_PROCESS: dict[str, Link] = {link.process_key: link for link in LINKS.values()}


def start_for_record(record, actor: Actor, *, commit: bool = True) -> ProcessInstance:
    """Start the record's process (once) and link it: ``record.process_instance_id``."""
    request = None
    if record.__tablename__ == "service_request" and record.kind == "pre_sales" and not record.process_instance_id:
        db.session.flush()  # 售前: a pre-sales request runs the pre-sales process, not the repair flow
        request, record = record, sales.from_request(record)
    record_type = record.__tablename__
    link = LINKS.get(record_type)
    if link is None:
        raise ValueError(f"No process for records of type {record_type}.")
    if record.process_instance_id:
        return db.session.get(ProcessInstance, record.process_instance_id)
    db.session.flush()  # the record needs its id and number
    if not runtime.can_start(definitions.get_definition(link.process_key), actor):
        actor = Actor.system()  # whoever may create the record starts its process (e.g. tech: requests)
    inst = runtime.start_process(link.process_key, actor=actor, business_key=link.business_key(record),
                                 customer=link.customer(record), record=(record_type, record.id),
                                 internal=link.variables(record), commit=False)  # trusted: from the record
    record.process_instance_id = inst.id
    if request is not None:
        request.process_instance_id = inst.id  # the request links to the prospect's process
    if commit:
        db.session.commit()
    return inst


def start_from_view(record) -> None:
    """For the FAB add views: start the process as the signed-in user; a failure keeps the record."""
    from flask import flash, g
    from flask_babel import gettext

    try:
        start_for_record(record, Actor.from_user(g.user))
    except EngineError as err:
        db.session.rollback()
        flash(gettext("The record was saved, but its process did not start: %(error)s", error=err.message),
              "warning")


# --------------------------------------------------------------------------- keeping the record current

def record_of(inst: ProcessInstance):
    """(link, record) of an instance started for a record; (None, None) otherwise."""
    link = LINKS.get(inst.record_type or "")
    if link is None or inst.record_id is None:
        return None, None
    return link, db.session.get(link.model, inst.record_id)


def task_created(inst: ProcessInstance, task: HumanTask) -> None:
    link, record = record_of(inst)
    if record is None:
        return
    draft = link.drafts(record).get(task.element_id)
    if draft and not task.draft:
        task.draft = draft
    status = link.on_task_created(record, task, link.status.get(task.element_id))
    if status:
        record.status = status


def task_completed(inst: ProcessInstance, task: HumanTask) -> None:
    link, record = record_of(inst)
    if record is None:
        link, record = _adopt(inst, task)
    if record is None:
        return
    for new_record in link.on_task_completed(record, task, task.submitted or {}) or ():
        db.session.add(new_record)
        start_for_record(new_record, Actor.system(), commit=False)


def _adopt(inst: ProcessInstance, task: HumanTask):
    """A process started without its record (Start page, API) creates it at its first step:
    every way of starting a complaint, request or incident leaves a record."""
    link = BY_PROCESS.get(inst.process_key)
    if link is None or link.adopt is None or link.adopt_at != task.element_id or inst.record_type:
        return None, None
    record = link.adopt({**runtime.variables_of(inst), **(task.submitted or {})})
    db.session.add(record)
    db.session.flush()  # its id and number
    record.process_instance_id = inst.id
    inst.record_type, inst.record_id = record.__tablename__, record.id
    inst.business_key = inst.business_key or link.business_key(record)
    inst.customer = inst.customer or link.customer(record)
    return link, record


def instance_ended(inst: ProcessInstance) -> None:
    link, record = record_of(inst)
    if record is None:
        return
    record.status = "closed"
    link.on_ended(record, inst)


def task_recommitted(inst: ProcessInstance, task: HumanTask) -> None:
    """A new committed date (the delay notice): the record's deadline moves with its task."""
    link, record = record_of(inst)
    if record is not None and task.element_id in link.due_elements:
        record.due_at = task.due_at


def instance_terminated(inst: ProcessInstance) -> None:
    """A supervisor stopped the process: its record is cancelled (not closed: nothing was resolved)."""
    _link, record = record_of(inst)
    if record is not None:
        record.status = "cancelled"


def _default_fields(model: type) -> dict:
    """A kind that declares no readable fields still offers its number and status by reference."""
    return {name: (lambda record, name=name: getattr(record, name)) for name in ("number", "status")
            if hasattr(model, name)}


def register_listeners() -> None:
    """Follow the engine's events (``create_app``: the web app, the worker and the CLI alike)."""
    assessment.register()  # first: its review check refuses a completion before the records follow it
    from app.engine import record_fields

    for record_type, link in LINKS.items():  # what diagrams may read of their record, by reference
        record_fields.register(record_type, link.model, link.fields or _default_fields(link.model))
    hooks.register(hooks.TASK_CREATED, task_created)
    hooks.register(hooks.TASK_COMPLETED, task_completed)
    hooks.register(hooks.INSTANCE_ENDED, instance_ended)
    hooks.register(hooks.INSTANCE_TERMINATED, instance_terminated)
    hooks.register(hooks.TASK_RECOMMITTED, task_recommitted)
