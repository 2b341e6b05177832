"""`python -m bench --quick` on SQLite runs every part and writes a sane result (no timing asserts)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_sqlite  # tests/conftest.py: not repeated in CI's PostgreSQL pass

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_on_sqlite(tmp_path):
    parts = "scripts,engine,inbox,http,timers,scale,calendar,decisions"  # api: tests/test_bench_api_smoke.py (3 servers)
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--db", "sqlite", "--only", parts,
                           "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "-- targets" in proc.stdout
    files = list(tmp_path.glob("sqlite-*.json"))
    assert len(files) == 1
    result = json.loads(files[0].read_text())
    parts = result["parts"]
    assert result["database"] == "sqlite" and result["quick"] is True
    assert set(parts) >= {"engine", "data", "scale", "inbox", "http", "timers"}

    engine = parts["engine"]
    assert engine["bare_spiff"]["completions_per_s"] > 0 and engine["engine"]["completions_per_s"] > 0
    assert engine["floor_db"]["completions_per_s"] > 0
    # issue 22's engine / durable floor: the two measured in alternating chunks, the same instances in all
    assert engine["floor_db"]["chunks"] == engine["engine"]["chunks"] == 4
    assert engine["floor_db"]["n"] == engine["engine"]["n"] == 5
    assert 0 < engine["engine"]["running_state_bytes"] < 64_000
    assert engine["engine"]["task_rows_per_instance"] == 6

    assert [p["tasks"] for p in parts["scale"]] == sorted(p["tasks"] for p in parts["scale"])
    assert parts["data"]["tasks"] >= 3_000 and parts["data"]["users"] == 60
    queries = parts["inbox"]["queries"]
    for key in ("mine_first", "mine_deep", "group_first", "group_deep", "badge_counts"):
        assert queries[key]["n"] > 0 and 0 < queries[key]["p50_ms"] <= queries[key]["p95_ms"]
    assert queries["sizes"]["group_rows"] > 0
    for page in parts["inbox"]["pages"].values():
        assert page["errors"] == 0 and page["n"] > 0
    assert parts["inbox"]["fanout"]["mails_per_start"] > 0

    run = parts["http"]["think_0s"]
    assert run["users"] == 5 and run["requests"] > 0 and run["errors"] == 0 and run["login_errors"] == 0
    assert run["by_kind"]["mine"]["n"] > 0

    timers = parts["timers"][0]
    assert timers["workers"] == 1 and timers["done"] == timers["jobs"] == 200
    assert timers["instances_fired_once"] == 200 and timers["duplicates"] == 0 and timers["attempts_max"] == 1

    assert all(v["evaluations_per_s"] > 0 for v in parts["decisions"].values())  # DMN tables (bench/decisions.py)

    names = {t["target"] for t in result["targets"]}
    assert any(n.startswith("engine / bare") for n in names) and any("fired twice" in n for n in names)
    assert "engine / durable floor (completions/s)" in names
