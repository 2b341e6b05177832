"""Bilingual process content in a real browser (README "Bilingual process content"): the complaint
process in zh and en — start page, inbox, task form (labels, options), instance page (its diagram
too) — each in the reader's language only, and the editor's Translations group editing a task's
English name that the saved draft keeps as ``i18n:name:en``.

Rule (000_ee3fc44b2199283b.txt, 客户服务优化管理制度): "客戶服務專員接收客戶投訴後,需立即登記投訴信息"
— the agent's first task, 登记投诉 / Register complaint.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.browser.test_editor_browser import MODELER, open_group, select, shot, sign_in, wait_saved

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"

pytestmark = pytest.mark.skipif(not MODELER.exists(), reason="app/static/dist/modeler.js is missing (run `make assets`)")

TEXTS = {
    "en": {"process": "Complaint handling", "task": "Register complaint", "label": "Channel", "option": "Phone",
           "other": ("投诉处理流程", "登记投诉", "投诉渠道")},
    "zh": {"process": "投诉处理流程", "task": "登记投诉", "label": "投诉渠道", "option": "电话",
           "other": ("Complaint handling", "Register complaint")},
}


@pytest.fixture(scope="module", autouse=True)
def no_login_rate_limit(app):
    from app.extensions import limiter

    was = limiter.enabled
    limiter.enabled = False
    yield
    limiter.enabled = was


@pytest.fixture(scope="module")
def shipped(app):
    from app.engine import definitions
    from app.engine.actor import Actor
    from app.extensions import db

    with app.app_context():
        actor = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy_directory(WORKFLOWS, actor=actor)
        db.session.commit()
        db.session.remove()


def visible_text(page) -> str:
    return page.locator("#page-content, .container, body").first.inner_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_complaint_pages_in_the_readers_language(app, live_server, browser, screenshots, shipped, lang):
    base, want = live_server, TEXTS[lang]
    key = f"BB-{lang}-{uuid.uuid4().hex[:6]}"
    page = sign_in(browser, base, "agent", lang)

    page.goto(f"{base}/start/")
    assert want["process"] in page.locator("body").inner_text()
    shot(page, screenshots, f"bilingual_start_{lang}")
    page.goto(f"{base}/start/complaint_handling/")
    assert want["process"] in page.locator("h2.page-title").inner_text()
    page.fill("input[name=business_key]", key)
    page.click("#btn-start")
    page.wait_for_load_state()

    page.goto(f"{base}/inbox/group/?q={key}")
    row = page.locator("table tr", has=page.locator("a.task-link")).first
    assert row.locator("a.task-link").inner_text().strip() == want["task"]
    assert want["process"] in row.inner_text()
    text = page.locator("body").inner_text()
    assert not any(o in text for o in want["other"]), text
    shot(page, screenshots, f"bilingual_inbox_{lang}")

    row.locator("a.task-link").click()
    page.wait_for_selector("h2.page-title")
    assert page.locator("h2.page-title").inner_text().strip().startswith(want["task"])
    assert page.locator("label[for='f-complaint_channel']").inner_text().strip().startswith(want["label"])
    options = page.locator("#f-complaint_channel option").all_inner_texts()
    assert want["option"] in options
    body = page.locator("body").inner_text()
    assert not any(o in body for o in want["other"]), body
    shot(page, screenshots, f"bilingual_task_form_{lang}")

    page.locator(f"a[href*='/instances/']").first.click()
    page.wait_for_selector("h2.page-title")
    assert page.locator("h2.page-title").inner_text().startswith(want["process"])
    page.wait_for_selector(".djs-element[data-element-id='register']")
    label = page.locator(".djs-element[data-element-id='register'] text").first.text_content()
    assert re.sub(r"\s+", "", label) == re.sub(r"\s+", "", want["task"])  # the diagram speaks the reader's language
    shot(page, screenshots, f"bilingual_instance_{lang}")
    assert not [e for e in page.errors if "favicon" not in e], page.errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_editor_translations_group_edits_the_english_name(app, live_server, browser, screenshots, lang):
    """A process owner changes the English name of a task in the Translations group; the saved
    draft keeps it beside the unchanged Chinese name."""
    from app.engine import drafts
    from app.engine.actor import Actor

    base = live_server
    key = f"bilingual_{lang}_{uuid.uuid4().hex[:6]}"
    xml = (WORKFLOWS / "complaint_handling.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('id="complaint_handling"', f'id="{key}"').replace('processRef="complaint_handling"',
                                                                        f'processRef="{key}"')
    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        drafts.save_draft(key, xml, 0, owner)
        from app.extensions import db

        db.session.commit()
        db.session.remove()
    try:
        page = sign_in(browser, base, "owner", lang)
        page.goto(f"{base}/processes/editor/{key}")
        page.wait_for_selector(".djs-element[data-element-id='register']")
        select(page, "register")
        open_group(page, "group-cs-translations")
        group = page.locator("[data-group-id='group-cs-translations']")
        assert group.locator(".bio-properties-panel-group-header-title").inner_text().strip() == \
            ("翻译" if lang == "zh" else "Translations")
        name_en = page.locator("#bio-properties-panel-cs-i18n-name-en")
        assert name_en.input_value() == "Register complaint"
        assert page.locator("#bio-properties-panel-cs-i18n-field-complaint_channel-en").input_value() == "Channel"
        assert page.locator("#bio-properties-panel-cs-i18n-option-complaint_channel-phone-en").input_value() == "Phone"
        assert "登记投诉" in group.inner_text()  # the Chinese text it translates, shown as the description
        name_en.fill("Log the complaint")
        page.locator("#bio-properties-panel-cs-i18n-field-complaint_channel-en").fill("Complaint channel")
        page.click("#cs-canvas", position={"x": 5, "y": 5})
        select(page, "register")
        open_group(page, "group-cs-translations")
        page.locator("[data-group-id='group-cs-translations']").scroll_into_view_if_needed()
        shot(page, screenshots, f"bilingual_editor_translations_{lang}")
        page.click("#cs-save")
        wait_saved(page)
        assert not [e for e in page.errors if "favicon" not in e], page.errors
        assert not page.evaluate("() => [...(window.csMissingTranslations || [])]")
        with app.app_context():
            saved = drafts.get_draft(key).bpmn_xml
        assert re.search(r'<bpmn:userTask id="register" name="登记投诉"', saved)
        assert 'name="i18n:name:en" value="Log the complaint"' in saved
        assert 'id="i18n:label:en" value="Complaint channel"' in saved
        assert "Register complaint" not in saved
    finally:
        with app.app_context():
            drafts.discard_draft(key, Actor.from_user(app.appbuilder.sm.find_user(username="owner")))
            from app.extensions import db

            db.session.commit()
            db.session.remove()
