"""Form names in the reader's language wherever a form is named: /api/v1/forms (list, one, versions;
``Accept-Language`` or ``?_l_=``), the Forms list, the builder's versions and the BPMN editor's formRef
picker (/forms/api/choices, process design readers only). A form without an English name is shown by
its Chinese one."""
import json

from tests.api.helpers import api, tokens, unique  # noqa: F401
from tests.engine.conftest import DATA

SCHEMA = json.loads((DATA / "fj_review.form").read_text(encoding="utf-8"))
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}


def form(key: str, zh: str, en: str | None = None) -> dict:
    out = dict(SCHEMA, id=key, name=zh)
    if en:
        out["properties"] = {"i18n:name:en": en}
    return out


def test_api_names_follow_the_reader(api):
    owner = api("ProcessOwner")
    key, plain = unique("fj_api_named").replace("-", "_"), unique("fj_api_zh").replace("-", "_")
    deployed = owner.post("/api/v1/forms/", json=form(key, "回访记录", "Follow-up call"), headers=EN)
    assert deployed.status_code == 201 and deployed.get_json()["form"]["name"] == "Follow-up call"
    assert deployed.get_json()["form"]["schema"]["properties"] == {"i18n:name:en": "Follow-up call"}  # as sent
    assert owner.post("/api/v1/forms/", json=form(key, "回访记录 2", "Follow-up call 2")).status_code == 201
    assert owner.post("/api/v1/forms/", json=form(plain, "只有中文")).status_code == 201
    assert owner.get(f"/api/v1/forms/{key}", headers=EN).get_json()["name"] == "Follow-up call 2"
    assert owner.get(f"/api/v1/forms/{key}?_l_=zh").get_json()["name"] == "回访记录 2"
    assert owner.get(f"/api/v1/forms/{key}?version=1", headers=EN).get_json()["name"] == "Follow-up call"
    versions = owner.get(f"/api/v1/forms/{key}/versions", headers=EN).get_json()["items"]
    assert [v["name"] for v in versions] == ["Follow-up call 2", "Follow-up call"]
    listed = {f["key"]: f["name"] for f in owner.get("/api/v1/forms/?page_size=100", headers=EN).get_json()["items"]}
    assert listed[key] == "Follow-up call 2" and listed[plain] == "只有中文"
    listed = {f["key"]: f["name"] for f in owner.get("/api/v1/forms/?page_size=100", headers=ZH).get_json()["items"]}
    assert listed[key] == "回访记录 2"


def test_api_refuses_a_bad_english_name_located(api):
    resp = api("ProcessOwner").post("/api/v1/forms/", json=dict(SCHEMA, id="fj_bad_en", properties={"i18n:name:en": 5}))
    assert resp.status_code == 422
    assert [p["form"] for p in resp.get_json()["problems"]] == ["fj_bad_en"]


def test_pages_and_picker_name_forms_in_the_readers_language(api, login_as):
    key = unique("fj_page_named").replace("-", "_")
    assert api("ProcessOwner").post("/api/v1/forms/", json=form(key, "上门记录", "Site visit")).status_code == 201
    owner = login_as("owner")
    owner.get("/lang/en")
    page = owner.get("/forms/").get_data(as_text=True)
    assert f'<tr data-key="{key}">' in page and '<td class="cs-form-name">Site visit</td>' in page
    builder = owner.get(f"/forms/build/{key}").get_data(as_text=True)
    assert 'id="cs-form-name-en"' in builder and '<td class="cs-form-name">Site visit</td>' in builder
    choices = owner.get("/forms/api/choices").get_json()["forms"]
    mine = [c for c in choices if c["key"] == key]
    assert mine == [{"key": key, "name": "Site visit", "version": 1, "versions": [1]}]
    owner.get("/lang/zh")
    assert '<td class="cs-form-name">上门记录</td>' in owner.get("/forms/").get_data(as_text=True)
    assert [c["name"] for c in owner.get("/forms/api/choices").get_json()["forms"] if c["key"] == key] == ["上门记录"]
    agent = login_as("agent")  # no process design: no list of forms
    assert agent.get("/forms/api/choices").status_code in (401, 403)
