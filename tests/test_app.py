"""Foundation: the app starts, logs users in, speaks two languages, refuses bad config."""
import pytest

from app import create_app
from tests.conftest import csrf_token, login, new_client


def test_login_page_renders(client):
    resp = client.get("/login/")
    assert resp.status_code == 200
    assert 'name="csrf_token"' in resp.get_data(as_text=True)


@pytest.mark.parametrize("username", ["admin", "owner", "supervisor", "agent", "tech", "field", "sales", "viewer"])
def test_every_demo_user_logs_in(app, username):
    c = new_client(app)
    resp = login(c, username)
    assert resp.status_code == 302
    home = c.get("/")
    assert home.status_code == 200
    assert "Logout" in home.get_data(as_text=True) or "退出登录" in home.get_data(as_text=True)


def test_wrong_password_does_not_log_in(app):
    c = new_client(app)
    resp = login(c, "agent", "Wrong#Password99")
    assert resp.status_code == 302
    assert c.get("/", follow_redirects=False).status_code == 302  # still anonymous


def test_production_refuses_dev_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "short", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_accepts_real_secret():
    app = create_app({"APP_ENV": "production", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["APP_ENV"] == "production"


def test_config_from_environment(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1:5432/x")
    monkeypatch.setenv("BABEL_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("MAIL_PORT", "2525")
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@127.0.0.1:5432/x"
        assert reloaded.Config.BABEL_DEFAULT_LOCALE == "en"
        assert reloaded.Config.MAIL_PORT == 2525
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_security_headers_and_cookie_flags(app):
    c = new_client(app)
    resp = c.get("/login/")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "nonce-" in resp.headers["Content-Security-Policy"]
    resp = c.get("/api/v1/tasks/")  # a JSON answer runs nothing: it may load nothing either
    assert resp.mimetype == "application/json"
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    resp = login(c, "agent")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_without_csrf_token_is_rejected(app):
    c = new_client(app)
    c.get("/login/")
    resp = c.post("/login/", data={"username": "agent", "password": "Demo#2026Pass"})
    assert resp.status_code == 400
    assert c.get("/").status_code == 302  # not logged in


def test_forged_csrf_token_is_rejected(login_as):
    c = login_as("admin")
    resp = c.post("/departmentview/add", data={"code": "X1", "name": "x", "csrf_token": "forged"})
    assert resp.status_code == 400


def test_logout_needs_post_with_token(login_as):
    c = login_as("agent")
    assert c.get("/logout/").status_code == 405
    assert c.get("/").status_code == 200  # still logged in after the GET
    token = csrf_token(c, "/")
    assert c.post("/logout/", data={"csrf_token": token}).status_code == 302
    assert c.get("/").status_code == 302


def test_delete_on_get_changes_nothing(app, login_as):
    from app.extensions import db
    from app.models import Department

    with app.app_context():
        dep = Department(code="TMPDEL", name="临时")
        db.session.add(dep)
        db.session.commit()
        pk = dep.id
    c = login_as("admin")
    c.get(f"/departmentview/delete/{pk}")
    with app.app_context():
        assert db.session.get(Department, pk) is not None
    token = csrf_token(c, "/departmentview/list/")
    c.post(f"/departmentview/delete/{pk}", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Department, pk) is None


def test_web_login_rate_limited(app):
    c = new_client(app, ip="192.0.2.77")
    codes = [login(c, "agent", "Wrong#Password99").status_code for _ in range(7)]
    assert 429 in codes
    assert codes.index(429) >= 5  # the first five attempts are answered normally


def test_api_login_rate_limited(app):
    c = new_client(app, ip="192.0.2.78")
    codes = [c.post("/api/v1/security/login", json={"username": "agent", "password": "bad", "provider": "db"}).status_code
             for _ in range(7)]
    assert codes[0] == 401
    assert 429 in codes


def test_api_login_counts_once_however_many_apps_the_process_made(app, tmp_path):
    """AUTH_RATE_LIMIT is "5 per minute": a login is one attempt. Each app built in the process (workers, CLI,
    tests) used to add its own copy of the login limit to the shared limiter, so one attempt counted once
    per app: in the full suite, the first attempt was already refused."""
    from app import create_app
    from app.extensions import limiter

    # one more app than the session's: before the fix, each attempt already counted twice
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db", "SECRET_KEY": "x" * 40})
    with app.test_request_context():
        assert len(limiter.limit_manager.decorated_limits("flask_appbuilder.security.api.login.SecurityApi.login")) <= 1
    c = new_client(app, ip="192.0.2.79")
    codes = [c.post("/api/v1/security/login", json={"username": "agent", "password": "bad", "provider": "db"}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429


def test_api_login_gives_jwt(app):
    c = new_client(app)
    resp = c.post("/api/v1/security/login", json={"username": "agent", "password": "Demo#2026Pass", "provider": "db"})
    assert resp.status_code == 200
    assert resp.get_json()["access_token"]


def test_language_switch(login_as):
    c = login_as("agent")
    c.get("/lang/en")
    en = c.get("/").get_data(as_text=True)
    assert "Logout" in en
    c.get("/lang/zh")
    zh = c.get("/").get_data(as_text=True)
    assert "退出登录" in zh and "欢迎" in zh
    assert "简体中文" in zh and "English" in zh


def test_password_complexity_enforced(app):
    from flask_appbuilder.validators import PasswordComplexityValidationError, default_password_complexity

    with pytest.raises(PasswordComplexityValidationError):
        default_password_complexity("simple")
    assert app.config["FAB_PASSWORD_COMPLEXITY_ENABLED"] is True
    default_password_complexity(app.config["DEMO_PASSWORD"])  # the demo password itself complies


def test_failed_logins_are_audited(app):
    from app.extensions import db
    from app.models import AuditLog

    c = new_client(app)
    login(c, "nobody-here", "Wrong#Password99")
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(event="login_failed", target="nobody-here").count() >= 1


def test_seed_demo_is_idempotent(app_ctx):
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import db
    from app.models import Department
    from app.demo.users import seed_users as seed_demo

    before = (db.session.query(User).count(), db.session.query(Department).count())
    users = seed_demo()
    assert (db.session.query(User).count(), db.session.query(Department).count()) == before
    assert {role for _, role in users} == {"Admin", "ProcessOwner", "Supervisor", "CustomerService", "TechSupport",
                                           "FieldService", "Sales", "ReadOnly"}


def test_sqlite_runs_with_a_synced_write_ahead_log(app, is_postgres):
    """A commit is one synced append to the log (app/sqlite_wal.py): readers don't wait for the writer,
    and synchronous=FULL keeps a committed step through a power cut."""
    from sqlalchemy import text

    from app.extensions import db

    if is_postgres:
        pytest.skip("SQLite only")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.scalar(text("PRAGMA journal_mode")) == "wal"
        assert conn.scalar(text("PRAGMA synchronous")) == 2  # FULL
