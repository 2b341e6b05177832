"""In the browser, zh and en: an agent writes a note with a file on a task and fills in a form's file
field; a supervisor changes the due date and priority in the dialog; My tasks hides a follow-up
behind its toggle. Screenshots: tests/screenshots/task_notes_*.png."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.helpers import DATA, Engine, unique
from tests.browser.test_complaint_walk import shot, sign_in
from tests.task_notes_helpers import PNG, file_form_bpmn


@pytest.fixture(scope="module")
def prepared(app, tmp_path_factory):
    from app.engine import clock, task_schedule, tasks

    eng = Engine(app)
    complaint = eng.deploy((DATA / "engine_complaint.bpmn").read_bytes())
    files = eng.deploy(file_form_bpmn(unique("tnb_file")))
    form_task = eng.open_task(eng.start(files, business_key=unique("TNB-F")))
    waiting = eng.open_task(eng.start(complaint, business_key=unique("TNB-W")))
    eng.call(tasks.claim, waiting, actor=eng.actor("agent"))
    later = (clock.now() + timedelta(days=3)).date().isoformat()
    eng.call(task_schedule.set_follow_up, waiting, later, actor=eng.actor("agent"))
    photo = tmp_path_factory.mktemp("tnb") / "故障.png"
    photo.write_bytes(PNG)
    shown = eng.open_task(eng.start(complaint, business_key=unique("TNB-C")))
    eng.call(tasks.claim, shown, actor=eng.actor("agent"))
    return {"form_task": form_task, "waiting": waiting, "photo": str(photo), "complaint": shown}


def test_notes_file_field_due_dialog_and_follow_ups(live_server, browser, screenshots, prepared):
    base, task = live_server, prepared["form_task"]
    agent = sign_in(browser, base, "agent")
    for lang, note in (("zh", "客户说每天早上停机，已拍照"), ("en", "The customer says it stops every morning")):
        agent.goto(f"{base}/lang/{lang}")
        agent.goto(f"{base}/task/{task}/")
        agent.fill("#note-body", note)
        agent.set_input_files("#note-files", prepared["photo"])
        agent.click("#note-add")
        agent.wait_for_selector(f".note-body:has-text('{note}')")
        assert agent.locator("#task-notes .file-link").count() >= 1
        assert agent.locator("input[type=file][name=photo]").count() == 1
        shot(agent, screenshots, f"task_notes_page_{lang}")
    agent.goto(f"{base}/lang/zh")
    agent.goto(f"{base}/inbox/mine/")
    assert agent.locator(f"tr[data-task-id='{prepared['waiting']}']").count() == 0
    assert int(agent.inner_text("[data-count=follow_ups]")) >= 1
    shot(agent, screenshots, "task_notes_mine_zh")
    agent.click("#follow-up-toggle a")
    agent.wait_for_selector(f"tr[data-task-id='{prepared['waiting']}'] .follow-up-date")
    agent.goto(f"{base}/lang/en")
    agent.goto(f"{base}/inbox/mine/?follow_ups=1")
    shot(agent, screenshots, "task_notes_mine_followups_en")
    agent.context.close()

    boss = sign_in(browser, base, "supervisor")
    for lang in ("zh", "en"):
        boss.goto(f"{base}/lang/{lang}")
        boss.goto(f"{base}/task/{prepared['complaint']}/")
        boss.click("#reschedule-open")
        boss.wait_for_selector("#reschedule-dialog.in", state="visible")
        boss.wait_for_timeout(400)  # the fade-in
        boss.screenshot(path=str(screenshots / f"task_notes_reschedule_{lang}.png"))  # the viewport: the dialog
    boss.goto(f"{base}/task/{prepared['complaint']}/")
    boss.click("#reschedule-open")
    boss.wait_for_selector("#reschedule-dialog.in", state="visible")
    boss.fill("#reschedule-priority", "90")
    boss.fill("#reschedule-reason", "Customer escalated")
    boss.click("#reschedule-save")
    boss.wait_for_selector(".reschedule-detail")
    assert boss.inner_text(".task-priority") == "90"
    shot(boss, screenshots, "task_notes_rescheduled_en")
    boss.fill("#follow-up-at", "2030-01-02")
    boss.click("#follow-up-set")
    boss.wait_for_selector("#follow-up-clear")
    assert boss.inner_text(".task-follow-up").startswith("2030-01-02")
    boss.click("#follow-up-clear")
    boss.wait_for_selector(".task-follow-up", state="detached")
    boss.context.close()
