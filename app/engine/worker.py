"""The job executor process (``flask worker``).

Loops: lease a batch of due jobs, run it in one transaction (see
``jobs.run_jobs``), sleep ``poll`` seconds when nothing is due.
SIGTERM/SIGINT stop it gracefully: the job that is running finishes, the jobs
done so far commit, the jobs it leased but did not start are handed back at
once; a second signal stops it at once (nothing of the batch was committed:
its leases expire and other workers run its jobs).

Any number of workers may run against PostgreSQL (``FOR UPDATE SKIP LOCKED``);
on SQLite run exactly one.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Callable

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app.engine import idempotency, jobs, retention, script_runner
from app.extensions import db

log = logging.getLogger("app.worker")
HOUSEKEEPING_SECONDS = 600


class Worker:
    def __init__(self, app: Flask, *, poll: float = 1.0, batch: int = 25, owner: str | None = None,
                 max_idle_backoff: float = 30.0) -> None:
        self.app = app
        self.poll = max(poll, 0.01)
        self.batch = max(batch, 1)
        self.owner = owner or jobs.worker_id()
        self.max_idle_backoff = max_idle_backoff
        self._stop = threading.Event()
        self._signals = 0
        self.done = self.failed = 0
        self._housekeeping_at = 0.0  # monotonic time of the next purge of expired idempotency records

    # --- signals ----------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum, _frame) -> None:
        self._signals += 1
        if self._signals > 1:
            log.warning("worker %s: second signal, stopping now", self.owner)
            raise KeyboardInterrupt
        log.info("worker %s: %s received, finishing the current job", self.owner, signal.Signals(signum).name)
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # --- loop ---------------------------------------------------------------------
    def run_once(self) -> int:
        """Lease one batch and run it; the number of jobs leased (0: nothing due)."""
        with self.app.app_context():
            try:
                ids = jobs.lease_due_jobs(self.owner, limit=self.batch)
                started = time.monotonic()
                result = jobs.run_jobs(ids, self.owner, stop=lambda: self.stopping)
                if result.left:
                    jobs.release_leases(result.left, self.owner)
                self.done += len(result.done)
                self.failed += len(result.failed) + len(result.skipped)
                self._housekeeping()
                if ids:
                    log.info("worker %s: %d job(s) leased, %d done in %.3f s, %d done so far", self.owner, len(ids),
                             len(result.done), time.monotonic() - started, self.done)
                return len(ids)
            finally:
                db.session.remove()

    def _housekeeping(self) -> None:
        """Every HOUSEKEEPING_SECONDS: delete the idempotency records past their retention (24 h), and
        the done jobs and sent mails past the admin's retention (app.engine.retention; never history)."""
        if time.monotonic() < self._housekeeping_at:
            return
        self._housekeeping_at = time.monotonic() + HOUSEKEEPING_SECONDS
        purged = idempotency.purge()
        if purged:
            log.info("worker %s: %d expired idempotency record(s) deleted", self.owner, purged)
        gone = retention.purge()
        if any(gone.values()):
            log.info("worker %s: %d done job(s) and %d sent mail(s) past retention deleted", self.owner,
                     gone["jobs"], gone["mails"])

    def run(self, *, once: bool = False, on_pass: Callable[[int], None] | None = None) -> int:
        """Loop until stopped; with ``once``, until nothing is due. Returns the jobs done.
        The job handlers are the app's: ``create_app`` registered them."""
        with self.app.app_context():
            dialect = db.engine.dialect.name
            script_runner.warm()  # the first script of the first job does not wait for a runner to start
        lease = self._lease_seconds()
        log.info("worker %s started (poll %.1f s, batch %d, lease %d s, %s)", self.owner, self.poll, self.batch,
                 lease, dialect)
        if dialect == "sqlite":
            log.info("SQLite database: run a single worker")
        errors = 0
        while not self.stopping:
            try:
                leased = self.run_once()
                errors = 0
            except SQLAlchemyError as err:  # database away: wait and try again
                errors += 1
                leased = 0
                log.error("worker %s: database error (%s); retrying", self.owner, err.__class__.__name__,
                          exc_info=errors == 1)
            if on_pass is not None:
                on_pass(leased)
            if once and (leased == 0 or errors):
                break
            if leased == 0:
                self._stop.wait(min(self.poll * (2 ** min(errors, 5)), self.max_idle_backoff) if errors else self.poll)
        log.info("worker %s stopped: %d jobs done, %d not done", self.owner, self.done, self.failed)
        return self.done

    def _lease_seconds(self) -> int:
        with self.app.app_context():
            return int(jobs.lease_duration().total_seconds())
