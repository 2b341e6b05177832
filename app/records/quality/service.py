"""The quality rules, enforced once here (the process listeners, the screens, the API and the demo call them).

* Daily spot check (机器人集成公司客户服务优化管理制度 第十三条（一）日常监测): each department head's task of
  the day samples ``QUALITY_SPOT_CHECK_SAMPLE`` (default 3) service requests that members of the
  department worked in the last ``QUALITY_SPOT_CHECK_DAYS`` (default 7) days, not sampled before;
  each gets a checklist verdict (appearance, manners, process, records: 空调部制度 三、行为规范).
* Monthly inspection: the counts of the month's verdicts, and the report mailed to the departments
  concerned (形成检查报告并通报相关部门).
* Service-standard execution rate (空调部制度 四、服务规范执行率 = 符合规范的服务次数/总服务次数×100%):
  ``standard_rows`` / ``standard_ratio`` over the checked services.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from app.engine import clock, mail, people
from app.extensions import db
from app.models import Department, HumanTask, ServiceRequest, UserProfile
from app.records.quality.models import CHECKLIST, QualityInspection, SpotCheck, SpotCheckItem

DEFAULT_SAMPLE = 3
DEFAULT_LOOKBACK_DAYS = 7


class QualityError(ValueError):
    """A refused quality operation; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _config(name: str, default: int) -> int:
    try:
        value = int(current_app.config.get(name) or default)
    except (TypeError, ValueError):
        return default
    return max(value, 1)


def check_interval(months: int | None) -> None:
    """A maintenance interval is 1 to 120 months, or none."""
    if months is not None and not 1 <= months <= 120:
        raise QualityError(gettext("The maintenance interval is 1 to 120 months."),
                           field="maintenance_interval_months")


def check_action(action) -> None:
    """An improvement action needs a person responsible and a due date not in the past (第十四条: 明确责任人员及改进时限)."""
    if action.owner_id is None and getattr(action, "owner", None) is None:
        raise QualityError(gettext("An improvement action needs a person responsible."), field="owner")
    if action.due_on is None or action.due_on < clock.local_today():
        raise QualityError(gettext("The due date of an improvement action cannot be in the past."), field="due_on")


def sample_size() -> int:
    return _config("QUALITY_SPOT_CHECK_SAMPLE", DEFAULT_SAMPLE)


def lookback_days() -> int:
    return _config("QUALITY_SPOT_CHECK_DAYS", DEFAULT_LOOKBACK_DAYS)


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the local days first..last."""
    zone = clock.zone()
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)
    return start, end


def member_ids(department_id: int) -> set[int]:
    return set(db.session.scalars(select(UserProfile.user_id).where(UserProfile.department_id == department_id)))


# --------------------------------------------------------------------------- daily spot check

def department_to_check(head_id: int | None, day: date) -> Department | None:
    """The department a head checks today: the first one they head without a spot check today."""
    if head_id is None:
        return None
    done = set(db.session.scalars(select(SpotCheck.department_id).where(SpotCheck.check_date == day)))
    for dep in db.session.scalars(select(Department).where(Department.head_id == head_id).order_by(Department.code)):
        if dep.id not in done:
            return dep
    return None


def sample(department_id: int, day: date, n: int | None = None) -> list[tuple[int, int | None]]:
    """(service request id, person id) of up to ``n`` requests members of the department worked in the
    look-back window ending ``day``, never sampled before; the person is the member who last completed
    a task of it. The draw is random but repeatable (seeded by department and day)."""
    n = n or sample_size()
    members = member_ids(department_id)
    if not members:
        return []
    start, end = local_day_bounds(day - timedelta(days=lookback_days()), day)
    rows = db.session.execute(
        select(ServiceRequest.id, HumanTask.completed_by_id, HumanTask.completed_at)
        .join(HumanTask, HumanTask.instance_id == ServiceRequest.process_instance_id)
        .where(HumanTask.state == "completed", HumanTask.completed_by_id.in_(members),
               HumanTask.completed_at >= start, HumanTask.completed_at < end)
        .order_by(HumanTask.completed_at)).all()
    sampled = set(db.session.scalars(select(SpotCheckItem.service_request_id)
                                     .where(SpotCheckItem.service_request_id.is_not(None))))
    last_person: dict[int, int] = {}
    for request_id, person_id, _at in rows:
        if request_id not in sampled:
            last_person[request_id] = person_id  # ordered by time: the last one wins
    candidates = sorted(last_person)
    chosen = sorted(random.Random(f"{department_id}:{day.isoformat()}").sample(candidates, min(n, len(candidates))))
    return [(request_id, last_person[request_id]) for request_id in chosen]


def open_spot_check(task: HumanTask, instance_id: int | None = None) -> SpotCheck | None:
    """The record of a department head's spot-check task: the department and its sample."""
    existing = db.session.scalars(select(SpotCheck).where(SpotCheck.human_task_id == task.id)).first()
    if existing is not None:
        return existing
    day = clock.local_today()
    department = department_to_check(task.assignee_id, day)
    if department is None:
        return None
    check = SpotCheck(check_date=day, department_id=department.id, inspector_id=task.assignee_id,
                      human_task_id=task.id, process_instance_id=instance_id or task.instance_id,
                      created_at=clock.now())
    for request_id, person_id in sample(department.id, day):
        check.items.append(SpotCheckItem(service_request_id=request_id, person_id=person_id))
    check.sample_size = len(check.items)
    db.session.add(check)
    db.session.flush()
    return check


JUDGE_ROLES = frozenset({"Admin", "Supervisor"})


def is_judge(user) -> bool:
    """Who may give checklist verdicts, as the rules name them: the supervisors (空调部门 2.考核方式 不定期抽查:
    部门主管不定期对服务人员的工作进行现场抽查) and the department heads (机器人集成 第十三条(一) 客户服务部负责人每日
    抽查服务记录; 六步工作法 内部监督 监督小组成员包括各部门负责人、质量管理人员), whatever their role."""
    if user is None or getattr(user, "id", None) is None:
        return False
    if {r.name for r in getattr(user, "roles", [])} & JUDGE_ROLES:
        return True
    return db.session.scalar(select(Department.id).where(Department.head_id == user.id).limit(1)) is not None


def judge(item: SpotCheckItem, user, *, note: str | None = None, **verdicts: bool | None) -> SpotCheckItem:
    """A verdict given on a screen or through the API: refused for anyone the rules do not name."""
    if not is_judge(user):
        raise QualityError(gettext("Only supervisors and department heads give checklist verdicts."), field="compliant")
    return record_verdict(item, note=note, **verdicts)


def record_verdict(item: SpotCheckItem, *, note: str | None = None, **verdicts: bool | None) -> SpotCheckItem:
    """A checklist verdict of a sampled record: each of ``CHECKLIST`` met or not; the record is
    compliant when all four are met, not compliant when one is not, undecided until all are given."""
    unknown = set(verdicts) - set(CHECKLIST)
    if unknown:
        raise QualityError(f"Unknown checklist item(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    for name, value in verdicts.items():
        if value is not None and not isinstance(value, bool):
            raise QualityError(gettext("%(item)s must be yes or no.", item=name), field=name)
        setattr(item, name, value)
    values = [getattr(item, name) for name in CHECKLIST]
    if any(v is False for v in values):
        item.compliant = False
    elif all(v is True for v in values):
        item.compliant = True
    else:
        item.compliant = None
    if note is not None:
        item.note = note.strip()[:4000] or None
    item.checked_at = clock.now() if item.compliant is not None else None
    return item


def complete_spot_check(check: SpotCheck, data: dict) -> None:
    check.summary = (data.get("check_summary") or "").strip() or check.summary
    check.status = "done"
    check.completed_at = clock.now()


# --------------------------------------------------------------------------- the month's counts

def previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


@dataclass
class MonthCounts:
    checks: int = 0
    sampled: int = 0
    checked: int = 0
    compliant: int = 0
    by_department: list[dict] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # checklist item -> records failing it
    non_compliant: list[SpotCheckItem] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.compliant / self.checked if self.checked else None


def month_counts(first: date, last: date) -> MonthCounts:
    """The spot checks of the local days first..last and their verdicts."""
    checks = db.session.scalars(select(SpotCheck).where(SpotCheck.check_date >= first, SpotCheck.check_date <= last)
                                .order_by(SpotCheck.check_date, SpotCheck.id)).all()
    out = MonthCounts(checks=len(checks))
    per_dep: dict[int, Counter] = defaultdict(Counter)
    names: dict[int, Any] = {}
    failures: Counter = Counter()
    for check in checks:
        names[check.department_id] = check.department
        c = per_dep[check.department_id]
        c["checks"] += 1
        for item in check.items:
            out.sampled += 1
            c["sampled"] += 1
            if item.compliant is None:
                continue
            out.checked += 1
            c["checked"] += 1
            if item.compliant:
                out.compliant += 1
                c["compliant"] += 1
            else:
                out.non_compliant.append(item)
                for name in CHECKLIST:
                    if getattr(item, name) is False:
                        failures[name] += 1
    out.failures = {name: failures.get(name, 0) for name in CHECKLIST}
    for dep_id, c in sorted(per_dep.items(), key=lambda kv: names[kv[0]].code):
        out.by_department.append({"department": names[dep_id], "checks": c["checks"], "sampled": c["sampled"],
                                  "checked": c["checked"], "compliant": c["compliant"],
                                  "rate": c["compliant"] / c["checked"] if c["checked"] else None})
    return out


def open_inspection(instance_id: int | None, today: date | None = None) -> QualityInspection:
    """The monthly inspection of the month before ``today`` (one per month), linked to its instance."""
    first, last = previous_month(today or clock.local_today())
    period = first.strftime("%Y-%m")
    insp = db.session.scalars(select(QualityInspection).where(QualityInspection.period == period)).first()
    if insp is None:
        insp = QualityInspection(period=period, period_start=first, period_end=last, created_at=clock.now())
        db.session.add(insp)
    if instance_id and not insp.process_instance_id:
        insp.process_instance_id = instance_id
    refresh_counts(insp)
    db.session.flush()
    return insp


def refresh_counts(insp: QualityInspection) -> MonthCounts:
    counts = month_counts(insp.period_start, insp.period_end)
    insp.checks_count, insp.items_checked, insp.items_compliant = counts.checks, counts.checked, counts.compliant
    return counts


def concerned_departments(insp: QualityInspection) -> list[Department]:
    """The departments the report goes to: those checked in the month (all of them if none was)."""
    ids = set(db.session.scalars(select(SpotCheck.department_id).where(
        SpotCheck.check_date >= insp.period_start, SpotCheck.check_date <= insp.period_end)))
    q = select(Department).order_by(Department.code)
    return list(db.session.scalars(q.where(Department.id.in_(ids)) if ids else q))


def report_recipients(departments: list[Department]) -> list:
    """Each concerned department's head and members (active users with an e-mail address), once each."""
    User = people._user()
    ids: list[int] = []
    for dep in departments:
        for uid in [dep.head_id, *sorted(member_ids(dep.id))]:
            if uid is not None and uid not in ids:
                ids.append(uid)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [users[i] for i in ids if i in users and users[i].active and users[i].email]


def send_report(insp: QualityInspection, data: dict) -> int:
    """The written report is final: its counts are frozen and it is mailed to the departments
    concerned, each person in their own language; the number of mails queued."""
    findings = (data.get("findings") or "").strip()
    if not findings:
        raise QualityError(gettext("The report needs its findings."), field="findings")
    insp.findings = findings
    insp.suggestions = (data.get("suggestions") or "").strip() or None
    counts = refresh_counts(insp)
    departments = concerned_departments(insp)
    url = f"{mail.base_url()}/qualityinspectionview/report/{insp.id}"
    context = {"period": insp.period, "number": insp.number, "checks": counts.checks, "checked": counts.checked,
               "compliant": counts.compliant,
               "rate": f"{counts.rate * 100:.1f}%" if counts.rate is not None else "—",
               "findings": insp.findings, "suggestions": insp.suggestions or "", "url": url,
               "departments_zh": "、".join(d.name for d in departments),
               "departments_en": ", ".join(d.name_en or d.name for d in departments)}
    sent = 0
    for user in report_recipients(departments):
        sent += mail.notify_user(user, "quality_report", "quality_report", context,
                                 instance_id=insp.process_instance_id, instant=True) is not None
    insp.sent_to = "、".join(d.name for d in departments)
    insp.sent_at = clock.now()
    insp.status = "sent"
    return sent


# --------------------------------------------------------------------------- service-standard execution rate

def standard_rows(start_utc: datetime, end_utc: datetime) -> list[dict]:
    """One row per checked service whose verdict was given in [start, end): the service-standard
    execution rate's numerator (compliant) and denominator (all rows)."""
    rows = db.session.execute(
        select(SpotCheckItem, SpotCheck, ServiceRequest.number, Department.code)
        .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
        .join(Department, Department.id == SpotCheck.department_id)
        .outerjoin(ServiceRequest, ServiceRequest.id == SpotCheckItem.service_request_id)
        .where(SpotCheckItem.compliant.is_not(None), SpotCheckItem.checked_at >= start_utc,
               SpotCheckItem.checked_at < end_utc)
        .order_by(SpotCheckItem.checked_at, SpotCheckItem.id)).all()
    return [{"record": number or check.number, "service_request_id": item.service_request_id,
             "spot_check": check.number, "checked_at": item.checked_at, "person_id": item.person_id,
             "assignee_id": item.person_id, "inspector_id": check.inspector_id, "department": code,
             "compliant": bool(item.compliant), **{name: getattr(item, name) for name in CHECKLIST},
             "label": f"{number or check.number} · {check.number}"}
            for item, check, number, code in rows]


def standard_ratio(start_utc: datetime, end_utc: datetime) -> tuple[int, int]:
    rows = standard_rows(start_utc, end_utc)
    return sum(r["compliant"] for r in rows), len(rows)
