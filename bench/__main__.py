"""`make bench`: prints a table and writes bench/results/<db>-<time>.json.

Databases: SQLite (a temp file) always; PostgreSQL at 127.0.0.1:5432 when reachable.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def make_app(url: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.setup import init_security, seed_demo
    from tests.conftest import reset_database

    reset_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40})
    with app.app_context():
        upgrade()
        init_security()
        seed_demo()
    return app


def postgres_url() -> str | None:
    import psycopg

    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3).close()
        return "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    except psycopg.Error:
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200, help="complaint instances per run")
    args = parser.parse_args()
    from bench import engine

    urls = {"sqlite": "sqlite:///" + tempfile.mkdtemp() + "/bench.db"}
    if pg := postgres_url():
        urls["postgresql"] = pg
    RESULTS.mkdir(exist_ok=True)
    for name, url in urls.items():
        app = make_app(url)
        with app.app_context():
            bare = engine.bare_spiff(args.n)
            persisted = engine.persistent(args.n)
        result = {"database": name, "n": args.n, "bare_spiff": bare, "engine": persisted,
                  "ratio_engine_to_bare": persisted["completions_per_s"] / bare["completions_per_s"]}
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (RESULTS / f"{name}-{stamp}.json").write_text(json.dumps(result, indent=2))
        print(f"\n== {name} (n={args.n}) ==")
        print(f"{'':32}{'instances/s':>14}{'completions/s':>16}")
        print(f"{'bare SpiffWorkflow (JSON/step)':32}{bare['instances_per_s']:14.1f}{bare['completions_per_s']:16.1f}")
        print(f"{'engine with persistence':32}{persisted['instances_per_s']:14.1f}{persisted['completions_per_s']:16.1f}")
        print(f"ratio engine/bare: {result['ratio_engine_to_bare']:.2f}  (target >= 0.50)")
        print(f"state bytes: running {persisted['running_state_bytes']}, completed {persisted['completed_state_bytes']:.0f}"
              f"  (target <= 4096 running)")
        print(f"rows per completed instance: tasks {persisted['task_rows_per_instance']:.1f}, "
              f"history {persisted['history_rows_per_instance']:.1f}; "
              f"db bytes {persisted['db_bytes_per_completed_instance']}")


if __name__ == "__main__":
    main()
