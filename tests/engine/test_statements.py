"""What completing a task asks of the database: the task with its instance and candidates
in one query, no lazy loads (definition, candidates), no timer-job lookup for a process
without timers, the instance's open rows not read again when the completed task was its one
ready task, the people to notify read by the mail job (not by the step), and the step's history rows
batched."""
from contextlib import contextmanager

from sqlalchemy import event, select

from app.engine import history, runtime, tasks
from app.extensions import db
from app.models import HumanTask


@contextmanager
def statements():
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def open_task_id(inst, element: str) -> int:
    return db.session.scalars(select(HumanTask.id).filter_by(instance_id=inst.id, element_id=element,
                                                              state="open")).one()


def test_completing_a_task_reads_the_task_once_and_batches_history(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="STMT-1")
    tasks.complete(open_task_id(inst, "register"), {"matter": "m"}, actor=actors["agent"])
    tasks.complete(open_task_id(inst, "rectify"), {"result": "ok"}, actor=actors["tech"])
    feedback = open_task_id(inst, "feedback")
    db.session.commit()
    with statements() as seen:
        # history: task_completed, gateway_taken, task_created (register, again)
        tasks.complete(feedback, {"satisfied": False}, actor=actors["agent"])
    selects = [s for s in seen if s.startswith("SELECT") and "calendar_override" not in s]  # a cached calendar
    assert len(selects) == 1, selects  # the task (+ instance, candidates): its one open row, in hand
    assert "JOIN process_instance" in selects[0] and "JOIN task_candidate" in selects[0]
    assert not [s for s in selects if "FROM process_definition" in s or "FROM job" in s or "FROM user_profile" in s]
    assert sum("INSERT INTO job" in s for s in seen) == 1  # one job: the new task's mail (on PostgreSQL with the state)
    assert not [s for s in seen if s.startswith("INSERT INTO mail_outbox")]  # written by that job
    # the completion's events (completed, gateway, next task) are one history row: written at the commit, or on
    # PostgreSQL in the statement that writes the state (``history.take_row``)
    assert sum("INSERT INTO history_event" in s for s in seen) == 1


def test_a_new_task_row_reads_back_as_the_step_holds_it(app_ctx, actors, complaint_def):
    """Issue 22: a step writes its new task and candidate rows with Core INSERTs, not the unit of work.
    What the session holds before the commit (read without a statement) must be what a fresh read
    finds after it: every column, the offer mirrored onto the candidates, and a JSON column never set
    stored as SQL NULL (the ORM leaves it out; 'null' would not match ``IS NULL``)."""
    from app.models import TaskCandidate

    columns = [c.key for c in HumanTask.__table__.columns]
    held: dict = {}

    def capture(_done):
        row = next(o for o in db.session.identity_map.values()
                   if isinstance(o, HumanTask) and o.element_id == "rectify")
        with statements() as seen:
            held.update({key: getattr(row, key) for key in columns})
            held["offers"] = sorted((c.role_name, c.user_id, c.claimable, c.due_at) for c in row.candidates)
        assert seen == []  # all in hand: no lazy load

    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="STMT-ROW")
    tasks.complete(open_task_id(inst, "register"), {"matter": "m"}, actor=actors["agent"], before_commit=capture)
    assert held["id"] and held["state"] == "open" and held["priority"] == 50 and held["form"]
    assert held["offers"] and all(claimable for _, _, claimable, _ in held["offers"])
    db.session.expunge_all()
    fresh = db.session.get(HumanTask, held["id"])
    assert {key: getattr(fresh, key) for key in columns} == {key: held[key] for key in columns}
    assert sorted((c.role_name, c.user_id, c.claimable, c.due_at) for c in fresh.candidates) == held["offers"]
    assert db.session.scalar(select(HumanTask.id).where(HumanTask.id == held["id"],
                                                        HumanTask.submitted.is_(None))) == held["id"]
    assert db.session.scalar(select(TaskCandidate.task_id).where(TaskCandidate.task_id == held["id"],
                                                                 TaskCandidate.claimable)) == held["id"]


def test_each_step_writes_the_instance_once(app_ctx, actors, complaint_def):
    """A middle step writes the state compare-and-set on rev (a Core UPDATE); the last step also
    changes the status, and the flush writes both in the same one UPDATE: every UPDATE of the instance
    leaves a dead row version on PostgreSQL (issue 22's bytes per completed instance)."""
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="STMT-ONCE")
    steps = [("register", {"matter": "m"}, "agent"), ("rectify", {"result": "ok"}, "tech"),
             ("feedback", {"satisfied": True}, "agent")]
    revs = []
    for element, data, who in steps:
        task_id = open_task_id(inst, element)
        with statements() as seen:
            tasks.complete(task_id, data, actor=actors[who])
        assert sum("UPDATE process_instance" in s for s in seen) == 1, (element, seen)
        revs.append(db.session.get(type(inst), inst.id).rev)
    assert db.session.get(type(inst), inst.id).status == "completed"
    assert revs == sorted(set(revs))  # each step moved rev on


def test_a_completion_puts_what_belongs_together_in_one_statement_on_postgresql(app_ctx, actors, complaint_def):
    """Issue 22: "Engine / durable floor ≥ 0.5 on SQLite and PostgreSQL". Every statement is a round trip to
    PostgreSQL, so there a completion writes what belongs together in one statement (data-modifying CTEs):
    the next task with its candidates, the state with the step's history row and the new task's mail job.
    SQLite has no such CTEs and no round trips: one statement each. On both, the closed task's offer is
    withdrawn by the database (trigger ``human_task_offer``), not by a statement of the step."""
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="STMT-TRIPS")
    task_id = open_task_id(inst, "register")
    db.session.commit()
    with statements() as seen:
        tasks.complete(task_id, {"matter": "m"}, actor=actors["agent"])
    shapes = [" ".join(s.split()[:3]) for s in seen if "calendar_override" not in s]
    read = "SELECT human_task.id AS"  # the task with its instance and candidates (``read_task``)
    if db.engine.dialect.name == "postgresql":
        assert shapes == [read, "UPDATE human_task SET", "WITH new_task AS", "WITH history_row AS"]
        assert "INSERT INTO task_candidate" in seen[2]
        assert "INSERT INTO job" in seen[-1] and "UPDATE process_instance" in seen[-1]
    else:
        assert shapes == [read, "UPDATE human_task SET", "INSERT INTO human_task", "INSERT INTO task_candidate",
                          "INSERT INTO job", "UPDATE process_instance SET", "INSERT INTO history_event"]
    assert "JOIN process_instance" in seen[0] and "JOIN task_candidate" in seen[0]
    instance_id = inst.id
    db.session.expunge_all()
    done = db.session.get(HumanTask, task_id)
    assert done.state == "completed" and [c.claimable for c in done.candidates] == [False]
    assert [e.event for e in history.for_instance(instance_id)][-2:] == ["task_completed", "task_created"]


def test_a_task_offered_to_several_roles_and_users_reads_back_as_written(app_ctx, actors):
    """The candidate rows written with their task (on PostgreSQL in one statement) are the rows the session
    holds: each object's id is the row with its role or user, every offer claimable with the task's due date."""
    from app.engine import definitions
    from app.models import TaskCandidate
    from tests.api.helpers import diagram, flow, unique

    key = unique("offers")
    xml = diagram(key, '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Check" '
                  'camunda:candidateGroups="CustomerService,TechSupport" camunda:candidateUsers="admin,owner" '
                  'camunda:dueDate="P2D"/><bpmn:endEvent id="e"/>' + flow("s", "t") + flow("t", "e"))
    definitions.deploy(xml, actor=actors["owner"])
    held = {}

    def capture(inst):
        row = inst.open_after[0]
        held["task"] = (row.id, row.due_at)
        held["offers"] = sorted((c.id, c.task_id, c.role_name, c.user_id, c.claimable, c.due_at) for c in row.candidates)

    runtime.start_process(key, actor=actors["agent"], business_key=unique("OF"), before_commit=capture)
    task_id, due = held["task"]
    assert due is not None and len(held["offers"]) == 4
    db.session.expunge_all()
    stored = sorted((c.id, c.task_id, c.role_name, c.user_id, c.claimable, c.due_at) for c in db.session.scalars(
        select(TaskCandidate).where(TaskCandidate.task_id == task_id)))
    assert stored == held["offers"]
    assert {(role, user) for _, _, role, user, _, _ in stored} == {
        ("CustomerService", None), ("TechSupport", None), (None, actors["admin"].user_id),
        (None, actors["owner"].user_id)}
    assert all(claimable and at == due for *_, claimable, at in stored)


def test_reading_a_task_builds_what_the_orm_would_in_one_statement(app_ctx, actors, complaint_def):
    """Issue 22: a task, its instance and its candidates are read with one Core SELECT (``read_task``) and
    made persistent as the ORM's joined load would make them: nothing is read again, an object the session
    holds stays the one it holds (its unsaved value kept, as the ORM keeps it), one expired by a commit
    takes the row's values, and a task offered to nobody reads with no candidates."""
    from sqlalchemy import inspect, text

    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="STMT-READ")
    task_id, instance_id = open_task_id(inst, "register"), inst.id
    db.session.commit()
    db.session.expunge_all()
    with statements() as seen:
        task = tasks.get_task(task_id)
        read = (task.name, task.instance.state, task.instance.rev, [c.role_name for c in task.candidates],
                task.candidates[0].task is task, task.form)
    assert len(seen) == 1 and read[0] and read[1] and read[3] == ["CustomerService"] and read[4] and read[5]
    assert inspect(task).persistent and inspect(task.instance).persistent and task in db.session
    assert tasks.get_task(task_id) is task

    priority = task.priority
    task.priority = priority + 1  # an unsaved change: the read flushes it first, as a query's autoflush would
    assert tasks.get_task(task_id).priority == priority + 1
    db.session.rollback()
    db.session.execute(text("UPDATE human_task SET name = 'Renamed' WHERE id = :id"), {"id": task_id})
    db.session.commit()  # expires what the session holds
    with statements() as seen:
        again = tasks.get_task(task_id)
        assert (again.name, again.priority, again.instance.id) == ("Renamed", priority, instance_id)
    assert again is task and len(seen) == 1

    from app.engine import definitions
    from tests.api.helpers import diagram, flow, unique

    key = unique("nobody")
    definitions.deploy(diagram(key, '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Alone" '
                                    'camunda:assignee="agent"/><bpmn:endEvent id="e"/>' + flow("s", "t")
                               + flow("t", "e")), actor=actors["owner"])
    alone = runtime.start_process(key, actor=actors["agent"], business_key=unique("NB"))
    alone_id, alone_instance = open_task_id(alone, "t"), alone.id
    db.session.commit()
    db.session.expunge_all()
    loaded = tasks.get_task(alone_id)
    assert loaded.candidates == [] and loaded.assignee_id == actors["agent"].user_id
    assert loaded.instance.id == alone_instance
