"""*Department tasks*: a supervisor sees the open work of the departments they head or belong to
(assigned to a member, or unassigned and offered to a member or a member's role); an admin sees all."""
import pytest
from sqlalchemy import select

from app.engine import runtime, tasks
from app.engine.actor import Actor
from app.engine.errors import Forbidden, Invalid
from app.extensions import db
from app.models import Department, HumanTask, UserProfile
from tests.engine.conftest import temporary_member


def _dept_keys(actor, prefix):
    return sorted(t.business_key for t in tasks.query_tasks(actor, view="department", search=prefix,
                                                            page_size=100).items)


def _open(inst):
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")).one()


@pytest.fixture
def tech_head(app_ctx):
    """A supervisor heading the technology department (not a member of it)."""
    with temporary_member(app_ctx, "techhead", "技术", "主管", "Supervisor") as user:
        dept = db.session.scalars(select(Department).filter_by(code="TECH")).one()
        dept.head_id = user.id
        db.session.commit()
        yield Actor.from_user(user)
        db.session.rollback()
        dept.head_id = None
        db.session.commit()


def test_each_head_sees_their_departments_work(app_ctx, actors, complaint_def, tech_head):
    boss, admin = actors["supervisor"], actors["admin"]  # boss heads CS; agent is in CS, tech in TECH
    offered_cs = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="DQ-1")
    mine_cs = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="DQ-2")
    tasks.claim(_open(mine_cs).id, actor=actors["agent"])
    at_tech = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="DQ-3")
    tasks.complete(_open(at_tech).id, {"matter": "m"}, actor=actors["agent"])  # rectify: offered to TechSupport
    taken_by_tech = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="DQ-4")
    tasks.complete(_open(taken_by_tech).id, {"matter": "m"}, actor=actors["agent"])
    tasks.claim(_open(taken_by_tech).id, actor=actors["tech"])

    assert _dept_keys(boss, "DQ-") == ["DQ-1", "DQ-2"]
    assert _dept_keys(tech_head, "DQ-") == ["DQ-3", "DQ-4"]
    assert _dept_keys(admin, "DQ-") == ["DQ-1", "DQ-2", "DQ-3", "DQ-4"]
    # reassigning is only to someone who may work the task: tech holds no CustomerService role
    with pytest.raises(Invalid, match="tech may not work"):
        tasks.assign(_open(mine_cs).id, actors["tech"].user_id, actor=boss)
    db.session.rollback()
    # reassigning work to a member of another department who may work it moves it there
    with temporary_member(app_ctx, "techcs", "技术", "客服", "CustomerService") as member:
        tech = db.session.scalars(select(Department).filter_by(code="TECH")).one()
        db.session.add(UserProfile(user_id=member.id, department_id=tech.id))
        db.session.commit()
        try:
            tasks.assign(_open(mine_cs).id, member.id, actor=boss)
            assert _dept_keys(boss, "DQ-") == ["DQ-1"]  # their CustomerService role brings DQ-1's offer too:
            assert _dept_keys(tech_head, "DQ-") == ["DQ-1", "DQ-2", "DQ-3", "DQ-4"]
        finally:
            db.session.rollback()
            db.session.delete(db.session.get(UserProfile, member.id))
            db.session.commit()
    assert [d for d in tasks.department_ids(boss)] == [db.session.scalars(
        select(UserProfile.department_id).filter_by(user_id=boss.user_id)).one()]


def test_a_supervisor_in_no_department_sees_nothing_and_staff_are_refused(app_ctx, actors, complaint_def):
    runtime.start_process("engine_complaint", actor=actors["agent"], business_key="DQ-9")
    loner = Actor(10**6, "loner", frozenset({"Supervisor"}))
    assert tasks.department_ids(loner) == [] and _dept_keys(loner, "DQ-9") == []
    assert _dept_keys(actors["admin"], "DQ-9") == ["DQ-9"]
    with pytest.raises(Forbidden):
        tasks.query_tasks(actors["tech"], view="department")


def test_the_default_page_agrees_with_the_general_query(app_ctx, actors, complaint_def, tech_head):
    """The default view pages two index ranges; a filter that keeps everything takes the general path."""
    from datetime import datetime, timezone

    for i in range(7):
        inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key=f"DA-{i}")
        if i % 2:
            tasks.claim(_open(inst).id, actor=actors["agent"])
        if i % 3 == 0:
            _open(inst).due_at = None  # no due date: listed last
    db.session.commit()
    everything = datetime(2000, 1, 1, tzinfo=timezone.utc)
    for boss in (actors["supervisor"], tech_head, actors["admin"]):
        for size in (3, 100):
            for page in (1, 2, 3):
                fast = tasks.query_tasks(boss, view="department", page=page, page_size=size)
                slow = tasks.query_tasks(boss, view="department", page=page, page_size=size, created_from=everything)
                assert [t.id for t in fast.items] == [t.id for t in slow.items] and fast.total == slow.total
