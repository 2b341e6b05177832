"""What every page shares in how it shows things: local times (the ``localtime`` filter), role
names and permissions in words, and the app-styled error pages. One call from register_views."""
from __future__ import annotations

from flask import Flask

from app.records.timefmt import fmt_local
from app.security_screens import describe_role, role_label
from app.views.errors import register_error_pages


def init_presentation(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = fmt_local
    app.jinja_env.globals.update(role_label=role_label, describe_role=describe_role)
    register_error_pages(app)
