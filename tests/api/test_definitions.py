"""/api/v1/definitions: list, get, versions, download, validate, deploy, rate limit."""
from tests.api.helpers import DATA, diagram, flow, unique

SIMPLE = '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Work" camunda:candidateGroups="Sales"/>' \
         '<bpmn:endEvent id="e"/>' + flow("s", "t") + flow("t", "e")


def test_list_is_paginated(api, complaint):
    resp = api("ReadOnly").get("/api/v1/definitions/?page_size=1")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["page"] == 1 and body["page_size"] == 1 and len(body["items"]) == 1 and body["total"] >= 1
    keys = [d["key"] for d in api("Admin").get("/api/v1/definitions/?page_size=100").get_json()["items"]]
    assert complaint in keys


def test_page_size_is_capped(api):
    resp = api("Admin").get("/api/v1/definitions/?page_size=101")
    assert resp.status_code == 422
    assert "page_size" in resp.get_json()["fields"]


def test_get_versions_and_download(api, complaint, app):
    one = api("Supervisor").get(f"/api/v1/definitions/{complaint}")
    assert one.status_code == 200
    assert one.get_json()["key"] == complaint and one.get_json()["start_form"]["type"] == "object"
    versions = api("Supervisor").get(f"/api/v1/definitions/{complaint}/versions").get_json()
    assert versions["total"] >= 1 and versions["items"][0]["key"] == complaint
    xml = api("ReadOnly").get(f"/api/v1/definitions/{complaint}/xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b'process id="engine_complaint"' in xml.data and "attachment" in xml.headers["Content-Disposition"]
    assert api("ReadOnly").get(f"/api/v1/definitions/{complaint}/xml?version=999").status_code == 404


def test_unknown_definition_is_json_404(api):
    resp = api("Admin").get("/api/v1/definitions/no_such_process")
    assert resp.status_code == 404
    assert resp.get_json()["code"] == "not_found" and "no_such_process" in resp.get_json()["message"]


def test_validate_returns_located_problems(api):
    ok = api("ProcessOwner").post("/api/v1/definitions/validate", data=diagram(unique("v_ok"), SIMPLE),
                                  content_type="application/xml")
    assert ok.status_code == 200 and ok.get_json()["valid"] is True
    broken = diagram(unique("v_bad"), SIMPLE.replace('targetRef="e"', 'targetRef="nowhere"'))
    bad = api("ProcessOwner").post("/api/v1/definitions/validate", data=broken, content_type="application/xml")
    assert bad.status_code == 422
    body = bad.get_json()
    assert body["code"] == "invalid" and body["problems"]
    assert any(p["element_id"] == "f_t_e" for p in body["problems"]), body["problems"]


def test_validate_accepts_an_upload(api):
    from io import BytesIO

    data = {"file": (BytesIO(diagram(unique("v_up"), SIMPLE)), "mine.bpmn")}
    resp = api("Admin").post("/api/v1/definitions/validate", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    missing = api("Admin").post("/api/v1/definitions/validate", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["fields"]


def test_deploy_creates_versions_and_is_idempotent(api, app):
    key = unique("api_deploy")
    xml = diagram(key, SIMPLE)
    first = api("ProcessOwner").post("/api/v1/definitions/", data=xml, content_type="application/xml")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["created"] is True and first.get_json()["definition"]["version"] == 1
    assert first.get_json()["definition"]["source"] == "api"
    again = api("ProcessOwner").post("/api/v1/definitions/", data=xml, content_type="application/xml")
    assert again.status_code == 200 and again.get_json()["created"] is False
    second = api("Admin").post("/api/v1/definitions/", data=diagram(key, SIMPLE, name="Renamed"),
                               content_type="application/xml")
    assert second.status_code == 201 and second.get_json()["definition"]["version"] == 2
    assert second.get_json()["definition"]["deployed_by"] == "admin"


def test_deploy_refuses_invalid_diagram_with_problems(api):
    resp = api("ProcessOwner").post("/api/v1/definitions/", data=b"<not-bpmn/>", content_type="application/xml")
    assert resp.status_code == 422 and resp.get_json()["problems"]


def test_deploy_needs_xml(api):
    resp = api("ProcessOwner").post("/api/v1/definitions/", json={"xml": "<x/>"})
    assert resp.status_code == 415 and resp.get_json()["code"] == "unsupported_media_type"


def test_deploy_and_validate_are_rate_limited(api, app):
    app.config["API_EXPENSIVE_RATE_LIMIT"] = "3 per minute"
    try:
        client = api("ProcessOwner")
        codes = [client.post("/api/v1/definitions/validate", data=b"<x/>", content_type="application/xml").status_code
                 for _ in range(4)]
        assert codes == [422, 422, 422, 429]
        limited = client.post("/api/v1/definitions/validate", data=b"<x/>", content_type="application/xml")
        assert limited.get_json()["code"] == "rate_limited" and "Retry-After" in limited.headers
    finally:
        app.config.pop("API_EXPENSIVE_RATE_LIMIT")


def test_engine_complaint_file_deploys_via_upload(api):
    from io import BytesIO

    data = {"file": (BytesIO((DATA / "engine_complaint.bpmn").read_bytes()), "engine_complaint.bpmn")}
    resp = api("ProcessOwner").post("/api/v1/definitions/", data=data, content_type="multipart/form-data")
    assert resp.status_code in (200, 201), resp.get_json()
    assert resp.get_json()["definition"]["key"] == "engine_complaint"
