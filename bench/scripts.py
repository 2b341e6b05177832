"""Cost of running a condition in a script runner process instead of in the app process.

The engine evaluates every script, condition and expression in a runner (app/engine/script_runner.py);
this part times the simple condition ``amount > 100`` both ways, and how long a runner takes to start.
"""
from __future__ import annotations

import statistics
import time

CONDITION, DATA = "amount > 100", {"amount": 150}


def _percentiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {"median_us": 1e6 * statistics.median(ordered), "p95_us": 1e6 * ordered[int(0.95 * (len(ordered) - 1))],
            "n": len(ordered)}


def _time(evaluate, n: int) -> dict:
    for _ in range(min(n, 200)):  # warm: compile cache, a started runner
        evaluate(CONDITION, DATA)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        evaluate(CONDITION, DATA)
        times.append(time.perf_counter() - t0)
    return _percentiles(times)


def overhead(n: int, starts: int = 5) -> dict:
    """Median/p95 µs per evaluation in-process and through a runner; runner start ms (median of ``starts``)."""
    from app.engine.sandbox import SandboxedEnvironment
    from app.engine.script_runner import Runner, RunnerEnvironment, Settings

    in_process = _time(SandboxedEnvironment().evaluate, n)
    runner = _time(RunnerEnvironment().evaluate, n)
    start_ms = []
    for _ in range(starts):
        t0 = time.perf_counter()
        Runner(Settings()).kill()
        start_ms.append(1000 * (time.perf_counter() - t0))
    return {"condition": CONDITION, "in_process": in_process, "runner": runner,
            "overhead_median_us": runner["median_us"] - in_process["median_us"],
            "runner_start_ms": statistics.median(start_ms)}
