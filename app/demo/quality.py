"""Quality demo data, made by running the quality processes on a simulated clock: the daily spot
checks of the last two weeks (what their timer starts each day), last month's inspection report,
a quality meeting whose improvement actions run in the inbox, and maintenance cycles of a few
equipment items whose timer has opened a return visit. Idempotent: nothing when spot checks exist."""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from app.demo import timeline
from app.engine import clock, definitions, notifications, runtime, tasks, timers
from app.engine.actor import Actor
from app.engine.errors import EngineError, NotFound
from app.extensions import db
from app.models import Equipment, HumanTask, ImprovementAction, Job, QualityMeeting, SpotCheck
from app.records.process_link import start_for_record
from app.records.quality import process as quality
from app.records.quality import service

log = logging.getLogger(__name__)
DAYS = 14
NOTES = {"manners": "未使用规范礼貌用语 No polite forms used", "records": "服务记录缺少客户确认 Record lacks the customer's confirmation"}


def _actor(username: str) -> Actor:
    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username=username)
    return Actor.from_user(user) if user is not None else Actor.system()


def _complete(task: HumanTask, data: dict, actor: Actor) -> None:
    if task.assignee_id is None:
        tasks.claim(task.id, actor=actor)
    tasks.complete(task.id, data, actor=actor)


def _daily_checks(now: datetime) -> int:
    zone, made = clock.zone(), 0
    today = now.astimezone(zone).date()
    for back in range(DAYS, -1, -1):
        at = datetime.combine(today - timedelta(days=back), time(9, 0), tzinfo=zone)
        if at >= now:
            continue
        with timeline.running(timeline.WalkClock(at, now)) as sim:
            inst = runtime.start_process(quality.DAILY, actor=Actor.system(), timer_fired=True, commit=False)
            checks = db.session.scalars(select(SpotCheck).filter_by(process_instance_id=inst.id)).all()
            made += len(checks)
            if back == 0:
                continue  # today's checks stay open in the heads' inboxes
            sim.step(timedelta(hours=6))
            for check in checks:
                for item in check.items:
                    manners, records = item.id % 5 != 0, item.id % 7 != 0
                    note = NOTES["manners"] if not manners else NOTES["records"] if not records else None
                    service.record_verdict(item, appearance=True, manners=manners, procedure=True, records=records,
                                           note=note)
                task = db.session.get(HumanTask, check.human_task_id)
                _complete(task, {"sample_reviewed": True, "check_summary": "抽查完成，个别记录需补充。"},
                          Actor.from_user(check.inspector))
        db.session.commit()
    return made


def _monthly_report(now: datetime) -> int:
    zone = clock.zone()
    first = datetime.combine(now.astimezone(zone).date().replace(day=1), time(9, 0), tzinfo=zone)
    if first >= now:
        return 0
    with timeline.running(timeline.WalkClock(first, now)) as sim:
        inst = runtime.start_process(quality.MONTHLY, actor=Actor.system(), timer_fired=True, commit=False)
        sim.step(timedelta(hours=5))
        task = db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id="write_report")).one()
        _complete(task, {"findings": "部分服务记录缺少客户确认；个别服务未使用规范礼貌用语。\n"
                                     "Some records lack the customer's confirmation; a few services without polite forms.",
                         "suggestions": "开展服务礼仪培训；服务记录提交前自查。\nEtiquette training; self-check of records."},
                  _actor("supervisor"))
    db.session.commit()
    return 1


def _meeting(now: datetime) -> int:
    zone = clock.zone()
    held = (now - timedelta(days=3)).astimezone(zone)
    supervisor, agent = _actor("supervisor"), _actor("agent")
    with timeline.running(timeline.WalkClock(held.replace(hour=14, minute=0), now)) as sim:
        meeting = QualityMeeting(
            held_on=held.date(), period=(held.date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m"),
            chair_id=supervisor.user_id, attendees="王主管、李客服、张工程师、赵维修员",
            common_problems="礼貌用语不规范；服务记录缺少客户确认。",
            typical_cases="一次上门服务未请客户签字确认。", minutes="逐项分析原因，确定责任人和完成期限。")
        meeting.actions.append(ImprovementAction(problem="礼貌用语不规范", cause="新员工培训不足",
                                                 action="组织服务礼仪专项培训", owner_id=agent.user_id,
                                                 due_on=held.date() + timedelta(days=10)))
        meeting.actions.append(ImprovementAction(problem="服务记录缺少客户确认", cause="现场未执行签字流程",
                                                 action="现场服务记录必须由客户签字确认后提交",
                                                 owner_id=_actor("field").user_id or agent.user_id,
                                                 due_on=held.date() + timedelta(days=5)))
        db.session.add(meeting)
        db.session.flush()
        for action in meeting.actions:
            start_for_record(action, supervisor, commit=False)
        sim.step(timedelta(hours=20))
        first = meeting.actions[0]
        task = db.session.scalars(select(HumanTask).filter_by(instance_id=first.process_instance_id,
                                                              element_id="carry_out", state="open")).one()
        _complete(task, {"evidence": "已组织礼仪培训，签到表存档。Training held, sign-in sheet filed."}, agent)
        sim.step(timedelta(hours=3))
        task = db.session.scalars(select(HumanTask).filter_by(instance_id=first.process_instance_id,
                                                              element_id="verify", state="open")).one()
        _complete(task, {"effective": True, "verify_note": "抽查合格"}, supervisor)
    db.session.commit()
    return 1


def _maintenance(now: datetime) -> int:
    items = db.session.scalars(select(Equipment).order_by(Equipment.id).limit(3)).all()
    started = 0
    for equipment, months in zip(items, (1, 3, 6)):
        with timeline.running(timeline.WalkClock(now - timedelta(days=35), now)) as sim:
            equipment.maintenance_interval_months = months
            inst = quality.sync_cycle(equipment, commit=False)
            started += inst is not None
            if inst is None:
                continue
            job = db.session.scalars(select(Job).filter_by(instance_id=inst.id, kind="timer", state="pending")).first()
            if job is not None and job.due_at < now:  # the cycle's timer fires, as the worker would
                sim.set(job.due_at + timedelta(minutes=1))
                timers.fire(job)
                job.state, job.finished_at = "done", clock.now()
        db.session.commit()
    return started


def seed_quality() -> dict[str, Any]:
    if db.session.scalar(select(func.count()).select_from(SpotCheck)):
        return {}
    try:
        for key in (quality.DAILY, quality.MONTHLY, quality.IMPROVEMENT, quality.MAINTENANCE):
            definitions.get_definition(key)
    except NotFound as err:
        log.warning("quality demo skipped: %s", err.message)
        return {"skipped": err.message}
    now = clock.now()
    out: dict[str, Any] = {}
    with notifications.muted():
        try:
            out["spot_checks"] = _daily_checks(now)
            out["inspections"] = _monthly_report(now)
            out["meetings"] = _meeting(now)
            out["maintenance_cycles"] = _maintenance(now)
        except EngineError as err:  # the rest of the demo stands without it
            db.session.rollback()
            log.warning("quality demo incomplete: %s", err.message)
            out["error"] = err.message
    return out
