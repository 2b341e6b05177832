"""Walk a deployed diagram through the engine's public services, as people and clients would:
complete tasks, deliver messages and signals, change data, let timers come due."""
from __future__ import annotations

import itertools
from datetime import timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from app.engine import clock, definitions, history, runtime, sync, tasks, timers
from app.extensions import db
from app.models import HumanTask, Job, ProcessInstance

DIAGRAMS = Path(__file__).resolve().parents[1] / "data" / "bpmn" / "camunda"
_keys = itertools.count(1)
# who works a task offered to a group (the demo users)
WORKER = {"CustomerService": "agent", "Supervisor": "supervisor", "TechSupport": "tech",
          "FieldService": "field", "Sales": "sales"}


def deploy(name: str, actors) -> str:
    """Deploy tests/data/bpmn/camunda/<name>.bpmn; its process key."""
    return definitions.deploy((DIAGRAMS / f"{name}.bpmn").read_bytes(), actor=actors["owner"],
                              filename=f"{name}.bpmn").definition.key


class Walk:
    def __init__(self, name: str, actors, **variables) -> None:
        self.actors = actors
        self.key = deploy(name, actors)
        self.business_key = f"{name}-{next(_keys)}"
        self.inst = runtime.start_process(self.key, actor=actors["agent"], business_key=self.business_key,
                                          variables=variables or None)
        db.session.commit()

    # --- what the instance shows ---------------------------------------------------------
    def refresh(self) -> ProcessInstance:
        db.session.expire_all()
        self.inst = db.session.get(ProcessInstance, self.inst.id)
        return self.inst

    @property
    def status(self) -> str:
        return self.refresh().status

    def open_tasks(self) -> list[str]:
        self.refresh()
        return sorted(db.session.scalars(select(HumanTask.element_id).where(
            HumanTask.instance_id == self.inst.id, HumanTask.state == "open")))

    def cancelled_tasks(self) -> list[str]:
        return sorted(db.session.scalars(select(HumanTask.element_id).where(
            HumanTask.instance_id == self.inst.id, HumanTask.state == "cancelled")))

    def passed(self) -> list[str]:
        """Element ids in the order the history records them done (tasks, events, gateways)."""
        done = {"task_completed", "gateway_taken", "message_received", "event_caught", "timer_fired",
                "end_event", "subprocess_completed"}
        return [e.element_id for e in history.for_instance(self.inst.id) if e.event in done and e.element_id]

    def timer_job(self) -> Job | None:
        return timers.pending_timer(self.refresh())

    def waiting_for(self) -> list[str]:
        wf = runtime.load_workflow(self.refresh())
        return sorted(f"{ev.event_type}:{ev.name}" for _t, ev in sync.waiting_events(wf))

    # --- acting on it ------------------------------------------------------------------------
    def complete(self, element: str, **data) -> None:
        row = db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == self.inst.id, HumanTask.element_id == element,
            HumanTask.state == "open")).first()
        assert row is not None, f"no open task {element!r}; open: {self.open_tasks()}"
        groups = [c.role_name for c in row.candidates if c.role_name]
        actor = self.actors[WORKER.get(groups[0], "admin") if groups else "admin"]
        if data:
            runtime.set_variables(self.inst.id, data, actor=self.actors["supervisor"])
        tasks.complete(row.id, {}, actor=actor)
        db.session.commit()

    def message(self, name: str, **payload) -> list[int]:
        ids = runtime.deliver_message(name, business_key=self.business_key, actor=self.actors["agent"],
                                      payload=payload or None)
        db.session.commit()
        return ids

    def signal(self, name: str, **payload) -> list[int]:
        ids = runtime.deliver_signal(name, actor=self.actors["agent"], payload=payload or None,
                                     business_key=self.business_key)
        db.session.commit()
        return ids

    def set(self, **variables) -> None:
        runtime.set_variables(self.inst.id, variables, actor=self.actors["supervisor"])
        db.session.commit()

    def fire_timer(self) -> None:
        """Let the instance's next timer come due: its job runs on a clock just past its due time."""
        job = self.timer_job()
        assert job is not None, "no timer job"
        due = job.due_at if job.due_at.tzinfo else job.due_at.replace(tzinfo=timezone.utc)
        with clock.use(lambda: due + timedelta(seconds=1)):
            timers.fire(job)
            job.state, job.finished_at = "done", clock.now()
        db.session.commit()

    def run_signal_jobs(self) -> int:
        """Run the pending ``signal`` jobs (signals thrown by instances), as the worker would."""
        pending = db.session.scalars(select(Job).where(Job.kind == sync.SIGNAL_JOB, Job.state == "pending")).all()
        for job in pending:
            runtime.signal_job(job)
            job.state, job.finished_at = "done", clock.now()
        db.session.commit()
        return len(pending)

    # --- the invariant -------------------------------------------------------------------------
    def assert_not_stalled(self) -> None:
        """Nothing "running" with nothing waiting: a running instance has an open task, an awaited
        event or a pending job; otherwise it has ended or carries a located incident."""
        inst = self.refresh()
        if inst.status == "incident":
            assert inst.incident_element and inst.incident_message
            return
        if inst.status != "running":
            return
        wf = runtime.load_workflow(inst)
        jobs = db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.state == "pending")).all()
        assert self.open_tasks() or sync.waiting_events(wf) or jobs, \
            f"{self.key}: running with nothing waiting (history: {self.passed()})"
        assert sync.stall_reason(inst, wf) is None
