"""Decision tables in the browser's back end: permissions, drafts (compare-and-set), validate with
located problems, deploy ("no changes" refused), versions, download, the rule-by-rule diff page,
and the editor's "test this decision" endpoint (the engine's evaluation of the draft XML)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import csrf_token
from tests.test_editor import Api

DISH = (Path(__file__).resolve().parent / "data" / "dmn" / "dish_dmnjs.dmn").read_text()


@pytest.fixture
def owner(login_as):
    c = login_as("owner")
    return Api(c, csrf_token(c, "/decisions/"))


def dish(key: str) -> str:
    """The dmn-js / Camunda Modeler sample under a decision id of the test's own."""
    return DISH.replace('id="dish"', f'id="{key}"')


def create(owner: Api, key: str, name: str = "Test table"):
    return owner.c.post("/decisions/create", data={"key": key, "name": name, "csrf_token": owner.token})


def deploy(owner: Api, key: str, xml: str, base_rev: int = 0):
    return owner.post(f"/decisions/editor/api/{key}/deploy", {"xml": xml, "base_rev": base_rev})


# ------------------------------------------------------------------ permissions

@pytest.mark.parametrize("username", ["agent", "supervisor", "viewer"])
def test_only_owners_and_admins_reach_the_decision_editor(login_as, owner, username):
    key = f"perm_{username}"
    assert create(owner, key).status_code == 302
    c = login_as(username)
    token = csrf_token(c, "/")
    h = {"X-CSRFToken": token, "Accept": "application/json"}
    for url in ("/decisions/", f"/decisions/editor/{key}", f"/decisions/{key}/versions", f"/decisions/{key}/diff"):
        assert c.get(url).status_code == 403, url
    assert c.get(f"/decisions/editor/api/{key}/draft", headers=h).status_code == 403
    assert c.post(f"/decisions/editor/api/{key}/draft", json={"xml": dish(key), "base_rev": 1}, headers=h).status_code == 403
    assert c.post("/decisions/editor/api/validate", json={"xml": dish(key)}, headers=h).status_code == 403
    assert c.post(f"/decisions/editor/api/{key}/deploy", json={"xml": dish(key)}, headers=h).status_code == 403
    assert c.post("/decisions/editor/api/evaluate", json={"xml": dish(key), "decision_id": key, "inputs": {}},
                  headers=h).status_code == 403
    assert c.post("/decisions/create", data={"key": "x_" + key, "csrf_token": token}).status_code == 403
    assert "/decisions/" not in c.get("/").get_data(as_text=True)


def test_admin_and_owner_see_the_menu_entry_in_both_languages(login_as, owner):
    assert 'href="/decisions/"' in owner.c.get("/").get_data(as_text=True)
    admin = login_as("admin")
    admin.get("/lang/zh")
    assert "决策表" in admin.get("/decisions/").get_data(as_text=True)
    admin.get("/lang/en")
    assert "Decision tables" in admin.get("/decisions/").get_data(as_text=True)


def test_anonymous_json_gets_401(client):
    assert client.get("/decisions/editor/api/x/draft").status_code == 401


def test_csrf_token_is_required(owner):
    create(owner, "csrf_d")
    assert owner.c.post("/decisions/editor/api/csrf_d/draft", json={"xml": dish("csrf_d"), "base_rev": 1}).status_code == 400
    assert owner.c.post("/decisions/editor/api/evaluate",
                        json={"xml": dish("csrf_d"), "decision_id": "csrf_d", "inputs": {}}).status_code == 400


# ------------------------------------------------------------------ drafts

def test_create_opens_the_editor_with_a_blank_table_that_deploys(owner):
    resp = create(owner, "blank_d", "空白表")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/decisions/editor/blank_d")
    page = owner.c.get("/decisions/editor/blank_d").get_data(as_text=True)
    assert 'id="cs-dmn-config"' in page and "dist/dmn.js" in page and 'id="cs-test"' in page
    draft = owner.get("/decisions/editor/api/blank_d/draft").get_json()
    assert draft["source"] == "draft" and draft["rev"] == 1 and 'id="blank_d"' in draft["xml"]
    body = deploy(owner, "blank_d", draft["xml"], 1).get_json()
    assert body["version"] == 1 and body["rev"] == 0 and body["versions"][0]["version"] == 1
    assert "blank_d" in owner.c.get("/decisions/").get_data(as_text=True)


def test_create_refuses_bad_and_duplicate_ids(owner):
    create(owner, "dup_d")
    for key in ("dup_d", "1bad", "editor"):
        resp = create(owner, key)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/decisions/")


def test_a_second_save_on_the_same_revision_is_a_conflict_naming_who(owner, login_as):
    create(owner, "cas_d")
    xml = owner.get("/decisions/editor/api/cas_d/draft").get_json()["xml"]
    assert owner.post("/decisions/editor/api/cas_d/draft", {"xml": xml, "base_rev": 1}).get_json()["rev"] == 2
    admin = login_as("admin")
    admin_api = Api(admin, csrf_token(admin, "/decisions/"))
    resp = admin_api.post("/decisions/editor/api/cas_d/draft", {"xml": xml, "base_rev": 1})
    assert resp.status_code == 409 and resp.get_json()["saved_by"] == "owner" and resp.get_json()["rev"] == 2


def test_a_decision_draft_does_not_appear_among_processes(owner):
    create(owner, "not_a_process")
    assert "not_a_process" not in owner.c.get("/processes/").get_data(as_text=True)


def test_the_draft_must_keep_its_decision_id(owner):
    create(owner, "keep_d")
    xml = owner.get("/decisions/editor/api/keep_d/draft").get_json()["xml"].replace('id="keep_d"', 'id="other_d"')
    resp = owner.post("/decisions/editor/api/keep_d/draft", {"xml": xml, "base_rev": 1})
    assert resp.status_code == 422 and "keep_d" in resp.get_json()["message"]
    assert resp.get_json()["problems"][0]["element_id"] == "keep_d"


# ------------------------------------------------------------------ bad input: located, never a 500

def test_bad_xml_gets_a_located_error_not_a_500(owner):
    create(owner, "bad_xml")
    broken = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d">\n<decision id="bad_xml">\n</definitions>'
    resp = owner.post("/decisions/editor/api/bad_xml/draft", {"xml": broken, "base_rev": 1})
    assert resp.status_code == 422
    assert resp.get_json()["problems"][0]["line"] == 3
    resp = deploy(owner, "bad_xml", broken, 1)
    assert resp.status_code == 422 and resp.get_json()["problems"]
    resp = owner.post("/decisions/editor/api/validate", {"xml": broken})
    assert resp.status_code in (200, 422) and resp.get_json()["problems"][0]["line"]
    not_dmn = owner.post("/decisions/editor/api/validate", {"xml": "<bpmn/>"}).get_json()["problems"]
    assert "这不是 DMN 文件" in not_dmn[0]["message"] and not_dmn[0]["line"] == 1  # the page's language
    assert owner.post("/decisions/editor/api/bad_xml/draft", {"xml": "<bpmn/>", "base_rev": 1}).status_code == 422
    for body in ({"xml": ""}, {}, []):
        assert owner.post("/decisions/editor/api/validate", body).status_code == 422


def test_validate_locates_a_bad_cell_by_decision_rule_and_column(owner):
    xml = dish("loc_d").replace("<text>&lt;= 8</text>", "<text>&lt;= = 8</text>", 1)
    resp = owner.post("/decisions/editor/api/validate", {"xml": xml})
    assert resp.status_code == 200
    problem = next(p for p in resp.get_json()["problems"] if p["severity"] == "error")
    assert problem["decision_id"] == "loc_d" and problem["rule_index"] == 1
    assert problem["element_id"] == "UnaryTests_1buq8ju" and problem["column_label"] == "客人数 / Guests"
    assert resp.get_json()["errors"] >= 1
    refused = deploy(owner, "loc_d", xml)
    assert refused.status_code == 422 and "UnaryTests_1buq8ju" in {p["element_id"] for p in refused.get_json()["problems"]}


# ------------------------------------------------------------------ deploy, versions, diff, download

def test_deploy_refuses_no_changes_then_versions_and_diff_show_the_changed_rule(owner):
    xml = dish("menu_d")
    owner.post("/decisions/editor/api/menu_d/draft", {"xml": xml, "base_rev": 0})
    assert deploy(owner, "menu_d", xml, 1).get_json()["version"] == 1
    same = deploy(owner, "menu_d", xml.replace("  ", " "), 0)
    assert same.status_code == 422 and same.get_json()["code"] == "no_changes" and same.get_json()["rev"] == 0
    v2 = deploy(owner, "menu_d", xml.replace('"Spareribs"', '"Stew"'), 0).get_json()
    assert v2["version"] == 2 and [v["version"] for v in v2["versions"]] == [2, 1]
    page = owner.c.get("/decisions/menu_d/versions").get_data(as_text=True)
    assert 'data-version="2"' in page and 'data-version="1"' in page
    diff = owner.c.get("/decisions/menu_d/diff?a=1&b=2").get_data(as_text=True)
    assert 'data-change="changed" data-rule="DecisionRule_0c6xk3x"' in diff
    assert "&#34;Spareribs&#34;" in diff and "&#34;Stew&#34;" in diff
    assert 'data-change="added"' not in diff and 'data-change="removed"' not in diff
    assert owner.c.get("/decisions/menu_d/diff?a=1&b=9").status_code == 404
    dl = owner.c.get("/decisions/menu_d/download?version=1")
    assert dl.status_code == 200 and '"Spareribs"' in dl.get_data(as_text=True)
    assert "menu_d_v1.dmn" in dl.headers["Content-Disposition"]


# ------------------------------------------------------------------ test this decision

def test_the_test_panel_evaluates_the_unsaved_xml_and_names_the_matched_rule(owner):
    xml = dish("taste_d").replace('"Spareribs"', '"Hotpot"')  # never saved nor deployed
    resp = owner.post("/decisions/editor/api/evaluate",
                      {"xml": xml, "decision_id": "taste_d", "inputs": {"season": "Fall", "guestCount": 4}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["outputs"] == [{"dish": "Hotpot"}]
    assert body["matched"] == [{"index": 1, "id": "DecisionRule_0c6xk3x", "description": "Fall dinner"}]
    assert body["columns"] == [{"name": "dish", "label": "菜品 / Dish"}]


def test_the_test_panel_refuses_bad_inputs_and_broken_tables_with_located_errors(owner):
    url = "/decisions/editor/api/evaluate"
    bad_input = owner.post(url, {"xml": dish("t2"), "decision_id": "t2", "inputs": {"season": "Fall", "guestCount": "many"}})
    assert bad_input.status_code == 422 and bad_input.get_json()["fields"]
    unknown = owner.post(url, {"xml": dish("t2"), "decision_id": "nope", "inputs": {}})
    assert unknown.status_code == 404 and "nope" in unknown.get_json()["message"]
    broken = owner.post(url, {"xml": dish("t2").replace("<text>[1..4]</text>", "<text>[1..</text>"),
                              "decision_id": "t2", "inputs": {}})
    assert broken.status_code == 422 and broken.get_json()["problems"][0]["rule_index"] == 3


def test_names_and_column_headers_follow_the_readers_language(owner):
    """README "Bilingual process content": the default language is written in the table, English in its
    i18n:name:en / i18n:label:en properties; each reader sees their language."""
    routing = (Path(__file__).resolve().parents[1] / "workflows" / "complaint_routing.dmn").read_text()
    xml = routing.replace('id="complaint_routing"', 'id="routing_copy"')
    deploy(owner, "routing_copy", xml)
    deploy(owner, "routing_copy", xml.replace('<text>"SALES"</text>', '<text>"CS"</text>'))
    owner.c.get("/lang/en")
    assert "Complaint routing" in owner.c.get("/decisions/").get_data(as_text=True)
    diff = owner.c.get("/decisions/routing_copy/diff").get_data(as_text=True)
    assert "Then: Responsible department" in diff and "Complaint routing" in diff
    owner.c.get("/lang/zh")
    assert "投诉分派" in owner.c.get("/decisions/routing_copy/versions").get_data(as_text=True)
