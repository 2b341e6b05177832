"""Compact history (issue 22): one row per step carrying what changed; every reader sees the same
events as before (the engine, the instance timeline, the API history), names come back from the
process version, and a savepoint's rollback takes its events with it."""
import json
import re

from sqlalchemy import select, text

from app.engine import history, runtime, tasks
from app.extensions import db
from app.models import HistoryEvent, HumanTask
from tests.engine.conftest import DATA

# What the complaint loop recorded before (one row per event), in order: the readers still see exactly this.
LOOP = [
    ("instance_started", None), ("start_event", "start"), ("task_created", "register"),
    ("task_completed", "register"), ("task_created", "rectify"),
    ("task_completed", "rectify"), ("task_created", "feedback"),
    ("task_completed", "feedback"), ("gateway_taken", "gw"), ("task_created", "register"),
    ("task_completed", "register"), ("task_created", "rectify"),
    ("task_completed", "rectify"), ("task_created", "feedback"),
    ("task_completed", "feedback"), ("gateway_taken", "gw"), ("end_event", "end"),
    ("instance_completed", None),
]


def open_task(inst, element):
    return db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id=element, state="open")).one()


def run_loop(actors, business_key):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key=business_key)
    for satisfied in (False, True):
        tasks.complete(open_task(inst, "register").id, {"matter": "m"}, actor=actors["agent"])
        tasks.complete(open_task(inst, "rectify").id, {"result": "fixed"}, actor=actors["tech"])
        tasks.complete(open_task(inst, "feedback").id, {"satisfied": satisfied}, actor=actors["agent"])
    return inst


def rows_of(inst_id):
    return db.session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == inst_id)
                              .order_by(HistoryEvent.id)).all()


def test_one_row_per_completion_and_the_same_events_as_before(app_ctx, actors, complaint_def):
    inst = run_loop(actors, "H-LOOP-1")
    events = history.for_instance(inst.id)
    assert [(e.event, e.element_id) for e in events] == LOOP
    rows = rows_of(inst.id)
    assert len(rows) == 7  # the start and six completions
    assert len({e.id for e in events}) == len(events) and [e.id for e in events] == sorted(e.id for e in events)
    # who did what: the completer, and no one for the engine's new tasks (as before)
    completed = [e for e in events if e.event == "task_completed"]
    assert [e.user_id for e in completed] == [actors[u].user_id for u in ("agent", "tech", "agent") * 2]
    assert {e.user_id for e in events if e.event == "task_created"} == {None}
    # names come back from the version (as the rows recorded them before), the data as submitted
    names = {e.element_id: e.element_name for e in events if e.element_id}
    assert names == {"start": "Complaint received", "register": "Register complaint", "rectify": "Rectify",
                     "feedback": "Feedback to customer", "gw": "Satisfied?", "end": "Closed"}
    assert [e.data for e in completed][:3] == [{"matter": "m"}, {"result": "fixed"}, {"satisfied": False}]
    assert next(e.data for e in events if e.event == "gateway_taken") == {"to": ["register"]}


def test_a_completion_row_is_compact(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="H-ROW-1")
    register = open_task(inst, "register")
    tasks.complete(register.id, {"matter": "噪音"}, actor=actors["agent"])
    rectify = open_task(inst, "rectify")
    start_row, row = rows_of(inst.id)
    assert row.user_id == actors["agent"].user_id
    # the completed task with its form data, and the next task created (by no one): no names, no keys
    assert row.ev == [{"e": "tc", "i": "register", "t": register.id, "d": {"matter": "噪音"}},
                      {"e": "tn", "i": "rectify", "t": rectify.id}]
    assert start_row.ev[0]["e"] == "is" and start_row.ev[0]["d"]["business_key"] == "H-ROW-1"
    stored = db.session.execute(text("SELECT ev FROM history_event WHERE id = :i"), {"i": row.id}).scalar()
    if isinstance(stored, str):  # SQLite keeps the text: no blanks, no \\u escapes
        assert stored == json.dumps(row.ev, separators=(",", ":"), ensure_ascii=False) and len(stored.encode()) < 100


def test_a_name_the_version_does_not_give_is_kept(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="H-NAME-1")
    task = open_task(inst, "register")
    history.record(inst.id, "task_rescheduled", actor=actors["supervisor"], task_id=task.id, element_id="register",
                   element_name="Renamed by hand", data={"reason": "r"})
    history.record(inst.id, "message_received", actor=actors["supervisor"], element_name="order_paid")
    db.session.commit()
    row = rows_of(inst.id)[-1]
    assert [item.get("n") for item in row.ev] == ["Renamed by hand", "order_paid"]
    assert row.user_id == actors["supervisor"].user_id and all("u" not in item for item in row.ev)
    shown = [(e.event, e.element_name) for e in history.for_instance(inst.id)][-2:]
    assert shown == [("task_rescheduled", "Renamed by hand"), ("message_received", "order_paid")]


def test_a_rolled_back_savepoint_takes_its_events_and_keeps_the_earlier_ones(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="H-SP-1")
    history.record(inst.id, "variables_changed", actor=actors["supervisor"], data={"kept": 1})
    try:
        with db.session.begin_nested():
            history.record(inst.id, "variables_changed", actor=actors["supervisor"], data={"lost": 1})
            raise RuntimeError("the job failed")
    except RuntimeError:
        pass
    db.session.commit()
    changed = [e.data for e in history.for_instance(inst.id) if e.event == "variables_changed"]
    assert changed == [{"kept": 1}]


def test_a_rolled_back_transaction_writes_nothing(app_ctx, actors, complaint_def):
    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="H-RB-1")
    before = len(rows_of(inst.id))
    history.record(inst.id, "variables_changed", actor=actors["supervisor"], data={"gone": 1})
    db.session.rollback()
    db.session.commit()
    assert len(rows_of(inst.id)) == before


def test_the_timeline_and_the_api_show_the_events_with_names(app, app_ctx, actors, complaint_def, login_as):
    inst = run_loop(actors, "H-API-1")
    inst_id, events = inst.id, history.for_instance(inst.id)
    db.session.commit()
    page = login_as("supervisor").get(f"/instances/{inst_id}/").get_data(as_text=True)
    items = re.findall(r'<li class="timeline-item timeline-(\w+)">(.*?)</li>', page, re.S)
    assert [kind for kind, _ in items] == [e.event for e in events]
    shown = [re.search(r'timeline-element">([^<]*)<', body) for _, body in items]
    assert [m.group(1) if m else None for m in shown] == [e.element_name for e in events]
    assert events[3].element_name == "Register complaint" and events[-3].element_name == "Satisfied?"
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={"username": "supervisor", "password": "Demo#2026Pass",
                                                        "provider": "db"}).get_json()["access_token"]
    got = client.get(f"/api/v1/instances/{inst_id}/history?page_size=100",
                     headers={"Authorization": f"Bearer {token}"}).get_json()
    items = got["items"]
    assert [(i["event"], i["element_id"], i["task_id"]) for i in items] == [
        (e.event, e.element_id, e.task_id) for e in events]
    assert [i["id"] for i in items] == [e.id for e in events]
    done = [i for i in items if i["event"] == "task_completed"]
    assert done[0]["element_name"] and done[0]["user"] == "agent" and done[0]["data"] == {"matter": "m"}
    assert {i["user"] for i in items if i["event"] == "task_created"} == {None}


def test_names_follow_the_version_the_instance_ran_then(app_ctx, actors, complaint_def):
    """After a migration to a version that renames a task, earlier events keep the earlier name."""
    from app.engine import definitions, migration

    inst = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="H-MIG-1")
    xml = (DATA / "engine_complaint.bpmn").read_bytes()
    old_name = open_task(inst, "register").name
    renamed = definitions.deploy(xml.replace(f'name="{old_name}"'.encode(), b'name="Register the complaint"'),
                                 actor=actors["owner"]).definition
    assert renamed.version == complaint_def.version + 1
    moved = migration.migrate("engine_complaint", target_version=renamed.version, actor=actors["supervisor"],
                              instance_ids=[inst.id])
    assert moved["migrated"] == [inst.id], moved
    db.session.commit()
    created = [e for e in history.for_instance(inst.id) if e.event == "task_created"]
    assert created[0].element_name == old_name
    assert "n" not in rows_of(inst.id)[0].ev[-1]  # the name came from version 1, not from the row
