"""No shared secret, ever: a server started as ``make run`` starts it (no SECRET_KEY in
the environment) signs with a key of its own, generated into the instance folder, so
nothing found in the public source can forge a token, a session or a survey link."""
from __future__ import annotations

import ast
import functools
import os
import stat
import subprocess
import time
import warnings
from pathlib import Path

import jwt as pyjwt
import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from config import instance_secret
from tests.security.live_server import gunicorn

ROOT = Path(__file__).resolve().parents[2]
# Former development secret (in the history of the public repository).
KNOWN = {"dev-only-secret-change-me"}


@functools.lru_cache(maxsize=1)
def repository_constants() -> frozenset[str]:
    """Every string literal of the repository's Python files, and every constant expression
    of strings (``"bench-" + "x" * 40``), plus the known former secrets."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    found = set(KNOWN)
    for name in files.stdout.split():
        if not (ROOT / name).exists():  # deleted in the working tree
            continue
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
            elif isinstance(node, ast.BinOp) and all(
                    isinstance(n, (ast.BinOp, ast.Constant, ast.operator)) for n in ast.walk(node)):
                try:
                    value = eval(compile(ast.Expression(node), name, "eval"), {"__builtins__": {}})
                except Exception:  # noqa: BLE001 - 1 / 0 and the like: not a string anyway
                    continue
                if isinstance(value, str) and len(value) < 10_000:
                    found.add(value)
    found.discard("")  # Flask refuses to sign with no key at all
    return frozenset(found)


def forge(secret: str) -> str:
    now = int(time.time())
    claims = {"sub": "1", "type": "access", "fresh": True, "iat": now, "nbf": now, "exp": now + 600,
              "jti": "forged"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short keys: that is the point
        return pyjwt.encode(claims, secret, algorithm="HS256")


def session_serializer(secret: str):
    """Flask's own session-cookie signer for ``secret``."""
    fake = Flask("forger")
    fake.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(fake)


def likely_secret(value: str) -> bool:
    return value in KNOWN or (len(value) >= 16 and not any(c.isspace() for c in value)) or any(
        word in value.lower() for word in ("secret", "key", "pass"))


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    """gunicorn on the test database, configured like ``make run``: no SECRET_KEY."""
    key_file = tmp_path_factory.mktemp("instance") / "secret_key"
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], env={"SECRET_KEY_FILE": str(key_file)},
                  drop=("SECRET_KEY",)) as url:
        yield url, key_file


def test_the_server_generated_a_private_key(server):
    _, path = server
    key = path.read_text().strip()
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key not in repository_constants()


def test_a_real_login_works_and_forged_tokens_are_refused(server):
    url, _ = server
    http = requests.Session()
    login = http.post(url + "/api/v1/security/login",
                      json={"username": "admin", "password": "Demo#2026Pass", "provider": "db"}, timeout=10)
    assert login.status_code == 200, login.text
    real = {"Authorization": "Bearer " + login.json()["access_token"]}
    assert http.get(url + "/api/v1/security/users/", headers=real, timeout=10).status_code == 200
    candidates = sorted(v for v in repository_constants() if likely_secret(v))
    assert "dev-only-secret-change-me" in candidates and len(candidates) > 100
    accepted = [c for c in candidates
                if http.get(url + "/api/v1/security/users/", headers={"Authorization": "Bearer " + forge(c)},
                            timeout=10).status_code not in (401, 422)]
    assert accepted == []


def test_no_repository_constant_signs_a_session_or_a_survey_link(server):
    """Every constant, not just the likely ones: the check runs against the server's own key."""
    _, path = server
    key = path.read_text().strip()
    session = {"_user_id": "1", "_fresh": True}
    constants = repository_constants()
    real = session_serializer(key)
    assert [c for c in constants if _loads(real, session_serializer(c).dumps(session))] == []
    survey = URLSafeTimedSerializer(key, salt="survey-link-v1")
    assert [c for c in constants if _loads(survey, URLSafeTimedSerializer(c, salt="survey-link-v1").dumps(
        {"s": 1, "n": "x"}))] == []


def test_forged_session_cookie_is_anonymous_over_http(server):
    url, _ = server
    cookie = session_serializer("dev-only-secret-change-me").dumps({"_user_id": "1", "_fresh": True})
    resp = requests.get(url + "/users/list/", cookies={"session": cookie}, allow_redirects=False, timeout=10)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def _loads(serializer, value: str) -> bool:
    try:
        serializer.loads(value)
        return True
    except Exception:  # noqa: BLE001 - BadSignature and friends
        return False


def test_the_key_is_reused_and_the_first_writer_wins(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    first = instance_secret(path)
    assert instance_secret(path) == first
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None, "SECRET_KEY_FILE": str(path)})
    assert app.config["SECRET_KEY"] == first


def test_a_truncated_key_file_is_refused(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("short")
    with pytest.raises(RuntimeError, match="shorter than 32"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None, "SECRET_KEY_FILE": str(path)})


def test_production_still_needs_an_explicit_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY_FILE": str(tmp_path / "k")})
    assert not (tmp_path / "k").exists()


def test_make_warns_when_the_demo_is_served_beyond_loopback():
    out = subprocess.run(["make", "-s", "bind-check", "HOST=0.0.0.0"], cwd=ROOT, capture_output=True, text=True)
    assert "WARNING" in out.stderr and "Demo#2026Pass" in out.stderr and "0.0.0.0" in out.stderr
    quiet = subprocess.run(["make", "-s", "bind-check", "HOST=127.0.0.1"], cwd=ROOT, capture_output=True, text=True)
    assert quiet.stderr == ""
