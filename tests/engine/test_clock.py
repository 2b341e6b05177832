"""The engine's one clock: real by default, simulated inside ``clock.use`` (this thread only)."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from app.engine import clock


def test_real_time_by_default():
    before = datetime.now(timezone.utc)
    assert before <= clock.now() <= datetime.now(timezone.utc)
    assert clock.now().tzinfo == timezone.utc and not clock.simulated()


def test_simulated_time_inside_the_block_only(app_ctx):
    sim = clock.SimulatedClock(datetime(2026, 9, 30, 20, 0, tzinfo=clock.zone()))
    with clock.use(sim.now):
        assert clock.simulated()
        assert clock.now() == datetime(2026, 9, 30, 12, 0, tzinfo=timezone.utc)
        assert clock.local_today().isoformat() == "2026-09-30"
        sim.advance(hours=5)
        assert clock.local_today().isoformat() == "2026-10-01"
        seen = []
        other = threading.Thread(target=lambda: seen.append(clock.simulated()))
        other.start()
        other.join()
        assert seen == [False]  # other threads (requests) keep the real time
    assert not clock.simulated()


def test_zone_comes_from_config(app_ctx):
    assert str(clock.zone()) == app_ctx.config["ENGINE_TIMEZONE"]
    app_ctx.config["ENGINE_TIMEZONE"] = "Europe/Berlin"
    try:
        assert str(clock.zone()) == "Europe/Berlin"
    finally:
        app_ctx.config["ENGINE_TIMEZONE"] = "Asia/Shanghai"


def test_a_simulated_clock_needs_a_zone_and_never_goes_back():
    with pytest.raises(ValueError):
        clock.SimulatedClock(datetime(2026, 1, 1))
    sim = clock.SimulatedClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    sim.advance(timedelta(days=1))
    with pytest.raises(ValueError):
        sim.set(datetime(2026, 1, 1, tzinfo=timezone.utc))
