"""Demo processes that live: start the processes of a realistic subset of the
demo records and walk them, as the demo users, to the stage the record is at.

Afterwards the inboxes show every kind of task: unclaimed group tasks, claimed
tasks, at-risk and overdue tasks (started in the past by travelling in time with
``time_machine`` when it is installed) and completed instances. Idempotent:
records that already have a process are skipped."""
from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator
from unittest import mock

from sqlalchemy import select

from app.engine import definitions, notifications, tasks
from app.engine.actor import Actor
from app.engine.errors import EngineError, NotFound
from app.extensions import db
from app.models import Complaint, EmergencyIncident, HumanTask, ProcessInstance, ServiceRequest
from app.records.process_link import DEPARTMENT_OF_ROLE, REQUEST_TYPE_CODE, start_for_record

log = logging.getLogger(__name__)

try:  # a test dependency: without it the demo processes start now (no overdue history)
    import time_machine
except ImportError:  # pragma: no cover
    time_machine = None

ROLE_USER = {"CustomerService": "agent", "Supervisor": "supervisor", "TechSupport": "tech",
             "FieldService": "field"}
STEP = timedelta(hours=3)  # time between two steps of a walked process
ROLE_OF_DEPARTMENT = {code: role for role, code in DEPARTMENT_OF_ROLE.items()}

# Where the walk stops, by the record's seeded status ("done": the instance completes).
REQUEST_TARGET = {"new": "accept", "escalated": "accept", "accepted": "classify", "in_progress": "diagnose",
                  "on_site": "onsite_service", "resolved": "followup", "closed": "done"}
COMPLAINT_TARGET = {"received": "register", "forwarded": "plan", "rectifying": "rectify",
                    "awaiting_feedback": "report_back", "reopened": "plan", "closed": "done"}


def _task_data(element: str, record: Any, now: datetime) -> dict:
    """Plausible form data for a task of the demo walk."""
    from app.engine.scripting import TZ

    day = now.astimezone(TZ).date()
    if isinstance(record, ServiceRequest):
        code = REQUEST_TYPE_CODE.get(record.type, "general")
        contact = record.contact.name if record.contact else "客户"
        return {
            "accept": {"customer_contacted": True, "accept_note": "已电话联系客户，确认故障现象与服务地址"},
            "classify": {"request_type": code, "classification_note": record.subject or ""},
            "diagnose": {"diagnosis": "远程查看设备日志，初步判断为参数设置问题" if code == "general"
                         else "远程排查后判断需上门检修", "resolved_remotely": code == "general",
                         "remote_solution": "远程指导客户恢复参数" if code == "general" else ""},
            "book_visit": {"appointment_date": day.isoformat(), "appointment_slot": "afternoon",
                           "engineer_name": "赵工"},
            "explain_delay": {"delay_reason": "备件需从厂家调货", "new_commit_date": (day + timedelta(days=3)).isoformat(),
                              "customer_informed": True},
            "onsite_service": {"service_date": day.isoformat(), "work_done": "更换故障部件并试运行",
                               "fault_cause": "部件老化", "advice": "定期保养", "customer_confirmed": True,
                               "customer_signatory": contact},
            "followup": {"followup_method": "phone", "followup_result": "设备运行正常", "issue_resolved": True},
            "survey": {"satisfaction_score": 4 + record.id % 2, "survey_comment": "响应及时"},
        }.get(element, {})
    if isinstance(record, Complaint):
        department = record.responsible_department.code if record.responsible_department else "CS"
        return {
            "register": {"customer_name": record.customer.name, "complaint_channel": "phone",
                         "complaint_category": "service_attitude", "complaint_content": record.matter,
                         "customer_demand": record.customer_demand or ""},
            "forward": {"department": ROLE_OF_DEPARTMENT.get(department, "CustomerService"), "severity": "general",
                        "forward_note": "请责任部门尽快整改"},
            "plan": {"root_cause": "服务流程执行不到位", "rectification_plan": record.rectification_plan or "加强培训并回访客户",
                     "planned_finish_date": (day + timedelta(days=5)).isoformat()},
            "rectify": {"rectification_result": record.rectification_result or "已完成整改",
                        "rectified_on": day.isoformat()},
            "report_back": {"feedback_method": "phone", "feedback_content": "已向客户说明整改结果"},
            "survey": {"satisfied": True, "satisfaction_score": 5, "customer_comment": "客户认可整改结果"},
        }.get(element, {})
    report = {"event_title": record.title, "emergency_type": record.type, "severity_level": "level_3",
              "affected_scope": "华东区部分客户", "affected_customers": len(record.customers),
              "event_description": record.description or record.title}
    activation = {"plan_activated": True, "command_lead": "王主管"}
    return {
        "report": report,
        "activate_quality": dict(activation, sales_suspended=True, recall_scope="相关批次"),
        "activate_disaster": dict(activation, staff_safe=True, backup_site="备用服务点"),
        "activate_health": dict(activation, protective_measures="上门人员佩戴口罩", contactless_service=True),
        "notify": {"notice_channel": "sms", "notified_count": len(record.customers),
                   "notice_content": "我们正在处理，请留意后续通知"},
        "organise": {"response_team": "技术部、现场服务部", "response_measures": "逐台排查"},
    }.get(element, {})


class _Clock:
    """Travel to ``start`` and step forward (never past now); a no-op without time_machine."""

    def __init__(self, start: datetime | None):
        self.real_now = datetime.now(timezone.utc)
        self.at = min(start, self.real_now) if start else self.real_now
        self._travel = time_machine.travel(self.at, tick=False) if time_machine and start else None
        self._traveller = None

    def __enter__(self) -> "_Clock":
        if self._travel is not None:
            self._traveller = self._travel.start()
        return self

    def step(self, delta: timedelta = STEP) -> None:
        if self._traveller is not None:
            self.at = min(self.at + delta, self.real_now - timedelta(minutes=1))
            self._traveller.move_to(self.at)

    def __exit__(self, *exc) -> None:
        if self._travel is not None:
            self._travel.stop()


def _open_tasks(inst: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")
                                   .order_by(HumanTask.id)))


def _walk(inst: ProcessInstance, record: Any, target: str, actors: dict[str, Actor], clock: _Clock) -> None:
    """Complete tasks as their role's demo user until a task of ``target`` is open (or the end)."""
    for _ in range(20):
        db.session.refresh(inst)
        if inst.status != "running":
            return
        rows = [r for r in _open_tasks(inst) if r.element_id != "escalate"]
        if not rows or (target != "done" and any(r.element_id == target for r in rows)):
            return
        row = rows[0]
        groups = [c.group_name for c in row.candidates if c.group_name]
        actor = next((actors[ROLE_USER[g]] for g in groups if ROLE_USER.get(g) in actors), None)
        if actor is None:
            return
        clock.step()
        tasks.complete(row.id, _task_data(row.element_id, record, clock.at), actor=actor)


def _claim_some(inst: ProcessInstance, actors: dict[str, Actor], claim: bool) -> None:
    if not claim:
        return
    for row in _open_tasks(inst):
        for group in (c.group_name for c in row.candidates if c.group_name):
            actor = actors.get(ROLE_USER.get(group, ""))
            if actor is not None:
                tasks.claim(row.id, actor=actor)
                break


def _at_risk_start(minutes: int = 30) -> datetime:
    """A start time whose ``add_working_minutes(30)`` deadline falls 1-3 hours from now (working calendar)."""
    from app.engine.scripting import current_calendar

    cal, now = current_calendar(), datetime.now(timezone.utc)
    for back in range(0, 14 * 24 * 60, 10):
        start = now - timedelta(minutes=back)
        due = cal.add_working_minutes(start, minutes)
        if timedelta(hours=1) <= due - now <= timedelta(hours=3):
            return start
        if due < now:
            break
    return now


@contextlib.contextmanager
def _quiet_notifications() -> Iterator[None]:
    """Demo history must not queue hundreds of task mails to the demo users."""
    with mock.patch.object(notifications, "task_created", lambda task: None):
        yield


def _latest(model, order_column, n: int) -> list:
    return list(db.session.scalars(select(model).order_by(order_column.desc(), model.id.desc()).limit(n)))[::-1]


def seed_live_processes(n_requests: int = 120, n_complaints: int = 30, n_incidents: int = 2,
                        n_at_risk: int = 6) -> dict[str, Any]:
    """Start and walk the processes of the latest records; returns counts and seconds taken."""
    from flask_appbuilder.security.sqla.models import User

    started_at = time.perf_counter()
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(ROLE_USER.values())))}
    actors = {name: Actor.from_user(u) for name, u in users.items()}
    try:
        for key in ("after_sales_service", "complaint_handling", "emergency_response"):
            definitions.get_definition(key)
    except NotFound as err:
        log.warning("demo processes skipped: %s", err.message)
        return {"skipped": err.message}
    counts = {"requests": 0, "complaints": 0, "incidents": 0, "time_travel": time_machine is not None}
    starter = actors.get("agent") or Actor.system()
    with _quiet_notifications():
        requests = _latest(ServiceRequest, ServiceRequest.created_at, n_requests)
        at_risk = [r for r in requests if r.status in ("new", "escalated")][-n_at_risk:]
        for i, sr in enumerate(requests):
            if sr.process_instance_id:
                continue
            start = _at_risk_start() if sr in at_risk else sr.created_at
            target = REQUEST_TARGET.get(sr.status, "accept")
            if sr.type == "emergency_stoppage" and target not in ("accept", "classify"):
                target = "report"  # an emergency request runs the emergency response: waits for its report
            counts["requests"] += _run(sr, target, start, starter, actors, claim=i % 3 == 0)
        for i, cp in enumerate(_latest(Complaint, Complaint.received_at, n_complaints)):
            if cp.process_instance_id:
                continue
            target = COMPLAINT_TARGET.get(cp.status, "register")
            if target == "register" and i % 2:
                target = "forward"  # registered, waiting for a supervisor to forward it
            counts["complaints"] += _run(cp, target, cp.received_at, starter, actors, claim=i % 3 == 1)
        incidents = _latest(EmergencyIncident, EmergencyIncident.reported_at, n_incidents)
        for i, inc in enumerate(incidents):
            if inc.process_instance_id:
                continue
            target = "organise" if i == len(incidents) - 1 else "report"
            counts["incidents"] += _run(inc, target, inc.reported_at, actors.get("supervisor") or starter, actors,
                                        claim=False)
    counts["seconds"] = round(time.perf_counter() - started_at, 1)
    return counts


def _run(record: Any, target: str, start: datetime | None, starter: Actor, actors: dict[str, Actor],
         claim: bool) -> int:
    try:
        with _Clock(start) as clock:
            inst = start_for_record(record, starter)
            _walk(inst, record, target, actors, clock)
        _claim_some(inst, actors, claim and inst.status == "running")
        db.session.commit()
        return 1
    except EngineError as err:  # one broken walk must not stop the seed
        db.session.rollback()
        log.warning("demo process for %s not completed: %s", record, err.message)
        return 0
