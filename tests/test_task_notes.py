"""Notes and files on tasks, form file fields, due date/priority changes and follow-up dates: the
engine and domain services (screens: test_task_notes_views.py; API: tests/api/test_task_notes_api.py).

服务规范标准: "服务过程全程记录，相关资料完整归档" (the service is recorded throughout and its papers filed
complete, 第十二条(三)): the staff's notes and files stay with the work, in the one conversation log, never
shown to the customer. 问题处理: "根据售后需求类型，明确责任人员及处理时限" (第十一条(二)): a supervisor sets
a task's deadline and urgency, and the SLA follows."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.engine import clock, forms, history, queries, task_schedule, tasks
from app.engine.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from app.models import Department, HumanTask, TaskCandidate
from app.records.conversation import service, task_notes
from app.records.conversation.service import Upload
from tests.task_notes_helpers import (  # noqa: F401 (fixtures)
    GIF, PNG, complaint, eng, file_form_bpmn, file_process, new_task,
)


def test_notes_and_files_on_a_task_are_internal_and_only_for_who_sees_the_task(app, eng, complaint):
    task_id = new_task(eng, complaint)
    agent, tech = eng.actor("agent"), eng.actor("tech")
    with app.app_context():
        note = task_notes.add_note(task_id, "客户说机器人每天早上停机", [Upload("fault.png", PNG)], actor=agent)
        assert note.internal and note.channel == "note" and note.task_id == task_id
        listed = task_notes.notes(task_id, actor=agent)
        assert [n.body for n in listed] == ["客户说机器人每天早上停机"]
        file_id = listed[0].attachments[0].id
        assert task_notes.attachment(task_id, file_id, actor=agent).data == PNG
        # TechSupport is no candidate of "Register complaint": for them the task and its files do not exist
        for call in (lambda: task_notes.notes(task_id, actor=tech),
                     lambda: task_notes.add_note(task_id, "x", actor=tech),
                     lambda: task_notes.attachment(task_id, file_id, actor=tech)):
            with pytest.raises(NotFound):
                call()
        other = new_task(eng, complaint)
        with pytest.raises(NotFound):  # a file of another task is not reached through this one
            task_notes.attachment(other, file_id, actor=agent)
        with pytest.raises(Invalid) as bad:
            task_notes.add_note(task_id, "see", [Upload("evil.png", b"<script>alert(1)</script>")], actor=agent)
        assert "evil.png" in bad.value.details["fields"]["attachments"]
        with pytest.raises(Invalid) as empty:
            task_notes.add_note(task_id, "   ", actor=agent)
        assert "body" in empty.value.details["fields"]
        with pytest.raises(Invalid) as nul:  # PostgreSQL cannot store it: refused, located
            task_notes.add_note(task_id, "a\x00b", actor=agent)
        assert nul.value.details["fields"] == {"body": "must not contain NUL characters"}
        assert len(task_notes.notes(task_id, actor=agent)) == 1


def test_a_task_shows_its_records_internal_notes_but_not_the_customer_messages(app, eng, complaint):
    task_id = new_task(eng, complaint)
    agent = eng.actor("agent")
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        task.instance.record_type, task.instance.record_id = "service_request", 900_000 + task_id
        service.post(channel="email", direction="in", body="from the customer", record_type="service_request",
                     record_id=900_000 + task_id)
        service.post(channel="note", direction="internal", body="record note", record_type="service_request",
                     record_id=900_000 + task_id)
        db.session.commit()
        task_notes.add_note(task_id, "task note", actor=agent)
        notes = task_notes.notes(task_id, actor=agent)
        assert [n.body for n in notes] == ["record note", "task note"]
        assert notes[1].record_type == "service_request"  # filed under the record too: its page shows it
        assert [m.body for m in service.thread("service_request", 900_000 + task_id, include_internal=False)] == [
            "from the customer"]


def test_file_field_rules_are_read_from_the_diagram_and_bad_ones_reported():
    from lxml import etree

    xml = etree.fromstring(file_form_bpmn("tn_parse"))
    fields, issues = forms.parse_camunda_form(xml.find(".//{*}userTask"))
    photo = fields[0]
    assert (photo.type, forms.accepted(photo), forms.max_size(photo)) == ("file", ("image/png", "image/jpeg"), 1024)
    assert issues == []
    assert forms.form_schema(fields)["properties"]["photo"]["x-accept"] == ["image/png", "image/jpeg"]
    bad = etree.fromstring(file_form_bpmn("tn_bad").replace(b'value="1KB"', b'value="lots"')
                           .replace(b'value="image/png,image/jpeg"', b'value="text/html"'))
    _, problems = forms.parse_camunda_form(bad.find(".//{*}userTask"))
    assert [p[0] for p in problems] == ["photo", "photo"] and "maxSize" in problems[0][1]


def test_a_file_field_stores_the_upload_and_the_variable_holds_its_id(app, eng, file_process):
    task_id = new_task(eng, file_process)
    agent = eng.actor("agent")
    with app.app_context():
        for name, data, words in (("fault.gif", GIF, "takes image/png, image/jpeg only"),
                                  ("big.png", PNG + b"\x00" * 2000, "more than the 1024"),
                                  ("fake.png", b"<html>", "only pictures")):
            with pytest.raises(Invalid) as refused:
                task_notes.upload_field_file(task_id, "photo", Upload(name, data), actor=agent)
            assert words in refused.value.details["fields"]["photo"] and name in refused.value.details["fields"]["photo"]
        with pytest.raises(Invalid) as not_file:
            task_notes.upload_field_file(task_id, "remark", Upload("a.png", PNG), actor=agent)
        assert "field" in not_file.value.details["fields"]
        with pytest.raises(NotFound):  # not a candidate: the task does not exist for them
            task_notes.upload_field_file(task_id, "photo", Upload("a.png", PNG), actor=eng.actor("tech"))
        stored = task_notes.upload_field_file(task_id, "photo", Upload("fault.png", PNG), actor=agent)
        assert stored.message.internal and stored.message.task_id == task_id
        stored_id = stored.id
        with pytest.raises(Invalid) as missing:
            tasks.complete(task_id, {"remark": "x"}, actor=agent)
        assert missing.value.details["fields"] == {"photo": "is required"}
    other = new_task(eng, file_process)
    with app.app_context():
        foreign = task_notes.upload_field_file(other, "photo", Upload("other.png", PNG), actor=agent).id
        with pytest.raises(Invalid) as wrong:
            tasks.complete(task_id, {"photo": foreign}, actor=agent)
        assert wrong.value.details["fields"]["photo"] == "must be the id of a file uploaded to this task"
        done = tasks.complete(task_id, {"photo": str(stored_id), "remark": "ok"}, actor=agent)
        assert done.submitted == {"photo": stored_id, "remark": "ok"}  # the id, never the bytes


def _history(task_id: int, event: str) -> list[history.Event]:
    return [e for e in history.for_instance(db.session.get(HumanTask, task_id).instance_id)
            if e.task_id == task_id and e.event == event]


def test_a_supervisor_changes_due_date_and_priority_with_a_reason_and_the_sla_follows(app, eng, complaint):
    """"明确责任人员及处理时限"; "对于紧急故障报修…需立即启动应急响应机制": an urgent task comes first."""
    task_id = new_task(eng, complaint)
    with app.app_context():
        with pytest.raises(Forbidden):
            task_schedule.reschedule(task_id, priority=90, reason="VIP", actor=eng.actor("agent"))
        with pytest.raises(Invalid) as no_reason:
            task_schedule.reschedule(task_id, priority=90, reason=" ", actor=eng.actor("supervisor"))
        assert "reason" in no_reason.value.details["fields"]
        with pytest.raises(Invalid) as bad:
            task_schedule.reschedule(task_id, due="soon", priority=101, reason="x", actor=eng.actor("supervisor"))
        assert set(bad.value.details["fields"]) == {"due_at"}  # the due date is read first
        old = db.session.get(HumanTask, task_id).due_at
        past = (clock.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
        task = task_schedule.reschedule(task_id, due=past, priority=90, reason="客户要求提前", actor=eng.actor("supervisor"))
        assert (task.due_at, task.priority, tasks.sla_state(task)) == (past, 90, "overdue")
        assert {c.due_at for c in db.session.scalars(select(TaskCandidate).filter_by(task_id=task_id))} == {past}
        [row] = _history(task_id, "task_rescheduled")
        assert row.data == {"old_due": old.isoformat(), "new_due": past.isoformat(), "old_priority": 60,
                            "new_priority": 90, "reason": "客户要求提前"}
        with pytest.raises(Invalid) as same:  # the minute a form shows, sent back unchanged: nothing to record
            task_schedule.reschedule(task_id, due=past + timedelta(seconds=30), priority=90, reason="x",
                                     actor=eng.actor("supervisor"))
        assert same.value.details["fields"] == {"due_at": "give a new due date or a new priority"}
        # urgent now: above an ordinary task due even earlier (both found by their business keys here;
        # other tests leave urgent tasks of their own in the shared group inbox)
        key = db.session.get(HumanTask, task_id).business_key
        ordinary = eng.open_task(eng.start(complaint, business_key=key + "-later"))
        task_schedule.reschedule(ordinary, due=past - timedelta(days=1), reason="早一天", actor=eng.actor("supervisor"))
        found = tasks.query_tasks(eng.actor("agent"), view="group", page_size=5, search=key).items
        assert [t.id for t in found] == [task_id, ordinary]


def test_the_head_of_the_tasks_department_may_change_its_due_date(app, eng, complaint):
    task_id = new_task(eng, complaint)
    with app.app_context():
        cs = db.session.scalars(select(Department).filter_by(code="CS")).one()
        head = cs.head_id
        cs.head_id = eng.actor("agent").user_id
        db.session.commit()
        try:
            task = task_schedule.reschedule(task_id, due="2031-05-06", reason="plan", actor=eng.actor("agent"))
            assert task.due_at.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M") == "2031-05-06 23:59"
        finally:
            cs = db.session.scalars(select(Department).filter_by(code="CS")).one()
            cs.head_id = head
            db.session.commit()
        assert not task_schedule.may_reschedule(db.session.get(HumanTask, task_id), eng.actor("agent"))


def test_a_follow_up_date_keeps_the_task_out_of_my_tasks_until_then(app, eng, complaint):
    """跟进维护: "对未达成合作意向的客户，每周至少跟进1次": work that waits for a date leaves My tasks until then."""
    task_id = new_task(eng, complaint)
    agent = eng.actor("agent")
    with app.app_context():
        tasks.claim(task_id, actor=agent)
        mine = queries.count_mine(agent)
        waiting = queries.count_follow_ups(agent)
        task_schedule.set_follow_up(task_id, (clock.now() + timedelta(days=2)).date().isoformat(), actor=agent)
        assert task_id not in [t.id for t in queries.inbox(agent, view="mine", page_size=100).items]
        assert task_id in [t.id for t in queries.inbox(agent, view="mine", page_size=100, follow_ups=True).items]
        assert (queries.count_mine(agent), queries.count_follow_ups(agent)) == (mine - 1, waiting + 1)
        assert _history(task_id, "task_follow_up")[0].data["old_follow_up"] is None
        task_schedule.set_follow_up(task_id, clock.now() - timedelta(minutes=1), actor=agent)  # due: shown again
        assert task_id in [t.id for t in queries.inbox(agent, view="mine", page_size=100).items]
        task_schedule.set_follow_up(task_id, "", actor=agent)
        assert db.session.get(HumanTask, task_id).follow_up_at is None
        with pytest.raises(Invalid) as bad:
            task_schedule.set_follow_up(task_id, "tomorrow", actor=agent)
        assert "follow_up_at" in bad.value.details["fields"]
        with pytest.raises(NotFound):
            task_schedule.set_follow_up(task_id, "2030-01-01", actor=eng.actor("tech"))
