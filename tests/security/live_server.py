"""A real gunicorn server on the test database, started as ``make run`` starts it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from tests.engine.ops_support import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def gunicorn(database_uri: str, *, workers: int = 1, env: dict[str, str] | None = None,
             drop: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve ``app:create_app()`` on a free loopback port; yields its base URL.
    ``drop``: environment variables the server must not see (e.g. SECRET_KEY)."""
    port = free_port()
    full = {k: v for k, v in os.environ.items() if k not in drop}
    full.update(DATABASE_URL=database_uri, RATELIMIT_ENABLED="0", **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--timeout", "30", "app:create_app()"], cwd=ROOT, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url + "/login/", timeout=10)
                break
            except requests.RequestException:  # not listening yet, or the worker still loading the app
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start (exit code {proc.poll()})") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
