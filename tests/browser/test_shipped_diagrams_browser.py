"""Every shipped diagram opens in the real editor (bpmn-js in chromium) without
import warnings, draws one shape or edge per DI element of the file, and bpmn-js
saves it back with the same canonical XML."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.signin import sign_in_page
from tests.test_shipped_diagrams import FILES, canonical, di_count, process_key

ROOT = Path(__file__).resolve().parents[2]
MODELER = ROOT / "app" / "static" / "dist" / "modeler.js"

pytestmark = pytest.mark.skipif(not MODELER.exists(),
                                reason="app/static/dist/modeler.js is missing (run `make assets`)")

# What the editor draws (labels are extra elements of the shapes they label) and saves.
DRAWN_AND_SAVED = """async () => {
    const m = window.csModeler;
    const drawn = m.get('elementRegistry').filter(e => !e.labelTarget && e.di
        && (e.di.$type === 'bpmndi:BPMNShape' || e.di.$type === 'bpmndi:BPMNEdge')).length;
    const { xml } = await m.saveXML({ format: true });
    return { drawn, xml };
}"""


@pytest.fixture(scope="module")
def owner_page(app, live_server, browser):
    """The process owner, signed in once for the module (the login limit is for attackers)."""
    from app.extensions import limiter

    was, limiter.enabled = limiter.enabled, False
    messages: list[str] = []

    def listen(page) -> None:
        page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}")
                if msg.type in ("warning", "error") else None)
        page.on("pageerror", lambda exc: messages.append(f"pageerror: {exc}"))

    page = sign_in_page(browser, live_server, "owner", setup=listen, timeout=20_000,
                        context={"viewport": {"width": 1440, "height": 1000}, "locale": "zh-CN"})
    page.messages = messages
    yield page
    page.context.close()
    limiter.enabled = was


@pytest.fixture
def draft_of(app):
    """Save a file as the draft of its process; the draft is gone afterwards (an earlier one comes back)."""
    from app.engine import drafts
    from app.engine.actor import Actor

    before: dict[str, str | None] = {}

    def make(path: Path) -> str:
        key = process_key(path)
        with app.app_context():
            actor = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
            current = drafts.get_draft(key)
            before.setdefault(key, current.bpmn_xml if current else None)
            drafts.save_draft(key, path.read_text(encoding="utf-8"), current.rev if current else 0, actor)
        return key

    yield make
    with app.app_context():
        actor = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        for key, xml in before.items():
            current = drafts.get_draft(key)
            if xml is None:
                drafts.discard_draft(key, actor)
            else:
                drafts.save_draft(key, xml, current.rev if current else 0, actor)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_opens_in_bpmn_js_and_saves_back_unchanged(app, live_server, owner_page, draft_of, path):
    from app.engine import definitions
    from app.engine.actor import Actor

    with app.app_context():  # a call activity's callee must be deployed for the editor's checks
        definitions.deploy_directory(path.parent, actor=Actor.from_user(app.appbuilder.sm.find_user(username="owner")))
    key, page = draft_of(path), owner_page
    page.messages.clear()
    page.goto(f"{live_server}/processes/editor/{key}")
    page.wait_for_selector("#cs-canvas .djs-element")
    page.wait_for_function("() => document.querySelector('#cs-status').textContent.trim() !== ''")
    result = page.evaluate(DRAWN_AND_SAVED)
    assert not [m for m in page.messages if "favicon" not in m], page.messages  # no import warnings, no errors
    assert result["drawn"] == di_count(path)
    assert canonical(result["xml"]) == canonical(path.read_bytes())
