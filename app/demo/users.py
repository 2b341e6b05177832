"""The demo organisation: four departments and one user per role."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app

from app.extensions import db
from app.models import Department, OnCallShift, UserProfile

DEPARTMENTS = [
    ("CS", "客户服务部", "Customer Service"),
    ("SALES", "销售部", "Sales"),
    ("TECH", "技术部", "Technology"),
    ("DELIVERY", "项目交付部", "Project Delivery"),
]

# username, role, first name, last name, department code
DEMO_USERS = [
    ("admin", "Admin", "系统", "管理员", "CS"),
    ("owner", "ProcessOwner", "流程", "负责人", "CS"),
    ("supervisor", "Supervisor", "王", "主管", "CS"),
    ("agent", "CustomerService", "李", "客服", "CS"),
    ("tech", "TechSupport", "张", "工程师", "TECH"),
    ("field", "FieldService", "赵", "维修员", "DELIVERY"),
    ("sales", "Sales", "陈", "销售", "SALES"),
    ("viewer", "ReadOnly", "刘", "访客", "CS"),
]


def seed_users() -> list[tuple[str, str]]:
    """Departments and one user per role (needs the role rows of ``app.setup.init_security``);
    running it again changes nothing. Returns (username, role) of the demo users."""
    sm = current_app.appbuilder.sm
    departments = {}
    for code, name, name_en in DEPARTMENTS:
        dep = db.session.query(Department).filter_by(code=code).one_or_none()
        if dep is None:
            dep = Department(code=code, name=name, name_en=name_en)
            db.session.add(dep)
        departments[code] = dep
    db.session.commit()
    password = current_app.config["DEMO_PASSWORD"]
    for username, role, first, last, dep_code in DEMO_USERS:
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(username, first, last, f"{username}@example.com",
                               sm.find_role(role), password=password)
        if db.session.get(UserProfile, user.id) is None:
            db.session.add(UserProfile(user_id=user.id, department_id=departments[dep_code].id))
    db.session.commit()
    head = sm.find_user(username="supervisor")
    if departments["CS"].head_id is None:
        departments["CS"].head_id = head.id
        db.session.commit()
    return [(u, r) for u, r, *_ in DEMO_USERS]


def seed_rota(days: int = 14) -> int:
    """The field engineer on call around the clock for the next two weeks (one shift a day from
    09:00), so that an emergency in the demo reaches someone; nothing when a rota exists."""
    from app.engine import clock  # app.setup imports this module without the engine

    delivery = db.session.query(Department).filter_by(code="DELIVERY").one()
    if db.session.query(OnCallShift).filter_by(department_id=delivery.id).first() is not None:
        return 0
    engineer = current_app.appbuilder.sm.find_user(username="field")
    start = datetime.combine(clock.local_today(), time(9, 0), tzinfo=clock.zone()) - timedelta(days=1)
    for day in range(days):
        begin = start + timedelta(days=day)
        db.session.add(OnCallShift(department_id=delivery.id, user_id=engineer.id, starts_at=begin,
                                   ends_at=begin + timedelta(days=1), note="24小时售后热线 24-hour hotline"))
    db.session.commit()
    return days
