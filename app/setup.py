"""Security set-up shared by the CLI and the tests: role and permission rows."""
from __future__ import annotations

from flask import current_app

from app.demo.users import DEMO_USERS, DEPARTMENTS, seed_users
from app.extensions import db

__all__ = ["DEMO_USERS", "DEPARTMENTS", "init_security", "seed_demo"]

# The demo moved to app.demo (full data set: app.demo.seed_demo). This old name seeds the
# demo users only, for callers not yet moved (bench/common.py).
seed_demo = seed_users


def init_security() -> None:
    """Role rows for the built-in roles, and permission rows for custom roles."""
    sm = current_app.appbuilder.sm
    sm.sync_roles()
    current_app.appbuilder.add_permissions(update_perms=True)
    db.session.commit()
