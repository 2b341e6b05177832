"""The printed table and the targets (measured value, limit, met?)."""
from __future__ import annotations


def _get(d: dict, *path, default=None):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def targets(result: dict) -> list[dict]:
    """Each target: name, measured, limit, met (None when not measured)."""
    p, out = result["parts"], []

    def add(name, measured, limit, ok):
        out.append({"target": name, "measured": measured, "limit": limit,
                    "met": None if measured is None else bool(ok(measured))})

    add("script condition via a runner, median µs", _get(p, "scripts", "runner", "median_us"), "<= 300",
        lambda v: v <= 300)
    add("engine / bare SpiffWorkflow (completions/s)", _get(p, "engine", "ratio_engine_to_bare"), ">= 0.50",
        lambda v: v >= 0.5)
    # issue 22: "Engine / durable floor >= 0.5 on SQLite and PostgreSQL (now 0.18)", the engine part's figure
    add("engine / durable floor (completions/s)", _get(p, "engine", "ratio_engine_to_floor_db"), ">= 0.50",
        lambda v: v >= 0.5)
    add("state bytes per running complaint instance", _get(p, "engine", "engine", "running_state_bytes"),
        "<= 4096", lambda v: v <= 4096)
    q, tasks = _get(p, "inbox", "queries", default={}), _get(p, "inbox", "tasks")
    for key in ("mine_first", "mine_deep", "group_first", "group_deep"):
        add(f"{key} p95 ms at {tasks or 0:,} tasks", _get(q, key, "p95_ms"), "<= 50 (1M, PostgreSQL)",
            lambda v: v <= 50)
    runs = [v for k, v in (p.get("http") or {}).items() if k.startswith("think_")]
    if runs:
        first = runs[0]
        add(f"HTTP page p95 ms, {first['users']} users, think {first['think_s']:g}s", first["pages"]["p95_ms"],
            "<= 150", lambda v: v <= 150)
        add("HTTP errors (all runs)", sum(r["errors"] + r["login_errors"] for r in runs), "0", lambda v: v == 0)
    for run in p.get("timers") or []:
        if run["workers"] == 3:
            add(f"{run['jobs']} timers drained, 3 workers, s", run["drain_seconds"], "<= 20", lambda v: v <= 20)
        add(f"timers fired twice / not fired / attempts>1 ({run['workers']} w)",
            run["duplicates"] + run["instances_not_fired"] + (run["attempts_max"] > 1), "0", lambda v: v == 0)
    if a := p.get("api"):  # issue 22: the sequential API client, one gthread worker
        add("api: task completions/s, 1 gthread worker", a["completions_per_s"], ">= 100", lambda v: v >= 100)
        add("api: SQL statements per completion (max)", a["sql"]["max_per_completion"], "<= 8", lambda v: v <= 8)
        kept = (a.get("steady") or a)["db_bytes_per_instance"]  # PostgreSQL: once vacuum freed the dead versions
        add("api: DB bytes kept per completed instance", kept, "<= 9700", lambda v: v <= 9700)
        add("api: TCP connections for the run (keep-alive)", a["connections"], "1", lambda v: v == 1)
        add("api: GET requests (no inbox polling)", a["gets"], "0", lambda v: v == 0)
    return out


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _row(label: str, *cells) -> None:
    print(f"  {label:<46}" + "".join(f"{_fmt(c):>12}" for c in cells))


def print_table(result: dict) -> None:
    p = result["parts"]
    print(f"\n== {result['database']}{' (quick)' if result['quick'] else ''}: {result['seconds']:.0f} s ==")
    if sc := p.get("scripts"):
        print(f"-- script evaluation `{sc['condition']}`, n={sc['runner']['n']} (µs)")
        _row("", "median", "p95")
        _row("in the app process (sandbox only)", sc["in_process"]["median_us"], sc["in_process"]["p95_us"])
        _row("script runner (sandbox + pipe round trip)", sc["runner"]["median_us"], sc["runner"]["p95_us"])
        _row("runner start, ms", sc["runner_start_ms"])
    if e := p.get("engine"):
        chunks = (e.get("floor_db") or {}).get("chunks")
        print(f"-- engine, n={e['n']} complaint instances x 6 completions"
              + (f" (floor and engine in {chunks} alternating chunks)" if chunks else ""))
        _row("", "inst/s", "compl/s")
        _row("bare SpiffWorkflow (JSON each step)", e["bare_spiff"]["instances_per_s"],
             e["bare_spiff"]["completions_per_s"])
        if f := e.get("floor_db"):
            _row("floor: engine state + 1 UPDATE/COMMIT a step", f["instances_per_s"], f["completions_per_s"])
        _row("engine with persistence", e["engine"]["instances_per_s"], e["engine"]["completions_per_s"])
        if "ratio_engine_to_floor_db" in e:
            _row("ratio engine/bare, engine/floor", e["ratio_engine_to_bare"], e["ratio_engine_to_floor_db"])
        g = e["engine"]
        _row("state bytes running / completed", g["running_state_bytes"], g["completed_state_bytes"])
        _row("rows per instance: tasks / history", g["task_rows_per_instance"], g["history_rows_per_instance"])
        _row("db bytes per completed instance", g["db_bytes_per_completed_instance"])
    if d := p.get("data"):
        load = d.get("load", {})
        print(f"-- data: {d['users']} users, {d.get('tasks')} task rows")
    if s := p.get("scale"):
        print("-- scale curve (p95 ms of query_tasks; engine on the one-user variant)")
        _row("tasks", "load s", "compl/s", "mine p95", "mine deep", "group p95", "group deep", "badges")
        for pt in s:
            _row(f"{pt['tasks']:,}", pt["load_seconds"], pt["engine_completions_per_s"], pt["mine_first_p95_ms"],
                 pt["mine_deep_p95_ms"], pt["group_first_p95_ms"], pt["group_deep_p95_ms"], pt["badge_counts_p95_ms"])
    if i := p.get("inbox"):
        print(f"-- inbox at {i['tasks']:,} tasks (ms)")
        _row("", "n", "p50", "p95", "p99")
        for k, v in i["queries"].items():
            if "p95_ms" in v:
                _row(f"query {k}", v["n"], v["p50_ms"], v["p95_ms"], v["p99_ms"])
        for k, v in i["pages"].items():
            _row(f"page {k} (test client){' ERR ' + str(v['errors']) if v['errors'] else ''}", v["n"], v["p50_ms"],
                 v["p95_ms"], v["p99_ms"])
        sz = i["queries"]["sizes"]
        print(f"  rows: mine {sz['mine_rows_normal']} (heavy users {sz['mine_rows_heavy']}), group {sz['group_rows']}"
              f" (last page {sz['group_deep_page']}), department {sz.get('department_rows', '-')}")
        f = i.get("fanout")
        if f:
            print(f"  group-task fan-out: {f['ms_per_start']:.0f} ms per started complaint, then its task_mail job "
                  f"{f.get('ms_task_mail_job', 0):.0f} ms: {f['mails_per_start']:.0f} mail(s) queued, "
                  f"{f.get('recipients_per_start', 0):.0f} recipients (the CustomerService group, Bcc)")
    if h := p.get("http"):
        print(f"-- HTTP under load: gunicorn -w {h['workers']}, {h['tasks']:,} tasks (ms)")
        _row("", "req/s", "p50", "p95", "p99", "errors", "conflicts")
        for k, run in h.items():
            if not k.startswith("think_"):
                continue
            _row(f"{run['users']} users, think {run['think_s']:g}s, all", run["requests_per_s"], run["all"]["p50_ms"],
                 run["all"]["p95_ms"], run["all"]["p99_ms"], run["errors"], run["conflicts"])
            _row("  pages (mine, group, task)", None, run["pages"]["p50_ms"], run["pages"]["p95_ms"],
                 run["pages"]["p99_ms"])
            for kind, v in run["by_kind"].items():
                _row(f"  {kind} (n={v['n']})", None, v["p50_ms"], v["p95_ms"], v["p99_ms"])
    if a := p.get("api"):
        _print_api(a)
    for t in p.get("timers") or []:
        if t is p["timers"][0]:
            print("-- timers (flask worker processes)")
            _row("", "jobs", "drain s", "jobs/s", "fired 1x", "twice+", "not fired", "attempts")
        _row(f"{t['workers']} worker(s)", t["jobs"], t["drain_seconds"], t["jobs_per_s"], t["instances_fired_once"],
             t["instances_fired_twice_or_more"], t["instances_not_fired"], t["attempts_max"])
    if dm := p.get("decisions"):
        print("-- decision evaluation (DMN)")
        _row("", "n", "eval/s", "µs each")
        for k, v in dm.items():
            _row(k.replace("_", " "), v["n"], v["evaluations_per_s"], v["us_per_evaluation"])
    print("-- targets")
    for t in result["targets"]:
        mark = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        print(f"  {t['target']:<52}{_fmt(t['measured']):>12}  {t['limit']:<24}{mark}")


def _print_api(a: dict) -> None:
    from bench.api import TRANSIENT  # jobs, mails, idempotency answers: not in the steady figure
    f = a["floor"]
    print(f"-- API client (issue 22): {a['n']} complaint instances, gunicorn -w 1 -k gthread, nproc {a['nproc']}")
    _row("", "compl/s", "req/inst", "CPU ms/inst", "compl/CPU s", "conns")
    _row("product (start + claim/complete from answers)", a["completions_per_s"], a["requests_per_instance"],
         a["cpu_ms_per_instance"], a["completions_per_worker_cpu_s"], a["connections"])
    _row("floor (same requests, 1 UPDATE + COMMIT each)", f["completions_per_s"], f["requests"] / f["n"],
         f["cpu_ms_per_instance"], f["completions_per_worker_cpu_s"], f["connections"])
    _row("ratio product / floor: completions/s, CPU", a["ratio_engine_to_floor"], a["ratio_engine_to_floor_by_cpu"])
    if a.get("ratio_ceiling_spiff") is not None:
        print(f"  ceiling of the ratio on SpiffWorkflow: {a['ratio_ceiling_spiff']:.3f} (the floor plus only "
              f"SpiffWorkflow's {a['spiff_step_ms']:.2f} CPU ms per step: restore the state, run, serialise)")
    print(f"  load average (1 min) before / after: {a['loadavg_1min_before_after'][0]:.1f} / "
          f"{a['loadavg_1min_before_after'][1]:.1f}; compl/CPU s = completions per CPU second of the worker")
    print("  requests per instance: " + ", ".join(f"{k} {v:g}" for k, v in a["requests_by_kind_per_instance"].items()))
    print(f"  DB per completed instance: {a['db_bytes_per_instance']:,.0f} B allocated, kept "
          f"(+ {a.get('transient_bytes_per_instance', 0):,.0f} B of jobs and mails, purged after "
          f"{a.get('retention_days') or '-'} days), {a['db_row_bytes_per_instance']:,.0f} B in rows, "
          f"{a['db_rows_per_instance']:g} rows; after the worker ran its {a.get('jobs_drained', 0)} due jobs")
    steady = a.get("steady")
    if steady:
        print(f"  PostgreSQL once vacuum freed the dead row versions ({steady['n']} more instances after a VACUUM): "
              f"{steady['db_bytes_per_instance']:,.0f} B kept per instance (the target's figure)")
    _row("  per table", "rows", "B alloc", "B in rows", *(("B steady",) if steady else ()))
    for table, rows in sorted(a["rows_per_instance"].items(), key=lambda kv: -kv[1]):
        _row(f"  {table}", rows, a["bytes_per_instance"].get(table, 0),
             a["row_bytes_per_instance"].get(table, 0), *((steady["bytes_per_instance"].get(table, "-" if table in TRANSIENT else 0),) if steady else ()))
    sql = a["sql"]
    print(f"  SQL statements per completion: max {sql['max_per_completion']}, mean {sql['mean_per_completion']:.1f}; "
          "per request: " + ", ".join(f"{k} {v:.1f}" for k, v in sql["per_request_kind"].items()))
    print(f"  the statements of one completion ({sql['one_completion']['path']}):")
    for i, st in enumerate(sql["one_completion"]["statements"], 1):
        print(f"   {i:>2}. {st['sql'][:110]}\n       why: {st['why']}")
