"""The demo seeder as a whole (``app.demo.seed_demo``) on its own database: one
run fills the inboxes with a history dated by the records, mails nobody, and a
second run changes nothing. The seeder runs on the engine's clock: here an
injected one."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import fresh_sqlite_app

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday afternoon
SIZE = dict(customers=20, requests=40, complaints=8, incidents=2, live_requests=8, live_complaints=4,
            live_incidents=1, at_risk=1)
DEMO = Path(__file__).resolve().parents[1] / "app" / "demo"


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    return fresh_sqlite_app(tmp_path_factory.mktemp("demo_seed"))


def _counts() -> dict[str, int]:
    from app.extensions import db
    from app.models import HumanTask, Job, MailOutbox, ProcessDefinition, ProcessInstance, ServiceRequest

    return {m.__name__: db.session.query(m).count()
            for m in (HumanTask, Job, MailOutbox, ProcessDefinition, ProcessInstance, ServiceRequest)}


def test_seed_demo_once_dated_quiet_and_idempotent(demo_app):
    from app.demo import Size, seed_demo
    from app.engine import clock
    from app.extensions import db
    from app.models import HumanTask, MailOutbox, ProcessInstance, ServiceRequest

    with demo_app.app_context(), clock.use(lambda: NOW):
        first = seed_demo(Size(**SIZE))
        assert {role for _, role in first.users} >= {"ProcessOwner", "CustomerService", "Supervisor"}
        assert len(first.deployed) == 5 and all(created for *_, created in first.deployed)
        assert first.records["customers"] == 20 and first.records["service_requests"] == 40
        assert (first.processes["requests"], first.processes["complaints"], first.processes["incidents"]) == (8, 4, 1)
        assert db.session.query(MailOutbox).filter(MailOutbox.kind.like("task_%")).count() == 0  # muted
        assert db.session.query(ServiceRequest).filter(ServiceRequest.created_at > NOW).count() == 0
        # each walk ran at its record's time: the instance started when the request came in
        linked = db.session.query(ServiceRequest).filter(ServiceRequest.process_instance_id.isnot(None)).all()
        started = {sr.id: db.session.get(ProcessInstance, sr.process_instance_id).started_at for sr in linked}
        on_time = [sr for sr in linked if abs(started[sr.id] - sr.created_at) < timedelta(minutes=1)]
        assert len(on_time) >= len(linked) - SIZE["at_risk"]
        assert db.session.query(HumanTask).filter(HumanTask.created_at < NOW - timedelta(days=1)).count() > 0
        before = _counts()

        again = seed_demo(Size(**SIZE))
        assert again.records == {} and not any(created for *_, created in again.deployed)
        assert (again.processes["requests"], again.processes["complaints"], again.processes["incidents"]) == (0, 0, 0)
        assert _counts() == before


def test_the_seeder_patches_nothing():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in DEMO.glob("*.py"))
    assert "unittest" not in sources and "mock" not in sources
