"""Part 7 `calendar`: working-day arithmetic over a ~10-year span, no database.

Median ms per call of ``add_working_days`` (2 400 working days, ~9.6 years), ``add_working_minutes``
(the same span) and ``working_minutes_between`` (10 years apart): on a fresh calendar (cold: it
builds its per-year arrays) and a reused one (warm), next to a day-by-day walk (what the calendar
did before), and the time to refuse hostile values (``P4000000D`` working days, a ``P4000000Y``
timer: SpiffWorkflow alone walks that month by month for ~27 s)."""
from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta, timezone

START, DAYS, END = datetime(2026, 3, 2, 10), 2400, datetime(2036, 3, 1, 10)


def _ms(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _walk_days(cal, start: datetime, n: int) -> datetime:
    """The former algorithm: one step per calendar day."""
    d = start.date()
    while n:
        d += timedelta(days=1)
        n -= cal.is_working_day(d)
    return datetime.combine(d, cal.day_end, tzinfo=cal.tz)


def _refused(fn) -> None:
    try:
        fn()
    except ValueError:
        return
    raise AssertionError("a hostile value was accepted")


def run(quick: bool = False) -> dict:
    from app.engine import timer_bounds
    from app.engine.workdays import WorkCalendar

    reps = 5 if quick else 50
    warm = WorkCalendar()
    assert warm.add_working_days(START, DAYS) == _walk_days(warm, START, DAYS)  # and warms both
    out = {
        "add_working_days_10y": {"cold_ms": _ms(lambda: WorkCalendar().add_working_days(START, DAYS), reps),
                                 "warm_ms": _ms(lambda: warm.add_working_days(START, DAYS), reps),
                                 "day_walk_warm_ms": _ms(lambda: _walk_days(warm, START, DAYS), reps)},
        "add_working_minutes_10y_warm_ms": _ms(lambda: warm.add_working_minutes(START, DAYS * 540), reps),
        "working_minutes_between_10y_warm_ms": _ms(lambda: warm.working_minutes_between(START, END), reps),
        "refuse_P4000000D_ms": _ms(lambda: _refused(lambda: warm.add_working(START, "P4000000D")), reps),
        "refuse_timer_P4000000Y_ms": _ms(lambda: _refused(lambda: timer_bounds.check(
            "timeDuration", "P4000000Y", datetime.now(timezone.utc))), reps),
    }
    days = out["add_working_days_10y"]
    print(f"-- calendar: add_working_days over 10 years {days['cold_ms']:.2f} ms cold, {days['warm_ms']:.3f} ms warm "
          f"(day walk {days['day_walk_warm_ms']:.2f} ms); refusing P4000000D {out['refuse_P4000000D_ms']:.3f} ms",
          flush=True)
    return out
