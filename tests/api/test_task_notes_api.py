"""/api/v1/tasks/{id}/notes, /files, /reschedule, /follow-up, and My tasks' follow-up rule in the task list."""
from __future__ import annotations

import io
from datetime import timedelta

from app.engine import clock, tasks
from tests.api.helpers import unique
from tests.task_notes_helpers import GIF, PDF, PNG, file_form_bpmn


def _task(engine, key) -> int:
    return engine.open_task(engine.start(key, business_key=unique("TNA")))


def test_notes_in_json_or_multipart_and_files_as_downloads(api, engine, complaint):
    task = _task(engine, complaint)
    agent = api("CustomerService")
    made = agent.post(f"/api/v1/tasks/{task}/notes", json={"body": "已电话联系客户"})
    assert made.status_code == 201 and made.get_json()["author"] and made.get_json()["task_id"] == task
    upload = agent.post(f"/api/v1/tasks/{task}/notes", content_type="multipart/form-data",
                        data={"body": "报告", "attachments": (io.BytesIO(PDF), "report.pdf")})
    assert upload.status_code == 201, upload.get_json()
    [file] = upload.get_json()["attachments"]
    assert (file["filename"], file["content_type"]) == ("report.pdf", "application/pdf")
    listed = agent.get(f"/api/v1/tasks/{task}/notes")
    assert [n["body"] for n in listed.get_json()["items"]] == ["已电话联系客户", "报告"]
    got = agent.get(f"/api/v1/tasks/{task}/files/{file['id']}")
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;") and got.headers["X-Content-Type-Options"] == "nosniff"
    bad = agent.post(f"/api/v1/tasks/{task}/notes", content_type="multipart/form-data",
                     data={"body": "x", "attachments": (io.BytesIO(b"MZ\x90\x00"), "tool.exe")})
    assert bad.status_code == 422 and "tool.exe" in bad.get_json()["fields"]["attachments"]
    tech = api("TechSupport")  # another department: the task does not exist for them
    assert tech.get(f"/api/v1/tasks/{task}/notes").status_code == 404
    assert tech.post(f"/api/v1/tasks/{task}/notes", json={"body": "x"}).status_code == 404
    assert tech.get(f"/api/v1/tasks/{task}/files/{file['id']}").status_code == 404
    assert agent.post(f"/api/v1/tasks/{task}/notes", json={"body": ""}).status_code == 422
    for wrong in ({"body": False}, {"body": 1}, {"body": None}, {}, {"body": "x", "extra": 1}, ["x"]):  # JSON typed
        assert agent.post(f"/api/v1/tasks/{task}/notes", json=wrong).status_code == 422, wrong


def test_a_file_field_upload_answers_an_id_that_completes_the_task(api, engine):
    key = engine.deploy(file_form_bpmn(unique("tna_file")))
    task = _task(engine, key)
    agent = api("CustomerService")
    schema = agent.get(f"/api/v1/tasks/{task}/form").get_json()["schema"]["properties"]["photo"]
    assert schema["x-field-type"] == "file" and schema["x-max-bytes"] == 1024
    wrong = agent.post(f"/api/v1/tasks/{task}/files", content_type="multipart/form-data",
                       data={"field": "photo", "file": (io.BytesIO(GIF), "fault.gif")})
    assert wrong.status_code == 422 and "fault.gif" in wrong.get_json()["fields"]["photo"]
    assert agent.post(f"/api/v1/tasks/{task}/files", json={"field": "photo"}).status_code == 415
    stored = agent.post(f"/api/v1/tasks/{task}/files", content_type="multipart/form-data",
                        data={"field": "photo", "file": (io.BytesIO(PNG), "fault.png")})
    assert stored.status_code == 201, stored.get_json()
    file_id = stored.get_json()["id"]
    bad_id = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"photo": file_id + 10_000}})
    assert bad_id.status_code == 422 and "photo" in bad_id.get_json()["fields"]
    done = agent.post(f"/api/v1/tasks/{task}/complete", json={"data": {"photo": file_id}})
    assert done.status_code == 200 and done.get_json()["submitted"]["photo"] == file_id


def test_only_supervisors_reschedule_and_the_task_list_follows(api, engine, complaint):
    task = _task(engine, complaint)
    body = {"priority": 95, "reason": "VIP customer"}
    assert api("CustomerService").post(f"/api/v1/tasks/{task}/reschedule", json=body).status_code == 403
    assert api("TechSupport").post(f"/api/v1/tasks/{task}/reschedule", json=body).status_code == 404
    assert api("Supervisor").post(f"/api/v1/tasks/{task}/reschedule", json={"priority": 95}).status_code == 422
    done = api("Supervisor").post(f"/api/v1/tasks/{task}/reschedule", json={**body, "due_at": "2030-01-02"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["priority"] == 95 and done.get_json()["due_at"].startswith("2030-01-02")
    items = api("CustomerService").get("/api/v1/tasks/?view=group&page_size=100").get_json()["items"]
    ids = [i["id"] for i in items]
    assert task in ids
    # urgent tasks lead the inbox: only tasks at least as urgent (left by other tests) come before it
    assert all(i["priority"] >= 95 for i in items[:ids.index(task)])


def test_follow_up_hides_the_task_from_view_mine_unless_asked(api, engine, complaint):
    task = _task(engine, complaint)
    engine.call(tasks.claim, task, actor=engine.actor("agent"))
    agent = api("CustomerService")
    later = (clock.now() + timedelta(days=2)).date().isoformat()
    set_ = agent.post(f"/api/v1/tasks/{task}/follow-up", json={"follow_up_at": later})
    assert set_.status_code == 200 and set_.get_json()["follow_up_at"]
    mine = [t["id"] for t in agent.get("/api/v1/tasks/?view=mine&page_size=100").get_json()["items"]]
    both = [t["id"] for t in agent.get("/api/v1/tasks/?view=mine&page_size=100&follow_ups=true").get_json()["items"]]
    assert task not in mine and task in both
    assert agent.post(f"/api/v1/tasks/{task}/follow-up", json={"follow_up_at": "soon"}).status_code == 422
    assert agent.post(f"/api/v1/tasks/{task}/follow-up", json={"follow_up_at": None}).get_json()["follow_up_at"] is None


def test_a_text_value_where_files_go_is_refused_naming_the_field(api, engine, complaint):
    """schemathesis found `attachments=3` (text, not a file) accepted and ignored: it is refused, located."""
    task = engine.open_task(engine.start(complaint, business_key="TN-TEXT"))
    resp = api("CustomerService").post(f"/api/v1/tasks/{task}/notes", data={"body": "note", "attachments": "3"},
                                       content_type="multipart/form-data")
    assert resp.status_code == 422 and "attachments" in resp.get_json()["fields"]
    resp = api("CustomerService").post(f"/api/v1/tasks/{task}/files", data={"field": "photo", "file": "x"},
                                       content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["fields"]
