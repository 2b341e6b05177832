"""Demo pre-sales: the pre-sales requests among the latest demo requests run the ``pre_sales``
process (a pre-sales request becomes a prospect, app.records.process_link), walked as the demo
users on the request's own simulated clock (``timeline``) to a stage that varies by record: waiting
for the first contact, in technical review, a question waiting for its answer, followed up weekly
for several weeks, a missed follow-up, won, lost. Mails are muted by the caller (seed_processes)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.demo import timeline
from app.engine import clock, tasks
from app.engine.actor import Actor
from app.engine.errors import EngineError
from app.extensions import db
from app.models import HumanTask, ProcessInstance, ServiceRequest
from app.records.process_link import start_for_record

# where a walk stops, by the record: cycled over the pre-sales requests
PLANS = ("first_contact", "follow_weeks", "won", "tech_review", "question", "lost", "follow_overdue", "won")
BUDGETS = ("100k_500k", "500k_1m", "1m_5m", "unknown")
STEP = {"first_contact": timedelta(hours=3), "draft_solution": timedelta(days=1), "tech_review": timedelta(hours=5),
        "present_solution": timedelta(days=1), "answer_question": timedelta(days=1), "follow_up": timedelta(days=6),
        "close_lost": timedelta(hours=2)}
DECISION = {"won": "won", "lost": "lost", "question": "question"}  # at the presentation; otherwise undecided


def _actors() -> dict[str, Actor]:
    from flask_appbuilder.security.sqla.models import User

    users = db.session.scalars(select(User).where(User.username.in_(("sales", "agent", "tech"))))
    return {u.username: Actor.from_user(u) for u in users}


def run_request(sr: ServiceRequest, index: int, until: datetime, starter: Actor) -> int:
    """Start a pre-sales request's process (it becomes a prospect) and walk it; 1 when it ran."""
    actors = _actors()
    plan = PLANS[index % len(PLANS)]
    try:
        with timeline.running(timeline.WalkClock(sr.created_at or until, until)) as sim:
            inst = start_for_record(sr, starter)
            _walk(inst, plan, index, actors, sim)
        db.session.commit()
        return 1
    except EngineError:  # one broken walk must not stop the seed
        db.session.rollback()
        return 0


def _open(inst: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")
                                   .order_by(HumanTask.id)))


def _walk(inst: ProcessInstance, plan: str, index: int, actors: dict[str, Actor], sim: timeline.WalkClock) -> None:
    followups = 0
    for _ in range(30):
        db.session.refresh(inst)
        if inst.status != "running":
            return
        rows = [r for r in _open(inst) if not r.element_id.startswith("escalate")]
        if not rows:
            return
        row = rows[0]
        element = row.element_id
        if element == plan or (element == "follow_up" and plan == "follow_overdue"):
            return  # the stage this prospect is at
        if element == "follow_up" and followups >= 5:
            return
        before = sim.now()
        sim.step(STEP.get(element, timedelta(hours=3)))
        if sim.now() == before and element != "first_contact":
            return  # "now" reached: the rest has not happened yet
        actor = actors.get("tech" if element in ("tech_review", "answer_question") else
                           "agent" if element == "first_contact" and index % 2 else "sales")
        if actor is None:
            return
        if element == "follow_up":
            followups += 1
        tasks.complete(row.id, _data(element, plan, index, followups, inst), actor=actor)


def _data(element: str, plan: str, index: int, followups: int, inst: ProcessInstance) -> dict[str, Any]:
    day = clock.local_today()
    if element == "first_contact":
        return {"customer_name": inst.customer or "客户", "product_line": "air_conditioning" if index % 3 == 2
                else "robot_integration", "project_needs": "新建产线需要机器人集成方案，含上下料与视觉检测"
                if index % 3 != 2 else "办公楼中央空调改造，约6000平方米",
                "budget_range": BUDGETS[index % len(BUDGETS)], "wanted_date": (day + timedelta(days=120)).isoformat(),
                "time_requirement": "年底前确定方案", "customer_language": "zh", "contact_method": "phone",
                "contact_summary": "已电话对接，记录需求、预算与时间要求"}
    if element == "draft_solution":
        return {"solution_title": "初步解决方案", "feasibility": "经技术部评估可行", "product_advantages": "交付周期短，售后网点覆盖",
                "implementation_plan": "1.现场勘测 2.方案设计 3.安装调试 4.验收培训", "cost_structure": "设备65%，集成安装25%，服务10%",
                "quoted_amount": 800000 + 100000 * (index % 7),
                "recommended_models": "多联机 MDV-280W ×3（附说明书与技术参数）" if index % 3 == 2 else "",
                "system_design": "选型按冷负荷；安装位置屋面；线路沿桥架铺设；新风换气" if index % 3 == 2 else ""}
    if element == "tech_review":
        return {"review_approved": True, "review_note": "方案技术可行，成本合理"}
    if element == "present_solution":
        return {"contact_method": "meeting", "presentation_note": "向客户讲解方案及报价",
                "customer_decision": DECISION.get(plan, "undecided"),
                "customer_question": "能否缩短交付周期？" if plan == "question" else ""}
    if element == "follow_up":
        last = plan == "follow_weeks" and followups >= 5
        return {"contact_method": "phone", "followup_summary": f"第{followups}次跟进：客户内部评估中",
                "customer_decision": "won" if last else "undecided"}
    if element == "answer_question":
        return {"answer_text": "可通过预装模块缩短两周", "contact_method": "email"}
    if element == "close_lost":
        return {"lost_reason": "客户选择了报价更低的供应商", "competitor": "竞争对手A"}
    return {}
