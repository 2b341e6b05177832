"""JWT login and FAB 5 API keys both work against the engine API; OpenAPI and Swagger UI."""
import pytest

from tests.api.helpers import Api, jwt_login
from tests.conftest import login, new_client


@pytest.fixture
def api_key(app):
    """make('agent') -> a fresh API key (sst_...) of that user; revoked afterwards."""
    made = []

    def make(username):
        with app.test_request_context():
            sm = app.appbuilder.sm
            info = sm.create_api_key(sm.find_user(username=username), name=f"test {username}")
        made.append(info["uuid"])
        return info["key"]

    yield make
    with app.test_request_context():
        for uuid in made:
            app.appbuilder.sm.revoke_api_key(uuid)


def test_jwt_login_and_call(app):
    resp = jwt_login(app, "agent")
    assert resp.status_code == 200
    token = resp.get_json()["access_token"]
    assert Api(app, token).get("/api/v1/tasks/?view=group").status_code == 200
    assert Api(app, token).get("/api/v1/definitions/").status_code == 403  # agents have no ProcessDefinition


def test_wrong_password_gives_no_token(app):
    resp = jwt_login(app, "agent", "wrong-password")
    assert resp.status_code == 401 and "access_token" not in (resp.get_json() or {})


def test_api_key_acts_with_the_users_roles(app, api_key, complaint):
    key = api_key("agent")
    assert key.startswith("sst_")
    client = Api(app, key)
    resp = client.post("/api/v1/instances/", json={"process_key": complaint, "business_key": "KEY-1"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["started_by"] == "agent"
    assert client.get("/api/v1/definitions/").status_code == 403
    owner = Api(app, api_key("owner"))
    assert owner.get("/api/v1/definitions/").status_code == 200


def test_revoked_or_unknown_api_key_is_401(app):
    with app.test_request_context():
        sm = app.appbuilder.sm
        info = sm.create_api_key(sm.find_user(username="agent"), name="to revoke")
        sm.revoke_api_key(info["uuid"])
    for key in (info["key"], "sst_" + "A" * 43):
        resp = Api(app, key).get("/api/v1/tasks/")
        assert resp.status_code == 401 and resp.get_json()["code"] == "unauthorized"


def test_no_credentials_is_401(app):
    resp = Api(app, None).get("/api/v1/tasks/")
    assert resp.status_code == 401 and resp.get_json()["code"] == "unauthorized"
    assert Api(app, None).post("/api/v1/instances/", json={}).status_code == 401


def test_browser_session_reads_the_api(app):
    c = new_client(app)
    assert login(c, "agent").status_code == 302
    assert c.get("/api/v1/tasks/?view=group").status_code == 200


def test_openapi_documents_every_engine_route(api):
    resp = api("Admin").get("/api/v1/_openapi")
    assert resp.status_code == 200
    paths = resp.get_json()["paths"]
    for path, methods in {
        "/api/v1/definitions/": {"get", "post"}, "/api/v1/definitions/validate": {"post"},
        "/api/v1/definitions/{key}": {"get"}, "/api/v1/definitions/{key}/versions": {"get"},
        "/api/v1/definitions/{key}/xml": {"get"}, "/api/v1/instances/": {"get", "post"},
        "/api/v1/instances/{pk}": {"get"}, "/api/v1/instances/{pk}/history": {"get"},
        "/api/v1/instances/{pk}/suspend": {"post"}, "/api/v1/instances/{pk}/resume": {"post"},
        "/api/v1/instances/{pk}/terminate": {"post"}, "/api/v1/tasks/": {"get"}, "/api/v1/tasks/{pk}": {"get"},
        "/api/v1/tasks/{pk}/form": {"get"}, "/api/v1/tasks/{pk}/claim": {"post"},
        "/api/v1/tasks/{pk}/unclaim": {"post"}, "/api/v1/tasks/{pk}/assign": {"post"},
        "/api/v1/tasks/{pk}/release": {"post"}, "/api/v1/tasks/{pk}/draft": {"post"},
        "/api/v1/tasks/{pk}/complete": {"post"}, "/api/v1/messages/deliver": {"post"},
        "/api/v1/messages/start": {"post"}, "/api/v1/tasks/{pk}/notes": {"get", "post"},
        "/api/v1/tasks/{pk}/files": {"post"}, "/api/v1/tasks/{pk}/files/{file_id}": {"get"},
        "/api/v1/tasks/{pk}/reschedule": {"post"}, "/api/v1/tasks/{pk}/follow-up": {"post"},
        "/api/v1/forms/": {"get", "post"}, "/api/v1/forms/validate": {"post"}, "/api/v1/forms/{key}": {"get"},
        "/api/v1/forms/{key}/versions": {"get"},
        "/api/v1/decisions/": {"get", "post"}, "/api/v1/decisions/validate": {"post"},
        "/api/v1/decisions/{key}": {"get"}, "/api/v1/decisions/{key}/versions": {"get"},
        "/api/v1/decisions/{key}/xml": {"get"}, "/api/v1/decisions/{key}/diff": {"get"},
        "/api/v1/decisions/{key}/evaluate": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            op = paths[path][method]
            assert op["security"] and "200" in op["responses"] or "201" in op["responses"], (path, method)
            assert "422" in op["responses"] and "401" in op["responses"]


def test_every_reference_in_the_openapi_document_resolves(api):
    """A `$ref` to a schema that was never registered leaves that body undocumented for clients and
    untested by schemathesis (it skips what it cannot resolve)."""
    doc = api("Admin").get("/api/v1/_openapi").get_json()

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if isinstance(node.get("$ref"), str) else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = set(refs(doc["paths"])) | set(refs(doc["components"]))
    assert "#/components/schemas/NoteInput" in found
    unresolved = sorted(r for r in found if r.split("/")[-1] not in doc["components"][r.split("/")[2]])
    assert not unresolved


def test_swagger_ui_is_served(app):
    c = new_client(app)
    assert login(c, "admin").status_code == 302
    resp = c.get("/swagger/v1")
    assert resp.status_code == 200 and b"swagger" in resp.data.lower()


def test_a_verified_token_is_kept_until_it_expires_and_nothing_else_is(app):
    """Issue 22: no repeated decoding of the same bearer token. A kept token still expires on time,
    and a forged or expired one is never kept."""
    from datetime import datetime, timedelta, timezone

    import jwt
    import time_machine

    token = jwt_login(app, "agent").get_json()["access_token"]
    kept = app.extensions["flask-jwt-extended"]._verified
    kept.clear()
    assert Api(app, token).get("/api/v1/tasks/?view=mine").status_code == 200
    assert [key[0] for key in kept] == [token]
    assert Api(app, token).get("/api/v1/tasks/?view=mine").status_code == 200  # from the kept claims

    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    assert Api(app, forged).get("/api/v1/tasks/?view=mine").status_code == 401
    assert [key[0] for key in kept] == [token]

    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    with time_machine.travel(datetime.fromtimestamp(exp, timezone.utc) + timedelta(seconds=5), tick=False):
        resp = Api(app, token).get("/api/v1/tasks/?view=mine")
    assert resp.status_code == 401
