"""Shared by the job, mail and timer tests: a real SMTP server, a clean job
table, small diagrams, and worker subprocesses (see worker_app.py)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import update

ROOT = Path(__file__).resolve().parents[2]
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'id="defs" targetNamespace="http://bpmn.io/schema/bpmn">')


def diagram(key: str, body: str) -> bytes:
    return (HEAD + f'<bpmn:process id="{key}" name="{key}" isExecutable="true">' + body
            + '</bpmn:process></bpmn:definitions>').encode()


def flows(*pairs: tuple[str, str]) -> str:
    return "".join(f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>' for a, b in pairs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- SMTP ------------------------------------------------------------------------------

@dataclass
class SmtpServer:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: object = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        box = self.messages

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = message_from_bytes(envelope.content, policy=policy.default)
                msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
                box.append(msg)
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def with_id(self, message_id: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["Message-ID"] == message_id]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


@pytest.fixture
def smtp_port(app):
    """A free port the app sends mail to (nothing listens yet)."""
    port = free_port()
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")
    saved = {k: app.config[k] for k in keys if k in app.config}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    yield port
    for k in keys:
        app.config.pop(k, None)
    app.config.update(saved)


@pytest.fixture
def smtp(smtp_port):
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


# --- a job table with only this test's jobs ---------------------------------------------

@pytest.fixture
def clean_jobs(app_ctx):
    """Other tests leave due jobs (mails, SLA reminders, timers): park them, so that
    run_due_jobs here runs only this test's jobs."""
    from app.extensions import db
    from app.models import Job
    from app.models.engine import MailOutbox

    def park():
        db.session.execute(update(Job).where(Job.state == "pending").values(state="done", last_error="parked by test"))
        db.session.execute(update(MailOutbox).where(MailOutbox.state == "digest").values(state="digested"))
        db.session.commit()

    park()
    yield app_ctx
    db.session.rollback()
    park()


def run_all_due(owner: str = "test-worker", rounds: int = 20) -> int:
    """Run due jobs until none is due (a job may enqueue jobs that are due at once)."""
    from sqlalchemy import func, select

    from app.engine import jobs
    from app.extensions import db
    from app.models import Job

    total = 0
    for _ in range(rounds):
        total += jobs.run_due_jobs(owner)
        due = db.session.scalar(select(func.count()).select_from(Job).where(
            Job.state == "pending", Job.due_at <= jobs.now(),
            (Job.lease_owner.is_(None)) | (Job.lease_expires_at < jobs.now())))
        if not due:
            break
    return total


# --- worker subprocesses ----------------------------------------------------------------

def start_worker(db_url: str, *, log_path: Path, lease_seconds: float = 300, poll: float = 0.1, batch: int = 10,
                 extra_env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "WORKER_DATABASE_URI": db_url, "JOB_LEASE_SECONDS": str(lease_seconds),
           "PYTHONPATH": str(ROOT), "FLASK_APP": "tests.engine.worker_app:create_app", **(extra_env or {})}
    env.pop("DATABASE_URL", None)
    out = open(log_path, "ab")
    return subprocess.Popen([str(Path(sys.executable).with_name("flask")), "worker", "--poll", str(poll),
                             "--batch", str(batch), "--log-level", "INFO"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    """Poll until predicate() is truthy (waiting on real processes only)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop_worker(proc: subprocess.Popen, timeout: float = 15, *, signalled: bool = False) -> int:
    """SIGTERM (once: a second signal means "stop now") and wait; a worker that does
    not stop in time is killed (and -9 returned)."""
    if not signalled and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        return -9


def stop_workers(procs: list[subprocess.Popen], timeout: float = 15) -> list[int]:
    """Stop several workers at once: signal all, then wait for each."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    return [stop_worker(proc, timeout, signalled=True) for proc in procs]


def run_task_mail_jobs(*task_ids: int, owner: str = "test-task-mail") -> None:
    """Run the ``task_mail`` jobs of these tasks only, leased as a worker leases them: a new task's mails
    and its SLA job are written when that job runs (app/engine/notifications.py)."""
    from datetime import timedelta

    from sqlalchemy import select

    from app.engine import clock, jobs, notifications
    from app.extensions import db
    from app.models import Job

    pending = db.session.scalars(select(Job).filter_by(kind=notifications.TASK_MAIL, state="pending")).all()
    mine = [j for j in pending if j.payload.get("task_id") in task_ids]
    assert sorted(j.payload["task_id"] for j in mine) == sorted(task_ids), "a task without its task_mail job"
    for job in mine:
        job.lease_owner, job.lease_expires_at = owner, clock.now() + timedelta(minutes=5)
    db.session.commit()
    assert jobs.run_jobs([j.id for j in mine], owner).done == [j.id for j in mine]
