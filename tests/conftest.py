"""Fixtures: one app per test session on SQLite (a temp file) or, with
TEST_DATABASE_URL, on PostgreSQL; the schema always comes from the migrations."""
from __future__ import annotations

import itertools
import os
import re

from datetime import timedelta

import pytest

from app.demo.users import DEMO_USERS

_ip = itertools.count(1)


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def reset_database(url: str) -> None:
    """Start from an empty database so that the migrations build everything."""
    from sqlalchemy import create_engine, text

    from config import database_url

    if url.startswith("sqlite"):
        return
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.users import seed_users as seed_demo
    from app.setup import init_security
    from config import database_url

    url = test_database_url(tmp_path_factory)
    reset_database(url)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(url),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "MAIL_SUPPRESS_SEND": False,
        "SERVER_NAME": None,
        # the API tests share one login per role for the whole session (the login is rate limited),
        # which now outlasts the default 15-minute token: expiry itself is tested with its own tokens
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(hours=4),
        # one process: a security change marks the Public-role cache at once, so the 1 s re-read of the
        # epoch (for other workers) would only add a statement at random to the statement-count tests
        "SECURITY_CACHE_SECONDS": 3600.0,
        **FAST_PASSWORD_HASH,
    })
    with app.app_context():
        upgrade()
        init_security()
        seed_demo()
    yield app


# Every login checks a password: with the product's scrypt (tests/security/test_password_hash.py) that is
# about 0.1 s of CPU each, minutes over the suite. The test databases hash their passwords with a cheap
# method instead; what the product stores is asserted on its own.
FAST_PASSWORD_HASH = {"FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def fresh_sqlite_app(folder, *, product_hash: bool = False):
    """An app on its own new SQLite file in ``folder``: migrated, roles and permissions set, no data.
    ``product_hash``: passwords hashed as the product hashes them (scrypt), not with the tests' cheap method."""
    from flask_migrate import upgrade

    from app import create_app
    from app.setup import init_security

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(folder / "app.db"),
                      "SECRET_KEY": "x" * 40,
                      **({} if product_hash else FAST_PASSWORD_HASH)})
    with app.app_context():
        upgrade()
        init_security()
    return app


@pytest.fixture(scope="session")
def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture
def app_ctx(app):
    from app.extensions import db

    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()


def new_client(app, ip: str | None = None):
    """A test client with its own remote address, so rate limits don't leak between tests."""
    ip = ip or f"10.0.{next(_ip) // 250}.{next(_ip) % 250 + 1}"
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = ip
    return c


@pytest.fixture
def client(app):
    return new_client(app)


def csrf_token(client, path: str = "/login/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str | None = None):
    password = password or "Demo#2026Pass"
    token = csrf_token(client)
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(app):
    """login_as('agent') -> a logged-in test client."""

    def _login(username: str):
        c = new_client(app)
        resp = login(c, username)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return c

    return _login


ROLE_USERS = {role: username for username, role, *_ in DEMO_USERS}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "own_sqlite: builds and uses its own SQLite database whatever TEST_DATABASE_URL says, "
                   "so CI's PostgreSQL pass would only repeat the SQLite pass: skipped there")


# The browser tests check what Chromium shows and does; the server side of their pages also runs on
# PostgreSQL in the view and API tests. CI's PostgreSQL pass repeats only the end-to-end walks (a process
# run through its pages by several roles), which keeps the two passes near 20 minutes.
BROWSER_ON_POSTGRESQL = {"test_complaint_walk.py", "test_rules_walk.py"}


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="own SQLite database: already run in the SQLite pass")
    browser = pytest.mark.skip(reason="browser test: run in the SQLite pass; on PostgreSQL only the walks")
    for item in items:
        if item.get_closest_marker("own_sqlite"):
            item.add_marker(skip)
        elif item.path.parent.name == "browser" and item.path.name not in BROWSER_ON_POSTGRESQL:
            item.add_marker(browser)
