"""The record APIs' ``q``: the OpenAPI document shows the very schema the server checks it against
(app.api.record_query), so what the document allows is answered, and what it does not is a located 400."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.api.helpers import unique


@pytest.fixture(scope="module")
def spec(api):
    return api("Admin").get("/api/v1/_openapi").get_json()


def q_schema(spec, path: str) -> dict:
    [param] = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "q"]
    return param["content"]["application/json"]["schema"]


def branches(schema: dict) -> dict[tuple[str, str], dict]:
    """(column, operator) -> the value's schema."""
    out = {}
    for branch in schema["properties"]["filters"]["items"]["anyOf"]:
        for col in branch["properties"]["col"]["enum"]:
            for opr in branch["properties"]["opr"]["enum"]:
                assert (col, opr) not in out
                out[(col, opr)] = branch["properties"]["value"]
    return out


def test_the_document_lists_columns_operators_and_bounds(spec):
    contacts = q_schema(spec, "/api/v1/contacts/")
    ops = branches(contacts)
    assert {col for col, _ in ops} == {"customer", "name", "position", "is_primary"}  # never phone or email
    assert ops[("customer", "rel_o_m")]["type"] == "integer" and ops[("is_primary", "eq")] == {"type": "boolean"}
    assert ops[("name", "in")]["type"] == "array" and ("is_primary", "ct") not in ops
    props = contacts["properties"]
    assert props["order_column"]["enum"] == ["name", "position"] and props["page_size"]["maximum"] == 100
    assert props["order_direction"]["enum"] == ["asc", "desc"] and contacts["additionalProperties"] is False
    assert "phone" not in props["columns"]["items"]["enum"] and "phone_masked" in props["columns"]["items"]["enum"]
    dated = branches(q_schema(spec, "/api/v1/spot_checks/"))
    assert dated[("check_date", "gt")] == {"type": "string", "format": "date"}
    item = q_schema(spec, "/api/v1/contacts/{pk}")
    assert set(item["properties"]) == {"keys", "columns"}
    responses = spec["paths"]["/api/v1/contacts/"]["get"]["responses"]
    assert {"400", "401", "403", "414", "422"} <= set(map(str, responses))


@pytest.mark.parametrize("value", ["a&b", "50% off", "a+b", "x'y!", "中文 (1)", "\U0001f600\x98\n"])
def test_json_q_reaches_fab_unchanged(app, api, value):
    """FAB decodes a JSON ``q`` twice: '+' became a space and '&' cut it (400). Now the value is as sent."""
    from app.extensions import db
    from app.models import Customer

    name = unique(value)
    with app.app_context():
        db.session.add(Customer(name=name))
        db.session.commit()
    q = json.dumps({"filters": [{"col": "name", "opr": "eq", "value": name}]})
    resp = api("Admin").get(f"/api/v1/customers/?q={quote(q)}")
    assert resp.status_code == 200, resp.get_json()
    assert [r["name"] for r in resp.get_json()["result"]] == [name]


@pytest.mark.parametrize("q,where", [
    ("(filters:!((col:phone,opr:sw,value:'139')))", "filters.0.col: 'phone' is not a search column"),
    ("(filters:!((col:name,opr:gt,value:'a')))", "filters.0.opr: 'gt' is not an operator for name"),
    ("(filters:!((col:is_primary,opr:eq,value:'maybe')))", "filters.0.value: 'maybe' is not of type 'boolean'"),
    ("(filters:!((col:customer,opr:rel_o_m,value:0)))", "filters.0.value: 0 is less than the minimum of 1"),
    ("(filters:!((col:name,opr:ct,value:!(1,2))))", "filters.0.value"),
    ("(filters:!((col:name,opr:ct)))", "'value' is a required property"),
    ("(filters:!((col:(a:1),opr:eq,value:x)))", "filters.0.col: \"{'a': 1}\" is not a search column"),
    ("(filters:!((col:name,opr:!(eq),value:x)))", "filters.0.opr: \"['eq']\" is not an operator for name"),
    ("(order_column:email)", "order_column:"), ("(page:1.5)", "page:"), ("(select_columns:!(phone))", "q:"),
    ("(columns:!(phone))", "columns.0:"), ("(page_size:0)", "page_size:"), ("'x'!", "neither rison nor JSON"),
])
def test_what_the_schema_refuses_is_a_located_400(api, q, where):
    resp = api("Supervisor").get(f"/api/v1/contacts/?q={q}")
    assert resp.status_code == 400 and resp.get_json()["code"] == "bad_request", resp.get_json()
    assert where in resp.get_json()["message"], resp.get_json()["message"]


def test_dates_are_checked_and_compared(api):
    ok = api("Admin").get("/api/v1/spot_checks/?q=(filters:!((col:check_date,opr:gt,value:'2020-01-31')))")
    assert ok.status_code == 200, ok.get_json()
    bad = api("Admin").get("/api/v1/spot_checks/?q=(filters:!((col:check_date,opr:gt,value:'2020-02-31')))")
    assert bad.status_code == 400 and "is not a 'date'" in bad.get_json()["message"]
    when = quote(json.dumps({"filters": [{"col": "starts_at", "opr": "lt", "value": "2030-01-01T08:00:00+08:00"}]}))
    assert api("Admin").get(f"/api/v1/training_sessions/?q={when}").status_code == 200


def test_text_the_database_cannot_store_is_a_422(api):
    q = quote(json.dumps({"filters": [{"col": "name", "opr": "ct", "value": "a\u0000b"}]}))
    resp = api("Admin").get(f"/api/v1/customers/?q={q}")
    assert resp.status_code == 422 and "q.filters.0.value" in resp.get_json()["fields"]


def test_a_bad_q_does_not_get_past_authentication(client):
    resp = client.get("/api/v1/contacts/?q=(page_size:0)")
    assert resp.status_code == 401
