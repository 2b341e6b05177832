"""`make bench`: prints a table and writes bench/results/<db>-<time>.json.

Databases: SQLite (a temp file) always; PostgreSQL at 127.0.0.1:5432 when reachable,
database ``bench`` (created when missing; its schema is dropped and rebuilt).
Parts: scripts (0), engine (1-2), inbox (3), http (4), timers (5), scale (6), decisions (8), api (9); see bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.report import print_table, targets

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("scripts", "engine", "inbox", "http", "timers", "scale", "calendar", "decisions", "api")
FULL = dict(n=200, users=2000, sizes=[10_000, 100_000, 1_000_000], reps=200, page_reps=50, n_engine=30,
            http_users=50, http_seconds=30.0, thinks=(1.0, 5.0, 0.0), timers=10_000, fanout=3, script_n=5000,
            decision_n=20_000, api_n=200)
QUICK = dict(n=5, users=60, sizes=[1_000, 3_000], reps=10, page_reps=4, n_engine=2,
             http_users=5, http_seconds=2.0, thinks=(0.0,), timers=200, fanout=1, script_n=200,
             decision_n=500, api_n=3)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("-n", type=int, help="complaint instances for the engine part (default 200)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ",".join(PARTS))
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--pg-db", default="bench", help="PostgreSQL database (never `test`)")
    parser.add_argument("--sizes", help="task table sizes, e.g. 10000,100000,1000000")
    parser.add_argument("--http-seconds", type=float)
    parser.add_argument("--timers", type=int, help="timer jobs to drain")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the PostgreSQL data of the last run (grow it if needed) instead of rebuilding")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON results")
    args = parser.parse_args(argv)
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(only) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    cfg = dict(QUICK if args.quick else FULL)
    cfg.update({k: v for k, v in {"n": args.n, "http_seconds": args.http_seconds, "timers": args.timers}.items()
                if v is not None})
    cfg["reuse"] = args.reuse
    if args.sizes:
        cfg["sizes"] = [int(s) for s in args.sizes.split(",")]
    return args, only, cfg


def run_database(name: str, url: str, only: list[str], cfg: dict, result: dict, save) -> None:
    """Run the parts in order into ``result["parts"]``; ``save()`` after each (a crash keeps what was measured)."""
    from bench import data, engine, http_load, inbox, scale, scripts, timers
    from bench.common import analyze, make_app

    parts, quick = result["parts"], result["quick"]
    app = make_app(url, reset=not cfg.get("reuse"))
    ctx = app.app_context
    if "scripts" in only:
        with ctx():
            parts["scripts"] = scripts.overhead(cfg["script_n"])
        save()
    if "engine" in only:
        with ctx():
            bare = engine.bare_spiff(cfg["n"])
            floor, persisted = engine.floor_and_engine(cfg["n"])
        parts["engine"] = {"n": cfg["n"], "bare_spiff": bare, "floor_db": floor, "engine": persisted,
                           "ratio_engine_to_bare": persisted["completions_per_s"] / bare["completions_per_s"],
                           "ratio_engine_to_floor_db": persisted["completions_per_s"] / floor["completions_per_s"]}
        save()
    if "decisions" in only:  # DMN evaluations per second (bench/decisions.py)
        from bench import decisions

        with ctx():
            parts["decisions"] = decisions.run(cfg["decision_n"])
        save()
    if "api" in only:  # issue 22's client over HTTP, before the bench users exist (no 2 000-member fan-out)
        from bench import api

        parts["api"] = api.run(app, url, cfg["api_n"])
        save()
        save()
    if "calendar" in only:  # no database: the working-day arithmetic (bench/calendar.py)
        from bench import calendar

        parts["calendar"] = calendar.run(quick)
        save()
    if "timers" in only:  # on a quiet database, before the big load (see README)
        lead = 1.0 if quick else 4.0
        parts["timers"] = []
        for workers in [1, 3] if name == "postgresql" else [1]:
            with ctx():
                parts["timers"].append(timers.drain(url, cfg["timers"], workers, lead=lead))
            save()
    if {"inbox", "http", "scale"} & set(only):
        with ctx():
            tpl = data.template()  # before the bench users exist: no mail fan-out here
            t0 = time.perf_counter()
            users = data.ensure_users(cfg["users"])
            parts["data"] = {"users": len(users), "users_seconds": time.perf_counter() - t0}
            if "scale" in only:
                parts["scale"] = scale.run(cfg["sizes"], tpl, users, n_engine=cfg["n_engine"],
                                           reps=max(cfg["reps"] // 4, 5),
                                           on_size=lambda s, _: print(f"  [{name}] {s:,} tasks done", flush=True))
            parts["data"]["load"] = data.grow_to(cfg["sizes"][-1], tpl, users)
            analyze()
            parts["data"]["tasks"] = data.task_count()
            save()
            if "inbox" in only:
                parts["inbox"] = {"tasks": parts["data"]["tasks"], "queries": inbox.queries(users, cfg["reps"])}
                save()
        if "inbox" in only:  # the test client pushes its own app context
            parts["inbox"]["pages"] = inbox.pages(app, users, cfg["page_reps"])
            with ctx():
                parts["inbox"]["fanout"] = engine.fanout(cfg["fanout"])
            save()
        if "http" in only:
            parts["http"] = http_load.run(url, users, n_users=cfg["http_users"], seconds=cfg["http_seconds"],
                                          thinks=cfg["thinks"])
            parts["http"]["tasks"] = parts["data"]["tasks"]
            save()


def main(argv=None) -> list[dict]:
    args, only, cfg = parse_args(argv)
    from bench.common import postgres_url

    urls = {}
    dbs = [d.strip() for d in args.db.split(",")]
    if "sqlite" in dbs:
        urls["sqlite"] = "sqlite:///" + tempfile.mkdtemp(prefix="bench-") + "/bench.db"
    if "postgresql" in dbs:
        if args.pg_db == "test":
            raise SystemExit("refusing the `test` database: the test suite drops its schema")
        if pg := postgres_url(args.pg_db):
            urls["postgresql"] = pg
        else:
            print("PostgreSQL at 127.0.0.1:5432 is not reachable: skipped")
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for name, url in urls.items():
        print(f"== {name}: {', '.join(only)}{' (quick)' if args.quick else ''} ...", flush=True)
        t0 = time.perf_counter()
        result = {"database": name, "quick": args.quick, "config": dict(cfg), "parts": {}}
        path = args.out / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"

        def save():
            result["seconds"] = time.perf_counter() - t0
            result["targets"] = targets(result)
            path.write_text(json.dumps(result, indent=2, default=str))

        run_database(name, url, only, cfg, result, save)
        save()
        print_table(result)
        print(f"(written to {path})", flush=True)
        results.append(result)
    return results


if __name__ == "__main__":
    main()
