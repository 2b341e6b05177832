"""`python -m bench --only api --quick` on SQLite: issue 22's API client runs against gunicorn (one
gthread worker) and its floor, and the result has the designed shape (no timing asserts)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_sqlite  # tests/conftest.py: not repeated in CI's PostgreSQL pass

ROOT = Path(__file__).resolve().parents[1]


def test_bench_api_quick_on_sqlite(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bench", "--only", "api", "--quick", "--db", "sqlite",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "-- API client (issue 22)" in proc.stdout and "-- targets" in proc.stdout
    result = json.loads(next(tmp_path.glob("sqlite-*.json")).read_text())
    api = result["parts"]["api"]
    assert api["workers"] == 1 and api["worker_class"] == "gthread"

    # the complaint loops once: 6 completions; the client works from the answers alone
    assert api["completions_per_instance"] == 6
    kinds = api["requests_by_kind_per_instance"]
    assert set(kinds) <= {"POST start", "POST claim", "POST complete"}
    assert kinds["POST start"] == 1 and kinds["POST complete"] == 6
    assert api["requests_per_instance"] == 1 + kinds.get("POST claim", 0) + 6
    assert api["gets"] == 0
    assert api["connections"] == 1  # keep-alive: one TCP connection for the whole timed run

    assert api["rows_per_instance"]["process_instance"] == 1 and api["rows_per_instance"]["human_task"] == 6
    assert api["db_bytes_per_instance"] > 0 and api["db_row_bytes_per_instance"] > 0
    # the worker ran the new tasks' jobs (mails, SLA jobs) before the bytes were counted: kept apart
    assert api["jobs_drained"] >= 6 and api["rows_per_instance"]["mail_outbox"] > 0
    kept = {t: b for t, b in api["bytes_per_instance"].items() if t not in ("job", "mail_outbox", "idempotency_record")}
    assert api["db_bytes_per_instance"] == sum(kept.values())
    assert api["transient_bytes_per_instance"] == pytest.approx(sum(api["bytes_per_instance"].values()) - sum(kept.values()))
    assert api["transient_bytes_per_instance"] > 0
    sql = api["sql"]
    assert len(sql["per_completion"]) == 12  # two instances logged
    listed = sql["one_completion"]["statements"]
    assert listed[-1] == {"sql": "COMMIT", "why": "the step's one transaction"}
    assert sum(s["sql"] != "COMMIT" for s in listed) == sql["max_per_completion"]
    assert all(s["why"] for s in listed) and any(s["sql"].startswith("UPDATE process_instance") for s in listed)

    floor = api["floor"]
    assert floor["requests"] == api["requests_per_instance"] * api["n"] and floor["connections"] == 1
    assert api["cpu_ms_per_instance"] >= 0 and floor["completions_per_s"] > 0

    # the ceiling: the floor plus only SpiffWorkflow's work per step; SQLite writes in place (no steady run)
    assert api["spiff_step_ms"] > 0 and 0 < api["ratio_ceiling_spiff"] < 1
    assert api["steady"] is None

    names = {t["target"] for t in result["targets"]}
    assert {"api: task completions/s, 1 gthread worker", "api: SQL statements per completion (max)",
            "api: DB bytes kept per completed instance", "api: TCP connections for the run (keep-alive)"} <= names


def test_ceiling_adds_only_spiffworkflows_step_to_the_floor():
    """At 500 floor completions/s (2 ms each), a step of 2 ms of SpiffWorkflow work halves the rate."""
    from bench.api import ceiling

    assert ceiling({"completions_per_s": 500.0}, 2.0) == pytest.approx(0.5)
    assert ceiling({"completions_per_s": 500.0}, 0.0) == pytest.approx(1.0)
