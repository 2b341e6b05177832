"""The demo data set: ``seed_demo()`` is the one entry point (``flask seed-demo``,
``make run``). Every part is idempotent, so running it again changes nothing:

* ``users``      departments and one user per role (``DEMO_USERS``), the on-call rota
* the shipped diagrams of ``workflows/`` are deployed (an unchanged file is a no-op)
* ``records``    customers with contacts, equipment and contracts (``customers``),
                 requests, field visits, complaints, incidents, surveys, cases, plans
* ``processes``  the processes of the latest records, walked as the demo users on a
                 simulated clock (``timeline``) with task mails muted

The time is injectable: the data is relative to ``app.engine.clock.now()``, so a
caller may seed "as of" another instant inside ``clock.use(...)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from app.demo.users import DEMO_USERS, seed_rota, seed_users

__all__ = ["DEMO_USERS", "Seeded", "Size", "seed_demo", "seed_users"]


@dataclass(frozen=True)
class Size:
    """How much demo data: records in total, and how many of the latest get a live process."""

    customers: int = 200
    requests: int = 500
    complaints: int = 60
    incidents: int = 5
    live_requests: int = 120
    live_complaints: int = 30
    live_incidents: int = 2
    at_risk: int = 6  # new requests whose acceptance deadline falls 1-3 hours from now


@dataclass
class Seeded:
    users: list[tuple[str, str]]
    deployed: list[tuple[str, int, bool]] = field(default_factory=list)  # key, version, created
    records: dict[str, int] = field(default_factory=dict)  # empty: they were there already
    processes: dict[str, Any] = field(default_factory=dict)


def shipped_workflows() -> Path:
    return Path(current_app.root_path).parent / "workflows"


def seed_demo(size: Size = Size()) -> Seeded:
    """Users, the shipped diagrams, records and their live processes (after ``app.setup.init_security``)."""
    # Imported here: ``app.setup`` (and the test fixtures) import the users without the engine.
    from app.demo.processes import seed_processes
    from app.demo.quality import seed_quality
    from app.demo.records import seed_records
    from app.engine import definitions
    from app.engine.actor import Actor

    seeded = Seeded(users=seed_users())
    seed_rota()  # who takes emergencies: the 24-hour hotline
    for d in definitions.deploy_directory(shipped_workflows(), actor=Actor.system()):
        seeded.deployed.append((d.definition.key, d.definition.version, d.created))
    seeded.records = seed_records(size.customers, size.requests, size.complaints, size.incidents)
    from app.demo.training_parts import seed_parts, seed_training_and_stocktake  # stock before the on-site walks

    seed_parts()
    seeded.processes = seed_processes(size.live_requests, size.live_complaints, size.live_incidents, size.at_risk)
    seeded.processes["quality"] = seed_quality()  # spot checks, the monthly report, a meeting, maintenance cycles
    from app.demo.delivery import seed_delivery  # in-sales: handovers, projects, orders (their processes walked)
    seeded.processes["delivery"] = seed_delivery()
    seed_training_and_stocktake()  # the year's training plan and a stocktake, through their processes
    from app.demo.assessment import seed_assessments  # last month's staff assessments, through their process

    seeded.processes["assessments"] = seed_assessments()
    return seeded
