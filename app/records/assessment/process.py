"""The monthly staff assessment (《机器人集成公司客户服务优化管理制度》 第十六条; 《空调部门客户服务管理制度》
四、2-3; 《六步工作法规范服务制度》 四、(二)): one assessment per department and month, run by the
``staff_assessment`` process.

* **Opened** on the first of each month for the month before, for every department (the worker's
  job ``assessment_month``, scheduled when the process is deployed and again by each run), or
  by a supervisor by hand (the Staff assessments page): ``open_month`` / ``open_assessment``.
* **Figures** per member of the department (``departments.members``: active, a working role), from the
  KPIs per person (app/records/kpi.py, who is responsible for what is defined there):
  ``response`` (replied within the policy's minutes), ``resolution`` (requests resolved by their
  deadline: 问题解决效率), ``satisfaction`` (4-5 of 5), ``complaints`` (投诉处理质量: complaints the
  person handled that closed in the month with the customer satisfied and never reopened) and
  ``inspection`` (service-standard compliance: none until inspections are recorded).
* **Proposed grade** from config (``ASSESSMENT_*``): every measured figure at least ``EXCELLENT``:
  优秀; any below ``PASS`` (satisfaction below ``SATISFACTION_PASS``, the rules' 90 %): 不合格; else
  合格; nothing measured: no proposal (the head grades).
* **The head** (the department's head; without one, a supervisor; admins always) confirms or
  overrides with a reason (``set_grade``) while the review task is open; completing the review
  confirms every grade (awards proposed: 优秀 -> 优秀服务专员; no 不合格 and at least half 优秀 ->
  服务先锋团队). Anyone 不合格: one parallel loop per person (the diagram's multi-instance subprocess
  ``improve`` over ``failed_people``): their own interview task records their interview and plan
  with its deadline; their own check, due at that deadline (the SLA reminder before it, the
  escalation after), records whether they improved; not improved: their own change-of-post task.
  Each task finds its person by its loop item (``person.line_id``).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.engine import clock, departments, hooks, jobs, people, runtime, work_calendar
from app.engine.actor import Actor
from app.engine.errors import Forbidden, Invalid
from app.extensions import db
from app.models import Complaint, Department, HumanTask, Job, ProcessDefinition, ProcessInstance
from app.records import kpi
from app.records.assessment.models import AssessmentLine, StaffAssessment
from app.records.links import Link

PROCESS_KEY = "staff_assessment"
JOB_KIND = "assessment_month"
GRADES = ("excellent", "pass", "fail")
FIGURES = ("response", "resolution", "satisfaction", "complaints", "inspection")
SATISFIED = kpi.SATISFIED_SCORE


# --------------------------------------------------------------------------- rules

def thresholds() -> dict[str, float]:
    cfg = current_app.config
    return {"excellent": float(cfg.get("ASSESSMENT_EXCELLENT", 0.95)), "pass": float(cfg.get("ASSESSMENT_PASS", 0.80)),
            "satisfaction_pass": float(cfg.get("ASSESSMENT_SATISFACTION_PASS", kpi.SATISFACTION_TARGET))}


def propose(figures: dict[str, list[int]], limits: dict[str, float] | None = None) -> str | None:
    """The grade the figures propose ({figure: [num, den]}; a figure with den 0 is not measured)."""
    limits = limits or thresholds()
    measured = {name: num / den for name, (num, den) in figures.items() if den}
    if not measured:
        return None
    for name, value in measured.items():
        if value < (limits["satisfaction_pass"] if name == "satisfaction" else limits["pass"]):
            return "fail"
    return "excellent" if all(v >= limits["excellent"] for v in measured.values()) else "pass"


def month_period(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def complaint_quality(first: date, last: date) -> dict[int, list[int]]:
    """{handler: [good, closed]}: complaints closed in the period by handler; good = the customer was
    satisfied (4-5) and the complaint never reopened."""
    start, end = kpi.bounds(first, last)
    rows = db.session.execute(select(Complaint.id, Complaint.satisfaction, Complaint.reopen_count)
                              .where(Complaint.closed_at >= start, Complaint.closed_at < end)).all()
    who = kpi.handlers(r.id for r in rows)
    out: dict[int, list[int]] = {}
    for r in rows:
        if r.id in who:
            good = (r.satisfaction or 0) >= SATISFIED and not r.reopen_count
            pair = out.setdefault(who[r.id], [0, 0])
            pair[0] += int(good)
            pair[1] += 1
    return out


def person_figures(first: date, last: date) -> dict[int, dict[str, list[int]]]:
    """{user id: {figure: [num, den]}} for everyone a record of the period names."""
    out: dict[int, dict[str, list[int]]] = {}
    for g in kpi.breakdown(first, last, "person"):
        if g.key == kpi.NOBODY:
            continue
        out[int(g.key)] = {"response": [g.accepted_in_time.num, g.accepted_in_time.den],
                           "resolution": [g.resolution.num, g.resolution.den],
                           "satisfaction": [g.satisfaction.num, g.satisfaction.den],
                           "inspection": [g.standard_execution.num, g.standard_execution.den]}
    for uid, pair in complaint_quality(first, last).items():
        out.setdefault(uid, {})["complaints"] = pair
    return out


def members(department: Department) -> list[int]:
    ids = {p.username: p.id for p in people.staff().by_name}
    return [ids[u] for u in departments.members(department.code) if u in ids]


def may_grade(assessment: StaffAssessment, actor: Actor) -> bool:
    """The department's head grades; a department without one: a supervisor; admins always."""
    head = assessment.department.head_id if assessment.department else None
    return actor.is_admin or (actor.user_id is not None and actor.user_id == head) or (
        head is None and "Supervisor" in actor.roles)


def may_see(assessment: StaffAssessment, actor: Actor) -> bool:
    """All lines: whoever may grade, supervisors, process owners; others see only their own line."""
    return may_grade(assessment, actor) or bool(actor.roles & {"Supervisor", "ProcessOwner"})


# --------------------------------------------------------------------------- opening and computing

def compute(assessment: StaffAssessment) -> None:
    """(Re)compute every member's figures and proposal; grades the head set stay."""
    if assessment.status != "open":
        raise Invalid("The grades are confirmed; the figures no longer change.", fields={"status": assessment.status})
    first, last = month_period(assessment.month)
    figures = person_figures(first, last)
    limits = thresholds()
    lines = {line.user_id: line for line in assessment.lines}
    for uid in members(assessment.department):
        line = lines.get(uid)
        if line is None:
            line = AssessmentLine(user_id=uid)
            assessment.lines.append(line)
        line.figures = {name: list(figures.get(uid, {}).get(name, [0, 0])) for name in FIGURES}
        line.proposed_grade = propose(line.figures, limits)
        if line.graded_by_id is None:
            line.grade = line.proposed_grade
    assessment.computed_at = clock.now()


def open_assessment(department: Department, month: date, actor: Actor, *, commit: bool = True) -> StaffAssessment:
    """The department's assessment of the month (once): figures computed, its process started."""
    from app.records.process_link import start_for_record

    month = month.replace(day=1)
    if month > clock.local_today().replace(day=1):
        raise Invalid("A month is assessed once it has begun.", fields={"month": month.isoformat()})
    found = db.session.scalars(select(StaffAssessment).where(StaffAssessment.department_id == department.id,
                                                             StaffAssessment.month == month)).first()
    if found is not None:
        return found
    assessment = StaffAssessment(department=department, month=month, status="open")
    db.session.add(assessment)
    compute(assessment)
    db.session.flush()
    start_for_record(assessment, actor, commit=False)
    if commit:
        db.session.commit()
    return assessment


def open_month(month: date, actor: Actor, *, commit: bool = True) -> list[StaffAssessment]:
    """Every department's assessment of the month (those already open are kept; a department with
    nobody working tasks has none)."""
    out = [open_assessment(d, month, actor, commit=False)
           for d in db.session.scalars(select(Department).order_by(Department.code)).all() if members(d)]
    if commit:
        db.session.commit()
    return out


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


# --------------------------------------------------------------------------- the head's decisions

def _open_review(assessment: StaffAssessment) -> bool:
    return assessment.status == "open"


def set_grade(line: AssessmentLine, grade: str, reason: str | None, actor: Actor) -> AssessmentLine:
    """The head's grade for one person: the proposal, or another with a reason."""
    assessment = line.assessment
    if not may_grade(assessment, actor):
        raise Forbidden("Only the department's head (or, without one, a supervisor) grades its staff.")
    if not _open_review(assessment):
        raise Invalid("The grades are confirmed.", fields={"grade": "confirmed"})
    if grade not in GRADES:
        raise Invalid("Choose a grade.", fields={"grade": f"one of {', '.join(GRADES)}"})
    reason = (reason or "").strip()
    if grade != line.proposed_grade and not reason:
        raise Invalid("A grade other than the proposed one needs a reason.", fields={"override_reason": "required"})
    line.grade, line.override_reason = grade, (reason[:2000] or None)
    line.graded_by_id, line.graded_at = actor.user_id, clock.now()
    return line


def record_interview(line: AssessmentLine, actor: Actor, notes: str | None, plan: str | None,
                     deadline: str | date | None) -> AssessmentLine:
    """第十六条(二) 对考核不合格的服务人员,由部门负责人进行约谈,制定绩效改进计划,限期整改: each person's own
    interview, plan and deadline (the rules speak of each person; the interview task's form fills only
    the people not interviewed one by one)."""
    assessment = line.assessment
    if not may_grade(assessment, actor):
        raise Forbidden("Only the department's head (or, without one, a supervisor) grades its staff.")
    if line.grade != "fail" or assessment.status not in ("confirmed", "improving"):
        raise Invalid("Only a confirmed 不合格 is interviewed.", fields={"grade": line.grade or "none"})
    notes, plan = (notes or "").strip(), (plan or "").strip()
    try:
        day = deadline if isinstance(deadline, date) else date.fromisoformat(str(deadline or "")[:10])
    except ValueError:
        day = None
    errors = {k: "required" for k, v in (("interview_notes", notes), ("improvement_plan", plan)) if not v}
    if day is None or day < clock.local_today():
        errors["plan_deadline"] = "a date from today on"
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    line.interview_notes, line.improvement_plan, line.plan_deadline = notes[:2000], plan[:2000], day
    for task in person_tasks(assessment).get(line.id, ()):  # their interview task shows what was recorded
        if task.element_id == "interview":
            task.draft = {**(task.draft or {}), **_interview_of(line)}
    return line


def _interview_of(line: AssessmentLine) -> dict[str, Any]:
    return {"interview_notes": line.interview_notes, "improvement_plan": line.improvement_plan,
            "plan_deadline": line.plan_deadline.isoformat() if line.plan_deadline else None}


def plan_deadline(start: datetime | None = None) -> date:
    days = int(current_app.config.get("ASSESSMENT_PLAN_WORKING_DAYS", 20))
    return work_calendar.current().add_working_days(start or clock.now(), days).astimezone(clock.zone()).date()


def check_review(assessment: StaffAssessment, actor: Actor, has_unsatisfactory: bool | None) -> None:
    """Who may confirm, and the review's answer "anyone 不合格?" must match the grades (it routes the process)."""
    if not may_grade(assessment, actor):
        raise Forbidden("Only the department's head (or, without one, a supervisor) confirms its grades.")
    if assessment.status != "open":
        raise Invalid("The grades are already confirmed.", fields={"status": assessment.status})
    failed = any(line.grade == "fail" for line in assessment.lines)
    if has_unsatisfactory is not None and bool(has_unsatisfactory) != failed:
        raise Invalid("The grades and the answer differ: " + (
            "someone is graded 不合格." if failed else "nobody is graded 不合格."),
            fields={"has_unsatisfactory": "must be " + ("yes" if failed else "no")})


def confirm(assessment: StaffAssessment, actor: Actor, has_unsatisfactory: bool | None, note: str | None) -> None:
    check_review(assessment, actor, has_unsatisfactory)
    failed = any(line.grade == "fail" for line in assessment.lines)
    now = clock.now()
    for line in assessment.lines:
        line.award = line.grade == "excellent"
        if line.grade is not None and line.graded_by_id is None:
            line.graded_by_id, line.graded_at = actor.user_id, now
    graded = [line for line in assessment.lines if line.grade]
    assessment.team_award = bool(graded) and not failed and \
        sum(line.grade == "excellent" for line in graded) * 2 >= len(graded)
    assessment.status = "confirmed"
    assessment.confirmed_by_id, assessment.confirmed_at = actor.user_id, now
    assessment.review_note = (note or "").strip()[:2000] or None


def failed_lines(assessment: StaffAssessment) -> list[AssessmentLine]:
    return [line for line in assessment.lines if line.grade == "fail"]


def failed_people(assessment: StaffAssessment) -> list[dict[str, Any]]:
    """The multi-instance collection (``record_field('failed_people')``): one item per 不合格 person,
    what their tasks show (name) and prefill (an interview already recorded on the page, else the
    default deadline)."""
    lines = failed_lines(assessment)
    names = people.display_names(line.user_id for line in lines)
    default = plan_deadline().isoformat()
    return [{"line_id": line.id, "user": people.username(line.user_id), "name": names.get(line.user_id, ""),
             **{k: v or "" for k, v in _interview_of(line).items()},
             "plan_deadline": line.plan_deadline.isoformat() if line.plan_deadline else default}
            for line in lines]


def person_tasks(assessment: StaffAssessment, tasks: list[HumanTask] | None = None) -> dict[int, list[HumanTask]]:
    """{line id: the open tasks (or ``tasks``) of that person's loop}, by each task's loop item."""
    inst = instance_of(assessment)
    if inst is None:
        return {}
    if tasks is None:
        tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id,
                                                           HumanTask.state == "open")).all()
    data = runtime.task_variables(inst, [t.task_guid for t in tasks if t.element_id in PERSON_ELEMENTS])
    out: dict[int, list[HumanTask]] = {}
    for task in tasks:
        person = (data.get(task.task_guid) or {}).get("person")
        if isinstance(person, dict) and isinstance(person.get("line_id"), int):
            out.setdefault(person["line_id"], []).append(task)
    return out


# --------------------------------------------------------------------------- the process link

def _variables(assessment: StaffAssessment) -> dict[str, Any]:
    head = assessment.department.head_id if assessment.department else None
    return {"head": people.username(head), "department_code": assessment.department.code,
            "assessment_month": f"{assessment.month:%Y-%m}", "record_number": assessment.number}


def _drafts(assessment: StaffAssessment) -> dict[str, dict]:
    # The per-person tasks' drafts come from their loop item (the diagram's defaultValue expressions).
    return {"review": {"has_unsatisfactory": any(line.grade == "fail" for line in assessment.lines)}}


def _actor_of(task: HumanTask) -> Actor:
    from flask_appbuilder.security.sqla.models import User

    user = db.session.get(User, task.completed_by_id) if task.completed_by_id else None
    return Actor.from_user(user) if user is not None else Actor.system()


def _task_completed(assessment: StaffAssessment, task: HumanTask, data: dict) -> None:
    element = task.element_id
    if element == "review":
        confirm(assessment, _actor_of(task), data.get("has_unsatisfactory"), data.get("review_note"))
    elif element in PERSON_ELEMENTS:
        mine = person_tasks(assessment, [task])
        owner = [line for line in failed_lines(assessment) if line.id in mine]
        # A task without a loop item is one of a version before the per-person loop (one task for
        # everyone failing): it still speaks for all of them.
        for line in owner or failed_lines(assessment):
            _person_step(line, element, data, shared=not owner)
        if element == "interview":
            assessment.status = "improving"


def _person_step(line: AssessmentLine, element: str, data: dict, *, shared: bool) -> None:
    if element == "interview":
        if shared and line.interview_notes:
            return  # the old shared task: whoever was interviewed on their own keeps their plan
        deadline = data.get("plan_deadline")
        line.interview_notes = data.get("interview_notes") or line.interview_notes
        line.improvement_plan = data.get("improvement_plan") or line.improvement_plan
        line.plan_deadline = date.fromisoformat(str(deadline)[:10]) if deadline else line.plan_deadline
    elif element == "verify":
        line.improved = bool(data.get("improved"))
    elif element == "change_post":
        line.outcome = data.get("post_change") or line.outcome


PERSON_ELEMENTS = ("interview", "verify", "change_post")
STATUS = {"review": "open", "interview": "confirmed", "verify": "improving", "change_post": "improving"}

LINK = Link(StaffAssessment, PROCESS_KEY, lambda a: a.number, lambda _a: None, _variables, _drafts, STATUS,
            on_task_completed=_task_completed,
            fields={"number": lambda a: a.number, "status": lambda a: a.status, "failed_people": failed_people})


# --------------------------------------------------------------------------- monthly, by the worker

def next_run(after: datetime) -> datetime:
    """09:00 local on the first day of the month after ``after``."""
    local = after.astimezone(clock.zone()).date()
    first = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(first, time(9, 0), tzinfo=clock.zone())


def schedule(after: datetime | None = None) -> Job | None:
    """One pending monthly job (none while the process is not deployed)."""
    if db.session.scalars(select(ProcessDefinition.id).where(ProcessDefinition.key == PROCESS_KEY).limit(1)).first() \
            is None:
        return None
    pending = db.session.scalars(select(Job).where(Job.kind == JOB_KIND, Job.state == "pending")).first()
    if pending is not None:
        return pending
    return jobs.enqueue(JOB_KIND, {}, due_at=next_run(after or clock.now()))


def run_month(job: Job) -> None:
    """The job: open last month's assessment of every department, then schedule the next run."""
    open_month(previous_month(clock.local_today()), Actor.system(), commit=False)
    if db.session.scalars(select(Job.id).where(Job.kind == JOB_KIND, Job.state == "pending", Job.id != job.id)
                          .limit(1)).first() is None:
        jobs.enqueue(JOB_KIND, {}, due_at=next_run(clock.now()))


def _refuse_bad_review(inst: ProcessInstance, task: HumanTask) -> None:
    """Unguarded TASK_COMPLETED listener: a review that ``check_review`` refuses undoes the completion
    (the error reaches the task page / API as a located 403/422), before the record follows it."""
    if inst.record_type != StaffAssessment.__tablename__ or task.element_id != "review" or inst.record_id is None:
        return
    assessment = db.session.get(StaffAssessment, inst.record_id)
    if assessment is not None:
        check_review(assessment, _actor_of(task), (task.submitted or {}).get("has_unsatisfactory"))


def _deployed(definition: ProcessDefinition) -> None:
    if definition.key == PROCESS_KEY:
        schedule()


def register() -> None:
    """The monthly job and its first scheduling (``create_app``)."""
    jobs.register(JOB_KIND, run_month)
    hooks.register(hooks.TASK_COMPLETED, _refuse_bad_review, guarded=False)
    hooks.register(hooks.DEFINITION_DEPLOYED, _deployed)


def instance_of(assessment: StaffAssessment) -> ProcessInstance | None:
    return db.session.get(ProcessInstance, assessment.process_instance_id) if assessment.process_instance_id else None
