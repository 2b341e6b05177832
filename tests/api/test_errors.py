"""One error shape for the whole API: {code, message, fields?/problems?}, never HTML, never 500."""


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
