"""history_event: one compact row per step (events in ``ev``, app.engine.history); site_setting: the
admin's retention of done jobs and sent mails (app.engine.retention)

Upgrade converts each old row into a row of one event (same id, user and time; its name kept).
Downgrade writes one old row per event, names given by the process version put back.

Revision ID: a9e4c2f6d815
Revises: a9f3c2e1d7b4
Create Date: 2026-12-06 12:50:00
"""
import json
import zlib

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'a9e4c2f6d815'
down_revision = 'a9f3c2e1d7b4'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
# app.engine.history.CODES as of this revision (a migration never imports the app)
CODES = {
    "instance_started": "is", "instance_completed": "ic", "instance_suspended": "iz", "instance_resumed": "ir",
    "instance_terminated": "it", "instance_migrated": "im", "task_created": "tn", "task_claimed": "tl",
    "task_unclaimed": "tu", "task_assigned": "ta", "task_completed": "tc", "task_cancelled": "tx",
    "task_recommitted": "tr", "task_rescheduled": "td", "task_follow_up": "tw", "gateway_taken": "gw",
    "script_run": "sr", "service_run": "sv", "message_sent": "ms", "message_received": "mr", "event_caught": "ec",
    "timer_fired": "tf", "start_event": "se", "end_event": "ee", "call_activity_completed": "ca",
    "subprocess_completed": "sp", "compensation_thrown": "cp", "incident_raised": "xr", "incident_resolved": "xs",
    "variables_changed": "vc",
}
EVENTS = {v: k for k, v in CODES.items()}
UNATTRIBUTED = ("tn", "tx")  # an event's user defaults to the row's, but to nobody for these
ROW_EVENTS = 1000

old_t = sa.table('history_event', sa.column('id', sa.Integer), sa.column('instance_id', sa.Integer),
                 sa.column('task_id', sa.Integer), sa.column('event', sa.String), sa.column('element_id', sa.String),
                 sa.column('element_name', sa.String), sa.column('user_id', sa.Integer),
                 sa.column('at', sa.DateTime(timezone=True)), sa.column('data', JSON), sa.column('ev', sa.JSON()))


def upgrade():
    op.create_table(
        'site_setting',
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('value', JSON, nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('history_event') as batch_op:
        batch_op.add_column(sa.Column('ev', sa.JSON(), nullable=True))  # text JSON everywhere (CompactJSON)
        batch_op.drop_index('ix_history_user_at')  # no screen asks "what did a user do" across instances
    conn = op.get_bind()
    rows = conn.execute(sa.select(old_t.c.id, old_t.c.task_id, old_t.c.event, old_t.c.element_id,
                                  old_t.c.element_name, old_t.c.user_id, old_t.c.data)).all()
    updates = []
    for r in rows:
        item = {"e": CODES.get(r.event, r.event)}
        if r.element_id:
            item["i"] = r.element_id
        if r.task_id is not None:
            item["t"] = r.task_id
        if r.element_id or r.element_name is not None:
            item["n"] = r.element_name  # kept as recorded: no version look-up needed to read it
        if r.data is not None:
            item["d"] = r.data
        if item["e"] in UNATTRIBUTED and r.user_id is not None:
            item["u"] = r.user_id
        updates.append({"rid": r.id, "ev": [item]})
    for start in range(0, len(updates), 1000):
        conn.execute(old_t.update().where(old_t.c.id == sa.bindparam('rid')).values(ev=sa.bindparam('ev')),
                     updates[start:start + 1000])
    with op.batch_alter_table('history_event') as batch_op:
        batch_op.alter_column('ev', existing_type=sa.JSON(), nullable=False)
        for column in ('task_id', 'event', 'element_id', 'element_name', 'data'):
            batch_op.drop_column(column)


def _version_names(conn, cache: dict, definition_id):
    """{element id: name} of a version, from its stored spec (as app.engine.history.version_names)."""
    if definition_id not in cache:
        blob = conn.scalar(sa.text("SELECT spec FROM process_definition WHERE id = :i"), {"i": definition_id})
        names = {}
        if blob:
            dct = json.loads(zlib.decompress(blob))
            for one in (dct.get("spec") or {}, *(dct.get("subprocess_specs") or {}).values()):
                for ts in (one.get("task_specs") or {}).values():
                    bpmn_id = ts.get("bpmn_id")
                    if bpmn_id and bpmn_id not in names:
                        names[bpmn_id] = (ts.get("bpmn_name") or "")[:200] or None
        cache[definition_id] = names
    return cache[definition_id]


def _old_rows(conn):
    """Every event as an old row, names of the version the instance ran then put back."""
    insts = {i: (d, k) for i, d, k in conn.execute(sa.text("SELECT id, definition_id, process_key FROM process_instance"))}
    versions = {(k, v): i for i, k, v in conn.execute(sa.text("SELECT id, key, version FROM process_definition"))}
    rows = conn.execute(sa.text("SELECT id, instance_id, user_id, at, ev FROM history_event "
                                "ORDER BY instance_id, at DESC, id DESC")).all()
    cache, out, current, last_instance = {}, [], None, None
    for r in rows:  # newest first per instance: the version switches back at each migration
        if r.instance_id != last_instance:
            last_instance = r.instance_id
            current = insts.get(r.instance_id, (None, None))[0]
        events = r.ev if isinstance(r.ev, list) else json.loads(r.ev)
        for pos in range(len(events) - 1, -1, -1):
            item = events[pos]
            element = item.get("i")
            name = item.get("n") if "n" in item or not element else (
                _version_names(conn, cache, current).get(element) if current else None)
            out.append({"key": (r.id, pos), "instance_id": r.instance_id, "task_id": item.get("t"),
                        "event": EVENTS.get(item.get("e"), item.get("e")), "element_id": element,
                        "element_name": name, "user_id": item["u"] if "u" in item else (
                            None if item.get("e") in UNATTRIBUTED else r.user_id),
                        "at": r.at, "data": item.get("d")})
            if item.get("e") == "im" and isinstance(item.get("d"), dict):
                key = insts.get(r.instance_id, (None, None))[1]
                current = versions.get((key, item["d"].get("from_version")), current)
    out.sort(key=lambda o: o.pop("key"))
    return out


def downgrade():
    conn = op.get_bind()
    old = _old_rows(conn)
    conn.execute(sa.text("DELETE FROM history_event"))
    with op.batch_alter_table('history_event') as batch_op:
        batch_op.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('event', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('element_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('element_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('data', JSON, nullable=True))
        batch_op.drop_column('ev')
    for number, row in enumerate(old, start=1):
        row["id"] = number
    table = sa.table('history_event', *(sa.column(c) for c in ('id', 'instance_id', 'task_id', 'event', 'element_id',
                                                                  'element_name', 'user_id', 'at')),
                     sa.column('data', JSON))  # `at` as read: SQLite's text, PostgreSQL's timestamp
    for start in range(0, len(old), 1000):
        conn.execute(table.insert(), old[start:start + 1000])
    with op.batch_alter_table('history_event') as batch_op:
        batch_op.alter_column('event', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index('ix_history_user_at', ['user_id', 'at'], unique=False)
    if conn.dialect.name == 'postgresql':
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('history_event', 'id'), "
                             "coalesce(max(id), 0) + 1, false) FROM history_event"))
    op.drop_table('site_setting')
