"""``create_app`` wires who reacts to what in one step: the job handlers and the listeners on engine
events. A worker or CLI app has them all, even if no view module is ever imported (the record links
used to register when a view imported them), and importing a module registers nothing."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ("from app import create_app\n"
       "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x' * 48})\n")
REPORT = ("from app.engine import hooks, jobs\n"
          "print(json.dumps({'listeners': {e: [f'{f.__module__}.{f.__name__}' for f in hooks.listeners(e)]\n"
          "                                for e in hooks.EVENTS}, 'jobs': sorted(jobs.HANDLERS),\n"
          "                  'views': sorted(m for m in sys.modules if m.startswith('app.views'))}))\n")


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", "import json, sys, types\n" + code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_an_app_without_views_has_every_listener_and_job_handler():
    no_views = ("views = types.ModuleType('app.views')\nviews.register_views = lambda appbuilder: None\n"
                "sys.modules['app.views'] = views  # a worker-like app: no view module is imported\n")
    seen = _run(no_views + APP + REPORT)
    assert seen["views"] == ["app.views"]  # the stub only
    listeners = seen["listeners"]
    assert listeners["task_created"] == ["app.engine.notifications.task_created", "app.records.process_link.task_created",
                                         "app.records.quality.process.task_created"]
    assert listeners["task_assigned"] == ["app.engine.notifications.task_assigned"]
    # the assessment's review check refuses first; the records follow; then the stock moves with its steps
    assert listeners["task_completed"] == ["app.records.assessment.process._refuse_bad_review",
                                           "app.records.process_link.task_completed",
                                           "app.records.quality.process.task_completed",
                                           "app.records.parts.process.task_completed"]
    assert listeners["instance_ended"] == ["app.records.process_link.instance_ended"]
    assert listeners["wait_state"] == ["app.engine.timers.keep_timer_job"]
    assert listeners["definition_deployed"] == ["app.engine.timers.schedule_timer_start",
                                                "app.records.assessment.process._deployed"]
    assert listeners["instance_terminated"] == ["app.records.process_link.instance_terminated",
                                                "app.records.quality.process.instance_terminated"]
    assert listeners["task_recommitted"] == ["app.records.process_link.task_recommitted"]
    assert listeners["customer_wrote"] == ["app.records.conversation.customer_wrote.customer_wrote"]
    # signals thrown by one instance reach the others through a job (runtime.register)
    assert seen["jobs"] == ["assessment_month", "digest", "mail", "signal", "sla_breach", "sla_warning", "sms", "task_mail",
                            "timer", "timer_start"]


def test_importing_a_module_registers_nothing():
    seen = _run("import app.records.process_link, app.engine.notifications, app.engine.timers, app.engine.mail\n"
                + REPORT)
    assert seen["jobs"] == [] and not any(seen["listeners"].values())


def test_the_worker_app_is_built_by_create_app(app):
    from app.engine import hooks

    assert "app.records.process_link.task_created" in [
        f"{f.__module__}.{f.__name__}" for f in hooks.listeners(hooks.TASK_CREATED)]
