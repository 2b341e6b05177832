"""The editor opens any well-formed BPMN 2.0 file: the 21 BPMN MIWG reference diagrams
(../shared/conformance/miwg/) each open as a draft, and every BPMNDiagram of a file,
chosen in the diagram switcher, draws exactly the shapes its DI has."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from tests.browser.test_editor_browser import MODELER, sign_in

MIWG = Path("/work/shared/conformance/miwg")
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
FILES = sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else []

pytestmark = [
    pytest.mark.skipif(not MODELER.exists(), reason="app/static/dist/modeler.js is missing (run `make assets`)"),
    pytest.mark.skipif(len(FILES) != 21, reason="the 21 MIWG reference diagrams are not on this machine"),
]

# shapes of the diagram on screen whose DI is in that diagram's plane (labels are parts of shapes)
# ids of the elements drawn as shapes for the diagram on screen (bpmn-js shows the content of a
# collapsed sub-process on a plane of its own: those shapes count too; labels are parts of shapes)
DRAWN = """() => window.csModeler.get('elementRegistry')
    .filter(e => e.parent && !e.waypoints && e.type !== 'label').map(e => e.businessObject.id)"""


@pytest.fixture(scope="module", autouse=True)
def no_login_rate_limit(app):
    from app.extensions import limiter

    was = limiter.enabled
    limiter.enabled = False
    yield
    limiter.enabled = was


def shapes_per_diagram(path: Path) -> dict[str, list[str]]:
    """{diagram id: ids of the elements its BPMNShapes draw}."""
    root = etree.parse(str(path)).getroot()
    return {d.get("id"): [s.get("bpmnElement") for s in d.iter(f"{{{DI}}}BPMNShape")]
            for d in root.iter(f"{{{DI}}}BPMNDiagram")}


@pytest.fixture(scope="module")
def owner_page(browser, live_server):
    page = sign_in(browser, live_server, "owner", "en")
    yield page
    page.context.close()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_miwg_reference_diagram_opens_in_the_editor(app, live_server, owner_page, path):
    from app.engine import drafts
    from app.engine.actor import Actor
    from app.extensions import db

    page = owner_page
    with app.app_context():  # one file at a time: A.1.0, A.2.0 and A.3.0 share the process id "WFP-6-"
        key, _name = drafts.process_of(path.read_bytes())
        drafts.discard_draft(key, Actor.from_user(app.appbuilder.sm.find_user(username="owner")))
        db.session.remove()
    page.errors.clear()
    page.goto(f"{live_server}/processes/")
    page.set_input_files("#cs-upload-file", str(path))
    page.click("#cs-upload")
    page.wait_for_url(f"**/processes/editor/{key}")
    page.wait_for_function("() => !/…|\\.\\.\\./.test(document.querySelector('#cs-status').textContent)")
    assert page.locator("#cs-status.text-danger").count() == 0, page.locator("#cs-status").inner_text()

    expected = shapes_per_diagram(path)
    options = page.evaluate("() => Array.from(document.querySelectorAll('#cs-diagram option')).map(o => o.value)")
    assert set(expected) <= set(options), (expected, options)
    if len(options) > 1:
        assert page.locator("#cs-diagram").is_visible()
    in_file = Counter(i for shapes in expected.values() for i in shapes)
    drawn_all: Counter = Counter()
    for diagram_id in options:
        if len(options) > 1:
            page.select_option("#cs-diagram", diagram_id)
            page.wait_for_function(
                "id => window.csModeler.getDefinitions().diagrams.find(d => d.id === id).plane"
                " === window.csModeler.get('canvas').getRootElement().di", arg=diagram_id)
        drawn = page.evaluate(DRAWN)
        drawn_all.update(i for i in drawn if i in in_file)
        if diagram_id in expected:  # a file's diagram draws its shapes (less those of a pool-less process)
            assert set(drawn) <= set(expected[diagram_id]), (path.name, diagram_id, set(drawn) - set(expected[diagram_id]))
    assert drawn_all == in_file, (f"{path.name}: {sum(drawn_all.values())} shapes drawn, {sum(in_file.values())} "
                                  f"in the file; not drawn: {sorted((in_file - drawn_all).elements())}")
    # the server's verdict is on the canvas
    try:
        page.wait_for_selector("#cs-lint:not([hidden])")
    except Exception:
        raise AssertionError(f"no verdict on the canvas; page errors: {page.errors}") from None
    if path.name in ("C.4.0.bpmn", "B.2.0.bpmn"):
        page.screenshot(path=f"/tmp/shots_editor/miwg_{path.stem}_en.png")
    assert not [e for e in page.errors if "favicon" not in e], page.errors
