"""The time of one walked demo process: a simulated clock that starts at the
record's date, moves a step per completed task and stops short of "now", so the
inboxes show claimed, at-risk and overdue tasks with a plausible history.

The engine (and the models' column defaults) read the time from
``app.engine.clock``; ``running(sim)`` puts the simulated clock there
(``clock.use``) for the block. Nothing else is patched.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Iterator

from app.engine import clock

STEP = timedelta(hours=3)  # between two steps of a walked process
MARGIN = timedelta(minutes=1)  # a walk's last step stays this far before "now"


class WalkClock(clock.SimulatedClock):
    """Starts at ``start`` (at most ``until``) and never steps past ``until - MARGIN``."""

    def __init__(self, start: datetime, until: datetime) -> None:
        super().__init__(min(start, until))
        self.latest = until - MARGIN

    def step(self, delta: timedelta = STEP) -> datetime:
        target = min(self.now() + delta, self.latest)
        return self.set(target) if target > self.now() else self.now()


@contextmanager
def running(sim: WalkClock) -> Iterator[WalkClock]:
    """The engine's clock is ``sim`` inside the block (this thread only)."""
    with clock.use(sim.now):
        yield sim
