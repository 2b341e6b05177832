"""Part 4: gunicorn (4 workers, 127.0.0.1, a free port) under 50 logged-in users.

Each virtual user is a thread with its own account and keep-alive session
(requests). It logs in (CSRF token from the login form), then until the
deadline repeats one of: My tasks, Group tasks (a random page of the first 20),
a task page, or the claim-and-complete flow (group page -> task page -> POST
claim -> POST complete -> follow the redirect), waiting ``think`` seconds
(uniform 0..2x) between steps, and once before the first (a staggered start).
Every request is timed on its own.

An error is a 5xx, a connection failure, or any status the step did not
expect; a 409 on claim/complete (someone else was faster) is a conflict."""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import SECRET, free_port, summary_ms
from bench.data import PASSWORD, TASK_GROUPS

ROOT = Path(__file__).resolve().parents[1]
MIX = (("mine", 35), ("group", 35), ("task", 15), ("claim_complete", 15))
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VIEW_TOKEN = re.compile(r'name="view_token"[^>]*value="([^"]+)"')
TASK_LINK = re.compile(r'href="/task/(\d+)/"')


def start_server(url: str, workers: int = 4, cwd: Path = ROOT, *, target: str = "app:create_app()",
                 args: tuple = (), env: dict | None = None, probe: str = "/login/"):
    """gunicorn serving ``target``; ``args`` add options (worker class, access log), ``env`` variables."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0",
           "PYTHONPATH": str(cwd), **(env or {})}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--timeout", "120", *args, target],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import requests

    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited: " + proc.stderr.read().decode()[-2000:])
        try:
            if requests.get(base + probe, timeout=2).status_code == 200:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class VirtualUser(threading.Thread):
    def __init__(self, base: str, username: str, go: threading.Event, deadline_box: list, think: float, seed: int):
        super().__init__(daemon=True)
        import requests

        self.base, self.username, self.go, self.box, self.think = base, username, go, deadline_box, think
        self.ready = threading.Event()
        self.logins: list[tuple[str, float, int]] = []
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.samples: list[tuple[str, float, int]] = []  # (kind, seconds, status)
        self.errors: list[str] = []
        self.conflicts = 0

    def call(self, kind: str, method: str, path: str, expect=(200,), **kw):
        t0 = time.perf_counter()
        try:
            resp = self.http.request(method, self.base + path, allow_redirects=False, timeout=60, **kw)
        except Exception as err:  # connection refused/reset, timeout
            self.samples.append((kind, time.perf_counter() - t0, 0))
            self.errors.append(f"{kind} {path}: {err.__class__.__name__}")
            return None
        self.samples.append((kind, time.perf_counter() - t0, resp.status_code))
        if resp.status_code == 409 and kind in ("claim", "complete"):
            self.conflicts += 1
            return None
        if resp.status_code not in expect:
            self.errors.append(f"{kind} {path}: HTTP {resp.status_code}")
            return None
        return resp

    def login(self) -> bool:
        page = self.call("login_form", "GET", "/login/")
        token = TOKEN.search(page.text).group(1) if page is not None else ""
        return self.call("login", "POST", "/login/", expect=(302,), data={
            "username": self.username, "password": PASSWORD, "csrf_token": token}) is not None

    def claim_complete(self) -> None:
        group = self.call("group", "GET", f"/inbox/group/?page={self.rng.randint(1, 20)}")
        ids = TASK_LINK.findall(group.text) if group is not None else []
        if not ids:
            return
        task_id = self.rng.choice(ids)
        page = self.call("task", "GET", f"/task/{task_id}/")
        if page is None or not TOKEN.search(page.text):
            return
        form = {"csrf_token": TOKEN.search(page.text).group(1)}
        if view := VIEW_TOKEN.search(page.text):
            form["view_token"] = view.group(1)
        if self.call("claim", "POST", f"/task/{task_id}/claim", expect=(302,), data=form) is None:
            return
        done = self.call("complete", "POST", f"/task/{task_id}/complete", expect=(302,),
                         data={**form, "matter": "bench", "severity": "3", "action": "complete"})
        if done is not None and done.headers.get("Location"):
            self.call("mine", "GET", done.headers["Location"].replace(self.base, ""))

    def run(self) -> None:
        ok = self.login()
        self.logins, self.samples = self.samples, []
        self.login_errors, self.errors = self.errors, []
        self.ready.set()
        if not ok:
            return
        self.go.wait()
        if self.think:  # staggered start: 50 users do not all click at the same instant
            time.sleep(self.rng.uniform(0, 2 * self.think))
        kinds = [k for k, w in MIX for _ in range(w)]
        last_task = None
        while time.monotonic() < self.box[0]:
            kind = self.rng.choice(kinds)
            if kind == "mine":
                self.call("mine", "GET", "/inbox/mine/")
            elif kind == "group":
                resp = self.call("group", "GET", f"/inbox/group/?page={self.rng.randint(1, 20)}")
                ids = TASK_LINK.findall(resp.text) if resp is not None else []
                last_task = self.rng.choice(ids) if ids else last_task
            elif kind == "task" and last_task:
                self.call("task", "GET", f"/task/{last_task}/")
            elif kind == "claim_complete":
                self.claim_complete()
            if self.think:
                time.sleep(self.rng.uniform(0, 2 * self.think))


def load(base: str, users: list[dict], *, n_users: int, seconds: float, think: float) -> dict:
    workers = [u for u in users[10:] if u["role"] in TASK_GROUPS][:n_users]
    box, go = [0.0], threading.Event()
    vus = [VirtualUser(base, u["username"], go, box, think, seed=i) for i, u in enumerate(workers)]
    for v in vus:  # everybody logs in first (password hashing is not what we measure)
        v.start()
    for v in vus:
        v.ready.wait(timeout=120)
    logins = [s for v in vus for s in v.logins]
    t0 = time.monotonic()
    box[0] = t0 + seconds
    go.set()
    for v in vus:
        v.join(timeout=seconds + 120)
    elapsed = time.monotonic() - t0
    samples = [s for v in vus for s in v.samples]
    errors = [e for v in vus for e in v.errors]
    by_kind = {k: summary_ms([s[1] for s in samples if s[0] == k]) for k in sorted({s[0] for s in samples})}
    pages = [s[1] for s in samples if s[0] in ("mine", "group", "task")]
    return {"users": len(vus), "seconds": elapsed, "think_s": think, "requests": len(samples),
            "requests_per_s": len(samples) / elapsed, "all": summary_ms([s[1] for s in samples]),
            "pages": summary_ms(pages), "by_kind": by_kind, "errors": len(errors), "error_samples": errors[:10],
            "conflicts": sum(v.conflicts for v in vus), "completed": by_kind.get("complete", {}).get("n", 0),
            "login_errors": sum(len(v.login_errors) for v in vus),
            "login_ms": summary_ms([s[1] for s in logins if s[0] == "login"])}


def run(url: str, users: list[dict], *, n_users: int = 50, seconds: float = 30, thinks=(1.0, 0.0),
        workers: int = 4, cwd: Path = ROOT) -> dict:
    proc, base = start_server(url, workers, cwd)
    try:
        out = {"workers": workers}
        for think in thinks:
            out[f"think_{think:g}s"] = load(base, users, n_users=n_users, seconds=seconds, think=think)
        return out
    finally:
        stop_server(proc)
