"""Demo training and spare parts, produced by the same services and processes people use:
the catalogue and goods in (``stock.receive``), the field engineer's van stock that the walked on-site
steps consume (``parts_for_visit``), a stocktake counted and approved through parts_stocktake, and the
year's training plan whose past items are held through training_plan, with sessions and attendance.
Idempotent: a second run finds the catalogue and changes nothing."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.engine import clock, notifications, tasks
from app.engine.actor import Actor
from app.extensions import db
from app.models import (
    HumanTask, SparePart, StockLevel, StockLocation, Stocktake, TrainingAttendance, TrainingCourse, TrainingPlan,
    TrainingSession,
)
from app.records.parts import stock
from app.records.process_link import start_for_record
from app.records.training import rules

OEM = "厂家授权渠道 OEM authorised channel"
PARTS = [  # code, name, category, unit, min stock, central stock, van stock
    ("AC-CAP-35", "压缩机启动电容 35μF Compressor start capacitor", "electrical", "pcs", 10, 40, 12),
    ("AC-FAN-M1", "室外风机电机 Outdoor fan motor", "mechanical", "pcs", 3, 8, 2),
    ("AC-R32-3KG", "R32 冷媒 3kg Refrigerant R32 3 kg", "refrigerant", "can", 5, 20, 4),
    ("AC-FLT-STD", "标准滤网 Standard air filter", "filter", "pcs", 20, 60, 15),
    ("AC-PCB-MAIN", "室内机主控板 Indoor main board", "control", "pcs", 2, 5, 1),
    ("AC-SNS-T1", "温度传感器 Temperature sensor", "electrical", "pcs", 10, 30, 10),
]
COURSES = [  # code, title, kind, hours, exam
    ("PP-101", "公司文化与客户服务管理制度 Company culture and service rules", "pre_post", 12, True),
    ("PP-102", "产品知识与服务流程 Products and service processes", "pre_post", 12, True),
    ("PP-103", "沟通技巧与行为规范 Communication and conduct", "pre_post", 8, True),
    ("OJ-201", "新产品技术与案例复盘 New products and case reviews", "on_job", 2, False),
    ("CD-301", "跨部门模拟服务演练 Cross-department service drill", "cross_dept", 4, False),
    ("EX-401", "行业客户服务交流 Industry service forum", "external", 8, False),
]


def parts_for_visit(record: Any) -> dict[str, Any]:
    """What the field engineer takes from the van on a walked on-site step: one part a visit, in turn,
    while the van has it (an empty van: nothing, as a real visit would note)."""
    rows = db.session.scalars(select(StockLevel).join(StockLocation).where(StockLocation.code == "VAN-FIELD")
                              .order_by(StockLevel.part_id)).all()
    usable = [r for r in rows if r.available > 0]
    if not usable:
        return {}
    row = usable[(record.id or 0) % len(usable)]
    return {"part_1": str(row.id), "part_1_qty": 1}


def seed_parts() -> int:
    """The catalogue, a warehouse and the field engineer's van, with goods in; 0 when already there."""
    if db.session.scalars(select(SparePart.id).where(SparePart.code == PARTS[0][0])).first():
        return 0
    field = db.session.scalars(select(User).where(User.username == "field")).first()
    supervisor = db.session.scalars(select(User).where(User.username == "supervisor")).first()
    central = StockLocation(code="WH-CENTRAL", name="中央仓库 Central warehouse", kind="warehouse")
    van = StockLocation(code="VAN-FIELD", name="赵工随车库存 Field van", kind="van", holder=field)
    db.session.add_all([central, van])
    for code, name, category, unit, minimum, in_central, in_van in PARTS:
        part = SparePart(code=code, name=name, category=category, unit=unit, supplier=OEM, min_stock=minimum,
                         fits_models="KFR-35GW, KFR-50LW")
        db.session.add(part)
        db.session.flush()
        stock.receive(part, central, in_central, supplier=OEM, user_id=getattr(supervisor, "id", None),
                      note="期初入库 Opening stock")
        stock.receive(part, van, in_van, supplier=OEM, user_id=getattr(supervisor, "id", None),
                      note="随车领用 Van stock")
    db.session.commit()
    return len(PARTS)


def seed_stocktake(actors: dict[str, Actor]) -> None:
    """The central warehouse counted: one capacitor short, approved, an audited adjustment."""
    central = db.session.scalars(select(StockLocation).where(StockLocation.code == "WH-CENTRAL")).first()
    if central is None or db.session.scalars(select(Stocktake.id).where(Stocktake.location_id == central.id)).first():
        return
    take = Stocktake(location_id=central.id, note="月度盘点 Monthly stocktake")
    db.session.add(take)
    stock.open_stocktake(take)
    inst = start_for_record(take, actors["supervisor"])
    for line in take.lines:
        line.counted = line.expected - (1 if line.part.code == "AC-CAP-35" else 0)
    db.session.commit()
    _do(inst.id, "count_stock", actors["field"], {"all_counted": True, "count_note": "已逐项清点"})
    _do(inst.id, "approve_adjustment", actors["supervisor"], {"adjustment_approved": True,
                                                               "review_note": "电容损耗1个，同意调整"})


def seed_training(actors: dict[str, Actor]) -> None:
    """Courses, the year's plan (past items held through their process), sessions and attendance."""
    if db.session.scalars(select(TrainingCourse.id).where(TrainingCourse.code == COURSES[0][0])).first():
        return
    courses = {}
    for code, title, kind, hours, exam in COURSES:
        courses[code] = TrainingCourse(code=code, title=title, kind=kind, hours=hours, has_exam=exam,
                                       provider="客户服务部 Customer service" if kind != "external" else "行业协会 Industry body")
        db.session.add(courses[code])
    db.session.flush()
    today = clock.local_today()
    items = rules.year_plan(today.year, organiser_id=actors["supervisor"].user_id)
    staff = [a for a in actors.values() if a.username in ("agent", "tech", "field", "sales")]
    for item in sorted(items, key=lambda i: i.due_on):
        inst = start_for_record(item, actors["supervisor"], commit=False)
        if item.due_on >= today:
            continue
        held = item.due_on - timedelta(days=5)
        _do(inst.id, "hold_training", actors["supervisor"], {
            "held_on": held.isoformat(), "session_hours": int(item.course.hours) if item.course else 2,
            "trainer": "王主管", "place": "培训室 Training room", "is_drill": item.kind == "cross_dept",
            "departments": "客服部、技术部、销售部" if item.kind == "cross_dept" else "客服部"})
        session = db.session.scalars(select(TrainingSession).where(TrainingSession.plan_id == item.id)).first()
        if session is not None:
            for person in staff:
                db.session.add(TrainingAttendance(session=session, user_id=person.user_id, hours=session.hours,
                                                  recorded_at=session.starts_at))
    db.session.commit()


def _do(inst_id: int, element: str, actor: Actor, data: dict) -> None:
    row = db.session.scalars(select(HumanTask).filter_by(instance_id=inst_id, element_id=element, state="open")).first()
    if row is None:
        return
    tasks.claim(row.id, actor=actor)
    tasks.complete(row.id, data, actor=actor)


def seed_training_and_stocktake() -> None:
    users = db.session.scalars(select(User).where(User.username.in_(("supervisor", "agent", "tech", "field",
                                                                        "sales"))))
    actors = {u.username: Actor.from_user(u) for u in users}
    if "supervisor" not in actors or "field" not in actors:
        return
    with notifications.muted():
        seed_training(actors)
        seed_stocktake(actors)
