"""Eligibility, the one rule of who may work a task (``task_actions.is_eligible``), and the
Unassigned queue of tasks nobody named can work: what claim, complete and assign accept, what the
pickers offer, what deploy warns about."""
import pytest
from flask_babel import force_locale
from sqlalchemy import event, select

from app.engine import definitions, people, runtime, tasks
from app.engine.errors import Forbidden, Invalid
from app.engine.task_actions import allowed_actions, eligible_users, is_eligible, routable
from app.extensions import db
from app.models import HumanTask
from tests.api.helpers import diagram, flow, tidy, unique  # noqa: F401  (tidy: terminates what the module started)
from tests.engine.conftest import temporary_member

WORKERS = ["agent", "field", "supervisor", "tech"]  # the demo users holding a working role


@pytest.fixture
def setup(app_ctx, actors):
    return actors


def _deploy(owners: str) -> str:
    """start -> user task "Check" with these owner attributes -> end; deployed by the owner."""
    key = unique("elig")
    xml = diagram(key, f'<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Check" {owners}/>'
                  '<bpmn:endEvent id="e"/>' + flow("s", "t") + flow("t", "e"))
    definitions.deploy(xml, actor=_actor("owner"))
    return key


def _actor(name: str):
    from flask import current_app

    from app.engine.actor import Actor

    return Actor.from_user(current_app.appbuilder.sm.find_user(username=name))


def _task(key: str, **variables) -> HumanTask:
    inst = runtime.start_process(key, actor=_actor("agent"), business_key=unique("EL"), variables=variables or None)
    db.session.expire_all()
    return tasks.get_task(db.session.scalars(select(HumanTask.id).filter_by(instance_id=inst.id)).one())


def _names(task) -> list[str]:
    return [p.username for p in eligible_users(task)]


@pytest.mark.parametrize("owners,expected", [
    ('camunda:candidateGroups="CustomerService"', ["agent"]),  # not the supervisor, admin, viewer...
    ('camunda:candidateGroups="Sales"', ["sales"]),  # Sales works a task only when named
    ('camunda:candidateGroups="TechSupport,FieldService"', ["field", "tech"]),
    ('camunda:candidateUsers="admin,owner"', ["admin", "owner"]),  # named users, whatever their working role
    ('camunda:candidateUsers="viewer,agent"', ["agent"]),  # ReadOnly never: they cannot open the inbox
])
def test_the_candidates_decide_who_may_work_a_task(setup, owners, expected):
    task = _task(_deploy(owners))
    assert routable(task) and _names(task) == expected
    everyone = {u: a.user_id for u, a in setup.items()}
    assert {u for u, uid in everyone.items() if is_eligible(task, uid)} == set(expected)


@pytest.mark.parametrize("owners", [
    "",  # Camunda Modeler's default: nobody named
    'camunda:candidateGroups="Marketing"',  # a role that does not exist
    'camunda:candidateUsers="ghost"',  # a user who does not exist (no candidate row)
    'camunda:candidateGroups="ReadOnly"',  # a role nobody who opens the inbox holds
    'camunda:candidateGroups="${team}"',  # an expression naming nobody
])
def test_a_task_nobody_named_can_work_goes_to_any_working_member(setup, owners):
    task = _task(_deploy(owners), team="")
    assert not routable(task)
    assert _names(task) == WORKERS  # never admin, owner, sales or viewer
    boss, admin = setup["supervisor"], setup["admin"]
    assert task.id in {t.id for t in tasks.query_tasks(boss, view="unassigned", page_size=100).items}
    assert "claim" in allowed_actions(task, boss) and "claim" not in allowed_actions(task, admin)
    with pytest.raises(Forbidden):
        tasks.claim(task.id, actor=admin)
    db.session.rollback()
    tasks.assign(task.id, setup["tech"].user_id, actor=admin)  # admins assign, to a working member
    assert task.id not in {t.id for t in tasks.query_tasks(boss, view="unassigned", page_size=100).items}


def test_assign_refuses_whoever_may_not_work_the_task_and_changes_nothing(setup):
    task = _task(_deploy('camunda:candidateGroups="CustomerService"'))
    boss = setup["supervisor"]
    for name in ("viewer", "sales", "admin", "owner", "tech", "supervisor"):
        with pytest.raises(Invalid) as refused:
            tasks.assign(task.id, setup[name].user_id, actor=boss)
        assert refused.value.details["user"] == name and name in refused.value.details["fields"]["user_id"]
        assert refused.value.message.startswith(f"{name} may not work on task 'Check'")
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id is None
    assert tasks.assign(task.id, setup["agent"].user_id, actor=boss).assignee_id == setup["agent"].user_id


def test_claim_and_complete_ask_the_same_rule(setup):
    task = _task(_deploy('camunda:candidateGroups="CustomerService"'))
    for name in ("supervisor", "admin", "sales", "tech"):  # no candidates: not offered, and refused
        actor = setup[name]
        assert not {"claim", "complete"} & set(allowed_actions(task, actor))
        for command in (lambda: tasks.claim(task.id, actor=actor), lambda: tasks.complete(task.id, {}, actor=actor)):
            with pytest.raises(Forbidden, match="not a candidate"):
                command()
            db.session.rollback()
    assert tasks.claim(task.id, actor=setup["agent"]).assignee_id == setup["agent"].user_id


def test_an_inactive_user_is_nobody(setup, app_ctx):
    key = _deploy('camunda:candidateUsers="tempworker"')
    with temporary_member(app_ctx, "tempworker", "临时", "员工", "CustomerService") as user:
        task = _task(key)
        assert _names(task) == ["tempworker"]
        user.active = False
        db.session.commit()
        task = tasks.get_task(task.id)
        assert not routable(task) and not is_eligible(task, user.id) and _names(task) == WORKERS


def test_work_left_with_someone_who_can_no_longer_do_it_is_unassigned(setup, app_ctx):
    boss = setup["supervisor"]
    with temporary_member(app_ctx, "leaver", "离职", "员工", "CustomerService") as user:
        task = _task(_deploy('camunda:candidateGroups="CustomerService"'))
        tasks.assign(task.id, user.id, actor=boss)
        assert task.id not in {t.id for t in tasks.query_tasks(boss, view="unassigned", page_size=100).items}
        before = tasks.count_unassigned(boss)
        user.active = False
        db.session.commit()
        assert task.id in {t.id for t in tasks.query_tasks(boss, view="unassigned", page_size=100).items}
        assert tasks.count_unassigned(boss) == before + 1
        tasks.assign(task.id, setup["agent"].user_id, actor=boss)
        assert tasks.count_unassigned(boss) == before


def test_only_supervisors_and_admins_see_the_queue(setup):
    assert tasks.count_unassigned(setup["agent"]) == 0
    with pytest.raises(Forbidden):
        tasks.query_tasks(setup["agent"], view="unassigned")
    assert tasks.query_tasks(setup["admin"], view="unassigned").total == tasks.count_unassigned(setup["admin"])


def test_a_page_of_pickers_reads_the_staff_once(setup):
    key = _deploy("")
    ids = [_task(key).id for _ in range(3)]
    db.session.commit()
    rows = [tasks.get_task(i) for i in ids]  # with their candidates, as a page loads them
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        offered = [_names(t) for t in rows] + [_names(t) for t in rows]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # at most once: the snapshot is kept per worker until a security change (already read here: none)
    assert len(statements) <= 1 and all(o == WORKERS for o in offered)
    assert people.staff() is people.staff()


def test_deploy_warns_about_nobody_and_unknown_people_but_deploys(setup):
    key = unique("elig_warn")
    owners = ['', 'camunda:assignee="nobody_here"', 'camunda:candidateUsers="agent, ghost"',
              'camunda:candidateGroups="Marketing"', 'camunda:assignee="${starter}"']
    body = "".join(f'<bpmn:userTask id="t{i}" name="T{i}" {o}/>' for i, o in enumerate(owners))
    chain = ["s", *(f"t{i}" for i in range(len(owners))), "e"]
    xml = diagram(key, '<bpmn:startEvent id="s"/>' + body + '<bpmn:endEvent id="e"/>'
                  + "".join(flow(a, b) for a, b in zip(chain, chain[1:])))
    problems = definitions.validate(xml)
    assert [p for p in problems if p.is_error] == []
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        by_element = {p.element_id: str(p.message) for p in problems}
    assert "Nobody is named" in by_element["t0"] and "Unassigned queue" in by_element["t0"]
    assert by_element["t1"] == "Assignee 'nobody_here' does not exist."
    assert by_element["t2"] == "Candidate user 'ghost' does not exist."
    assert by_element["t3"] == "Candidate group 'Marketing' is not a known role."
    assert "t4" not in by_element  # an expression is known only at run time
    assert definitions.deploy(xml, actor=setup["owner"]).definition.key == key
