"""Engine fixtures: actors for the demo users and deployed test diagrams."""
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def actors(app_ctx):
    from app.engine.actor import Actor
    from app.setup import DEMO_USERS

    sm = app_ctx.appbuilder.sm
    return {u: Actor.from_user(sm.find_user(username=u)) for u, *_ in DEMO_USERS}


@pytest.fixture
def complaint_def(app_ctx, actors):
    from app.engine import definitions

    return definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(), actor=actors["owner"]).definition
