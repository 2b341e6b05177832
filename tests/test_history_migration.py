"""The compact-history migration (issue 22) on a database with old-style rows: upgrade keeps every
event (one row each, same id, user, time, name and data), the app reads them and the rows it writes
now; downgrade gives back one old row per event, names the process version gave put back."""
import json
import zlib
from datetime import datetime

import sqlalchemy as sa

from tests.test_migrations import scratch_url  # noqa: F401  (fixture)

BEFORE, REVISION = "d3c1e5a7b902", "a9e4c2f6d815"
AT = datetime(2026, 3, 2, 8, 0)
OLD = [  # id, event, task id, element id, element name, user id, data
    (1, "instance_started", None, None, None, 5, {"version": 1, "business_key": "C-OLD"}),
    (2, "start_event", None, "start", "Complaint received", 5, None),
    (3, "task_created", 7, "register", "Register complaint", None, None),
    (4, "task_completed", 7, "register", "Register complaint", 5, {"matter": "噪音"}),
    (5, "message_received", None, None, "order_paid", 5, {"amount": 3}),
]


def _definition_row(app) -> dict:
    """A deployed version of the complaint test diagram, as stored (its spec names the elements)."""
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db
    from tests.engine.conftest import DATA

    with app.app_context():
        owner = app.appbuilder.sm.find_user(username="owner")
        definition = definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(),
                                        actor=Actor.from_user(owner)).definition
        row = dict(db.session.execute(sa.select(sa.text("*")).select_from(sa.table("process_definition"))
                                      .where(sa.text("id = :i")), {"i": definition.id}).mappings().one())
        db.session.commit()
    return row


def _rows(engine, sql):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql)).mappings()]


def _js(value):
    return json.loads(value) if isinstance(value, str) else value


def test_upgrade_and_downgrade_keep_every_event(app, scratch_url):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.engine import history

    v1 = _definition_row(app)
    spec = json.loads(zlib.decompress(v1["spec"]))
    v2_spec = zlib.compress(json.dumps(spec).replace("Register complaint", "Register v2").encode())
    scratch = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "TESTING": True})
    engine = sa.create_engine(scratch_url)
    try:
        with scratch.app_context():
            upgrade(revision=BEFORE)
            with engine.begin() as conn:
                for pk, version, blob in ((1, 1, v1["spec"]), (2, 2, v2_spec)):
                    row = {**v1, "id": pk, "version": version, "spec": blob, "deployed_by_id": None,
                           "start_form_id": None, "checksum": f"{pk:064d}"}
                    for key in ("start_messages", "starter_groups", "start_form"):
                        row[key] = json.dumps(_js(row[key]))
                    conn.execute(sa.table("process_definition", *map(sa.column, row)).insert(), row)
                conn.execute(sa.text("INSERT INTO process_instance (id, definition_id, process_key, status, state, rev,"
                                     " started_at) VALUES (1, 2, :k, 'running', :s, 1, :at)"),
                             {"k": v1["key"], "s": b"", "at": AT})
                for pk, event, task, element, name, user, data in OLD:
                    conn.execute(sa.text("INSERT INTO history_event (id, instance_id, task_id, event, element_id, "
                                         "element_name, user_id, at, data) VALUES (:i, 1, :t, :e, :el, :n, :u, :at, "
                                         ":d)"), {"i": pk, "t": task, "e": event, "el": element, "n": name, "u": user,
                                                  "at": AT, "d": None if data is None else json.dumps(data)})
            upgrade(revision=REVISION)
            converted = {r["id"]: (r["user_id"], _js(r["ev"])) for r in _rows(engine, "SELECT * FROM history_event")}
            assert converted[3] == (None, [{"e": "tn", "i": "register", "t": 7, "n": "Register complaint"}])
            assert converted[4] == (5, [{"e": "tc", "i": "register", "t": 7, "n": "Register complaint",
                                         "d": {"matter": "噪音"}}])
            assert converted[1] == (5, [{"e": "is", "d": {"version": 1, "business_key": "C-OLD"}}])
            assert "task_id" not in _rows(engine, "SELECT * FROM history_event")[0]
            # what the app writes now: names left to the version (v1 before the migration to v2, v2 after)
            with engine.begin() as conn:
                for pk, events in ((6, [{"e": "tc", "i": "register", "t": 8}, {"e": "tn", "i": "rectify", "t": 9}]),
                                   (7, [{"e": "im", "d": {"from_version": 1, "to_version": 2,
                                                          "to_definition_id": 2}}]),
                                   (8, [{"e": "tn", "i": "register", "t": 10}])):
                    conn.execute(sa.text("INSERT INTO history_event (id, instance_id, user_id, at, ev) "
                                         "VALUES (:i, 1, 6, :at, :ev)"), {"i": pk, "at": AT, "ev": json.dumps(events)})
            read = [(e.event, e.element_name, e.user_id) for e in history.for_instance(1)]
            assert read == [("instance_started", None, 5), ("start_event", "Complaint received", 5),
                            ("task_created", "Register complaint", None), ("task_completed", "Register complaint", 5),
                            ("message_received", "order_paid", 5), ("task_completed", "Register complaint", 6),
                            ("task_created", "Rectify", None), ("instance_migrated", None, 6),
                            ("task_created", "Register v2", None)]
            from app.extensions import db

            db.session.remove()  # its read transaction would hold the table the downgrade alters
            downgrade(revision=BEFORE)
            back = [(r["id"], r["event"], r["task_id"], r["element_id"], r["element_name"], r["user_id"],
                     _js(r["data"])) for r in _rows(engine, "SELECT * FROM history_event ORDER BY id")]
            assert back[:5] == OLD
            assert back[5:] == [
                (6, "task_completed", 8, "register", "Register complaint", 6, None),
                (7, "task_created", 9, "rectify", "Rectify", None, None),
                (8, "instance_migrated", None, None, None, 6, {"from_version": 1, "to_version": 2,
                                                              "to_definition_id": 2}),
                (9, "task_created", 10, "register", "Register v2", None, None)]
            assert "ix_history_user_at" in {i["name"] for i in sa.inspect(engine).get_indexes("history_event")}
            upgrade()  # and up again over the rows the downgrade wrote
            assert len(_rows(engine, "SELECT id FROM history_event")) == 9
            db.engine.dispose()
    finally:
        engine.dispose()
