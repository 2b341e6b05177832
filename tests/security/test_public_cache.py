"""FAB's Public-role check is cached until a security change, in every app instance on the database
(issue 22: "no per-request query of the Public role ... cached with invalidation on role/permission
change, correct across several workers")."""
from __future__ import annotations

from sqlalchemy import event

from app.extensions import db
from tests.api.helpers import api, tokens  # noqa: F401  (fixtures)


def _statements(app, call) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        bind = db.engine
    listener = lambda *args: seen.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    return seen


def test_an_api_call_reads_neither_the_public_role_nor_its_permissions(app, api):
    client = api("CustomerService")
    assert client.get("/api/v1/tasks/?view=mine").status_code == 200  # warm
    seen = _statements(app, lambda: client.get("/api/v1/tasks/?view=mine"))
    assert seen and not [s for s in seen if "FROM ab_role" in s or "ab_permission_view" in s], seen


def test_a_change_made_by_another_app_instance_is_seen(app):
    """Two app instances (two workers) on one database: B grants Public a permission, A's next check
    sees it; B takes it back, A sees that too."""
    from app import create_app

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "y" * 40})
    kept = app.config["SECURITY_CACHE_SECONDS"]
    app.config["SECURITY_CACHE_SECONDS"] = 0.0  # A re-reads the epoch at each question (production: 1 s)
    try:
        with app.app_context():
            assert not app.appbuilder.sm.is_item_public("can_read", "Kpi")
            assert _statements(app, lambda: app.appbuilder.sm.is_item_public("can_read", "Kpi")) != []
        with other.app_context():
            sm = other.appbuilder.sm
            pv = sm.find_permission_view_menu("can_read", "Kpi") or sm.add_permission_view_menu("can_read", "Kpi")
            sm.add_permission_role(sm.find_role("Public"), pv)
            db.session.commit()
        with app.app_context():
            assert app.appbuilder.sm.is_item_public("can_read", "Kpi")
        with other.app_context():
            sm = other.appbuilder.sm
            sm.del_permission_role(sm.find_role("Public"), sm.find_permission_view_menu("can_read", "Kpi"))
            db.session.commit()
        with app.app_context():
            assert not app.appbuilder.sm.is_item_public("can_read", "Kpi")
    finally:
        app.config["SECURITY_CACHE_SECONDS"] = kept
        with other.app_context():
            db.session.remove()


def test_within_the_interval_the_answer_costs_no_statement(app):
    with app.app_context():
        sm = app.appbuilder.sm
        sm.is_item_public("can_read", "Kpi")
        assert _statements(app, lambda: [sm.is_item_public("can_read", "Kpi") for _ in range(50)]) == []
