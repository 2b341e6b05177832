"""Hostile request data: form values of the wrong type, huge strings, unknown
fields, SQL and HTML/JS payloads (stored verbatim, returned as JSON data),
and JSON that only a lenient parser would accept."""
import pytest

from tests.api.helpers import unique

SQL = ["' OR '1'='1", "'; DROP TABLE process_instance; --", "Robert'); DELETE FROM human_task;--", "1; SELECT pg_sleep(10)"]
HTML = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=2">', '"><svg onload=alert(1)>',
        "{{7*7}}${7*7}<%= 7*7 %>"]


@pytest.fixture
def task(engine, complaint):
    """An open 'register' task (form: matter required text <= 200, severity long 1..5) claimed by agent."""
    from app.engine import tasks

    task_id = engine.open_task(engine.start(complaint, business_key=unique("HI")), "register")
    engine.call(tasks.claim, task_id, actor=engine.actor("agent"))
    return task_id


def complete(api, task, data):
    return api("CustomerService").post(f"/api/v1/tasks/{task}/complete", json={"data": data})


@pytest.mark.parametrize("field,value", [
    ("severity", "high"), ("severity", True), ("severity", 2.5), ("severity", 2**70), ("severity", [3]),
    ("severity", {"$gt": 0}), ("severity", 0), ("severity", 6), ("matter", ["a"]), ("matter", {"a": 1}),
    ("matter", True), ("matter", "x" * 201), ("matter", "x" * 10_001), ("matter", "x" * 1_000_000),
])
def test_form_value_of_wrong_type_or_size(api, task, field, value):
    data = {"matter": "ok", field: value}
    resp = complete(api, task, data)
    assert resp.status_code == 422, resp.get_json()
    assert list(resp.get_json()["fields"]) == [field]


@pytest.mark.parametrize("data", [{"matter": "ok", "bogus": 1}, {"matter": "ok", "__proto__": {"admin": True}},
                                  {"matter": "ok", "assignee_id": 1}])
def test_unknown_form_fields(api, task, data):
    resp = complete(api, task, data)
    assert resp.status_code == 422 and set(resp.get_json()["fields"]) == set(data) - {"matter"}


@pytest.mark.parametrize("body", [
    {"process_key": "x", "status": "completed"}, {"process_key": "x", "started_by_id": 1},
    {"process_key": "x", "variables": {"ok": 1}, "state": "AAAA"},
])
def test_unknown_body_fields_no_mass_assignment(api, body):
    resp = api("CustomerService").post("/api/v1/instances/", json=body)
    assert resp.status_code == 422 and set(resp.get_json()["fields"]) == set(body) - {"process_key", "variables"}


@pytest.mark.parametrize("body,field", [
    ({"business_key": "k" * 1_000_000}, "business_key"), ({"customer": "c" * 201}, "customer"),
    ({"variables": {"blob": "v" * 300_000}}, "_"), ({"variables": {"k" * 101: 1}}, "variables"),
])
def test_huge_strings(api, complaint, body, field):
    resp = api("CustomerService").post("/api/v1/instances/", json={"process_key": complaint, **body})
    assert resp.status_code == 422, resp.get_json()
    assert field == "_" or any(f.startswith(field) for f in resp.get_json()["fields"])


def test_huge_query_string(api):
    resp = api("CustomerService").get("/api/v1/tasks/?search=" + "%25" * 5000)
    assert resp.status_code == 422 and "search" in resp.get_json()["fields"]


@pytest.mark.parametrize("payload", SQL + HTML)
def test_payloads_are_stored_verbatim_and_returned_as_json(api, complaint, payload):
    resp = api("CustomerService").post("/api/v1/instances/", json={
        "process_key": complaint, "business_key": payload[:100], "customer": payload, "variables": {"note": payload}})
    assert resp.status_code == 201, resp.get_json()
    inst = api("Supervisor").get(f"/api/v1/instances/{resp.get_json()['id']}")
    assert inst.mimetype == "application/json" and inst.headers["X-Content-Type-Options"] == "nosniff"
    body = inst.get_json()
    assert body["business_key"] == payload[:100] and body["customer"] == payload and body["variables"]["note"] == payload
    found = api("ReadOnly").get("/api/v1/instances/", query_string={"business_key": payload[:100]}).get_json()
    assert found["total"] >= 1 and all(i["business_key"] == payload[:100] for i in found["items"])


@pytest.mark.parametrize("payload", SQL + HTML)
def test_payloads_in_form_data_are_stored_verbatim(api, task, payload):
    resp = complete(api, task, {"matter": payload[:200]})
    assert resp.status_code == 200 and resp.get_json()["submitted"] == {"matter": payload[:200]}


@pytest.mark.parametrize("search", ["%", "_", "' OR 1=1 --", "\\", "%' OR '1'='1"])
def test_search_wildcards_and_sql_are_plain_text(api, search):
    resp = api("Supervisor").get("/api/v1/tasks/", query_string={"view": "department", "search": search})
    assert resp.status_code == 200


@pytest.mark.parametrize("raw", [
    b"NaN", b'{"process_key": "x", "variables": {"v": Infinity}}', b'{"process_key": "x", "variables": {"v": -Infinity}}',
    b"\xff\xfe\xfa{}", b'{"process_key": "\xc3\x28"}', b'{"variables": {"n": 1' + b"0" * 5000 + b"}}",
    b'{"process_key": "x"', b"", b"{'process_key': 'x'}",
])
def test_json_only_a_lenient_parser_accepts(api, raw):
    resp = api("CustomerService").post("/api/v1/instances/", data=raw, content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["code"] == "bad_request", resp.get_data(as_text=True)


def test_deeply_nested_json(api):
    deep = b'{"process_key": "x", "variables": {"v": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    assert api("CustomerService").post("/api/v1/instances/", data=deep, content_type="application/json").status_code == 400
    medium = b'{"process_key": "x", "variables": {"v": ' + b"[" * 200 + b"]" * 200 + b"}}"
    resp = api("CustomerService").post("/api/v1/instances/", data=medium, content_type="application/json")
    assert resp.status_code == 422 and any("nested too deeply" in m for m in resp.get_json()["fields"].values())


@pytest.mark.parametrize("raw,field", [
    (b'{"process_key": "a\\u0000b"}', "process_key"), (b'{"process_key": "x", "variables": {"v": "\\u0000"}}', "variables.v"),
    (b'{"process_key": "x", "variables": {"a\\u0000": 1}}', "variables.a\x00"), (b'{"process_key": "\\ud800"}', "process_key"),
])
def test_text_that_cannot_be_stored(api, raw, field):
    resp = api("CustomerService").post("/api/v1/instances/", data=raw, content_type="application/json")
    assert resp.status_code == 422 and field in resp.get_json()["fields"], resp.get_json()


@pytest.mark.parametrize("url,status", [
    ("/api/v1/instances/?business_key=a%00b", 422), ("/api/v1/definitions/a%00b", 404),
    ("/api/v1/instances/?page=-1", 422), ("/api/v1/instances/?page_size=100000000000000000000", 422),
    ("/api/v1/instances/?page=1e3", 422), ("/api/v1/tasks/?view=../../etc", 422),
    ("/api/v1/instances/2147483648", 404), ("/api/v1/tasks/99999999999999999999/complete", 404),
])
def test_hostile_query_and_path_values(api, url, status):
    resp = api("Admin").open("POST" if url.endswith("complete") else "GET", url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["code"]


@pytest.mark.parametrize("q", [
    "(filters:!((col:customer,opr:rel_o_m,value:99999999999999999999)))", "(filters:!((col:customer,opr:rel_o_m,value:'x')))",
    "(filters:!((col:is_primary,opr:eq,value:'maybe')))", "(filters:!((col:name,opr:ct,value:!(1,2))))",
    "(filters:!((col:phone,opr:sw,value:'138')))", "(order_column:email,order_direction:asc)",
    "(page:-2119286726587973888)", "(page:1.5)", "(filters:!((col:name,opr:ct,value:'%00')))",
])
def test_hostile_record_queries_are_refused(api, q):
    """FAB's rison filters on the record API: values that do not fit the column, and contact data."""
    resp = api("Supervisor").get(f"/api/v1/contacts/?q={q}")
    assert resp.status_code in (400, 422) and resp.get_json()["code"] in ("bad_request", "invalid"), resp.get_json()
