"""/api/v1/decisions: deploy (201/200), validate (located 422), list, versions, download, diff and
evaluate (200 with outputs and matched rules, 404 for an unknown key, 422 naming the bad input)."""
from io import BytesIO

from tests.api.helpers import unique
from tests.engine.dmn_helpers import table


def _table(key: str, small: str = '"small"') -> str:
    return table(key, [("< 10", small), (">= 10", '"big"')], name="大小")


def _deploy(api, xml: str):
    return api("ProcessOwner").post("/api/v1/decisions/", data=xml.encode(), content_type="application/xml")


def test_deploy_list_versions_download_and_diff(api):
    key = unique("api_size")
    first = _deploy(api, _table(key))
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["created"] is True and body["decisions"][0]["key"] == key and body["decisions"][0]["version"] == 1
    assert _deploy(api, _table(key)).status_code == 200  # the same file: nothing new
    upload = {"file": (BytesIO(_table(key, '"tiny"').encode()), "size.dmn")}
    second = api("Admin").post("/api/v1/decisions/", data=upload, content_type="multipart/form-data")
    assert second.status_code == 201 and second.get_json()["decisions"][0]["version"] == 2
    listed = api("ReadOnly").get("/api/v1/decisions/?page_size=100").get_json()["items"]
    assert any(d["key"] == key and d["version"] == 2 for d in listed)
    one = api("Supervisor").get(f"/api/v1/decisions/{key}?version=1").get_json()
    assert one["version"] == 1 and one["inputs"][0]["name"] == "amount" and one["outputs"][0]["name"] == "result"
    assert one["rules"] == 2 and one["name"] == "大小" and one["hit_policy"] == "UNIQUE"
    versions = api("ReadOnly").get(f"/api/v1/decisions/{key}/versions").get_json()
    assert [v["version"] for v in versions["items"]] == [2, 1]
    xml = api("ReadOnly").get(f"/api/v1/decisions/{key}/xml?version=1")
    assert xml.status_code == 200 and xml.get_data(as_text=True) == _table(key)
    diff = api("ReadOnly").get(f"/api/v1/decisions/{key}/diff?old=1&new=2").get_json()
    assert [(r["change"], r["rule_id"], r["changed_cells"]) for r in diff["rules"]] == [
        ("changed", "Rule_1", ["out:Result"])]


def test_evaluate(api):
    key = unique("api_eval")
    assert _deploy(api, _table(key)).status_code == 201
    resp = api("ReadOnly").post(f"/api/v1/decisions/{key}/evaluate", json={"inputs": {"amount": 12}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["outputs"] == [{"result": "big"}] and body["matched_rules"] == [{"index": 2, "id": "Rule_2"}]
    assert body["decision"] == key and body["version"] == 1 and body["inputs"] == {"amount": 12}
    none = api("ReadOnly").post(f"/api/v1/decisions/{key}/evaluate", json={"inputs": {"amount": None}})
    assert none.status_code == 200 and none.get_json()["outputs"] == []


def test_evaluate_errors(api):
    key = unique("api_eval_err")
    _deploy(api, _table(key))
    unknown = api("ReadOnly").post("/api/v1/decisions/no_such_decision/evaluate", json={"inputs": {}})
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "not_found"
    bad = api("ReadOnly").post(f"/api/v1/decisions/{key}/evaluate", json={"inputs": {"amount": "lots"}})
    assert bad.status_code == 422 and bad.get_json()["fields"].keys() == {"amount"}
    assert "whole number" in bad.get_json()["fields"]["amount"]
    missing = api("ReadOnly").post(f"/api/v1/decisions/{key}/evaluate", json={})
    assert missing.status_code == 422 and "inputs" in missing.get_json()["fields"]
    name = api("ReadOnly").post(f"/api/v1/decisions/{key}/evaluate", json={"inputs": {"1x": 1}})
    assert name.status_code == 422 and "1x" in name.get_json()["fields"]
    version = api("ReadOnly").post(f"/api/v1/decisions/{key}/evaluate", json={"inputs": {}, "version": 7})
    assert version.status_code == 404
    overlap = unique("api_overlap")
    _deploy(api, table(overlap, [("> 0", '"a"'), ("> 5", '"b"')]))
    clash = api("ReadOnly").post(f"/api/v1/decisions/{overlap}/evaluate", json={"inputs": {"amount": 9}})
    assert clash.status_code == 422 and clash.get_json()["problem"] == "unique" and clash.get_json()["rules"] == [1, 2]


def test_validate_locates_problems_and_only_owners_deploy(api):
    key = unique("api_val")
    ok = api("ProcessOwner").post("/api/v1/decisions/validate", data=_table(key).encode(),
                                  content_type="application/xml")
    assert ok.status_code == 200 and ok.get_json() == {"valid": True, "problems": []}
    broken = _table(key).replace("&lt; 10", "[1..")
    bad = api("ProcessOwner").post("/api/v1/decisions/validate", data=broken.encode(), content_type="application/xml")
    assert bad.status_code == 422
    [problem] = bad.get_json()["problems"]
    assert (problem["decision_id"], problem["rule_id"], problem["rule_index"], problem["column_id"]) == (
        key, "Rule_1", 1, "Input_1")
    assert _deploy(api, broken).status_code == 422
    assert api("ReadOnly").post("/api/v1/decisions/", data=_table(key).encode(),
                                content_type="application/xml").status_code == 403
    assert api("CustomerService").get("/api/v1/decisions/").status_code == 403
    text = api("ProcessOwner").post("/api/v1/decisions/", data=b"x", content_type="text/plain")
    assert text.status_code == 415
