"""/api/v1/forms: list, versions, validate, deploy Camunda Forms; a formRef task's form schema and its
refusal of bad values are those of any task form."""
import json

from tests.api.helpers import unique
from tests.engine.conftest import DATA
from tests.engine.test_formjs import PROCESS

SCHEMA = json.loads((DATA / "fj_review.form").read_text(encoding="utf-8"))


def form(key: str) -> dict:
    return dict(SCHEMA, id=key)


def test_deploy_list_versions_and_get(api):
    owner, key = api("ProcessOwner"), unique("fj_api").replace("-", "_")
    first = owner.post("/api/v1/forms/", json=form(key))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["form"]["fields"]["required"] == ["summary"]
    assert owner.post("/api/v1/forms/", json=form(key)).status_code == 200  # the same JSON: nothing new
    assert owner.post("/api/v1/forms/", json=dict(form(key), name="二版")).status_code == 201
    versions = owner.get(f"/api/v1/forms/{key}/versions").get_json()
    assert [v["version"] for v in versions["items"]] == [2, 1]
    one = owner.get(f"/api/v1/forms/{key}?version=1").get_json()
    assert one["schema"]["components"][0]["key"] == "summary" and one["version"] == 1
    assert key in [f["key"] for f in owner.get("/api/v1/forms/?page_size=100").get_json()["items"]]
    assert owner.get("/api/v1/forms/fj_nowhere").status_code == 404


def test_validate_locates_unvalidatable_fields(api):
    owner = api("ProcessOwner")
    assert owner.post("/api/v1/forms/validate", json=form("fj_ok")).get_json() == {"valid": True, "problems": []}
    bad = dict(SCHEMA, id="fj_bad_api", components=[{"id": "Field_up", "type": "filepicker", "key": "upload"}])
    resp = owner.post("/api/v1/forms/validate", json=bad)
    assert resp.status_code == 422
    assert [(p["form"], p["component"]) for p in resp.get_json()["problems"]] == [("fj_bad_api", "Field_up / upload")]
    assert owner.post("/api/v1/forms/", json=bad).status_code == 422
    assert api("CustomerService").post("/api/v1/forms/", json=form("fj_agent")).status_code == 403


def test_formref_task_schema_and_located_422(api, engine):
    owner, agent = api("ProcessOwner"), api("CustomerService")
    assert owner.post("/api/v1/forms/", json=SCHEMA).status_code in (200, 201)
    key = engine.deploy(PROCESS.replace("REF", 'camunda:formRef="fj_review"').encode())
    task = engine.open_task(engine.start(key))
    schema = agent.get(f"/api/v1/tasks/{task}/form").get_json()["schema"]
    assert schema["required"] == ["summary"] and schema["properties"]["hours"]["maximum"] == 8
    assert schema["properties"]["channel"]["enum"] == ["phone", "mail"]
    resp = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"summary": "好", "hours": 99}})
    assert resp.status_code == 422
    assert resp.get_json()["fields"] == {"hours": "must be at most 8"}
