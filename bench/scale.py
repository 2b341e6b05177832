"""Part 6: engine throughput and inbox p95 as the task table grows (10 k, 100 k, 1 M).

At each size: bulk-load up to the size, ANALYZE, run the engine workload
(``engine.persistent`` on the complaint process with tasks offered to one user,
so the figure is the engine's, not the mail fan-out's) and the inbox queries."""
from __future__ import annotations

from bench import data, engine, inbox
from bench.common import analyze


def run(sizes: list[int], tpl: dict, users: list[dict], *, n_engine: int, reps: int, on_size=None) -> list[dict]:
    points = []
    for size in sizes:
        load = data.grow_to(size, tpl, users)
        analyze()
        eng = engine.persistent(n_engine, engine.isolated_diagram(), "engine_complaint_iso")
        q = inbox.queries(users, reps)
        point = {"tasks": load["tasks"], "load_seconds": load["seconds"], "rows_added": load["rows_added"],
                 "engine_completions_per_s": eng["completions_per_s"],
                 **{f"{k}_p95_ms": v["p95_ms"] for k, v in q.items() if isinstance(v, dict) and "p95_ms" in v},
                 "inbox": q}
        points.append(point)
        if on_size:
            on_size(size, point)
    return points
