"""The task page's notes and files, its file fields, the due date/priority dialog and the My tasks
follow-up toggle, through the test client (the rules themselves: test_task_notes.py)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from app.engine import clock, history
from app.extensions import db
from app.models import HumanTask
from tests.conftest import csrf_token
from tests.task_notes_helpers import GIF, PNG, complaint, eng, file_process, new_task  # noqa: F401 (fixtures)


def _post(client, task_id, path, data, files=None):
    form = {"csrf_token": csrf_token(client, f"/task/{task_id}/"), **data}
    for name, (filename, content) in (files or {}).items():
        form[name] = (io.BytesIO(content), filename)
    return client.post(f"/task/{task_id}/{path}", data=form, content_type="multipart/form-data")


def test_staff_add_notes_and_files_on_the_task_page_and_download_them(eng, complaint, login_as):
    task_id = new_task(eng, complaint)
    agent = login_as("agent")
    page = agent.get(f"/task/{task_id}/").get_data(as_text=True)
    assert 'id="task-notes"' in page and 'enctype="multipart/form-data"' in page
    resp = _post(agent, task_id, "notes", {"body": "电机过热,已拍照"}, {"attachments": ("热像 1.png", PNG)})
    assert resp.status_code == 302 and resp.location.endswith(f"/task/{task_id}/#task-notes")
    page = agent.get(f"/task/{task_id}/").get_data(as_text=True)
    assert "电机过热,已拍照" in page
    link = re.search(rf'href="(/task/{task_id}/files/\d+)"', page).group(1)
    download = agent.get(link)
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "UTF-8''%E7%83%AD%E5%83%8F%201.png" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    refused = _post(agent, task_id, "notes", {"body": "x"}, {"attachments": ("page.png", b"<html></html>")})
    assert refused.status_code == 302
    assert "page.png" in agent.get(f"/task/{task_id}/").get_data(as_text=True)  # the flash names the file
    # another department's agent: the task, its notes and its files do not exist for them
    tech = login_as("tech")
    assert tech.get(f"/task/{task_id}/").status_code == 404
    assert tech.get(link).status_code == 404
    assert _post(tech, task_id, "notes", {"body": "x"}).status_code == 404
    assert _post(tech, task_id, "follow-up", {"follow_up_at": "2030-01-01"}).status_code == 404


def test_a_file_field_is_an_upload_on_the_page_and_a_bad_file_is_named(eng, file_process, login_as, app):
    task_id = new_task(eng, file_process)
    agent = login_as("agent")
    page = agent.get(f"/task/{task_id}/").get_data(as_text=True)
    assert 'type="file"' in page and 'name="photo"' in page and 'accept="image/png,image/jpeg"' in page
    bad = _post(agent, task_id, "complete", {"remark": "r"}, {"photo": ("fault.gif", GIF)})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="err-photo"' in html and "fault.gif" in html
    kept = _post(agent, task_id, "complete", {"remark": "r", "extra": "x"}, {"photo": ("fault.png", PNG)})
    assert kept.status_code == 422  # another field is wrong: the stored file is kept, not asked for again
    file_id = re.search(r'<input type="hidden" name="photo" value="(\d+)">', kept.get_data(as_text=True)).group(1)
    assert "fault.png" in kept.get_data(as_text=True)
    done = _post(agent, task_id, "complete", {"remark": "done", "photo": file_id})
    assert done.status_code == 302
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert task.state == "completed" and task.submitted["photo"] == int(file_id)


def test_the_due_date_dialog_is_for_supervisors_and_the_change_shows_in_the_history(eng, complaint, login_as, app):
    task_id = new_task(eng, complaint)
    agent = login_as("agent")
    assert 'id="reschedule-dialog"' not in agent.get(f"/task/{task_id}/").get_data(as_text=True)
    assert _post(agent, task_id, "reschedule", {"priority": "90", "reason": "x"}).status_code == 403
    boss = login_as("supervisor")
    assert 'id="reschedule-dialog"' in boss.get(f"/task/{task_id}/").get_data(as_text=True)
    empty = _post(boss, task_id, "reschedule", {"priority": "90", "reason": ""})
    assert empty.status_code == 302
    resp = _post(boss, task_id, "reschedule", {"due_at": "2031-03-04T10:30", "priority": "85", "reason": "客户升级"})
    assert resp.status_code == 302
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert task.priority == 85 and task.due_at.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M") == "2031-03-04 10:30"
        assert [e.data["reason"] for e in history.for_instance(task.instance_id)
                if e.task_id == task_id and e.event == "task_rescheduled"] == ["客户升级"]
        instance_id = task.instance_id
    page = boss.get(f"/instances/{instance_id}/").get_data(as_text=True)
    assert "2031-03-04 10:30" in page and "客户升级" in page and "60 → 85" in page


def test_my_tasks_hides_follow_ups_behind_a_toggle_with_their_count(eng, complaint, login_as, app):
    task_id = new_task(eng, complaint)
    agent = login_as("agent")
    from app.engine import tasks

    eng.call(tasks.claim, task_id, actor=eng.actor("agent"))
    later = (clock.now() + timedelta(days=3)).date().isoformat()
    assert _post(agent, task_id, "follow-up", {"follow_up_at": later}).status_code == 302
    mine = agent.get("/inbox/mine/?size=100").get_data(as_text=True)
    assert f'data-task-id="{task_id}"' not in mine
    badge = re.search(r'data-count="follow_ups">(\d+)<', mine)
    assert badge and int(badge.group(1)) >= 1
    shown = agent.get("/inbox/mine/?size=100&follow_ups=1").get_data(as_text=True)
    assert f'data-task-id="{task_id}"' in shown and 'aria-pressed="true"' in shown and "follow-up-date" in shown
    assert _post(agent, task_id, "follow-up", {"follow_up_at": ""}).status_code == 302
    assert f'data-task-id="{task_id}"' in agent.get("/inbox/mine/?size=100").get_data(as_text=True)
