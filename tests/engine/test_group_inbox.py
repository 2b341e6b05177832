"""Group tasks read ``task_candidate`` (claimable, due_at copied from the task): the copies
follow every change of the task, and the fast path agrees with the general query."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.engine import runtime, tasks
from app.engine.actor import Actor
from app.extensions import db
from app.models import HumanTask, TaskCandidate


def _start(n, actors, prefix="GQ"):
    return [runtime.start_process("engine_complaint", actor=actors["agent"], business_key=f"{prefix}-{i}")
            for i in range(n)]


def _task(inst):
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, state="open")).one()


def _group_ids(actor, **kw):
    return [t.id for t in tasks.query_tasks(actor, view="group", page_size=100, **kw).items]


def _copies(task_id):
    db.session.expire_all()
    return [(c.claimable, c.due_at) for c in db.session.scalars(select(TaskCandidate).filter_by(task_id=task_id))]


def test_claim_unclaim_assign_complete_move_the_task_in_and_out(app_ctx, actors, complaint_def):
    agent = actors["agent"]
    before = tasks.count_open(agent)
    task = _task(_start(1, actors)[0])
    assert _copies(task.id) == [(True, task.due_at)]
    assert task.id in _group_ids(agent) and tasks.count_open(agent)["group"] == before["group"] + 1
    tasks.claim(task.id, actor=agent)
    assert _copies(task.id) == [(False, task.due_at)]
    assert task.id not in _group_ids(agent) and tasks.count_open(agent) == {"mine": before["mine"] + 1,
                                                                           "group": before["group"]}
    tasks.release(task.id, actor=agent)
    assert task.id in _group_ids(agent) and _copies(task.id)[0][0] is True
    tasks.assign(task.id, agent.user_id, actor=actors["supervisor"])
    assert task.id not in _group_ids(agent)
    tasks.complete(task.id, {"matter": "m"}, actor=agent)
    assert _copies(task.id)[0][0] is False
    rectify = db.session.scalars(select(HumanTask).filter_by(instance_id=task.instance_id, state="open")).one()
    assert rectify.id in _group_ids(actors["tech"]) and _copies(rectify.id) == [(True, rectify.due_at)]


def test_orm_changes_of_state_and_due_date_reach_the_copies(app_ctx, actors, complaint_def):
    inst = _start(1, actors)[0]
    task = _task(inst)
    later = datetime(2031, 1, 2, 3, 4, tzinfo=timezone.utc)
    task.due_at = later
    db.session.commit()
    assert _copies(task.id) == [(True, later)]
    runtime.terminate(inst.id, actor=actors["supervisor"], reason="test")
    assert db.session.get(HumanTask, task.id).state == "cancelled"
    assert _copies(task.id) == [(False, later)]


def test_any_update_of_a_task_reaches_the_copies_even_plain_sql(app_ctx, actors, complaint_def):
    """Issue 22: the database keeps the copies (trigger ``human_task_offer``), not each code path: a
    statement the engine never wrote (a DBA's fix, a report tool) moves the task in and out of Group
    tasks as a claim does, and a write that changes none of the three columns leaves them alone."""
    from sqlalchemy import text

    agent = actors["agent"]
    task = _task(_start(1, actors, prefix="GQ-SQL")[0])
    later = datetime(2031, 5, 6, 7, 8, tzinfo=timezone.utc)
    db.session.execute(text("UPDATE human_task SET assignee_id = :u WHERE id = :id"),
                       {"u": agent.user_id, "id": task.id})
    db.session.commit()
    assert _copies(task.id) == [(False, task.due_at)] and task.id not in _group_ids(agent)
    db.session.execute(text("UPDATE human_task SET assignee_id = NULL WHERE id = :id"), {"id": task.id})
    db.session.execute(HumanTask.__table__.update().where(HumanTask.id == task.id).values(due_at=later))
    db.session.commit()
    assert _copies(task.id) == [(True, later)] and task.id in _group_ids(agent)
    db.session.execute(text("UPDATE task_candidate SET claimable = :no WHERE task_id = :id"),
                       {"no": False, "id": task.id})
    db.session.execute(text("UPDATE human_task SET priority = 90 WHERE id = :id"), {"id": task.id})
    db.session.commit()
    assert _copies(task.id) == [(False, later)]  # the trigger fired on none of its columns: left as it was
    db.session.execute(text("UPDATE human_task SET state = 'cancelled' WHERE id = :id"), {"id": task.id})
    db.session.commit()
    assert _copies(task.id) == [(False, later)] and task.id not in _group_ids(agent)


def test_a_task_offered_to_two_of_my_roles_is_listed_and_counted_once(app_ctx, actors, complaint_def):
    task = _task(_start(1, actors, "TWO")[0])
    task.candidates.append(TaskCandidate(role_name="TechSupport"))
    db.session.commit()
    assert {c for c in _copies(task.id)} == {(True, task.due_at)}
    both = Actor(actors["agent"].user_id, "agent", frozenset({"CustomerService", "TechSupport"}))
    ids = _group_ids(both)
    assert ids.count(task.id) == 1 and len(set(ids)) == len(ids)
    assert tasks.count_open(both)["group"] == tasks.query_tasks(both, view="group").total == len(ids)
    assert _group_ids(both, search="TWO-") == [task.id]  # the general path too


def test_tasks_offered_to_me_by_name_count_once(app_ctx, actors, complaint_def):
    agent, tech = actors["agent"], actors["tech"]
    mine_too, only_me = (_task(i) for i in _start(2, actors, "USER"))
    mine_too.candidates.append(TaskCandidate(user_id=agent.user_id))  # also offered to agent's group
    only_me.candidates.clear()
    only_me.candidates.append(TaskCandidate(user_id=tech.user_id))  # tech's role is not a candidate
    db.session.commit()
    for actor in (agent, tech):
        ids = _group_ids(actor)
        assert len(set(ids)) == len(ids)
        assert tasks.count_open(actor)["group"] == tasks.query_tasks(actor, view="group").total == len(ids)
    assert _group_ids(agent, search="USER-").count(mine_too.id) == 1 and only_me.id in _group_ids(tech)
    assert only_me.id not in _group_ids(agent)


def test_fast_path_pages_agree_with_the_general_query(app_ctx, actors, complaint_def):
    made = [_task(i) for i in _start(7, actors, "PAGE")]
    base = datetime(2030, 5, 1, tzinfo=timezone.utc)
    for k, task in enumerate(made):  # two without due date (listed last), two with the same one (by id)
        task.due_at = None if k in (1, 4) else base + timedelta(days=(k * 5) % 3)
    db.session.commit()
    agent = actors["agent"]
    mine = {t.id for t in made}
    pages = -(-tasks.count_open(agent)["group"] // 3)
    fast = [t.id for p in range(1, pages + 1) for t in tasks.query_tasks(agent, view="group", page=p, page_size=3).items]
    fast = [i for i in fast if i in mine]  # tasks of the other tests share the inbox
    general = [t.id for t in tasks.query_tasks(agent, view="group", page_size=100, search="PAGE-").items]
    expected = [t.id for t in sorted(made, key=lambda t: (t.due_at is None, t.due_at or base, t.id))]
    assert fast == general == expected
    # a filter every task passes (the general query), not a search: other tests' keys need no "-"
    everything = tasks.query_tasks(agent, view="group", page_size=100, created_from=datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert tasks.query_tasks(agent, view="group", page=3, page_size=3).total == everything.total


def test_sla_counts_match_the_filtered_inbox_views(app_ctx, actors, complaint_def):
    from app.engine import queries

    agent = actors["agent"]
    now = datetime.now(timezone.utc)
    made = [_task(i) for i in _start(6, actors, "SLA")]
    for task, hours in zip(made, (-5, -1, 1, 3, 30, None)):
        task.due_at = None if hours is None else now + timedelta(hours=hours)
    db.session.commit()
    tasks.claim(made[0].id, actor=agent)
    tasks.claim(made[2].id, actor=agent)
    counts = queries.sla_counts(agent)

    def n(view, sla):
        return tasks.query_tasks(agent, view=view, sla=sla).total

    assert (counts["overdue_mine"], counts["at_risk_mine"]) == (n("mine", "overdue"), n("mine", "at_risk")) == (1, 1)
    assert (counts["overdue_group"], counts["at_risk_group"]) == (n("group", "overdue"), n("group", "at_risk"))
    assert counts["overdue_group"] >= 1 and counts["at_risk_group"] >= 1
    assert counts["overdue"] == counts["overdue_mine"] + counts["overdue_group"]
