"""Demo processes that live: start the processes of the latest demo records and
walk them, as the demo users, to the stage each record is at.

Afterwards the inboxes show every kind of task: unclaimed group tasks, claimed
tasks, at-risk and overdue tasks and completed instances. Each walk runs on its
own simulated clock (``timeline``) from the record's date, so the engine dates
tasks, history and deadlines as if the work had happened then. Task mails are
muted (``notifications.muted``): the history must not mail the demo users.
Idempotent: records that already have a process are skipped.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.demo import presales, timeline
from app.demo.task_data import task_data
from app.engine import clock, definitions, notifications, tasks
from app.engine.actor import Actor
from app.engine.errors import EngineError, NotFound
from app.extensions import db
from app.models import Complaint, EmergencyIncident, HumanTask, ProcessInstance, ServiceRequest
from app.records.process_link import start_for_record

log = logging.getLogger(__name__)

ROLE_USER = {"CustomerService": "agent", "Supervisor": "supervisor", "TechSupport": "tech",
             "FieldService": "field"}
PROCESSES = ("after_sales_service", "complaint_handling", "emergency_response")
# Where the walk stops, by the record's seeded status ("done": the instance completes).
REQUEST_TARGET = {"new": "accept", "escalated": "accept", "accepted": "classify", "in_progress": "diagnose",
                  "on_site": "onsite_service", "resolved": "followup", "closed": "done"}
STOPPAGE_TARGET = {"accept": "dispatch_on_call", "classify": "dispatch_on_call", "diagnose": "onsite_service"}
COMPLAINT_TARGET = {"received": "register", "forwarded": "plan", "rectifying": "rectify",
                    "awaiting_feedback": "report_back", "reopened": "plan", "closed": "done"}


def seed_processes(n_requests: int = 120, n_complaints: int = 30, n_incidents: int = 2,
                   n_at_risk: int = 6) -> dict[str, Any]:
    """Start and walk the processes of the latest records; returns counts and seconds taken."""
    from flask_appbuilder.security.sqla.models import User

    started_at = time.perf_counter()
    users = db.session.scalars(select(User).where(User.username.in_(ROLE_USER.values())))
    actors = {u.username: Actor.from_user(u) for u in users}
    try:
        for key in PROCESSES:
            definitions.get_definition(key)
    except NotFound as err:
        log.warning("demo processes skipped: %s", err.message)
        return {"skipped": err.message}
    now = clock.now()  # the walks end before this instant
    counts = {"requests": 0, "complaints": 0, "incidents": 0}
    starter = actors.get("agent") or Actor.system()
    with notifications.muted():
        requests = _latest(ServiceRequest, ServiceRequest.created_at, n_requests)
        at_risk = [r for r in requests if r.status in ("new", "escalated")
                   and r.type != "emergency_stoppage" and r.kind != "pre_sales"][-n_at_risk:]
        for i, sr in enumerate(requests):
            if sr.process_instance_id:
                continue
            if sr.kind == "pre_sales":  # 售前: the pre-sales process, walked by app.demo.presales
                counts["requests"] += presales.run_request(sr, i, now, starter)
                continue
            start = sr.created_at
            if sr in at_risk:  # received just now: its acceptance deadline falls 1-3 hours from now
                start = sr.created_at = _at_risk_start(now)
                sr.accepted_at = sr.first_reply_at = None
            target = REQUEST_TARGET.get(sr.status, "accept")
            if sr.type == "emergency_stoppage":  # no acceptance: the on-call engineer is dispatched at once
                target = STOPPAGE_TARGET.get(target, target)
            counts["requests"] += _run(sr, target, start, now, starter, actors, claim=i % 3 == 0)
        for i, cp in enumerate(_latest(Complaint, Complaint.received_at, n_complaints)):
            if cp.process_instance_id:
                continue
            target = COMPLAINT_TARGET.get(cp.status, "register")
            if target == "register" and i % 2:
                target = "forward"  # registered, waiting for a supervisor to forward it
            counts["complaints"] += _run(cp, target, cp.received_at, now, starter, actors, claim=i % 3 == 1)
        incidents = _latest(EmergencyIncident, EmergencyIncident.reported_at, n_incidents)
        for i, inc in enumerate(incidents):
            if inc.process_instance_id:
                continue
            target = "organise" if i == len(incidents) - 1 else "report"
            counts["incidents"] += _run(inc, target, inc.reported_at, now, actors.get("supervisor") or starter,
                                        actors, claim=False)
        from app.demo.sla_showcase import show_every_state  # every SLA state, for every kind

        counts["sla_states"] = show_every_state(_run, starter, actors)
    counts["seconds"] = round(time.perf_counter() - started_at, 1)
    return counts


def _latest(model, order_column, n: int) -> list:
    return list(db.session.scalars(select(model).order_by(order_column.desc(), model.id.desc()).limit(n)))[::-1]


def _at_risk_start(now: datetime, minutes: int = 30) -> datetime:
    """A start whose ``add_working_minutes(30)`` deadline falls 1-3 hours after ``now`` (working calendar)."""
    from app.engine import work_calendar

    cal = work_calendar.current()
    for back in range(0, 14 * 24 * 60, 10):
        start = now - timedelta(minutes=back)
        due = cal.add_working_minutes(start, minutes)
        if timedelta(hours=1) <= due - now <= timedelta(hours=3):
            return start
        if due < now:
            break
    return now


def _run(record: Any, target: str, start: datetime, until: datetime, starter: Actor, actors: dict[str, Actor],
         claim: bool) -> int:
    """One record's process, started at ``start`` and walked to ``target``; claims happen "now"."""
    try:
        with timeline.running(timeline.WalkClock(start or until, until)) as sim:
            inst = start_for_record(record, starter)
            _walk(inst, record, target, actors, sim)
        if claim and inst.status == "running":
            _claim_some(inst, actors)
        db.session.commit()
        return 1
    except EngineError as err:  # one broken walk must not stop the seed
        db.session.rollback()
        log.warning("demo process for %s not completed: %s", record, err.message)
        return 0


def _open_tasks(inst: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")
                                   .order_by(HumanTask.id)))


def _walk(inst: ProcessInstance, record: Any, target: str, actors: dict[str, Actor],
          sim: timeline.WalkClock) -> None:
    """Complete tasks as their role's demo user until a task of ``target`` is open (or the end)."""
    for _ in range(20):
        db.session.refresh(inst)
        if inst.status != "running":
            return
        rows = [r for r in _open_tasks(inst) if r.element_id != "escalate"]
        if not rows or (target != "done" and any(r.element_id == target for r in rows)):
            return
        row = rows[0]
        actor = _actor_for(row, actors)
        if actor is None:
            return
        sim.step()
        tasks.complete(row.id, task_data(row.element_id, record, sim.now()), actor=actor)


def _actor_for(row: HumanTask, actors: dict[str, Actor]) -> Actor | None:
    """The demo user who works the task: its assignee, a candidate user, or its first candidate
    group's demo user."""
    by_id = {a.user_id: a for a in actors.values()}
    if row.assignee_id is not None:
        return by_id.get(row.assignee_id)
    users = [by_id[c.user_id] for c in row.candidates if c.user_id in by_id]
    groups = [actors[ROLE_USER[c.role_name]] for c in row.candidates if ROLE_USER.get(c.role_name) in actors]
    return next(iter(users + groups), None)


def _claim_some(inst: ProcessInstance, actors: dict[str, Actor]) -> None:
    """Each open, unassigned task claimed by the demo user who would work it."""
    for row in _open_tasks(inst):
        actor = _actor_for(row, actors) if row.assignee_id is None else None
        if actor is not None:
            tasks.claim(row.id, actor=actor)
