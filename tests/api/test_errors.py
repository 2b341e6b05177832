"""One error shape for the whole API: {code, message, fields?/problems?}, never HTML, never 500."""
import pytest
from marshmallow import fields

from app.api.schemas import Query, Strict
from tests.api.helpers import unique


def error(resp, status, code):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["code"] == code and body["message"], body
    return body


def test_malformed_json_is_400_with_a_clear_message(api, complaint):
    resp = api("CustomerService").post("/api/v1/instances/", data=b'{"process_key": ', content_type="application/json")
    assert "not valid JSON" in error(resp, 400, "bad_request")["message"]


def test_wrong_content_type_is_415(api):
    resp = api("CustomerService").post("/api/v1/instances/", data="process_key=x",
                                       content_type="application/x-www-form-urlencoded")
    error(resp, 415, "unsupported_media_type")


def test_wrong_types_name_the_field(api):
    resp = api("CustomerService").post("/api/v1/instances/", json={"process_key": ["x"], "variables": "abc"})
    assert set(error(resp, 422, "invalid")["fields"]) == {"process_key", "variables"}


def test_a_value_of_another_json_type_is_refused_not_converted(api, engine, complaint):
    """The document declares `priority`, `user_id` and `version` integers and `customer_informed` a boolean:
    2.5, 1e-161, "95" or true where an integer goes, and 1 or "true" where a boolean goes, are 422 naming
    the field and change nothing. Marshmallow alone turned 9.87e-161 into priority 0 (schemathesis, ST201).
    2.0 is an integer to JSON Schema and is taken as 2."""
    task = engine.open_task(engine.start(complaint, business_key=unique("JT")))
    supervisor = api("Supervisor")
    before = supervisor.get(f"/api/v1/tasks/{task}").get_json()
    for bad in (2.5, 9.872821546100853e-161, "95", True):
        resp = supervisor.post(f"/api/v1/tasks/{task}/reschedule", json={"priority": bad, "reason": "VIP"})
        assert error(resp, 422, "invalid")["fields"] == {"priority": "Not a valid integer."}, bad
        resp = supervisor.post(f"/api/v1/tasks/{task}/assign", json={"user_id": bad})
        assert set(error(resp, 422, "invalid")["fields"]) == {"user_id"}, bad
        resp = supervisor.post("/api/v1/instances/", json={"process_key": complaint, "version": bad})
        assert set(error(resp, 422, "invalid")["fields"]) == {"version"}, bad
    for bad in (1, "true"):
        resp = supervisor.post(f"/api/v1/tasks/{task}/recommit", json={
            "new_due": "2099-06-01", "reason": "等待备件", "customer_informed": bad})
        assert error(resp, 422, "invalid")["fields"] == {"customer_informed": "Not a valid boolean."}, bad
    after = supervisor.get(f"/api/v1/tasks/{task}").get_json()
    assert (after["priority"], after["assignee"], after["due_at"]) == (before["priority"], None, before["due_at"])
    whole = supervisor.post(f"/api/v1/tasks/{task}/reschedule", json={"priority": 2.0, "reason": "VIP"})
    assert whole.status_code == 200 and whole.get_json()["priority"] == 2


def test_a_query_parameter_is_read_only_as_the_document_spells_it(api):
    """`page` is an integer and `desc` a boolean in the document: " 2", "+2", "1_0" or "٣" (which Python
    reads as 3) for the one, and "yes", "on" or "t" for the other, are 422 naming the parameter.
    true/false in any case and 1/0 stay booleans."""
    agent = api("CustomerService")
    for bad in (" 2", "+2", "1_0", "٣", "2.0"):
        assert error(agent.get("/api/v1/tasks/", query_string={"page": bad}), 422, "invalid")["fields"] == {
            "page": "Not a valid integer."}, bad
    for bad in ("yes", "on", "t", "Y"):
        assert error(agent.get("/api/v1/tasks/", query_string={"desc": bad}), 422, "invalid")["fields"] == {
            "desc": "Not a valid boolean."}, bad
    for good in ("true", "False", "1", "0"):
        assert agent.get("/api/v1/tasks/", query_string={"desc": good, "page": "1"}).status_code == 200, good


def test_an_id_in_the_path_is_ascii_digits(api, engine, complaint, client):
    """The document's `pk` is an integer: the same id in Arabic-Indic or full-width digits (which
    werkzeug's converter read as that number) is no route, in the API and on the web pages."""
    task = engine.open_task(engine.start(complaint, business_key=unique("AD")))
    agent = api("Supervisor")
    assert agent.get(f"/api/v1/tasks/{task}").status_code == 200
    for other in (str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"), str.maketrans("0123456789", "０１２３４５６７８９")):
        error(agent.get(f"/api/v1/tasks/{str(task).translate(other)}"), 404, "not_found")
        assert client.get(f"/task/{str(task).translate(other)}/").status_code == 404


@pytest.mark.parametrize("base, field, exact", [(Strict, fields.Integer, "JsonInteger"),
                                                (Strict, fields.Boolean, "JsonBoolean"),
                                                (Query, fields.Integer, "QueryInteger"),
                                                (Query, fields.Boolean, "QueryBoolean")])
def test_a_request_schema_cannot_declare_a_converting_field(base, field, exact):
    """Every body and query schema takes only what the document declares: one that used marshmallow's
    converting Integer or Boolean fails as it is built, so no endpoint can go back to converting."""
    lenient = type("Lenient", (base,), {"count": field()})

    with pytest.raises(TypeError, match=f"Lenient.count: use {exact}"):
        lenient()


def test_non_object_body(api):
    body = error(api("CustomerService").post("/api/v1/instances/", json=[1, 2]), 422, "invalid")
    assert "JSON object" in body["message"]


def test_unknown_fields_are_refused(api):
    body = error(api("CustomerService").post("/api/v1/instances/", json={"process_key": "x", "is_admin": True}),
                 422, "invalid")
    assert body["fields"] == {"is_admin": "Unknown field."}


def test_unknown_route_and_method(api):
    error(api("Admin").get("/api/v1/nothing-here"), 404, "not_found")
    resp = api("Admin").open("DELETE", "/api/v1/definitions/")
    error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]


def test_too_large_body_is_json_413(api, app):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    error(api("ProcessOwner").post("/api/v1/definitions/", data=big, content_type="application/xml"), 413, "too_large")
    error(api("CustomerService").post("/api/v1/instances/", data=big, content_type="application/json"),
          413, "too_large")


def test_html_pages_keep_their_own_404(client):
    resp = client.get("/no-such-page/")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
