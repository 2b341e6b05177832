"""The shipped diagrams in ``workflows/`` are hand-kept BPMN files, edited in the
browser editor like any other process. Each one validates with no problems (the
deploy path and the editor's validate endpoint), opens in the editor as the
process owner with the file's XML served back, has a diagram shape for every
element, and comes back unchanged from the editor's save path. The browser
half (bpmn-js imports and saves it) is tests/browser/test_shipped_diagrams_browser.py."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import csrf_token

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
FILES = sorted(WORKFLOWS.glob("*.bpmn"))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
# Elements a diagram draws (a shape or an edge each).
DRAWN = {"participant", "lane", "messageFlow", "sequenceFlow", "association", "textAnnotation", "group",
         "dataObjectReference", "dataStoreReference", "subProcess", "transaction", "callActivity", "task",
         "userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "manualTask", "businessRuleTask",
         "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
         "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}


def canonical(xml: bytes | str) -> bytes:
    """C14N 2.0 without insignificant whitespace: equal for the same XML however it is laid out."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    return etree.tostring(root, method="c14n2", strip_text=True)


def process_key(path: Path) -> str:
    root = etree.parse(str(path)).getroot()
    return next(p.get("id") for p in root.iter(f"{{{BPMN}}}process") if p.get("isExecutable") == "true")


def di_count(path: Path) -> int:
    """Shapes and edges of the file's diagram (what the editor draws)."""
    root = etree.parse(str(path)).getroot()
    return sum(1 for _ in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"))


class Owner:
    """The process owner's signed-in client, sending the page's CSRF token."""

    def __init__(self, client):
        self.c, self.token = client, csrf_token(client, "/processes/")

    def get_json(self, url: str):
        return self.c.get(url, headers={"Accept": "application/json"})

    def post_json(self, url: str, body: dict):
        return self.c.post(url, json=body, headers={"X-CSRFToken": self.token, "Accept": "application/json"})

    def upload(self, path: Path):
        data = {"csrf_token": self.token, "replace": "1", "file": (io.BytesIO(path.read_bytes()), path.name)}
        return self.c.post("/processes/upload", data=data, content_type="multipart/form-data")


@pytest.fixture
def owner(login_as) -> Owner:
    return Owner(login_as("owner"))


@pytest.fixture
def shipped(app_ctx):
    """All shipped processes deployed (a call activity validates only once its callee is deployed)."""
    from app.engine import definitions
    from app.engine.actor import Actor

    actor = Actor.from_user(app_ctx.appbuilder.sm.find_user(username="owner"))
    return {d.definition.key: d.definition for d in definitions.deploy_directory(WORKFLOWS, actor=actor)}


@pytest.fixture
def own_draft(app):
    """Drafts the test makes of shipped processes are undone afterwards (an earlier draft comes back)."""
    from app.engine import drafts
    from app.engine.actor import Actor
    from app.extensions import db

    before: dict[str, str | None] = {}

    def remember(key: str) -> None:
        with app.app_context():
            draft = drafts.get_draft(key)
            before.setdefault(key, draft.bpmn_xml if draft else None)

    yield remember
    with app.app_context():
        actor = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        for key, xml in before.items():
            if xml is None:
                drafts.discard_draft(key, actor)
            else:
                current = drafts.get_draft(key)
                drafts.save_draft(key, xml, current.rev if current else 0, actor)
        db.session.remove()


def test_the_shipped_diagrams_are_there():
    assert {p.stem for p in FILES} == {"after_sales_service", "complaint_handling", "emergency_response",
                                       "six_step_service", "quality_daily_check", "quality_monthly_inspection",
                                       "quality_improvement", "maintenance_visit", "contract_handover",
                                       "project_delivery", "order_fulfilment", "parts_refill",
                                       "parts_stocktake", "training_plan", "pre_sales",
                                       "staff_assessment"}
    assert not (WORKFLOWS.parent / "tools" / "gen_workflows.py").exists()  # kept by hand, not generated


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_validates_with_no_problems(shipped, owner, path):
    from app.engine import definitions

    xml = path.read_bytes()
    assert [str(p) for p in definitions.validate(xml, filename=path.name)] == []
    body = owner.post_json("/processes/editor/api/validate", {"xml": xml.decode("utf-8")}).get_json()
    assert body == {"problems": [], "errors": 0}
    assert shipped[process_key(path)].has_di


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_element_has_a_shape(path):
    root = etree.parse(str(path)).getroot()
    drawable = {el.get("id") for el in root.iter(*(f"{{{BPMN}}}{name}" for name in DRAWN))}
    shown = [el.get("bpmnElement") for el in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")]
    assert sorted(drawable - set(shown)) == []
    assert len(shown) == len(set(shown)) == di_count(path)  # one shape per element
    assert set(shown) <= drawable


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_opens_in_the_editor_and_round_trips(shipped, owner, own_draft, path):
    key, text = process_key(path), path.read_text(encoding="utf-8")
    own_draft(key)
    resp = owner.upload(path)  # a draft made from the file, as a process owner uploads it
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/processes/editor/{key}")
    page = owner.c.get(f"/processes/editor/{key}")
    assert page.status_code == 200 and f'id="cs-editor" data-key="{key}"' in page.get_data(as_text=True)
    draft = owner.get_json(f"/processes/editor/api/{key}/draft").get_json()
    assert draft["source"] == "draft" and draft["xml"] == text
    # the editor's save path (compare-and-set on the rev), then what it serves back
    saved = owner.post_json(f"/processes/editor/api/{key}/draft", {"xml": draft["xml"], "base_rev": draft["rev"]})
    assert saved.status_code == 200 and saved.get_json()["rev"] == draft["rev"] + 1
    again = owner.get_json(f"/processes/editor/api/{key}/draft").get_json()["xml"]
    assert canonical(again) == canonical(path.read_bytes())
    assert owner.c.get(f"/processes/editor/{key}/draft.bpmn").get_data(as_text=True) == text
