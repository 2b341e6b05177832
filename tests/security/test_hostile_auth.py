"""Forged CSRF on cookie-authenticated API writes, other users' objects by id
(IDOR -> 404), expired and forged tokens (401)."""
import base64
import json
from datetime import timedelta

import jwt as pyjwt
import pytest

from tests.api.helpers import Api, jwt_login, unique
from tests.conftest import csrf_token, login, new_client


# ---------------------------------------------------------------- CSRF
@pytest.fixture
def browser(app):
    """The agent logged in through the web form: the API sees only the session cookie."""
    c = new_client(app)
    assert login(c, "agent").status_code == 302
    return c


def started(api, bk):
    return api("Admin").get(f"/api/v1/instances/?business_key={bk}").get_json()["total"]


@pytest.mark.parametrize("header", [None, "forged-token", "", "IjE2ZjQ.ZyXw.abc"])
def test_cookie_write_without_a_valid_csrf_token_is_refused(api, browser, complaint, header):
    bk = unique("CSRF")
    headers = {"X-CSRFToken": header} if header is not None else {}
    resp = browser.post("/api/v1/instances/", json={"process_key": complaint, "business_key": bk}, headers=headers)
    assert resp.status_code == 400 and resp.get_json()["code"] == "csrf_failed"
    assert started(api, bk) == 0


def test_csrf_token_of_another_session_is_refused(app, api, browser, complaint):
    other = new_client(app)
    assert login(other, "sales").status_code == 302
    bk = unique("CSRF")
    resp = browser.post("/api/v1/instances/", json={"process_key": complaint, "business_key": bk},
                        headers={"X-CSRFToken": csrf_token(other, "/")})
    assert resp.status_code == 400 and started(api, bk) == 0


def test_cross_site_form_post_is_refused(api, browser, complaint):
    """A plain HTML form can send text/plain 'JSON' cross-site, without custom headers."""
    bk = unique("CSRF")
    body = json.dumps({"process_key": complaint, "business_key": bk})
    resp = browser.post("/api/v1/instances/", data=body, content_type="text/plain")
    assert resp.status_code == 400 and started(api, bk) == 0


def test_cookie_write_with_the_sessions_token_works(api, browser, complaint):
    bk = unique("CSRF")
    resp = browser.post("/api/v1/instances/", json={"process_key": complaint, "business_key": bk},
                        headers={"X-CSRFToken": csrf_token(browser, "/")})
    assert resp.status_code == 201 and started(api, bk) == 1


def test_state_never_changes_on_get(api, engine, complaint):
    task = engine.open_task(engine.start(complaint), "register")
    assert api("CustomerService").get(f"/api/v1/tasks/{task}/claim").status_code == 405
    assert api("CustomerService").get(f"/api/v1/tasks/{task}").get_json()["assignee"] is None


# ---------------------------------------------------------------- IDOR
@pytest.fixture
def agents_task(engine, complaint):
    """A CustomerService task claimed by agent."""
    from app.engine import tasks

    task = engine.open_task(engine.start(complaint, business_key=unique("IDOR")), "register")
    engine.call(tasks.claim, task, actor=engine.actor("agent"))
    return task


@pytest.mark.parametrize("role", ["TechSupport", "FieldService", "Sales"])
@pytest.mark.parametrize("method,suffix,body", [
    ("GET", "", None), ("GET", "/form", None), ("POST", "/claim", None), ("POST", "/unclaim", None),
    ("POST", "/complete", {"data": {"matter": "mine now"}}), ("POST", "/assign", {"user_id": None}),
])
def test_another_users_task_by_id_is_404(api, agents_task, role, method, suffix, body):
    resp = api(role).open(method, f"/api/v1/tasks/{agents_task}{suffix}", json=body)
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"
    missing = api(role).open(method, f"/api/v1/tasks/999999{suffix}", json=body)
    assert missing.get_json() == {**resp.get_json(), "message": missing.get_json()["message"],
                                  "task_id": 999999}  # same answer as for an id that does not exist
    assert api("CustomerService").get(f"/api/v1/tasks/{agents_task}").get_json()["assignee"] == "agent"


def test_another_users_task_is_not_listed(api, agents_task):
    for role in ("TechSupport", "Sales"):
        for view in ("mine", "group", "completed"):
            items = api(role).get(f"/api/v1/tasks/?view={view}&page_size=100").get_json()["items"]
            assert agents_task not in [t["id"] for t in items]


def test_draft_is_shown_to_its_assignee_only(api, engine, agents_task):
    from app.engine import tasks

    engine.call(tasks.save_draft, agents_task, {"matter": "secret draft"}, actor=engine.actor("agent"))
    assert api("CustomerService").get(f"/api/v1/tasks/{agents_task}").get_json()["draft"] == {"matter": "secret draft"}
    assert api("Supervisor").get(f"/api/v1/tasks/{agents_task}").get_json()["draft"] is None


# ---------------------------------------------------------------- tokens
def _token(app, **kwargs):
    from flask_jwt_extended import create_access_token, create_refresh_token

    with app.app_context():
        agent = app.appbuilder.sm.find_user(username="agent")
        maker = create_refresh_token if kwargs.pop("refresh", False) else create_access_token
        return maker(identity=str(kwargs.pop("user_id", agent.id)), **kwargs)


def _tampered(token: str, **claims) -> str:
    head, payload, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    new = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{head}.{new}.{sig}"


def _bad_tokens(app):
    good = _token(app)
    claims = pyjwt.decode(good, options={"verify_signature": False})
    with app.app_context():
        admin_id = str(app.appbuilder.sm.find_user(username="admin").id)
    return {
        "expired": _token(app, expires_delta=timedelta(seconds=-10)),
        "wrong_secret": pyjwt.encode({**claims, "sub": admin_id}, "not-the-secret-key-but-long-enough-000000",
                                     algorithm="HS256"),
        "alg_none": pyjwt.encode({**claims, "sub": admin_id}, None, algorithm="none"),
        "tampered_subject": _tampered(good, sub=admin_id),
        "tampered_expiry": _tampered(_token(app, expires_delta=timedelta(seconds=-10)), exp=4102444800),
        "refresh_as_access": _token(app, refresh=True),
        "unknown_user": _token(app, user_id=987654),
        "garbage": "not.a.jwt",
        "empty": "",
    }


@pytest.mark.parametrize("name", ["expired", "wrong_secret", "alg_none", "tampered_subject", "tampered_expiry",
                                  "refresh_as_access", "unknown_user", "garbage", "empty"])
@pytest.mark.parametrize("method,url", [("GET", "/api/v1/tasks/"), ("POST", "/api/v1/instances/"),
                                        ("GET", "/api/v1/security/users/")])
def test_expired_or_forged_jwt_is_401(app, name, method, url):
    resp = Api(app, _bad_tokens(app)[name]).open(method, url, json={"process_key": "x"} if method == "POST" else None)
    assert resp.status_code == 401, (name, resp.status_code, resp.get_data(as_text=True)[:200])
    assert resp.get_json()["code"] == "unauthorized"


def test_a_fresh_token_still_works(app):
    assert Api(app, _token(app)).get("/api/v1/tasks/").status_code == 200
    assert jwt_login(app, "agent", "Demo#2026Pass ").status_code == 401


def test_a_token_is_judged_alone_even_with_a_session_cookie(app, api, browser, tokens, complaint):
    bk = unique("MIX")
    forged = browser.post("/api/v1/instances/", json={"process_key": complaint, "business_key": bk},
                          headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401 and started(api, bk) == 0
    as_sales = browser.post("/api/v1/instances/", json={"process_key": complaint, "business_key": bk},
                            headers={"Authorization": f"Bearer {tokens['Sales']}"})
    assert as_sales.status_code == 201 and as_sales.get_json()["started_by"] == "sales"
