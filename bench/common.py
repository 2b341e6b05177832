"""Shared by the bench parts: databases, the app, percentiles, timing."""
from __future__ import annotations

import socket
import statistics
import time
from contextlib import contextmanager

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DEFAULT_DB = "bench"  # never the test suite's `test`: its conftest drops the schema
SECRET = "bench-" + "x" * 40


def postgres_url(dbname: str = PG_DEFAULT_DB) -> str | None:
    """The bench database on the local server, created when missing; None if no server."""
    import psycopg

    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')
    except psycopg.Error:
        return None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"


def app_config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True}


def make_app(url: str, *, reset: bool = True):
    """A fresh schema from the migrations, roles, and the demo users."""
    from flask_migrate import upgrade

    from app import create_app
    from app.setup import init_security, seed_demo
    from tests.conftest import reset_database

    if reset:
        reset_database(url)
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        init_security()
        seed_demo()
    return app


def pct(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of values, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p95_ms": pct(ms, 95), "p99_ms": pct(ms, 99),
            "mean_ms": statistics.fmean(ms) if ms else None, "max_ms": max(ms) if ms else None}


@contextmanager
def stopwatch(out: dict, key: str = "seconds"):
    t0 = time.perf_counter()
    yield
    out[key] = time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def analyze() -> None:
    """After a bulk load: planner statistics, and on PostgreSQL the visibility map (VACUUM) that
    index-only scans rely on (autovacuum would get there on its own) and a checkpoint."""
    from sqlalchemy import text

    from app.extensions import db

    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))  # the load's WAL written out now, not during the timings
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
