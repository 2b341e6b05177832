"""Every SLA state, for every kind, with real history (the issue: "A truthful demo ... every SLA state
(on time, at risk, overdue, breached and escalated) appears with real history").

After the demo's walks (``processes.seed_processes``) ``coverage.sla_states`` says which states
each kind (requests, complaints, incidents) shows. For a state still missing:

* **at risk**: a new record of the kind arrives now-ish, at a time chosen so that its first step's
  deadline (``sla_policy.due``, the policy's one number) is inside the at-risk window now; its
  process is started and walked on the simulated clock like every other demo record;
* **escalated**: the latest overdue open task of the kind gets the SLA reminders the engine gives
  every task (``notifications.schedule_sla``, skipped while the seeder is muted) and the due breach
  reminder runs as the job worker would: the assignee (or group) and their department head are mailed;
* **on time**: a new record of the kind arrives five minutes ago and its first steps are done at
  once, before their deadlines (an incident's 15-minute response, for one);
* overdue and breached come from the walks themselves (tasks left open past their due time, tasks
  done after it).

Idempotent: a state already present is not produced again."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.demo.coverage import KINDS, sla_states
from app.engine import clock, jobs, notifications, sla, sla_policy
from app.engine.actor import Actor
from app.extensions import db
from app.models import Complaint, EmergencyIncident, HumanTask, Job, ProcessInstance, ServiceRequest

# on time: a record that came in minutes ago, its first steps done at once (before their deadlines)
ON_TIME_TARGET = {"requests": "classify", "complaints": "forward", "incidents": "organise"}
ON_TIME_AGO = timedelta(minutes=5)
FIRST_STEP = {"requests": ("after_sales", "accept", "accept"), "complaints": ("complaint", "register", "register"),
              "incidents": ("emergency_incident", "respond", "report")}


def at_risk_start(kind: str, milestone: str, now: datetime) -> datetime | None:
    """A start (minutes before ``now``) whose deadline is at risk, not yet overdue, at ``now``."""
    for back in range(1, 3 * 24 * 60, 1 if kind != "complaint" else 5):
        start = now - timedelta(minutes=back)
        due = sla_policy.due(kind, milestone, start)
        state = sla.state(due, start=start, now=now)
        if state == sla.AT_RISK:
            return start
        if state == sla.OVERDUE:
            return None
    return None


def _new_record(kind: str, start: datetime):
    """A new record of ``kind`` arriving at ``start``, for the latest record's customer."""
    if kind == "requests":
        last = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id.desc()).limit(1)).first()
        if last is None:
            return None
        return ServiceRequest(customer_id=last.customer_id, contact_id=last.contact_id, kind="after_sales",
                              channel="phone", type="routine_fault", priority="normal", status="new",
                              subject="焊接机器人示教器报警，需确认 Teach pendant alarm", created_at=start)
    if kind == "complaints":
        last = db.session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).first()
        if last is None:
            return None
        return Complaint(customer_id=last.customer_id, contact_id=last.contact_id, received_at=start,
                         matter="上门服务预约时间一再变更 The visit was rescheduled twice", status="received")
    last = db.session.scalars(select(EmergencyIncident).order_by(EmergencyIncident.id.desc()).limit(1)).first()
    if last is None:
        return None
    return EmergencyIncident(type=last.type, title=f"{last.title}（新报告）", description=last.description,
                             reported_at=start, contingency_plan_id=last.contingency_plan_id, status="reported",
                             customers=list(last.customers))


def _escalate(kind: str, now: datetime) -> int:
    """Run the SLA breach reminder of the kind's latest overdue open task, as the worker would."""
    record_type = KINDS[kind]
    rows = db.session.scalars(select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                              .where(ProcessInstance.record_type == record_type, HumanTask.state == "open",
                                     HumanTask.due_at < now).order_by(HumanTask.due_at.desc()))
    for task in rows:
        notifications.schedule_sla(task)  # what a task created outside the muted seeder gets
        db.session.flush()
        breach = db.session.scalars(select(Job).where(Job.kind == "sla_breach", Job.state == "pending",
                                                      Job.instance_id == task.instance_id)
                                    .order_by(Job.id.desc())).first()
        if breach is not None and breach.payload.get("task_id") == task.id:
            owner = jobs.worker_id()  # the seeder leases the due reminder as a worker does, and runs it
            breach.lease_owner, breach.lease_expires_at = owner, now + jobs.lease_duration()
            db.session.commit()
            jobs.run_job(breach.id, owner)
            db.session.commit()
            if db.session.get(Job, breach.id).state == "done":
                return 1
    return 0


def show_every_state(run, starter: Actor, actors: dict[str, Actor]) -> dict[str, list[str]]:
    """Produce the missing states (``run``: ``processes._run``); returns {kind: states produced}."""
    now = clock.now()
    produced: dict[str, list[str]] = {}
    for kind, states in sla_states(now).items():
        if "on_time" not in states:
            start = now - ON_TIME_AGO
            record = _new_record(kind, start)
            if record is not None:
                db.session.add(record)
                if run(record, ON_TIME_TARGET[kind], start, now, starter, actors, claim=False):
                    produced.setdefault(kind, []).append("on_time")
        if "at_risk" not in states:
            policy_kind, milestone, target = FIRST_STEP[kind]
            start = at_risk_start(policy_kind, milestone, now)
            record = _new_record(kind, start) if start else None
            if record is not None:
                db.session.add(record)
                if run(record, target, start, now, starter, actors, claim=False):
                    produced.setdefault(kind, []).append("at_risk")
        if "escalated" not in states and _escalate(kind, now):
            produced.setdefault(kind, []).append("escalated")
    return produced
