"""Timers: each instance's one timer job, and the jobs of timer start events.

* An instance waiting for timers has exactly one pending ``timer`` job, due at its earliest timer
  (``keep_timer_job``, on every wait state the engine reaches; ``rearm`` when it is resumed). The
  job runs the instance's engine steps (``fire``): SpiffWorkflow fires what is due.
* A process whose latest version has a timer start event has one pending ``timer_start`` job
  (``schedule_timer_start``, on deployment); it starts an instance and schedules the next one
  (``start_by_timer``). When a start timer fires next is ``timer_bounds.next_start``: the same rule
  at deploy (the validator) and here.

Registered in ``create_app`` (``register``): the job handlers, and listeners on the engine events,
so that the runtime never calls up into this module."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy import select

from app.engine import clock, definitions, history, hooks, jobs, runtime, store, sync, timer_bounds
from app.engine.actor import Actor
from app.engine.bpmn import Problem
from app.engine.errors import Invalid
from app.engine.scripting import evaluate_without_data
from app.extensions import db
from app.models import Job, ProcessDefinition, ProcessInstance

# SpiffWorkflow fires a timer only once the clock is strictly past its time: a job
# run at exactly that instant would find nothing to do and reschedule itself.
TIMER_SLACK = timedelta(milliseconds=1)
TIMER_EVENT_TYPES = ("TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition")


# --- what a workflow waits for -------------------------------------------------------------

def is_timer(task_spec) -> bool:
    event = getattr(task_spec, "event_definition", None)
    return any(isinstance(e, TimerEventDefinition) for e in (event, *getattr(event, "event_definitions", ())))


def has_timer_events(wf) -> bool:
    """Whether the process or a sub-/called process has a timer event: if not, its instances have
    no timer job to look up (migration passes the old version's job itself)."""
    return sync.any_task_spec(wf, is_timer)


def next_timer_due(wf) -> datetime | None:
    """The earliest due time among the timers the workflow waits for."""
    due = []
    for _task, ev in sync.waiting_events(wf):  # an event-based gateway's timer branches too
        if ev.event_type not in TIMER_EVENT_TYPES or ev.value is None:
            continue
        value = ev.value["next"] if isinstance(ev.value, dict) else ev.value
        try:
            due.append(clock.parse_datetime(value).astimezone(timezone.utc))
        except (TypeError, ValueError):
            continue
    return min(due) if due else None


# --- the instance's timer job ----------------------------------------------------------------

def pending_timer(inst: ProcessInstance) -> Job | None:
    return db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.kind == "timer",
                                                Job.state == "pending")).first()


def schedule_instance_timer(inst: ProcessInstance, due: datetime | None, job: Job | None) -> None:
    """Keep exactly one pending timer job per instance, due at its earliest timer.

    ``job`` is the instance's pending timer job (``pending_timer``), None if it has none."""
    due = due + TIMER_SLACK if due is not None else None
    if due is None or inst.status in ("completed", "terminated"):
        if job is not None:
            job.state, job.finished_at = "done", clock.now()
        return
    if job is None:
        db.session.add(Job(kind="timer", instance_id=inst.id, due_at=due, payload={}))
    elif job.due_at != due and job.lease_owner is None:
        job.due_at = due


def keep_timer_job(inst: ProcessInstance, wf, timer_job) -> None:
    """On ``hooks.WAIT_STATE``: ``timer_job`` as ``sync.advance`` got it (``sync.LOOK_UP``: find it)."""
    if timer_job is sync.LOOK_UP:
        timer_job = pending_timer(inst) if has_timer_events(wf) else None
    schedule_instance_timer(inst, next_timer_due(wf), timer_job)


def rearm(inst: ProcessInstance) -> None:
    """On ``hooks.INSTANCE_RESUMED``: a timer job that came due while suspended ended without
    firing; the timers get a job again (due at once if their time has passed)."""
    schedule_instance_timer(inst, next_timer_due(runtime.load_workflow(inst)), pending_timer(inst))


def fire(job: Job) -> None:
    """The ``timer`` job: run the instance's engine steps (SpiffWorkflow fires what is due)."""
    inst = db.session.get(ProcessInstance, job.instance_id)
    if inst is None or inst.status != "running":
        return  # suspended/ended instances: a resume reschedules
    wf = runtime.load_workflow(inst)
    # This job is the instance's one pending timer job and ends now: a next timer gets a new job.
    sync.advance(inst, wf, timer_job=None)
    runtime.save_workflow(inst, wf)


# --- timer start events ------------------------------------------------------------------------

def next_timer_start(source: str, *, after: datetime, fired: int = 0) -> datetime | None:
    """Next fire time of a timer start expression (ISO date, duration or cycle; no process data)."""
    return timer_bounds.next_start(evaluate_without_data(source), after=after, fired=fired)


def schedule_timer_start(definition: ProcessDefinition) -> None:
    """On ``hooks.DEFINITION_DEPLOYED``: a process with a timer start event gets a job that starts it
    (a refused timer value refuses the deployment, located on the start event)."""
    for old in db.session.scalars(select(Job).where(Job.kind == "timer_start", Job.state == "pending")):
        if old.payload.get("key") == definition.key:
            old.state, old.finished_at = "done", clock.now()
    if not definition.timer_start:
        return
    t = clock.now()
    try:
        due = next_timer_start(definition.timer_start, after=t)
    except Exception as err:  # the expression or its value: the diagram's problem, not a 500
        element, name = _timer_start_element(definition)
        problem = Problem(element, name, "startEvent", _l("Timer: %(error)s", error=str(err)),
                          _l("Use a date, a positive duration or a cycle within the limits (see the message)."))
        db.session.rollback()  # nothing of this deployment stays
        raise Invalid(gettext("%(n)s problem(s) prevent deployment.", n=1), problems=[problem.to_dict()]) from err
    if due is not None:
        payload = {"key": definition.key, "fired": 0}
        if due < t:  # a date already past: fires once, now, and the instance's history says so
            payload["late"] = due.isoformat()
        db.session.add(Job(kind="timer_start", due_at=due, payload=payload))


def _timer_start_element(definition: ProcessDefinition) -> tuple[str | None, str | None]:
    """(id, name) of the timer start event of a definition's main process (not via the spec cache:
    a refused deployment's id is rolled back and may be used again)."""
    spec, _ = store.load_specs(definition.spec)
    for ts in spec.task_specs.values():
        if isinstance(ts, StartEvent) and is_timer(ts):
            return ts.bpmn_id, ts.bpmn_name
    return None, None


def start_by_timer(job: Job) -> None:
    """The ``timer_start`` job: start an instance, schedule the next start."""
    definition = definitions.latest_definition(job.payload["key"])
    # The instance must not wait for its own start timer again (it is what fired):
    # runtime.start_process(timer_fired=True) marks it fired before the first step.
    inst = runtime.start_process(definition.key, actor=Actor.system(), commit=False, timer_fired=True)
    if job.payload.get("late"):
        element, name = _timer_start_element(definition)
        history.record(inst.id, "timer_fired", element_id=element, element_name=name,
                       data={"late": True, "due": job.payload["late"]})
    fired = int(job.payload.get("fired", 0)) + 1
    due = next_timer_start(definition.timer_start, after=clock.now(), fired=fired) if definition.timer_start else None
    if due is not None:
        db.session.add(Job(kind="timer_start", due_at=due, payload={"key": definition.key, "fired": fired}))


def register() -> None:
    """The timer job handlers and the engine events the timers follow (``create_app``)."""
    jobs.register("timer", fire, loads_instance=True)
    jobs.register("timer_start", start_by_timer)
    hooks.register(hooks.WAIT_STATE, keep_timer_job, guarded=False)
    hooks.register(hooks.INSTANCE_RESUMED, rearm, guarded=False)
    hooks.register(hooks.DEFINITION_DEPLOYED, schedule_timer_start, guarded=False)
