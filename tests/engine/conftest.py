"""Engine fixtures: actors for the demo users and deployed test diagrams."""
from contextlib import contextmanager
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def actors(app_ctx):
    from app.engine.actor import Actor
    from app.demo.users import DEMO_USERS

    sm = app_ctx.appbuilder.sm
    return {u: Actor.from_user(sm.find_user(username=u)) for u, *_ in DEMO_USERS}


@pytest.fixture
def complaint_def(app_ctx, actors):
    from app.engine import definitions

    return definitions.deploy((DATA / "engine_complaint.bpmn").read_bytes(), actor=actors["owner"]).definition


@contextmanager
def temporary_member(app, username: str, first: str, last: str, role: str):
    """An active user in ``role`` for one test; afterwards out of every group (history may point at the
    user, so the row stays): later tests mail whole roles."""
    from app.extensions import db

    sm = app.appbuilder.sm
    user = sm.find_user(username=username) or sm.add_user(
        username, first, last, f"{username}@example.com", sm.find_role(role), password="Pw#2026abcd!")
    user.active, user.roles = True, [sm.find_role(role)]
    db.session.commit()
    try:
        yield user
    finally:
        db.session.rollback()
        user.active, user.roles = False, []
        db.session.commit()
