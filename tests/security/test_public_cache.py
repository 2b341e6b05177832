"""FAB's Public-role check is cached until a security change, in every app instance on the database
(issue 22: "no per-request query of the Public role ... cached with invalidation on role/permission
change, correct across several workers")."""
from __future__ import annotations

from sqlalchemy import delete, event, select

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


# --- the signed-in user with roles, the staff and the new hires: per worker, by the same epoch ----------

def _roles(user) -> set[str]:
    return {r.name for r in user.roles}


def test_the_signed_in_user_costs_no_statement_once_cached(app):
    with app.app_context():
        sm = app.appbuilder.sm
        uid = sm.find_user(username="agent").id
        first = sm.load_user(uid)
        assert _statements(app, lambda: [sm.load_user(uid) for _ in range(20)]) == []
        again = sm.load_user(uid)
        assert again.username == first.username and _roles(again) == _roles(first) and again in db.session


def test_a_users_role_deactivation_password_and_training_changed_by_another_app_instance_are_seen(app):
    """Two app instances (two workers): B changes a user's role, password, new-hire status and activation;
    A's cached user, staff snapshot and new-hire list follow (issue 22: "cached with invalidation on
    role/permission change, correct across several workers")."""
    from datetime import date

    from app import create_app
    from app.engine import onboarding, people
    from app.models import AuditLog, NewHire

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "y" * 40})
    kept = app.config["SECURITY_CACHE_SECONDS"]
    app.config["SECURITY_CACHE_SECONDS"] = 0.0  # A re-reads the epoch at each question (production: 1 s)
    with other.app_context():
        sm = other.appbuilder.sm
        uid = sm.add_user("cache_two_workers", "Cache", "Two", "cache_two_workers@example.com",
                          [sm.find_role("CustomerService")], password="Pw#2026abcd!").id

    def in_a(fn):
        with app.app_context():
            return fn(app.appbuilder.sm)

    def in_b(fn):
        with other.app_context():
            fn(other.appbuilder.sm)
            db.session.commit()

    try:
        assert in_a(lambda sm: _roles(sm.load_user(uid))) == {"CustomerService"}
        assert in_a(lambda sm: people.staff().people[uid].roles) == {"CustomerService"}
        in_b(lambda sm: setattr(sm.get_user_by_id(uid), "roles", [sm.find_role("TechSupport")]))
        assert in_a(lambda sm: _roles(sm.load_user(uid))) == {"TechSupport"}
        assert in_a(lambda sm: people.staff().people[uid].roles) == {"TechSupport"}

        assert in_a(lambda sm: uid not in onboarding.in_training())
        in_b(lambda sm: db.session.add(NewHire(user_id=uid, hired_on=date(2026, 3, 2))))
        assert in_a(lambda sm: uid in onboarding.in_training() and not people.staff().people[uid].on_post)

        in_b(lambda sm: sm.reset_password(uid, "Pw#2026changed!"))
        assert in_a(lambda sm: db.session.scalar(select(AuditLog.event).where(
            AuditLog.target == "cache_two_workers").order_by(AuditLog.id.desc()))) == "password_changed"

        in_b(lambda sm: setattr(sm.get_user_by_id(uid), "active", False))
        assert in_a(lambda sm: sm.load_user(uid)) is None
        assert in_a(lambda sm: uid not in people.staff().people)
    finally:
        app.config["SECURITY_CACHE_SECONDS"] = kept
        with other.app_context():
            db.session.execute(delete(NewHire).where(NewHire.user_id == uid))
            db.session.delete(other.appbuilder.sm.get_user_by_id(uid))
            db.session.commit()
            db.session.remove()
