"""Part 5: drain N due timer jobs with 1, then 3 `flask worker` processes.

The instances are clones of one real instance of ``bench_timer`` (start ->
timer PT1S -> end) waiting at its timer; each gets a ``timer`` job due a few
seconds ahead, so the workers are up before the first job is due. Drain time
is from that due time to the last job's ``finished_at``. Proof of "at most
once": every instance has exactly one ``timer_fired`` history event and is
completed, every job is done after exactly one attempt.

Other pending jobs (mails, SLA reminders of the earlier parts) are set done
first, so the workers see only timers (bench database only)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text, update

from bench.common import SECRET
from bench.data import copy_rows, fix_sequences, next_id

ROOT = Path(__file__).resolve().parents[1]
DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_bench_timer"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench_timer" name="Bench timer" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateCatchEvent id="wait" name="One second">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def prepare(n: int, lead: float) -> dict:
    """n running instances waiting at the timer, each with one job due ``lead`` seconds from now."""
    from app.engine import definitions, jobs, runtime
    from app.engine.actor import Actor
    from app.extensions import db
    from app.models import Job

    definitions.deploy(DIAGRAM, actor=Actor.system())
    tpl = runtime.start_process("bench_timer", actor=Actor.system(), business_key="TIMER-TEMPLATE")
    definition_id, state = tpl.definition_id, tpl.state  # read now: no lazy load during the COPY
    db.session.execute(update(Job).where(Job.state == "pending").values(state="done", finished_at=jobs.now()))
    db.session.commit()
    first, jid, now = next_id("process_instance"), next_id("job"), jobs.now()
    due = now + timedelta(seconds=lead)
    copy_rows("process_instance", ["id", "definition_id", "process_key", "business_key", "status", "state", "rev",
                                   "started_at"],
              ((first + i, definition_id, "bench_timer", f"T-{first + i}", "running", state, 1, now)
               for i in range(n)))
    copy_rows("job", ["id", "kind", "instance_id", "due_at", "state", "retries_left", "attempts", "payload",
                      "created_at"],
              ((jid + i, "timer", first + i, due, "pending", 3, 0, "{}", now) for i in range(n)))
    fix_sequences("process_instance", "job")
    db.session.commit()
    return {"first": first, "last": first + n - 1, "due": due}


def start_workers(url: str, count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "FLASK_APP": "app:create_app",
           "PYTHONPATH": str(ROOT)}
    flask = str(Path(sys.executable).parent / "flask")
    return [subprocess.Popen([flask, "worker", "--poll", "0.2", "--log-level", "WARNING"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def drain(url: str, n: int, workers: int, *, lead: float = 4.0, timeout: float = 600) -> dict:
    from app.extensions import db
    from app.models import Job

    batch = prepare(n, lead)
    in_batch = Job.instance_id.between(batch["first"], batch["last"])
    procs = start_workers(url, workers)
    try:
        deadline = time.monotonic() + timeout + lead
        while time.monotonic() < deadline:
            time.sleep(0.25)
            left = db.session.scalar(select(func.count()).select_from(Job).where(in_batch, Job.state == "pending"))
            db.session.commit()
            if left == 0:
                break
    finally:
        stop_workers(procs)
    return {"workers": workers, "jobs": n, **verify(batch)}


def verify(batch: dict) -> dict:
    from app.extensions import db
    from app.models import Job

    params = {"a": batch["first"], "b": batch["last"]}
    done, incidents, att_max, att_min, last = db.session.execute(
        select(func.count().filter(Job.state == "done"), func.count().filter(Job.state == "incident"),
               func.max(Job.attempts), func.min(Job.attempts), func.max(Job.finished_at))
        .where(Job.kind == "timer", Job.instance_id.between(batch["first"], batch["last"]))).one()
    fired = dict(db.session.execute(text(
        "SELECT c, count(*) FROM (SELECT p.id, (SELECT count(*) FROM history_event h WHERE h.instance_id = p.id "
        "AND CAST(h.ev AS TEXT) LIKE '%\"e\":%\"tf\"%') AS c FROM process_instance p WHERE p.id BETWEEN :a AND :b) x GROUP BY c"),
        params).all())
    completed = db.session.scalar(text("SELECT count(*) FROM process_instance WHERE id BETWEEN :a AND :b "
                                       "AND status = 'completed'"), params)
    seconds = (last - batch["due"]).total_seconds() if last else None
    return {"done": done, "incidents": incidents, "attempts_max": att_max, "attempts_min": att_min,
            "drain_seconds": seconds, "jobs_per_s": done / seconds if seconds else None,
            "instances_fired_once": fired.get(1, 0), "instances_not_fired": fired.get(0, 0),
            "instances_fired_twice_or_more": sum(v for k, v in fired.items() if k >= 2),
            "duplicates": sum(v * (k - 1) for k, v in fired.items() if k >= 2), "instances_completed": completed}
