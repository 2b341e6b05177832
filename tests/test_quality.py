"""Quality monitoring on a frozen clock: a month of daily spot checks, the monthly report, the
improvement actions and the maintenance return visits.

机器人集成公司客户服务优化管理制度（000）第十三条（一）日常监测：“客户服务部负责人每日抽查服务记录、沟通台账等，
检查服务人员响应时效、问题处理进度及服务规范执行情况；每月开展1次服务质量专项检查，形成检查报告并通报相关部门”。
空调部顾客服务管理制度（001）四、考核指标：“服务规范执行率=符合规范的服务次数/总服务次数×100%”；
考核方式：“部门主管不定期对服务人员的工作进行现场抽查，检查服务质量和行为规范执行情况”。
空调部顾客服务管理制度（001）维修保养：“定期对顾客使用的空调进行回访，提供免费的保养建议和服务，延长空调使用寿命”。
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.engine import clock, definitions, jobs, tasks, work_calendar
from app.engine.actor import Actor
from app.extensions import db
from app.models import (
    Customer, Department, Equipment, HumanTask, MailOutbox, MaintenanceVisit, ProcessInstance, QualityInspection,
    ServiceRequest, SpotCheck, SpotCheckItem,
)
from app.records.process_link import start_for_record
from app.records.quality import process as quality_process
from app.records.quality import service
from tests.conftest import fresh_sqlite_app

pytestmark = pytest.mark.own_sqlite  # tests/conftest.py: not repeated in CI's PostgreSQL pass

SH = ZoneInfo("Asia/Shanghai")
WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """A fresh installation driven through October 2026 (National Day holidays Oct 1-7, Saturday
    Oct 10 a make-up working day) on a simulated clock, the worker's jobs run after each step."""
    from app.demo.users import seed_users

    app = fresh_sqlite_app(tmp_path_factory.mktemp("quality_month"))
    app.config["QUALITY_SPOT_CHECK_SAMPLE"] = 2
    app.config["MAIL_SUPPRESS_SEND"] = True
    sim = clock.SimulatedClock(datetime(2026, 9, 28, 8, 0, tzinfo=SH))
    state: dict = {"app": app, "sim": sim}
    with app.app_context(), clock.use(sim.now):
        seed_users()
        sm = app.appbuilder.sm
        actors = {u: Actor.from_user(sm.find_user(username=u)) for u in ("owner", "supervisor", "agent", "tech")}
        tech_dep = db.session.scalars(select(Department).filter_by(code="TECH")).one()
        tech_dep.head_id = actors["tech"].user_id  # two departments with a head: two checks a working day
        db.session.commit()
        definitions.deploy_directory(WORKFLOWS, actor=actors["owner"])
        db.session.commit()
        customer = Customer(name="苏州精工机器人有限公司")
        customer.equipment.append(Equipment(model="RX-160 焊接机器人", serial="RX160-0001",
                                            installed_on=date(2026, 3, 1), maintenance_interval_months=1))
        db.session.add(customer)
        db.session.commit()
        quality_process.sync_cycle(customer.equipment[0])  # the cycle starts Sep 28 08:00: first visit Oct 28
        state["equipment_id"] = customer.equipment[0].id

        def run_jobs():
            while jobs.run_due_jobs(limit=200):
                pass

        def serve(n: int):
            """n requests accepted by the agent (a CS member): what the CS head samples."""
            for i in range(n):
                sr = ServiceRequest(customer_id=customer.id, kind="after_sales", channel="phone",
                                    type="general_question", subject=f"抽样 {sim.now():%m%d} #{i}")
                db.session.add(sr)
                inst = start_for_record(sr, actors["agent"])
                row = db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id="accept",
                                                                     state="open")).one()
                tasks.claim(row.id, actor=actors["agent"])
                tasks.complete(row.id, {"customer_contacted": True, "accept_note": "已确认"}, actor=actors["agent"])
            db.session.commit()

        verdicts = []  # (compliant?) of each judged item, to compare with the report
        day = date(2026, 9, 28)
        while day <= date(2026, 11, 2):
            sim.set(datetime.combine(day, datetime.min.time(), tzinfo=SH).replace(hour=8))
            serve(2)
            sim.set(sim.now().replace(hour=9, minute=5))
            run_jobs()
            sim.set(sim.now().replace(hour=16))
            for check in db.session.scalars(select(SpotCheck).filter_by(check_date=day, status="open")).all():
                for k, item in enumerate(check.items):
                    ok = (item.id % 3 != 0)  # every third sampled service fails on manners
                    service.record_verdict(item, appearance=True, manners=ok, procedure=True, records=True,
                                           note=None if ok else "未使用规范礼貌用语")
                    verdicts.append(ok)
                task = db.session.get(HumanTask, check.human_task_id)
                who = next(a for a in actors.values() if a.user_id == task.assignee_id)
                tasks.complete(task.id, {"sample_reviewed": True, "check_summary": "抽查完成"}, actor=who)
            db.session.commit()
            run_jobs()
            day += timedelta(days=1)
        state["verdicts"] = verdicts
        state["actors"] = actors
        yield state
        db.session.remove()


def test_daily_checks_only_on_working_days(month):
    """第十三条（一）“每日抽查”：工作日（含调休上班日）每位部门负责人一项，节假日和周末没有。"""
    with month["app"].app_context():
        cal = work_calendar.current()
        rows = db.session.execute(select(SpotCheck.check_date, func.count()).where(
            SpotCheck.check_date >= date(2026, 10, 1), SpotCheck.check_date <= date(2026, 10, 31))
            .group_by(SpotCheck.check_date)).all()
        per_day = dict(rows)
        october = [date(2026, 10, d) for d in range(1, 32)]
        assert set(per_day) == {d for d in october if cal.is_working_day(d)}
        assert all(n == 2 for n in per_day.values())  # CS and TECH heads
        assert not any(date(2026, 10, d) in per_day for d in range(1, 8))  # National Day
        assert date(2026, 10, 10) in per_day  # a Saturday, a make-up working day
        assert date(2026, 10, 11) not in per_day and date(2026, 10, 17) not in per_day  # weekends
        assert len(per_day) == 18  # 8-10, 12-16, 19-23, 26-30
        # timer-started instances ran on the days off too, and ended without a task
        day_off = db.session.scalars(select(ProcessInstance).filter_by(process_key="quality_daily_check")).all()
        assert len(day_off) >= 31


def test_spot_check_samples_the_departments_recent_records(month):
    with month["app"].app_context():
        cs = db.session.scalars(select(Department).filter_by(code="CS")).one()
        tech = db.session.scalars(select(Department).filter_by(code="TECH")).one()
        check = db.session.scalars(select(SpotCheck).filter_by(department_id=cs.id, check_date=date(2026, 10, 9))).one()
        assert check.sample_size == len(check.items) == 2  # QUALITY_SPOT_CHECK_SAMPLE
        assert check.inspector.username == "supervisor" and check.status == "done"
        assert {i.person.username for i in check.items} == {"agent"}
        for item in check.items:
            assert item.service_request.created_at >= datetime(2026, 10, 2, tzinfo=SH)  # the 7-day window
        all_requests = [i.service_request_id for i in db.session.scalars(select(SpotCheckItem))]
        assert len(all_requests) == len(set(all_requests))  # never sampled twice
        tech_check = db.session.scalars(select(SpotCheck).filter_by(department_id=tech.id)).first()
        assert tech_check.inspector.username == "tech" and tech_check.items == []  # nobody of TECH served


def test_monthly_report_has_the_right_counts_and_is_mailed(month):
    """“每月开展1次服务质量专项检查，形成检查报告并通报相关部门”。"""
    app, actors = month["app"], month["actors"]
    with app.app_context(), clock.use(month["sim"].now):
        insp = db.session.scalars(select(QualityInspection).filter_by(period="2026-10")).one()
        verdicts_oct = month["verdicts"]
        october_checks = db.session.scalars(select(SpotCheck).where(
            SpotCheck.check_date >= date(2026, 10, 1), SpotCheck.check_date <= date(2026, 10, 31))).all()
        items = [i for c in october_checks for i in c.items]
        assert insp.checks_count == 36
        assert insp.items_checked == len(items) == 18 * 2  # two CS items a working day
        assert insp.items_compliant == sum(1 for i in items if i.compliant)
        assert 0 < insp.items_compliant < insp.items_checked
        assert len(verdicts_oct) >= insp.items_checked
        task = db.session.scalars(select(HumanTask).filter_by(instance_id=insp.process_instance_id,
                                                              element_id="write_report")).one()
        assert task.state == "open" and task.created_at.astimezone(SH).date() == date(2026, 11, 1)
        tasks.claim(task.id, actor=actors["supervisor"])
        tasks.complete(task.id, {"findings": "礼貌用语不规范较多", "suggestions": "开展礼仪培训"},
                       actor=actors["supervisor"])
        db.session.commit()
        db.session.refresh(insp)
        assert insp.status == "sent" and insp.sent_at is not None
        assert "客户服务部" in insp.sent_to and "技术部" in insp.sent_to
        mails = db.session.scalars(select(MailOutbox).filter_by(kind="quality_report")).all()
        to = {r for m in mails for r in m.recipients}
        assert {"supervisor@example.com", "agent@example.com", "tech@example.com"} <= to
        assert not to & {"sales@example.com", "field@example.com"}  # not concerned
        zh = next(m for m in mails if m.recipients == ["agent@example.com"])
        assert "2026-10" in zh.subject and f"{insp.items_compliant / insp.items_checked * 100:.1f}%" in zh.body_text
        num, den = service.standard_ratio(datetime(2026, 10, 1, tzinfo=SH), datetime(2026, 11, 1, tzinfo=SH))
        assert (num, den) == (insp.items_compliant, insp.items_checked)
        rows = service.standard_rows(datetime(2026, 10, 1, tzinfo=SH), datetime(2026, 11, 1, tzinfo=SH))
        assert {r["department"] for r in rows} == {"CS"} and all(r["record"].startswith("SR-") for r in rows)


def test_maintenance_visit_started_by_its_cycle_timer(month):
    """维修保养：“定期对顾客使用的空调进行回访，提供免费的保养建议和服务”。"""
    app, actors = month["app"], month["actors"]
    with app.app_context(), clock.use(month["sim"].now):
        visits = db.session.scalars(select(MaintenanceVisit).filter_by(equipment_id=month["equipment_id"])
                                    .order_by(MaintenanceVisit.id)).all()
        assert len(visits) == 1  # Sep 28 + 1 month
        visit = visits[0]
        task = db.session.get(HumanTask, visit.human_task_id)
        assert task.created_at.astimezone(SH).date() == date(2026, 10, 28) and task.state == "open"
        tasks.claim(task.id, actor=actors["agent"])
        tasks.complete(task.id, {"visit_method": "visit_phone", "equipment_condition": "运行正常",
                                 "maintenance_advice": "每季度清洁焊枪，检查电缆"}, actor=actors["agent"])
        db.session.commit()
        db.session.refresh(visit)
        assert visit.status == "done" and "焊枪" in visit.advice and visit.visited_by_id == actors["agent"].user_id
        equipment = db.session.get(Equipment, month["equipment_id"])
        equipment.maintenance_interval_months = 3  # a changed interval replaces the cycle
        quality_process.sync_cycle(equipment)
        running = db.session.scalars(select(ProcessInstance).filter_by(
            process_key="maintenance_visit", record_id=equipment.id, status="running")).all()
        assert len(running) == 1 and running[0].id != visit.process_instance_id
        with pytest.raises(service.QualityError):
            equipment.maintenance_interval_months = 0
            quality_process.sync_cycle(equipment)
        db.session.rollback()
