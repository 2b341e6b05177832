"""Bulk data for the inbox, HTTP and scale parts: users, instances, tasks, candidates.

Rows go in with COPY on PostgreSQL and executemany batches on SQLite, with ids
chosen here. Shape per 10 tasks: one running instance (1 open task, 4 completed)
and one completed instance (5 completed tasks). Every task has a candidate group
row (the engine keeps candidates after completion); 5 % of the open ones also
name a candidate user. 40 % of open tasks are claimed; a tenth of those belong
to 10 "heavy" users (hundreds of tasks each, for the deep "My tasks" page).

Running instances are clones of one real instance waiting at ``register``
(same state blob and task guid), so their open tasks can really be claimed and
completed through the engine and the web pages.
"""
from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from app.extensions import db

# users per role (weights), and the candidate groups of tasks (weights)
USER_ROLES = {"CustomerService": 40, "TechSupport": 20, "FieldService": 15, "Sales": 10, "Supervisor": 5,
              "ProcessOwner": 4, "Admin": 1, "ReadOnly": 5}
TASK_GROUPS = {"CustomerService": 40, "TechSupport": 25, "FieldService": 20, "Sales": 10, "Supervisor": 5}
HEAVY_USERS = 10
PREFIX = "bu"  # bench usernames: bu0001 ...
PASSWORD = "Bench#2026Pass"
BATCH = 20_000


def _weighted(weights: dict[str, int]) -> list[str]:
    return [k for k, w in weights.items() for _ in range(w)]


# --- writing rows ------------------------------------------------------------------

def _sqlite_value(v):
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, bool):
        return int(v)
    return v


def copy_rows(table: str, columns: list[str], rows) -> int:
    """Write rows (tuples; JSON as text) in the current transaction; returns the count."""
    conn = db.session.connection().connection.driver_connection
    n = 0
    if db.engine.dialect.name == "postgresql":
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                n += 1
        return n
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    cur, batch = conn.cursor(), []
    for row in rows:
        batch.append(tuple(_sqlite_value(v) for v in row))
        if len(batch) >= BATCH:
            cur.executemany(sql, batch)
            n, batch = n + len(batch), []
    cur.executemany(sql, batch)
    return n + len(batch)


def next_id(table: str) -> int:
    return (db.session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1


def fix_sequences(*tables: str) -> None:
    if db.engine.dialect.name == "postgresql":
        for t in tables:
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                                    f"(SELECT coalesce(max(id), 1) FROM {t}))"))


# --- users ---------------------------------------------------------------------------

def ensure_users(count: int) -> list[dict]:
    """``count`` bench users spread over the 8 roles, one password hash for all."""
    from flask import current_app
    from flask_appbuilder.security.sqla.models import Role, User

    from app.models import Department

    sm = current_app.appbuilder.sm
    have = db.session.scalar(select(func.count()).select_from(User).where(User.username.like(f"{PREFIX}%")))
    if have < count:
        first = sm.find_user(username=f"{PREFIX}0000") or sm.add_user(
            f"{PREFIX}0000", "Bench", "Hash", f"{PREFIX}0000@example.com", sm.find_role("ReadOnly"), password=PASSWORD)
        roles = {r.name: r.id for r in db.session.scalars(select(Role))}
        deps = [d.id for d in db.session.scalars(select(Department))]
        now, uid, urid = datetime.now(timezone.utc), next_id("ab_user"), next_id("ab_user_role")
        pick, users, links, profiles = _weighted(USER_ROLES), [], [], []
        for i in range(have + 1, count + 1):
            name = f"{PREFIX}{i:04d}"
            users.append((uid, "Bench", name, name, first.password, True, f"{name}@example.com", now, now, 0, 0))
            links.append((urid, uid, roles[pick[i % len(pick)]]))
            profiles.append((uid, deps[i % len(deps)], "instant"))
            uid, urid = uid + 1, urid + 1
        copy_rows("ab_user", ["id", "first_name", "last_name", "username", "password", "active", "email",
                              "created_on", "changed_on", "login_count", "fail_login_count"], users)
        copy_rows("ab_user_role", ["id", "user_id", "role_id"], links)
        copy_rows("user_profile", ["user_id", "department_id", "notify_mode"], profiles)
        fix_sequences("ab_user", "ab_user_role")
        db.session.commit()
    return bench_users()


def bench_users() -> list[dict]:
    """[{id, username, role}] of the bench users (bu0001...), in order."""
    rows = db.session.execute(text(
        "SELECT u.id, u.username, r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
        "JOIN ab_role r ON r.id = ur.role_id WHERE u.username LIKE :p AND u.username <> :first ORDER BY u.id"),
        {"p": f"{PREFIX}%", "first": f"{PREFIX}0000"}).all()
    return [{"id": r[0], "username": r[1], "role": r[2]} for r in rows]


# --- the template instance -------------------------------------------------------------

def template() -> dict:
    """A real engine_complaint instance waiting at ``register`` and a completed one."""
    from bench.engine import DIAGRAM, STEPS
    from app.engine import definitions, runtime, tasks
    from app.engine.actor import Actor
    from app.models import HumanTask, ProcessInstance

    def made(key):
        return db.session.scalars(select(ProcessInstance).where(ProcessInstance.business_key == key)).first()

    admin = Actor.system()
    definitions.deploy(DIAGRAM.read_bytes(), actor=admin)
    actor = Actor(None, "system", frozenset({"Admin", "CustomerService", "TechSupport"}))
    if (running := made("TEMPLATE-R")) and (done := made("TEMPLATE-C")):  # --reuse
        return _template_of(running, done)
    running = runtime.start_process("engine_complaint", actor=actor, business_key="TEMPLATE-R")
    done = runtime.start_process("engine_complaint", actor=actor, business_key="TEMPLATE-C")
    from flask import current_app

    admin_id = current_app.appbuilder.sm.find_user(username="admin").id
    for element, data in STEPS:
        tid = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == done.id,
                                                           HumanTask.state == "open"))
        tasks.complete(tid, data, actor=Actor(admin_id, "admin", actor.roles))
    running.status = "suspended"  # nobody works on the template itself: its state stays the one cloned
    db.session.commit()
    return _template_of(running, done)


def _template_of(running, done) -> dict:
    from app.models import HumanTask

    row = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == running.id)).one()
    return {"definition_id": running.definition_id, "state": running.state, "done_state": done.state,
            "guid": row.task_guid, "element_id": row.element_id, "name": row.name,
            "documentation": row.documentation, "form": json.dumps(row.form), "process_name": row.process_name,
            "priority": row.priority}


# --- tasks -------------------------------------------------------------------------------

INST_COLS = ["id", "definition_id", "process_key", "business_key", "status", "state", "rev", "started_by_id",
             "started_at", "ended_at", "customer"]
TASK_COLS = ["id", "instance_id", "task_guid", "element_id", "name", "documentation", "form", "confirm_only",
             "state", "assignee_id", "priority", "due_at", "created_at", "claimed_at", "completed_at",
             "completed_by_id", "process_key", "process_name", "business_key", "customer", "submitted"]
CAND_COLS = ["id", "task_id", "role_name", "user_id", "claimable", "due_at"]
HIST_COLS = ["id", "instance_id", "user_id", "at", "ev"]  # one row per step, events in ev (app.engine.history)
STEP_NAMES = [("register", "Register complaint"), ("rectify", "Rectify"), ("feedback", "Feedback to customer")]


def add_tasks(n: int, tpl: dict, users: list[dict], *, seed: int = 1) -> dict:
    """Add ``n`` task rows (n/10 open) with their instances, candidates and some history."""
    rng = random.Random(seed + next_id("human_task"))
    now = datetime.now(timezone.utc)
    groups, ids = _weighted(TASK_GROUPS), [u["id"] for u in users]
    heavy = ids[:HEAVY_USERS]
    iid, tid, cid, hid = (next_id(t) for t in ("process_instance", "human_task", "task_candidate", "history_event"))
    insts, task_rows, cands, hist = [], [], [], []
    done_submitted = json.dumps({"result": "ok"})

    def completed_task(inst_id, k, created, bk, cust):
        nonlocal tid, cid
        element, name = STEP_NAMES[k % 3]
        who = rng.choice(ids)
        end = created + timedelta(hours=rng.uniform(0.1, 48))
        task_rows.append((tid, inst_id, str(uuid.UUID(int=rng.getrandbits(128))), element, name, None, tpl["form"],
                          False, "completed", who, 50, created + timedelta(days=1), created, created, end, who,
                          "engine_complaint", tpl["process_name"], bk, cust, done_submitted))
        cands.append((cid, tid, rng.choice(groups), None, False, created + timedelta(days=1)))
        tid, cid = tid + 1, cid + 1

    for _ in range(max(n // 10, 1)):
        # a running instance: 4 completed tasks and 1 open
        started = now - timedelta(days=rng.uniform(0, 90))
        bk, cust = f"BK-{iid:08d}", f"客户{iid % 50000:05d}"
        insts.append((iid, tpl["definition_id"], "engine_complaint", bk, "running", tpl["state"], 1, None,
                      started, None, cust))
        for k in range(4):
            completed_task(iid, k, started + timedelta(hours=k), bk, cust)
        claimed = rng.random() < 0.4
        assignee = (rng.choice(heavy) if rng.random() < 0.1 else rng.choice(ids)) if claimed else None
        created = started + timedelta(hours=4)
        due = None if rng.random() < 0.1 else now + timedelta(hours=rng.uniform(-72, 168))
        task_rows.append((tid, iid, tpl["guid"], tpl["element_id"], tpl["name"], tpl["documentation"], tpl["form"],
                          False, "open", assignee, rng.choice((50, 50, 50, 60, 80)), due, created,
                          created if claimed else None, None, None, "engine_complaint", tpl["process_name"],
                          bk, cust, None))
        cands.append((cid, tid, rng.choice(groups), None, not claimed, due))
        cid += 1
        if rng.random() < 0.05:
            cands.append((cid, tid, None, rng.choice(ids), not claimed, due))
            cid += 1
        hist.append((hid, iid, None, started, json.dumps([{"e": "is"}])))
        hist.append((hid + 1, iid, None, created, json.dumps([{"e": "tn", "i": tpl["element_id"], "t": tid,
                                                                "n": tpl["name"]}])))
        hid, tid, iid = hid + 2, tid + 1, iid + 1
        # a completed instance: 5 completed tasks
        started = now - timedelta(days=rng.uniform(0, 90))
        bk, cust = f"BK-{iid:08d}", f"客户{iid % 50000:05d}"
        insts.append((iid, tpl["definition_id"], "engine_complaint", bk, "completed", tpl["done_state"], 7, None,
                      started, started + timedelta(days=2), cust))
        for k in range(5):
            completed_task(iid, k, started + timedelta(hours=k), bk, cust)
        iid += 1
    counts = {"instances": copy_rows("process_instance", INST_COLS, insts),
              "tasks": copy_rows("human_task", TASK_COLS, task_rows),
              "candidates": copy_rows("task_candidate", CAND_COLS, cands),
              "history": copy_rows("history_event", HIST_COLS, hist)}
    fix_sequences("process_instance", "human_task", "task_candidate", "history_event")
    db.session.commit()
    return counts


def task_count() -> int:
    from app.models import HumanTask

    return db.session.scalar(select(func.count()).select_from(HumanTask))


def grow_to(total: int, tpl: dict, users: list[dict], chunk: int = 100_000) -> dict:
    """Add tasks until the table holds about ``total`` rows; seconds and rows added."""
    import time

    t0, added = time.perf_counter(), 0
    while (have := task_count()) < total - 5:
        added += add_tasks(min(chunk, total - have), tpl, users)["tasks"]
    return {"seconds": time.perf_counter() - t0, "rows_added": added, "tasks": task_count()}
