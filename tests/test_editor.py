"""Process design: list, editor endpoints (drafts with compare-and-set, validate,
deploy), downloads, upload, and migration of running instances."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.conftest import csrf_token

DATA = Path(__file__).resolve().parent / "data" / "editor"


def linear_process(key: str, tasks: list[tuple[str, str]], name: str | None = None) -> str:
    """start -> user tasks [(id, candidate group)] -> end, with DI."""
    nodes = ["start"] + [t for t, _ in tasks] + ["end"]
    xml = [f'<bpmn:process id="{key}" name="{name or key}" isExecutable="true">',
           '<bpmn:startEvent id="start" name="Start" />']
    for tid, group in tasks:
        xml.append(f'<bpmn:userTask id="{tid}" name="Task {tid}" camunda:candidateGroups="{group}" />')
    xml.append('<bpmn:endEvent id="end" name="End" />')
    for i, (a, b) in enumerate(zip(nodes, nodes[1:])):
        xml.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}" />')
    xml.append("</bpmn:process>")
    di = [f'<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="{key}">']
    for i, n in enumerate(nodes):
        x = 100 + i * 150
        w, h = (36, 36) if n in ("start", "end") else (100, 80)
        di.append(f'<bpmndi:BPMNShape id="{n}_di" bpmnElement="{n}"><dc:Bounds x="{x}" y="{120 - h // 2}" '
                  f'width="{w}" height="{h}" /></bpmndi:BPMNShape>')
    for i, (a, b) in enumerate(zip(nodes, nodes[1:])):
        x1 = 100 + i * 150 + (36 if a in ("start", "end") else 100)
        x2 = 100 + (i + 1) * 150
        di.append(f'<bpmndi:BPMNEdge id="f{i}_di" bpmnElement="f{i}"><di:waypoint x="{x1}" y="120" />'
                  f'<di:waypoint x="{x2}" y="120" /></bpmndi:BPMNEdge>')
    di.append("</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
            'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
            f'id="defs_{key}" targetNamespace="http://bpmn.io/schema/bpmn">' + "".join(xml) + "".join(di)
            + "</bpmn:definitions>\n")


def rename_task(xml: str, name: str) -> str:
    """The blank template's user task Task_1 with another name."""
    return re.sub(r'(<bpmn:userTask id="Task_1" name=")[^"]*"', lambda m: f'{m.group(1)}{name}"', xml)


class Api:
    """A logged-in client that sends JSON with the page's CSRF token."""

    def __init__(self, client, token):
        self.c, self.token = client, token

    def get(self, url):
        return self.c.get(url, headers={"Accept": "application/json"})

    def post(self, url, body=None):
        return self.c.post(url, json=body if body is not None else {},
                           headers={"X-CSRFToken": self.token, "Accept": "application/json"})


@pytest.fixture
def owner(login_as):
    c = login_as("owner")
    return Api(c, csrf_token(c, "/processes/"))


def create_process(owner: Api, key: str, name: str = "Test process"):
    return owner.c.post("/processes/create", data={"key": key, "name": name, "csrf_token": owner.token})


def upload(owner: Api, xml: str | bytes, filename: str = "diagram.bpmn", replace: bool = False):
    data = {"csrf_token": owner.token,
            "file": (io.BytesIO(xml.encode() if isinstance(xml, str) else xml), filename)}
    if replace:
        data["replace"] = "1"
    return owner.c.post("/processes/upload", data=data, content_type="multipart/form-data")


# ------------------------------------------------------------------ permissions

@pytest.mark.parametrize("username", ["agent", "viewer", "tech", "sales"])
def test_non_owners_cannot_open_the_editor_or_its_endpoints(app, login_as, owner, username):
    assert create_process(owner, f"perm_{username}").status_code == 302
    key = f"perm_{username}"
    c = login_as(username)
    token = csrf_token(c, "/")
    h = {"X-CSRFToken": token, "Accept": "application/json"}
    assert c.get(f"/processes/editor/{key}").status_code == 403
    assert c.get(f"/processes/editor/api/{key}/draft", headers=h).status_code == 403
    assert c.post(f"/processes/editor/api/{key}/draft", json={"xml": "<x/>", "base_rev": 1}, headers=h).status_code == 403
    assert c.post("/processes/editor/api/validate", json={"xml": "<x/>"}, headers=h).status_code == 403
    assert c.post(f"/processes/editor/api/{key}/deploy", json={"xml": "<x/>"}, headers=h).status_code == 403
    assert c.post("/processes/create", data={"key": "x_" + key, "csrf_token": token}).status_code == 403
    assert c.post(f"/processes/migration/api/{key}/preview", json={}, headers=h).status_code == 403
    list_status = c.get("/processes/").status_code
    if username == "viewer":  # ReadOnly may read the process list and versions, not edit
        assert list_status == 200
        assert "/processes/editor/" not in c.get("/processes/").get_data(as_text=True)
    else:
        assert list_status == 403


def test_owner_sees_the_menu_and_list(owner):
    html = owner.c.get("/processes/").get_data(as_text=True)
    assert 'id="cs-create-form"' in html and 'id="cs-upload-form"' in html
    assert "/processes/" in owner.c.get("/").get_data(as_text=True)


def test_supervisor_reads_but_does_not_edit(login_as, owner):
    create_process(owner, "sup_read")
    owner.post("/processes/editor/api/sup_read/deploy",
               {"xml": owner.get("/processes/editor/api/sup_read/draft").get_json()["xml"], "base_rev": 1})
    c = login_as("supervisor")
    assert c.get("/processes/").status_code == 200
    assert c.get("/processes/sup_read/versions").status_code == 200
    assert c.get("/processes/editor/sup_read").status_code == 403


def test_anonymous_json_gets_401(client):
    assert client.get("/processes/editor/api/x/draft").status_code == 401


# ------------------------------------------------------------------ create / upload / download

def test_create_from_blank_template_is_deployable(owner):
    resp = create_process(owner, "blank_ok", "空白流程")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/processes/editor/blank_ok")
    page = owner.c.get("/processes/editor/blank_ok")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "dist/modeler.js" in html and 'id="cs-roles"' in html and "add_working_days" in html
    draft = owner.get("/processes/editor/api/blank_ok/draft").get_json()
    assert draft["rev"] == 1 and draft["saved_by"] == "owner" and draft["source"] == "draft"
    assert 'camunda:candidateGroups="CustomerService"' in draft["xml"] and "BPMNShape" in draft["xml"]
    problems = owner.post("/processes/editor/api/validate", {"xml": draft["xml"]}).get_json()["problems"]
    assert [p for p in problems if p["severity"] == "error"] == []
    dep = owner.post("/processes/editor/api/blank_ok/deploy", {"xml": draft["xml"], "base_rev": 1})
    assert dep.status_code == 200, dep.get_json()
    assert dep.get_json()["version"] == 1 and dep.get_json()["created"] is True


def test_create_refuses_bad_or_duplicate_keys(owner):
    assert create_process(owner, "dup_key").status_code == 302
    resp = create_process(owner, "dup_key")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/processes/")
    assert create_process(owner, "1 bad key").headers["Location"].endswith("/processes/")
    assert create_process(owner, "editor").headers["Location"].endswith("/processes/")


def test_upload_creates_a_draft_and_download_round_trips(owner, app):
    xml = linear_process("upload_rt", [("a", "CustomerService")], name="上传测试")
    resp = upload(owner, xml, "upload_rt.bpmn")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/processes/editor/upload_rt")
    draft = owner.get("/processes/editor/api/upload_rt/draft").get_json()
    assert draft["xml"] == xml and draft["rev"] == 1
    assert owner.c.get("/processes/editor/upload_rt/draft.bpmn").get_data(as_text=True) == xml
    dep = owner.post("/processes/editor/api/upload_rt/deploy", {"xml": xml, "base_rev": 1}).get_json()
    assert dep["version"] == 1
    down = owner.c.get("/processes/upload_rt/download?version=1")
    assert down.status_code == 200 and "attachment" in down.headers["Content-Disposition"]
    assert down.get_data(as_text=True) == xml
    # the deployment cleared the draft: the versions page offers no "Discard the draft"
    assert owner.get("/processes/editor/api/upload_rt/draft").get_json()["source"] == "version"
    assert 'id="cs-discard"' not in owner.c.get("/processes/upload_rt/versions").get_data(as_text=True)
    # the downloaded file uploads again unchanged; deploying it is refused: no changes, no new version
    assert upload(owner, down.get_data(), "again.bpmn").status_code == 302
    again = owner.get("/processes/editor/api/upload_rt/draft").get_json()
    assert again["xml"] == xml and again["rev"] == 1
    same = owner.post("/processes/editor/api/upload_rt/deploy", {"xml": again["xml"], "base_rev": 1})
    assert same.status_code == 422
    body = same.get_json()
    assert body["code"] == "no_changes" and body["rev"] == 0 and body["version"] == 1
    assert [p["element_id"] for p in body["problems"]] == ["upload_rt"]
    assert owner.get("/processes/api/upload_rt/xml").get_json()["version"] == 1  # still one version
    assert owner.get("/processes/editor/api/upload_rt/draft").get_json()["source"] == "version"
    listing = owner.c.get("/processes/").get_data(as_text=True)
    assert "upload_rt" in listing and "上传测试" in listing


def test_upload_does_not_replace_pending_changes_unless_asked(owner):
    xml = linear_process("upload_keep", [("a", "CustomerService")])
    upload(owner, xml)
    changed = xml.replace('name="Task a"', 'name="Changed"')
    resp = upload(owner, changed)
    assert resp.headers["Location"].endswith("/processes/")
    assert owner.get("/processes/editor/api/upload_keep/draft").get_json()["xml"] == xml
    upload(owner, changed, replace=True)
    assert owner.get("/processes/editor/api/upload_keep/draft").get_json()["xml"] == changed


def test_upload_refuses_non_bpmn(owner):
    resp = upload(owner, b"<html></html>", "page.bpmn")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/processes/")


MIWG = Path("/work/shared/conformance/miwg")
NO_DI = DATA / "no_di.bpmn"


def test_same_diagram_ignores_formatting_prefixes_and_exporter():
    from app.engine.drafts import same_diagram

    xml = linear_process("same_p", [("a", "CustomerService")])
    other = (xml.replace("bpmn:", "b2:").replace("xmlns:bpmn=", "xmlns:b2=").replace("><", ">\n  <")
             .replace('x="100"', 'x="100.0"').replace('id="defs_same_p"', 'id="defs_same_p" exporter="x"'))
    assert same_diagram(xml, other)
    assert not same_diagram(xml, xml.replace('name="Task a"', 'name="Task b"'))
    assert not same_diagram(xml, xml.replace('x="100"', 'x="101"'))


def test_a_diagram_without_di_opens_as_a_draft(owner):
    resp = upload(owner, NO_DI.read_bytes(), "no_di.bpmn", replace=True)  # the browser test may have opened it
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/processes/editor/editor_no_di")
    draft = owner.get("/processes/editor/api/editor_no_di/draft").get_json()
    assert "BPMNShape" not in draft["xml"]
    problems = owner.post("/processes/editor/api/validate", {"xml": draft["xml"]}).get_json()["problems"]
    assert [p for p in problems if p["severity"] == "error"] == []


@pytest.mark.skipif(not MIWG.is_dir(), reason="the MIWG reference diagrams are not on this machine")
def test_every_miwg_reference_diagram_opens_as_a_draft(owner, app):
    """Executability is a deploy question: a non-executable file still opens, and validate says why."""
    from app.engine.actor import Actor
    from app.engine import drafts

    files = sorted(MIWG.glob("*.bpmn"))
    assert len(files) == 21
    for f in files:
        resp = upload(owner, f.read_bytes(), f.name, replace=True)
        key, _name = drafts.process_of(f.read_bytes())
        assert resp.headers["Location"].endswith(f"/processes/editor/{key}"), (f.name, resp.headers["Location"])
        draft = owner.get(f"/processes/editor/api/{key}/draft").get_json()
        assert draft["source"] == "draft" and draft["xml"] == f.read_text(encoding="utf-8"), f.name
        # never deployed: the versions page offers to discard it, and discarding removes it
        assert 'id="cs-discard"' in owner.c.get(f"/processes/{key}/versions").get_data(as_text=True), f.name
        assert owner.c.post(f"/processes/editor/{key}/discard", data={"csrf_token": owner.token}).status_code == 302
        assert owner.get(f"/processes/editor/api/{key}/draft").status_code == 404, f.name
    a10 = owner.post("/processes/editor/api/validate", {"xml": (MIWG / "A.1.0.bpmn").read_text()}).get_json()
    assert a10["errors"] >= 1 and any("executable" in p["message"].lower() for p in a10["problems"])


# ------------------------------------------------------------------ drafts

def test_draft_save_conflict_is_refused_with_who_saved(app, login_as, owner):
    from app.engine.actor import Actor
    from app.engine.drafts import save_draft
    from app.extensions import db

    create_process(owner, "conflict_p")
    base = owner.get("/processes/editor/api/conflict_p/draft").get_json()
    assert base["rev"] == 1
    # the admin saves a newer draft meanwhile
    admin = login_as("admin")
    admin_api = Api(admin, csrf_token(admin, "/processes/"))
    first = admin_api.post("/processes/editor/api/conflict_p/draft",
                           {"xml": rename_task(base["xml"], "Admin's change"), "base_rev": 1})
    assert first.status_code == 200 and first.get_json()["rev"] == 2
    # the owner saves what they edited from rev 1: refused, nothing overwritten
    mine = rename_task(base["xml"], "Owner's change")
    resp = owner.post("/processes/editor/api/conflict_p/draft", {"xml": mine, "base_rev": 1})
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["code"] == "draft_conflict" and body["saved_by"] == "admin" and body["rev"] == 2
    assert body["saved_at"]
    assert "Admin's change" in owner.get("/processes/editor/api/conflict_p/draft").get_json()["xml"]
    # deploy from a stale rev is refused the same way
    assert owner.post("/processes/editor/api/conflict_p/deploy", {"xml": mine, "base_rev": 1}).status_code == 409
    # an explicit overwrite names the rev it replaces
    ok = owner.post("/processes/editor/api/conflict_p/draft", {"xml": mine, "base_rev": 2})
    assert ok.status_code == 200 and ok.get_json()["rev"] == 3 and ok.get_json()["saved_by"] == "owner"
    with app.app_context():  # the service refuses a second create for the same key too
        sm = app.appbuilder.sm
        actor = Actor.from_user(sm.find_user(username="owner"))
        from app.engine.drafts import DraftConflict

        with pytest.raises(DraftConflict):
            save_draft("conflict_p", mine, 0, actor)
        db.session.rollback()


def test_draft_must_keep_its_process_id(owner):
    create_process(owner, "keep_id")
    xml = owner.get("/processes/editor/api/keep_id/draft").get_json()["xml"]
    resp = owner.post("/processes/editor/api/keep_id/draft", {"xml": xml.replace('id="keep_id"', 'id="other_id"'),
                                                              "base_rev": 1})
    assert resp.status_code == 422 and "keep_id" in resp.get_json()["message"]


def test_csrf_token_is_required(owner):
    create_process(owner, "csrf_p")
    resp = owner.c.post("/processes/editor/api/csrf_p/draft", json={"xml": "<x/>", "base_rev": 1})
    assert resp.status_code == 400


# ------------------------------------------------------------------ validate / deploy

def test_validate_locates_both_problems(owner):
    xml = (DATA / "two_errors.bpmn").read_text()
    resp = owner.post("/processes/editor/api/validate", {"xml": xml})
    assert resp.status_code == 200
    problems = resp.get_json()["problems"]
    located = {p["element_id"]: p for p in problems}
    assert {"review", "compute"} <= set(located)  # a user task nobody works on, a script that does not compile
    assert located["review"]["element_name"] == "Review" and located["review"]["element_type"] == "userTask"
    assert located["compute"]["severity"] == "error" and located["compute"]["message"] and located["compute"]["hint"]
    assert resp.get_json()["errors"] == sum(1 for p in problems if p["severity"] == "error")


def test_deploy_with_errors_is_refused_with_problems(owner):
    # a key of its own: the browser tests upload the same file
    xml = (DATA / "two_errors.bpmn").read_text().replace("editor_two_errors", "editor_two_errors_api")
    upload(owner, xml)
    resp = owner.post("/processes/editor/api/editor_two_errors_api/deploy", {"xml": xml, "base_rev": 1})
    assert resp.status_code == 422
    body = resp.get_json()
    assert "compute" in {p["element_id"] for p in body["problems"]}
    assert body["rev"] == 2  # the draft was saved all the same


def test_deploy_creates_the_next_version_and_lists_who(owner, login_as):
    create_process(owner, "next_v")
    xml = owner.get("/processes/editor/api/next_v/draft").get_json()["xml"]
    v1 = owner.post("/processes/editor/api/next_v/deploy", {"xml": xml, "base_rev": 1}).get_json()
    xml2 = rename_task(xml, "Handle the request")
    v2 = owner.post("/processes/editor/api/next_v/deploy", {"xml": xml2, "base_rev": v1["rev"]}).get_json()
    assert (v1["version"], v2["version"]) == (1, 2)
    assert [v["version"] for v in v2["versions"]] == [2, 1]
    assert all("owner" in v["deployed_by"] and v["source"] == "editor" for v in v2["versions"])
    page = owner.c.get("/processes/next_v/versions").get_data(as_text=True)
    assert "v2" in page and "v1" in page and "owner" in page
    compare = owner.c.get("/processes/next_v/compare?a=1&b=2")
    assert compare.status_code == 200 and "dist/differ.js" in compare.get_data(as_text=True)
    x1 = owner.get("/processes/api/next_v/xml?version=1").get_json()
    assert x1["version"] == 1 and x1["xml"] == xml
    assert owner.get("/processes/api/next_v/xml?version=9").status_code == 404
    # a draft with changes can be discarded from the versions page (the deployed versions stay)
    owner.post("/processes/editor/api/next_v/draft", {"xml": rename_task(xml, "Unfinished"), "base_rev": v2["rev"]})
    assert 'id="cs-discard"' in owner.c.get("/processes/next_v/versions").get_data(as_text=True)
    assert owner.c.post("/processes/editor/next_v/discard", data={"csrf_token": owner.token}).status_code == 302
    assert owner.get("/processes/editor/api/next_v/draft").get_json()["source"] == "version"
    listing = owner.c.get("/processes/").get_data(as_text=True)
    row = re.search(r'<tr data-key="next_v">(.*?)</tr>', listing, re.S).group(1)
    assert "v2" in row and "pending changes" not in row and "待部署" not in row


# ------------------------------------------------------------------ migration

def _start(app, key):
    from app.engine import runtime
    from app.engine.actor import Actor

    with app.app_context():
        actor = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        inst = runtime.start_process(key, actor=actor, business_key=f"BK-{key}")
        return inst.id


def test_migration_preview_and_migrate(app, owner, login_as):
    from app.engine import tasks
    from app.engine.actor import Actor
    from app.extensions import db
    from app.engine import history
    from app.models import HumanTask, ProcessInstance

    key = "mig_simple"
    v1 = linear_process(key, [("a", "CustomerService")])
    upload(owner, v1)
    assert owner.post(f"/processes/editor/api/{key}/deploy", {"xml": v1, "base_rev": 1}).status_code == 200
    inst_id = _start(app, key)
    # v2 adds a task after the one the instance waits at
    v2 = linear_process(key, [("a", "CustomerService"), ("b", "TechSupport")])
    # each deployment cleared the draft: the next edit starts from no draft (base_rev 0)
    dep = owner.post(f"/processes/editor/api/{key}/deploy", {"xml": v2, "base_rev": 0}).get_json()
    assert dep["rev"] == 0 and dep["version"] == 2 and dep["running_other"] == 1
    # v3 removes the task the instance waits at
    v3 = linear_process(key, [("c", "CustomerService")])
    assert owner.post(f"/processes/editor/api/{key}/deploy", {"xml": v3, "base_rev": 0}).get_json()["version"] == 3

    refused = owner.post(f"/processes/migration/api/{key}/preview", {"target_version": 3}).get_json()
    item = next(i for i in refused["instances"] if i["id"] == inst_id)
    assert item["migratable"] is False and any("'Task a'" in r and "version 3" in r for r in item["reasons"])

    preview = owner.post(f"/processes/migration/api/{key}/preview", {"target_version": 2})
    assert preview.status_code == 200
    item = next(i for i in preview.get_json()["instances"] if i["id"] == inst_id)
    assert item["migratable"] is True and item["from_version"] == 1 and item["at"] == ["Task a"]

    # agents may not migrate; supervisors may
    agent = login_as("agent")
    assert agent.post(f"/processes/migration/api/{key}/migrate", json={"target_version": 2},
                      headers={"X-CSRFToken": csrf_token(agent, "/")}).status_code == 403
    sup = login_as("supervisor")
    resp = sup.post(f"/processes/migration/api/{key}/migrate", json={"target_version": 2, "instance_ids": [inst_id]},
                    headers={"X-CSRFToken": csrf_token(sup, "/")})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["migrated"] == [inst_id] and resp.get_json()["refused"] == []

    with app.app_context():
        inst = db.session.get(ProcessInstance, inst_id)
        assert inst.definition.version == 2
        events = history.for_instance(inst_id)
        migrated = [e for e in events if e.event == "instance_migrated"]
        assert migrated and migrated[0].data["from_version"] == 1 and migrated[0].data["to_version"] == 2
        open_a = db.session.query(HumanTask).filter_by(instance_id=inst_id, state="open").one()
        assert open_a.element_id == "a"
        agent_actor = Actor.from_user(app.appbuilder.sm.find_user(username="agent"))
        tasks.complete(open_a.id, {}, actor=agent_actor)
        nxt = db.session.query(HumanTask).filter_by(instance_id=inst_id, state="open").one()
        assert nxt.element_id == "b"  # the new version's task follows
        assert [c.role_name for c in nxt.candidates] == ["TechSupport"]
    # nothing left to move to v2
    again = owner.post(f"/processes/migration/api/{key}/preview", {"target_version": 2}).get_json()
    assert inst_id not in [i["id"] for i in again["instances"]]


def test_migration_refreshes_a_changed_open_task(app, owner):
    from app.extensions import db
    from app.models import HumanTask

    key = "mig_changed"
    v1 = linear_process(key, [("a", "CustomerService")])
    upload(owner, v1)
    owner.post(f"/processes/editor/api/{key}/deploy", {"xml": v1, "base_rev": 1})
    inst_id = _start(app, key)
    v2 = v1.replace('name="Task a" camunda:candidateGroups="CustomerService"',
                    'name="Task A renamed" camunda:candidateGroups="TechSupport"')
    owner.post(f"/processes/editor/api/{key}/deploy", {"xml": v2, "base_rev": 0})
    result = owner.post(f"/processes/migration/api/{key}/migrate", {"target_version": 2}).get_json()
    assert result["migrated"] == [inst_id]
    with app.app_context():
        row = db.session.query(HumanTask).filter_by(instance_id=inst_id, state="open").one()
        assert row.name == "Task A renamed" and [c.role_name for c in row.candidates] == ["TechSupport"]


# ------------------------------------------------------------------ home page of a reader

def test_viewer_home_lists_the_reports_they_may_read(login_as):
    viewer = login_as("viewer").get("/").get_data(as_text=True)
    assert 'id="home-reports"' in viewer and 'href="/kpi/' in viewer
    assert 'id="home-records"' in viewer  # a reader without an inbox also finds the records here
    agent = login_as("agent").get("/").get_data(as_text=True)
    assert 'id="home-records"' not in agent  # agents work from the inbox
    assert 'href="/kpi/' not in agent and 'href="/assessment/' in agent  # but they read their own assessment
