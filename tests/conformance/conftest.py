"""Fixtures of the conformance suite: the demo users as engine actors."""
import pytest


@pytest.fixture
def actors(app_ctx):
    from app.demo.users import DEMO_USERS
    from app.engine.actor import Actor

    sm = app_ctx.appbuilder.sm
    return {u: Actor.from_user(sm.find_user(username=u)) for u, *_ in DEMO_USERS}
