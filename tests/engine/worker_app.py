"""The app a worker subprocess of the tests runs (``flask --app tests.engine.worker_app worker``):
the test database plus test-only job kinds."""
from __future__ import annotations

import os
import time
from pathlib import Path

from app.engine import jobs


def create_app():
    from app import create_app as factory

    return factory({
        "SQLALCHEMY_DATABASE_URI": os.environ["WORKER_DATABASE_URI"],
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "JOB_LEASE_SECONDS": float(os.environ.get("JOB_LEASE_SECONDS", "300")),
        "RATELIMIT_ENABLED": False,
    })


@jobs.handler("test_block")
def _block(job) -> None:
    """Note the attempt in a file outside the database, wait for a flag file, then
    make a database effect that commits with the job."""
    from app.audit import audit

    with open(job.payload["marker"], "a") as f:
        f.write(f"{os.getpid()}\n")
    flag = Path(job.payload["flag"])
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    audit("test_block_done", target=f"job {job.id}")
