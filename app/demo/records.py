"""Demo service records (Chinese, deterministic, idempotent): customers, requests, field
visits, complaints, incidents, surveys, cases and service plans.

Needs the departments and users of ``app.demo.users`` (without them those links stay
empty). The records get no processes here (``app.demo.processes`` starts them); times
are relative to ``now``, by default ``clock.now()``.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask_appbuilder.security.sqla.models import User

from app.demo import words as W
from app.demo.customers import add_customers, customer_names
from app.engine import clock, sla_policy
from app.extensions import db
from app.models import (
    Case, Complaint, ContingencyPlan, Customer, Department, EmergencyIncident, FieldServiceRecord,
    IncidentNotification, ServicePlan, ServicePlanFeedback, ServiceRequest, Survey,
)
from app.records.timefmt import local_tz

__all__ = ["customer_names", "seed_records"]

OPEN = ["new", "accepted", "in_progress", "on_site", "escalated"]
PRIORITY_BY_TYPE = {"general_question": "low", "routine_fault": "normal", "complex_fault": "high",
                    "emergency_stoppage": "urgent"}


def seed_records(n_customers: int = 200, n_requests: int = 500, n_complaints: int = 60, n_incidents: int = 5,
                 now: datetime | None = None) -> dict[str, int]:
    """Create the dataset once; returns counts (empty when it was already there)."""
    rng = random.Random(42)
    now = now or clock.now()
    names = customer_names(rng, n_customers)
    if db.session.query(Customer.id).filter_by(name=names[0][0]).first() is not None:
        return {}
    users = {u.username: u for u in db.session.query(User).all()}
    departments = db.session.query(Department).order_by(Department.id).all()
    customers = add_customers(rng, names, now)
    plans = _plans()
    requests = _requests(rng, customers, n_requests, now)
    db.session.flush()
    field = _field_records(rng, requests, users)
    complaints = _complaints(rng, customers, requests, departments, n_complaints, now)
    incidents = _incidents(rng, customers, plans, n_incidents, now)
    surveys = _surveys(rng, requests, complaints, now)
    cases = _cases(rng, requests, complaints, users, now)
    service_plans = _service_plans(rng, customers, users, now)
    db.session.commit()
    return {"customers": len(customers), "service_requests": len(requests), "field_records": field,
            "complaints": len(complaints), "incidents": incidents, "surveys": surveys, "cases": cases,
            "service_plans": service_plans}


def _plans() -> dict[str, ContingencyPlan]:
    plans = {t: ContingencyPlan(type=t, name=n, response_organisation=org, steps=steps)
             for t, (n, org, steps) in W.PLANS.items()}
    db.session.add_all(plans.values())
    return plans


def _past(moment: datetime, now: datetime) -> datetime:
    """Nothing in the demo happened after "now" (a record closed tomorrow would be a lie)."""
    return min(moment, now - timedelta(minutes=5))


def _office_time(rng, moment: datetime, now: datetime) -> datetime:
    """Most requests arrive in office hours (09:00-17:30 local), as a real desk's do."""
    if rng.random() >= 0.85:
        return moment
    tz = local_tz()
    local = moment.astimezone(tz)
    minute = rng.randint(9 * 60, 17 * 60 + 30)
    moved = local.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0).astimezone(moment.tzinfo)
    return moved if moved < now else moment


def _requests(rng, customers, n, now) -> list[ServiceRequest]:
    out = []
    for _ in range(n):
        c = rng.choice(customers)
        created = _office_time(rng, now - timedelta(days=rng.uniform(0, 180), minutes=rng.randint(0, 600)), now)
        if rng.random() < 0.2:
            kind, rtype, subject = "pre_sales", "general_question", rng.choice(W.PRESALES_SUBJECTS)
        else:
            kind = "after_sales"
            rtype = rng.choices(list(W.REQUEST_SUBJECTS), weights=[3, 5, 2, 1])[0]
            subject = rng.choice(W.REQUEST_SUBJECTS[rtype])
        due = sla_policy.resolve_due(rtype, created)
        age = (now - created).days
        status = rng.choice(OPEN) if age < 5 else rng.choice(["closed", "closed", "resolved", "closed"]) if age > 20 \
            else rng.choice(OPEN + ["resolved", "closed"])
        sr = ServiceRequest(customer=c, contact=c.contacts[0], kind=kind, type=rtype, subject=subject,
                            equipment=rng.choice(c.equipment) if kind == "after_sales" else None,
                            channel=rng.choice(["phone", "phone", "email", "web", "onsite"]),
                            priority=PRIORITY_BY_TYPE[rtype], status=status, created_at=created, due_at=due,
                            description=f"客户反馈：{subject}。请尽快联系客户确认详情。")
        if status != "new":
            sr.accepted_at = created + timedelta(
                minutes=rng.randint(3, 30) if rng.random() < 0.88 else rng.randint(31, 90))
            sr.first_reply_at = sr.accepted_at  # the agent reached the customer when accepting
        if status in ("resolved", "closed"):
            late = rng.random() < 0.12
            sr.resolved_at = _past(due + timedelta(hours=rng.randint(1, 30)) if late else
                                   sr.accepted_at + (due - sr.accepted_at) * rng.uniform(0.2, 0.9), now)
        out.append(sr)
    out.sort(key=lambda r: r.created_at)  # numbers follow time
    db.session.add_all(out)
    return out


def _field_records(rng, requests, users) -> int:
    engineers = [u for name, u in users.items() if name in ("field", "tech")]
    count = 0
    for sr in requests:
        if sr.type in ("complex_fault", "emergency_stoppage", "routine_fault") \
                and sr.status in ("on_site", "resolved", "closed") \
                and sr.accepted_at and rng.random() < 0.7:
            appointment = sr.accepted_at + timedelta(hours=rng.randint(1, 20))
            done = sr.status != "on_site"
            sr.field_records.append(FieldServiceRecord(
                engineer=rng.choice(engineers) if engineers else None, appointment_at=appointment,
                arrived_at=appointment + timedelta(minutes=rng.randint(-20, 60)),
                work_done=rng.choice(W.FIELD_WORK) if done else None,
                cause=rng.choice(W.FIELD_CAUSES) if done else None,
                advice=rng.choice(W.FIELD_ADVICE) if done else None, customer_confirmed=done,
                confirmed_by_name=sr.contact.name if done and sr.contact else None))
            count += 1
    return count


def _complaints(rng, customers, requests, departments, n, now) -> list[Complaint]:
    out = []
    for _ in range(n):
        sr = rng.choice(requests) if rng.random() < 0.6 else None
        c = sr.customer if sr else rng.choice(customers)
        received = now - timedelta(days=rng.uniform(0, 150))
        plan, result = rng.choice(W.RECTIFICATIONS)
        cp = Complaint(customer=c, contact=c.contacts[0], service_request=sr, matter=rng.choice(W.COMPLAINT_MATTERS),
                       customer_demand=rng.choice(W.COMPLAINT_DEMANDS), received_at=received,
                       responsible_department=rng.choice(departments) if departments else None)
        stage = rng.choice(["received", "forwarded", "rectifying", "awaiting_feedback", "closed", "closed", "closed"])
        if stage != "received":
            cp.forwarded_at = _past(received + timedelta(hours=rng.randint(1, 24)), now)
        if stage in ("rectifying", "awaiting_feedback", "closed"):
            cp.rectification_plan = plan
        if stage in ("awaiting_feedback", "closed"):
            cp.rectification_result = result
        cp.status = stage
        if stage == "closed":
            cp.satisfaction = rng.choice([2, 3, 4, 4, 5, 5])
            cp.feedback = "客户认可整改结果" if cp.satisfaction >= 4 else "客户认为整改不到位"
            cp.closed_at = _past(received + timedelta(days=rng.randint(3, 12)), now)
            cp.feedback_date = cp.closed_at.astimezone(local_tz()).date()
            if cp.satisfaction < 4 and rng.random() < 0.6:
                cp.reopen()  # unsatisfied: re-opened, the first round stays in history
                cp.rectification_plan = "升级处理：由部门负责人牵头重新整改"
        out.append(cp)
    out.sort(key=lambda c: c.received_at)
    db.session.add_all(out)
    return out


def _incidents(rng, customers, plans, n, now) -> int:
    for i in range(n):
        itype, title, desc = W.INCIDENTS[i % len(W.INCIDENTS)]
        reported = now - timedelta(days=rng.randint(5, 160))
        closed = i % 2 == 0
        inc = EmergencyIncident(type=itype, title=title, description=desc, reported_at=reported,
                                contingency_plan=plans[itype], status="closed" if closed else "responding",
                                closed_at=_past(reported + timedelta(days=rng.randint(2, 10)), now) if closed else None,
                                summary="已全部处理完毕，受影响客户均已恢复" if closed else None,
                                improvements="完善预警机制，提前储备备件" if closed else None)
        inc.customers = rng.sample(customers, rng.randint(3, 12))
        for c in inc.customers:
            inc.notifications.append(IncidentNotification(
                customer=c, channel=rng.choice(["phone", "sms", "email", "wechat"]),
                sent_at=reported + timedelta(hours=rng.randint(1, 6)), content=f"【{title}】我们正在处理，如有影响请联系服务热线。"))
        db.session.add(inc)
    return n


def _surveys(rng, requests, complaints, now) -> int:
    count = 0
    for sr in [r for r in requests if r.status == "closed"][:120]:
        sent = _past((sr.resolved_at or sr.created_at) + timedelta(days=1), now)
        answered = rng.random() < 0.7
        db.session.add(Survey(kind=rng.choice(["follow_up", "satisfaction"]), customer=sr.customer, service_request=sr,
                              channel=rng.choice(["sms", "email", "wechat"]), sent_at=sent,
                              expires_at=sent + timedelta(days=14),
                              answered_at=_past(sent + timedelta(hours=rng.randint(1, 72)), now) if answered else None,
                              score=rng.choice([3, 4, 4, 5, 5, 5]) if answered else None,
                              comments=rng.choice(["工程师很专业", "响应及时", "希望缩短备件等待时间", None]) if answered else None))
        count += 1
    for cp in [c for c in complaints if c.status == "closed"]:
        db.session.add(Survey(kind="follow_up", customer=cp.customer, complaint=cp, channel="phone",
                              sent_at=cp.closed_at, answered_at=cp.closed_at, score=cp.satisfaction))
        count += 1
    return count


def _cases(rng, requests, complaints, users, now) -> int:
    sharer = users.get("tech") or users.get("admin")
    for i, (category, title, summary) in enumerate(W.CASES):
        db.session.add(Case(title=title, category=category, summary=summary,
                            content=f"{summary}\n\n背景、处理过程与经验总结见附件。", shared_by=sharer,
                            shared_at=now - timedelta(days=rng.randint(1, 120)), is_published=i % 4 != 3,
                            service_request=rng.choice(requests) if category == "fault" else None,
                            complaint=rng.choice(complaints) if category == "complaint" and complaints else None))
    return len(W.CASES)


def _service_plans(rng, customers, users, now) -> int:
    approver = users.get("supervisor")
    for title, needs, urgency, importance in W.SERVICE_PLANS:
        c = rng.choice(customers)
        approved = rng.random() < 0.7
        sp = ServicePlan(customer=c, title=f"{c.name[:6]}…{title}", needs=needs, urgency=urgency, importance=importance,
                         plan="1. 需求确认\n2. 制定实施计划\n3. 分工执行\n4. 阶段反馈",
                         created_at=now - timedelta(days=rng.randint(10, 90)),
                         status=rng.choice(["in_progress", "summarised"]) if approved else "pending_approval",
                         approved_by=approver if approved else None,
                         approved_at=now - timedelta(days=rng.randint(1, 9)) if approved else None)
        if approved:
            sp.feedback.append(ServicePlanFeedback(at=now - timedelta(days=rng.randint(0, 8)), content="客户对阶段成果表示满意",
                                                   evaluation=rng.choice(["满意", "基本满意"])))
        db.session.add(sp)
    return len(W.SERVICE_PLANS)
