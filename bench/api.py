"""Part `api`: issue 22's client pattern against the product over HTTP, and its floor.

gunicorn, ONE gthread worker (4 threads, keep-alive 5 s, as `make serve`), 127.0.0.1. A sequential
client with one keep-alive session logs in (JWT from POST /api/v1/security/login), then per instance
POSTs /api/v1/instances/ and works the tasks the answers hand it (the start answer's ``open_tasks``,
each completion's ``next.tasks``): claim when the task offers ``claim``, then complete it with data
made from its ``form_schema``. Never a GET: the requests per instance are counted and checked.
The complaint loop (tests/data/engine_complaint.bpmn): register -> rectify -> feedback; the gateway
``${satisfied}`` ends on true and loops to register otherwise, so the client answers false at the
first feedback and true at the second: 6 completions per instance.

Measured: completions/s, requests per instance, the worker's CPU (utime+stime from /proc, every
gunicorn worker), DB bytes and rows per instance (table deltas), TCP connections (distinct client
ports in the access log), the SQL of one completion (a second server run with BENCH_SQL_LOG, see
bench/api_server.py), and the floor: the same requests against bench/api_floor.py. Beside the floor,
the ceiling of the ratio for any product on SpiffWorkflow (``ceiling``); on PostgreSQL, the bytes per
instance once vacuum has freed dead row versions (``steady``)."""
from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from bench.engine import DIAGRAM
from bench.http_load import start_server, stop_server

USER, PASSWORD = "bench_api", "Bench#2026Pass"
ROLES = ("CustomerService", "TechSupport")  # the diagram's candidate groups
KEEP_ALIVE = ("-k", "gthread", "--threads", "4", "--keep-alive", "5")
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %({remote_port}e)s"  # gunicorn puts REMOTE_PORT in the environ

# Why each statement of a completion runs: (pattern on the SQL, reason). First match wins; "?" if none.
WHY = (
    (r"^COMMIT$", "the step's one transaction"),
    # PostgreSQL: writes that belong together in one statement (data-modifying CTEs), one round trip each
    (r"^WITH new_task AS", "the next user task's row with its candidate groups (group inbox)"),
    (r"^WITH history_row AS.*job_row AS", "write the engine state (optimistic rev check) with the step's history "
                                          "row and the new task's task_mail job"),
    (r"^WITH history_row AS", "write the engine state (optimistic rev check) with the step's history row"),
    (r"FROM ab_user LEFT OUTER JOIN \(ab_user_role", "JWT identity after a security change: the user with roles and groups (then cached per worker)"),
    (r"FROM audit_log", "security cache epoch: newest role/permission change (at most once a second a worker)"),
    (r"FROM ab_user LEFT OUTER JOIN user_profile", "the candidate group's members: mail recipients (the task_mail job)"),
    (r"^SELECT new_hire", "pre-post training check after a security change (then cached per worker)"),
    (r"FROM human_task LEFT OUTER JOIN task_candidate", "the answer's next tasks with their offers"),
    (r"FROM human_task .*WHERE human_task\.id = ", "load the task, instance and offers (API visibility, engine)"),
    (r"^UPDATE human_task SET state", "close the task (compare-and-set: one completion wins; its offer is "
                                      "withdrawn by the database's trigger)"),
    (r"^UPDATE human_task", "claim the task (compare-and-set)"),
    (r"FROM human_task WHERE .*task_guid IN", "sync: the instance's task rows vs the engine's ready tasks"),
    (r"FROM human_task WHERE .*ORDER BY", "the answer's next tasks (the instance's open tasks)"),
    (r"^INSERT INTO history_event", "audit history (one row per event)"),
    (r"^INSERT INTO human_task", "the next user task's row"),
    (r"^INSERT INTO task_candidate", "the next task's candidate group (group inbox)"),
    (r"FROM task_candidate WHERE", "lazy load of a task's candidates (the answer's candidate_groups)"),
    (r"^INSERT INTO job", "the new task's task_mail job (reads its people, mails, schedules its SLA job)"),
    (r"^INSERT INTO mail_outbox", "new-task mail to the group (outbox)"),
    (r"^UPDATE process_instance", "write the engine state (optimistic rev check)"),
    (r"FROM process_definition", "the process's latest definition"),
    (r"^INSERT INTO process_instance", "the new instance"),
    (r"FROM idempotency", "Idempotency-Key lookup"),
)


def why(statement: str) -> str:
    return next((reason for pattern, reason in WHY if re.search(pattern, statement)), "?")


def short(statement: str) -> str:
    """The statement with its column lists elided, for the printed table."""
    out = re.sub(r"SELECT .*? FROM", "SELECT … FROM", statement)
    return re.sub(r"^INSERT INTO (\w+) \(.*", r"INSERT INTO \1 (…)", out)


# --- the client ---------------------------------------------------------------------------------

def form_data(schema: dict, satisfied: bool) -> dict:
    """Values for every field of a form schema: text, a number within its bounds, the loop's answer."""
    out = {}
    for name, prop in (schema or {}).get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        kind = prop.get("type")
        if kind == "boolean":
            out[name] = satisfied
        elif kind == "integer":
            out[name] = prop.get("minimum", 1)
        elif "enum" in prop:
            out[name] = prop["enum"][0]
        else:
            out[name] = "bench"[: prop.get("maxLength", 5)]
    return out


class Client:
    """One keep-alive session; ``calls`` logs (method, path, status) of every request."""

    def __init__(self, base: str) -> None:
        import requests

        self.base, self.http, self.calls = base, requests.Session(), []

    def post(self, path: str, body: dict, expect: int = 200) -> dict:
        resp = self.http.post(self.base + path, json=body, timeout=60)
        self.calls.append(("POST", path, resp.status_code))
        if resp.status_code != expect:
            raise RuntimeError(f"POST {path}: HTTP {resp.status_code} {resp.text[:500]}")
        return resp.json()

    def login(self) -> None:
        token = self.post("/api/v1/security/login", {"username": USER, "password": PASSWORD, "provider": "db",
                                                     "refresh": False})["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def instance(self, key: str) -> int:
        """Start one instance and work its tasks from the answers alone; returns completions."""
        start = self.post("/api/v1/instances/", {"process_key": key, "business_key": f"API-{time.time_ns()}"}, 201)
        todo, seen, done = list(start.get("open_tasks", [])), {}, 0
        while todo:
            task = todo.pop(0)
            actions = task.get("allowed_actions", [])
            if "complete" not in actions and "claim" not in actions:
                continue
            if "complete" not in actions:
                task = self.post(f"/api/v1/tasks/{task['id']}/claim", {})
            seen[task["element_id"]] = seen.get(task["element_id"], 0) + 1
            data = form_data(task.get("form_schema"), satisfied=seen[task["element_id"]] >= 2)
            answer = self.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data})
            done += 1
            todo = list(answer["next"]["tasks"])
        return done


class FloorClient(Client):
    """The same number of POSTs per instance, to the floor app."""

    def floor(self, requests: int) -> None:
        for i in range(requests):
            self.post(f"/step/{i}", {"data": {"matter": "bench"}})


# --- the server side ----------------------------------------------------------------------------

def worker_cpu(master: int) -> float:
    """CPU seconds (user + system) of the gunicorn master's children: the workers."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # fields[1] is the ppid (after state)
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def db_snapshot(url: str) -> dict:
    """Per table: rows; bytes allocated (SQLite: dbstat page bytes of the table and its indexes;
    PostgreSQL: pg_total_relation_size, TOAST and indexes included); row bytes (SQLite: the table
    b-tree's payload; PostgreSQL: the sum of pg_column_size of its rows)."""
    from config import database_url

    eng = create_engine(database_url(url))
    try:
        with eng.connect() as conn:
            tables = inspect(conn).get_table_names()
            rows = {t: conn.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables}
            if eng.dialect.name == "postgresql":
                size = {t: conn.scalar(text("SELECT pg_total_relation_size(:t)"), {"t": t}) for t in tables}
                payload = {t: conn.scalar(text(f'SELECT coalesce(sum(pg_column_size(r.*)), 0) FROM "{t}" r'))
                           for t in tables}
            else:
                owner = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_master WHERE type IN "
                                               "('table', 'index')")).all())
                size, payload = dict.fromkeys(tables, 0), dict.fromkeys(tables, 0)
                for name, pages, used in conn.execute(text("SELECT name, sum(pgsize), sum(payload) FROM dbstat "
                                                           "GROUP BY name")):
                    if owner.get(name) in size:
                        size[owner[name]] += pages
                    if name in payload:
                        payload[name] += used
    finally:
        eng.dispose()
    return {"rows": rows, "bytes": size, "row_bytes": payload}


# Done jobs, sent mails and Idempotency-Key answers are purged after their retention (Admin -> Retention;
# idempotency answers after 24 h): counted and printed, not in the bytes a completed instance keeps.
TRANSIENT = ("job", "mail_outbox", "idempotency_record")


def drain_jobs(app) -> int:
    """Run every due job as the worker would (mails accepted and dropped: MAIL_SUPPRESS_SEND)."""
    from app.engine import jobs

    done = 0
    with app.app_context():
        app.config["MAIL_SUPPRESS_SEND"] = True
        while count := jobs.run_due_jobs("bench-drain", limit=200):
            done += count
    return done


def retention_days(app) -> int | None:
    from app.engine import retention

    with app.app_context():
        return retention.days()


def delta(before: dict, after: dict, n: int) -> dict:
    return {t: (after[t] - before.get(t, 0)) / n for t in after if after[t] != before.get(t, 0)}


def ports(access_log: Path, since: int) -> set[str]:
    lines = access_log.read_text().splitlines()[since:]
    return {line.split()[-1] for line in lines if line.strip()}


def serve(url: str, target: str, log: Path, env: dict | None = None, probe: str = "/login/"):
    return start_server(url, 1, target=target, probe=probe, env=env,
                        args=(*KEEP_ALIVE, "--access-logfile", str(log), "--access-logformat", ACCESS_FORMAT))


def prepare(app) -> str:
    """The bench user (both candidate groups) and the diagram deployed; returns the process key."""
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username=USER) is None:
            sm.add_user(USER, "Bench", "Api", "bench_api@example.com", [sm.find_role(r) for r in ROLES],
                        password=PASSWORD)
        admin = sm.find_user(username="admin")
        key = definitions.deploy(DIAGRAM.read_bytes(), actor=Actor(admin.id, "admin", frozenset({"Admin"}))).definition.key
        db.session.commit()
    return key


def statements(url: str, key: str, tmp: Path) -> dict:
    """Two instances on a server that logs its SQL; the completions' statement counts and the
    statements of the largest one."""
    sql_log, access = tmp / "sql.jsonl", tmp / "access-sql.log"
    proc, base = serve(url, "bench.api_server:app", access, env={"BENCH_SQL_LOG": str(sql_log)})
    try:
        client = Client(base)
        client.login()
        for _ in range(2):
            client.instance(key)
    finally:
        stop_server(proc)
    reqs = [json.loads(line) for line in sql_log.read_text().splitlines()]
    completes = [r for r in reqs if r["method"] == "POST" and r["path"].endswith("/complete")]
    counts = [sum(s != "COMMIT" for s in r["statements"]) for r in completes]
    one = max(completes[6:] or completes, key=lambda r: len(r["statements"]))  # the second instance: warm
    per_kind = {}
    for r in (r for r in reqs if r["method"] == "POST"):  # not the readiness probe
        kind = r["path"].rstrip("/").rsplit("/", 1)[-1] if r["path"].startswith("/api/v1/tasks") else r["path"]
        per_kind.setdefault(kind, []).append(sum(s != "COMMIT" for s in r["statements"]))
    return {"per_completion": counts, "max_per_completion": max(counts), "mean_per_completion": sum(counts) / len(counts),
            "per_request_kind": {k: sum(v) / len(v) for k, v in per_kind.items()},
            "one_completion": {"path": one["path"], "statements": [{"sql": short(s)[:1000], "why": why(s)}
                                                                    for s in one["statements"]]}}


def floor(url: str, requests: int, n: int, tmp: Path) -> dict:
    from config import database_url

    eng = create_engine(database_url(url))
    with eng.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
        conn.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, state BYTEA, rev INTEGER NOT NULL)"
                          if eng.dialect.name == "postgresql" else
                          "CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, state BLOB, rev INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO bench_floor (id, state, rev) VALUES (1, NULL, 0)"))
    access = tmp / "access-floor.log"
    proc, base = serve(url, "bench.api_floor:app", access, probe="/")
    try:
        client = FloorClient(base)
        client.floor(requests)  # warm-up: the connection pool and the first request
        mark = len(access.read_text().splitlines())
        cpu0, t0 = worker_cpu(proc.pid), time.perf_counter()
        for _ in range(n):
            client.floor(requests)
        seconds, cpu = time.perf_counter() - t0, worker_cpu(proc.pid) - cpu0
        conns = len(ports(access, mark))
    finally:
        stop_server(proc)
        with eng.begin() as conn:
            conn.execute(text("DROP TABLE bench_floor"))
        eng.dispose()
    return {"n": n, "requests": requests * n, "seconds": seconds, "requests_per_s": requests * n / seconds,
            "completions_per_worker_cpu_s": 6 * n / cpu if cpu else None,
            "completions_per_s": 6 * n / seconds, "cpu_ms_per_instance": 1000 * cpu / n, "connections": conns}


def steady(url: str, key: str, n: int, tmp: Path) -> dict | None:
    """PostgreSQL only: the bytes a completed instance adds once (auto)vacuum keeps up. An UPDATE
    writes a new row version and leaves the old one, whose space VACUUM frees for later rows (it never
    gives it back to the file system). The measured batch ran with no vacuum, so its figure holds every
    dead version; here the tables are vacuumed, as autovacuum does on its own, then ``n`` more
    instances run: their new versions fill the freed space first, so the tables grow by what this
    workload keeps in steady state. SQLite writes in place: None."""
    from config import database_url

    eng = create_engine(database_url(url))
    try:
        if eng.dialect.name != "postgresql":
            return None
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM"))
    finally:
        eng.dispose()
    before = db_snapshot(url)
    proc, base = serve(url, "app:create_app()", tmp / "access-steady.log")
    try:
        client = Client(base)
        client.login()
        for _ in range(n):
            client.instance(key)
    finally:
        stop_server(proc)
    size = delta(before["bytes"], db_snapshot(url)["bytes"], n)
    kept = {t: b for t, b in size.items() if t not in TRANSIENT}
    return {"n": n, "bytes_per_instance": kept, "db_bytes_per_instance": sum(kept.values())}


def spiff_step_ms(n: int = 100) -> float:
    """CPU ms per completion of what no product on SpiffWorkflow can skip: restore the instance's
    state (app.engine.store, the spec cached), run the task and the engine steps, serialise the state
    again. In process, no database, no HTTP: the complaint loop's 6 steps, its start amortised."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from app.engine import store
    from app.engine.bpmn import parse_definition
    from app.engine.scripting import script_engine
    from bench.engine import STEPS

    parsed = parse_definition(DIAGRAM.read_bytes(), filename=DIAGRAM.name)
    specs = dict(parsed.specs)
    spec, engine = specs.pop(parsed.process_id), script_engine()

    def one() -> None:
        wf = BpmnWorkflow(spec, specs, script_engine=engine)
        wf.do_engine_steps()
        blob = store.dump_state(wf)
        for element, data in STEPS:
            wf = store.load_state(blob, spec, specs, engine)
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element)
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            blob = store.dump_state(wf)
        assert wf.completed

    for _ in range(5):
        one()
    t0 = time.process_time()
    for _ in range(n):
        one()
    return 1000 * (time.process_time() - t0) / (len(STEPS) * n)


def ceiling(floor_result: dict, step_ms: float) -> float:
    """The best product / floor ratio of completions/s a product on SpiffWorkflow could reach: the
    floor's whole round trip per completion (client, HTTP, one durable write) plus only the step's
    SpiffWorkflow work, no authentication, no task rows, no history."""
    per_completion = 1000 / floor_result["completions_per_s"]
    return per_completion / (per_completion + step_ms)


def run(app, url: str, n: int, warm: int = 2) -> dict:
    key = prepare(app)
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    sql = statements(url, key, tmp)
    access = tmp / "access.log"
    proc, base = serve(url, "app:create_app()", access)
    try:
        client = Client(base)
        client.login()
        for _ in range(warm):  # imports, caches, the spec: not what a steady server pays
            client.instance(key)
        mark, calls0 = len(access.read_text().splitlines()), len(client.calls)
        before, load0 = db_snapshot(url), os.getloadavg()[0]
        cpu0, t0, completions = worker_cpu(proc.pid), time.perf_counter(), 0
        for _ in range(n):
            completions += client.instance(key)
        seconds, cpu = time.perf_counter() - t0, worker_cpu(proc.pid) - cpu0
        time.sleep(0.2)  # the access log line of the last request
        conns = len(ports(access, mark))
    finally:
        stop_server(proc)
    drained = drain_jobs(app)  # what a worker writes for these instances (mails, SLA jobs) counts too
    after = db_snapshot(url)
    calls = client.calls[calls0:]
    kinds = {}
    for method, path, _ in calls:
        kind = f"{method} " + ("start" if path.startswith("/api/v1/instances") else path.rsplit("/", 1)[-1])
        kinds[kind] = kinds.get(kind, 0) + 1
    per_instance = len(calls) / n
    rows, size = delta(before["rows"], after["rows"], n), delta(before["bytes"], after["bytes"], n)
    row_bytes = delta(before["row_bytes"], after["row_bytes"], n)
    kept = {t: b for t, b in size.items() if t not in TRANSIENT}
    out = {"n": n, "workers": 1, "worker_class": "gthread", "nproc": os.cpu_count(), "seconds": seconds,
           "loadavg_1min_before_after": [load0, os.getloadavg()[0]],
           "completions_per_worker_cpu_s": completions / cpu if cpu else None,
           "completions": completions, "completions_per_instance": completions / n,
           "completions_per_s": completions / seconds, "requests_per_instance": per_instance,
           "requests_by_kind_per_instance": {k: v / n for k, v in sorted(kinds.items())},
           "gets": sum(m == "GET" for m, _, _ in calls), "connections": conns,
           "cpu_ms_per_instance": 1000 * cpu / n, "rows_per_instance": rows, "bytes_per_instance": size,
           "db_bytes_per_instance": sum(kept.values()),
           "transient_bytes_per_instance": sum(b for t, b in size.items() if t in TRANSIENT),
           "transient_row_bytes_per_instance": sum(b for t, b in row_bytes.items() if t in TRANSIENT),
           "jobs_drained": drained, "retention_days": retention_days(app),
           "row_bytes_per_instance": row_bytes, "db_row_bytes_per_instance": sum(b for t, b in row_bytes.items() if t not in TRANSIENT), "db_rows_per_instance": sum(rows.values()), "sql": sql}
    out["floor"] = floor(url, round(per_instance), n, tmp)
    out["ratio_engine_to_floor"] = out["completions_per_s"] / out["floor"]["completions_per_s"]
    out["ratio_engine_to_floor_by_cpu"] = out["floor"]["cpu_ms_per_instance"] / out["cpu_ms_per_instance"]
    out["spiff_step_ms"] = spiff_step_ms()
    out["ratio_ceiling_spiff"] = ceiling(out["floor"], out["spiff_step_ms"])
    out["steady"] = steady(url, key, n, tmp)
    return out
