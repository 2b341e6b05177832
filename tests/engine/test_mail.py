"""Mail outbox: written in the caller's transaction, sent by the job executor
over real SMTP (aiosmtpd), retried while SMTP is down, never sent twice;
instant vs digest notifications; SLA warning/breach; templates in zh and en;
customer mails from a script task."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from app.engine import definitions, jobs, mail, runtime, tasks
from app.extensions import db
from app.models import HumanTask, Job, UserProfile
from app.models.engine import MailOutbox
from tests.engine.conftest import temporary_member
from tests.engine.ops_support import (  # noqa: F401  (fixtures)
    SmtpServer, clean_jobs, diagram, flows, run_all_due, smtp, smtp_port,
)

SH = ZoneInfo("Asia/Shanghai")


def outbox(message_id: str) -> MailOutbox | None:
    db.session.expire_all()
    return db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == message_id)).first()


def mail_jobs(message_id: str) -> list[Job]:
    return [j for j in db.session.scalars(select(Job).where(Job.kind == "mail")) if j.payload.get("message_id") == message_id]


CTX = {"name": "王先生", "business_key": "SR-2026-0001", "matter": "空调不制冷"}


def test_outbox_row_and_job_commit_or_roll_back_together(clean_jobs):
    row = mail.queue_mail("customer_acknowledgement", ["wang@example.com"], "acknowledgement", CTX)
    mid = row.message_id
    assert mid.startswith("<") and mid.endswith("@localhost>")
    db.session.rollback()
    assert outbox(mid) is None and mail_jobs(mid) == []  # rolled back: no mail, no job

    mid = mail.queue_mail("customer_acknowledgement", ["wang@example.com"], "acknowledgement", CTX).message_id
    db.session.commit()
    row = outbox(mid)
    assert row.state == "pending" and row.recipients == ["wang@example.com"] and "SR-2026-0001" in row.subject
    [job] = mail_jobs(mid)
    assert job.state == "pending" and job.retries_left == mail.MAIL_RETRIES


def test_smtp_down_retries_then_sends_once_with_the_recorded_message_id(clean_jobs, smtp_port):
    t0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(t0, tick=False) as clock:
        mid = mail.queue_mail("customer_result", ["li@example.com"], "result",
                              {"name": "李女士", "business_key": "SR-9", "result": "已更换压缩机"}, locale="zh").message_id
        db.session.commit()
        run_all_due()  # nothing listens on the port: connection refused
        row, [job] = outbox(mid), mail_jobs(mid)
        assert (row.state, row.attempts, job.state, job.attempts) == ("pending", 1, "pending", 1)
        assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
        assert job.due_at == t0 + timedelta(seconds=30)

        clock.shift(timedelta(seconds=30))
        run_all_due()  # still down
        assert outbox(mid).attempts == 2 and mail_jobs(mid)[0].due_at == t0 + timedelta(seconds=90)

        server = SmtpServer(smtp_port)
        server.start()  # SMTP is back
        try:
            clock.shift(timedelta(seconds=60))
            run_all_due()
            row = outbox(mid)
            assert (row.state, row.attempts, row.last_error, row.sent_at) == ("sent", 3, None, t0 + timedelta(seconds=90))
            [msg] = server.with_id(mid)
            assert msg["Subject"] == "处理结果通知 · SR-9" and msg["To"] == "li@example.com"
            assert "已更换压缩机" in msg.get_body(("plain",)).get_content()
            assert "已更换压缩机" in msg.get_body(("html",)).get_content()

            # A duplicate job for the same mail (e.g. a worker that died after the SMTP
            # send and whose job ran again) finds the row sent and sends nothing.
            jobs.enqueue("mail", {"message_id": mid})
            db.session.commit()
            clock.shift(timedelta(hours=3))
            run_all_due()
            assert len(server.with_id(mid)) == 1 and len(server.messages) == 1
        finally:
            server.stop()


def test_smtp_down_for_good_becomes_an_incident_and_admin_retry_sends(app, clean_jobs, smtp_port):
    app.config["MAIL_RETRIES"] = 2
    try:
        with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc), tick=False) as clock:
            mid = mail.queue_mail("customer_survey_link", ["zhao@example.com"], "survey_link",
                                  {"survey_url": "https://cs.example.com/s/abc", "locale": "en"}).message_id
            db.session.commit()
            run_all_due()
            clock.shift(timedelta(minutes=1))
            run_all_due()
            [job] = mail_jobs(mid)
            assert job.state == "incident" and outbox(mid).state == "failed"
            server = SmtpServer(smtp_port)
            server.start()
            try:
                jobs.retry_job(job.id)
                run_all_due()
                assert outbox(mid).state == "sent" and len(server.with_id(mid)) == 1
            finally:
                server.stop()
    finally:
        app.config.pop("MAIL_RETRIES")


# --- task notifications ----------------------------------------------------------------

NOTIFY_XML = diagram("notify_test", '<bpmn:startEvent id="s"/>'
                     '<bpmn:userTask id="check" name="Check the unit" camunda:candidateUsers="agent,tech" '
                     'camunda:candidateGroups="Sales" />'  # Sales: someone the supervisor may reassign it to
                     '<bpmn:endEvent id="e"/>' + flows(("s", "check"), ("check", "e")))


@pytest.fixture
def notify_modes(app_ctx, actors):
    """tech reads a daily digest, agent gets mails at once (restored afterwards)."""
    saved = {}
    for name, mode in (("tech", "digest"), ("agent", "instant")):
        profile = db.session.get(UserProfile, actors[name].user_id)
        saved[name] = profile.notify_mode
        profile.notify_mode = mode
    db.session.commit()
    yield
    for name, mode in saved.items():
        db.session.get(UserProfile, actors[name].user_id).notify_mode = mode
    db.session.commit()


def test_instant_and_digest_notifications(clean_jobs, smtp, actors, notify_modes):
    definitions.deploy(NOTIFY_XML, actor=actors["owner"])
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(monday, tick=False) as clock:
        for key in ("N-1", "N-2"):
            runtime.start_process("notify_test", actor=actors["owner"], business_key=key)
        run_all_due()
        to_agent = smtp.to("agent@example.com")
        assert sorted(m["Subject"] for m in to_agent) == ["新任务：Check the unit · N-1", "新任务：Check the unit · N-2"]
        assert smtp.to("tech@example.com") == []  # digest reader: nothing yet
        digests = [j for j in db.session.scalars(select(Job).where(Job.kind == "digest", Job.state == "pending"))
                   if j.payload["user_id"] == actors["tech"].user_id]
        assert len(digests) == 1  # one digest job per user, however many tasks
        assert digests[0].due_at == datetime(2026, 3, 3, 9, 0, tzinfo=SH)

        clock.move_to(datetime(2026, 3, 3, 8, 59, tzinfo=SH))
        run_all_due()
        assert smtp.to("tech@example.com") == []
        clock.move_to(datetime(2026, 3, 3, 9, 0, tzinfo=SH))
        run_all_due()
        [digest] = smtp.to("tech@example.com")
        assert digest["Subject"] == "每日任务摘要：2 项新通知"
        body = digest.get_body(("plain",)).get_content()
        assert "Check the unit · N-1" in body and "Check the unit · N-2" in body
        # The next task starts a new digest; the items already sent are not repeated.
        runtime.start_process("notify_test", actor=actors["owner"], business_key="N-3")
        run_all_due()  # its task_mail job, within seconds as a worker runs it: the item joins the next digest
        clock.move_to(datetime(2026, 3, 4, 9, 0, tzinfo=SH))
        run_all_due()
        second = smtp.to("tech@example.com")[1]
        assert second["Subject"] == "每日任务摘要：1 项新通知"
        assert "N-3" in second.get_body(("plain",)).get_content() and "N-1" not in second.get_body(("plain",)).get_content()


@pytest.fixture
def second_agent(app_ctx):
    """A second CustomerService member for this test only."""
    with temporary_member(app_ctx, "agent2", "Li", "Na", "CustomerService") as user:
        yield user


def test_a_group_task_is_one_bcc_mail_to_the_members_who_read_mail_at_once(clean_jobs, smtp, actors, complaint_def,
                                                                           second_agent):
    inst = runtime.start_process("engine_complaint", actor=actors["owner"], business_key="BCC-1")
    run_all_due()  # the new task's task_mail job: its people are read when it runs
    rows = [r for r in db.session.scalars(select(MailOutbox).where(MailOutbox.instance_id == inst.id))
            if r.kind == "task_created"]
    assert len(rows) == 1 and sorted(rows[0].recipients) == ["agent2@example.com", "agent@example.com"]
    run_all_due()
    [msg] = smtp.with_id(rows[0].message_id)
    assert sorted(msg["X-Envelope-To"].split(", ")) == ["agent2@example.com", "agent@example.com"]
    assert msg["To"] == "undisclosed-recipients:;" and msg["Bcc"] is None and msg["Cc"] is None
    headers = "".join(f"{k}: {v}\n" for k, v in msg.items() if k != "X-Envelope-To")
    assert "agent@example.com" not in headers and "agent2@example.com" not in headers
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith("您好：") and "BCC-1" in msg["Subject"]


def test_a_large_group_is_split_into_messages_of_mail_max_recipients(app, clean_jobs, actors, complaint_def,
                                                                      second_agent, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_RECIPIENTS", 1)
    inst = runtime.start_process("engine_complaint", actor=actors["owner"], business_key="BCC-2")
    run_all_due()  # the new task's task_mail job: its people are read when it runs
    rows = [r.recipients for r in db.session.scalars(select(MailOutbox).where(MailOutbox.instance_id == inst.id))
            if r.kind == "task_created"]
    assert sorted(rows) == [["agent2@example.com"], ["agent@example.com"]]


def test_reassignment_mails_the_new_assignee(clean_jobs, smtp, actors, notify_modes):
    definitions.deploy(NOTIFY_XML, actor=actors["owner"])
    inst = runtime.start_process("notify_test", actor=actors["owner"], business_key="N-ASSIGN")
    task = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)).one()
    tasks.assign(task.id, actors["sales"].user_id, actor=actors["supervisor"])
    run_all_due()
    [msg] = [m for m in smtp.to("sales@example.com") if m["Subject"].startswith("任务已分派")]  # not the offer's
    assert msg["Subject"] == "任务已分派给您：Check the unit · N-ASSIGN"
    assert f"/task/{task.id}/" in msg.get_body(("plain",)).get_content()


@pytest.mark.parametrize("created, expected", [
    (datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 0)),    # Monday before 09:00: today
    (datetime(2026, 3, 6, 10, 0), datetime(2026, 3, 9, 9, 0)),   # Friday: Monday
    (datetime(2026, 4, 30, 10, 0), datetime(2026, 5, 6, 9, 0)),  # before the Labour Day holiday
    (datetime(2026, 2, 13, 20, 0), datetime(2026, 2, 14, 9, 0)),  # make-up working Saturday
])
def test_digest_time_is_9_am_of_the_next_working_day(app_ctx, created, expected):
    assert mail.next_digest_at(created.replace(tzinfo=SH)) == expected.replace(tzinfo=SH)


def sla_mails(smtp) -> list[tuple[str, str]]:
    return sorted((m["To"], m["Subject"]) for m in smtp.messages if m["Subject"].startswith(("即将超时", "已超时")))


def test_sla_warning_and_breach_mails(clean_jobs, smtp, actors, complaint_def):
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(monday, tick=False) as clock:
        late = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="SLA-LATE")
        quick = runtime.start_process("engine_complaint", actor=actors["agent"], business_key="SLA-QUICK")
        task = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == late.id)).one()
        assert task.due_at == datetime(2026, 3, 3, 18, 0, tzinfo=SH)  # 1 working day
        run_all_due()
        assert [m["Subject"] for m in smtp.to("agent@example.com")] == [
            "新任务：Register complaint · SLA-LATE", "新任务：Register complaint · SLA-QUICK"]
        quick_task = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == quick.id)).one()
        tasks.complete(quick_task.id, {"matter": "done quickly"}, actor=actors["agent"])
        smtp.messages.clear()

        clock.move_to(datetime(2026, 3, 3, 13, 59, tzinfo=SH))
        run_all_due()
        assert sla_mails(smtp) == []
        smtp.messages.clear()  # (the quick complaint's next task was announced to tech)
        clock.move_to(datetime(2026, 3, 3, 14, 0, tzinfo=SH))  # 4 h before the due time: at risk
        run_all_due()
        warned = sla_mails(smtp)
        assert warned == [("agent@example.com", "即将超时：Register complaint · SLA-LATE，截止 2026-03-03 18:00"),
                          ("supervisor@example.com", "即将超时：Register complaint · SLA-LATE，截止 2026-03-03 18:00")]
        assert "您部门的一项任务" in smtp.to("supervisor@example.com")[0].get_body(("plain",)).get_content()
        smtp.messages.clear()

        clock.move_to(datetime(2026, 3, 3, 18, 0, 1, tzinfo=SH))
        run_all_due()
        breached = sla_mails(smtp)
        assert breached == [("agent@example.com", "已超时：Register complaint · SLA-LATE，截止 2026-03-03 18:00"),
                            ("supervisor@example.com", "已超时：Register complaint · SLA-LATE，截止 2026-03-03 18:00")]
        assert tasks.sla_state(task) == "overdue"
        # The quickly completed task got no reminder at all.
        assert not [m for m in sla_mails(smtp) if "SLA-QUICK" in m[1]]


# --- templates and customer mails -------------------------------------------------------

TEMPLATE_CONTEXT = {
    "task": {"id": 7, "name": "回访<客户>", "process_name": "投诉处理", "business_key": "C-1", "customer": "华东精密",
             "priority": 50, "due": "2026-03-03 18:00", "assignee": "李 客服", "url": "http://x/task/7/"},
    "recipient": "李 客服", "role": "assignee",
    "items": [{"subject": "新任务：A", "text": "", "at": "2026-03-02 10:00"}],
    "name": "王先生", "business_key": "SR-1", "matter": "噪音", "result": "已修复", "due": "2026-03-05",
    "survey_url": "https://cs.example.com/s/1",
}


@pytest.mark.parametrize("template", ["task_created", "task_assigned", "sla_warning", "sla_breach", "digest",
                                      "acknowledgement", "result", "survey_link"])
def test_every_template_renders_in_zh_and_en(app_ctx, template):
    zh = mail.render(template, TEMPLATE_CONTEXT, "zh")
    en = mail.render(template, TEMPLATE_CONTEXT, "en")
    for subject, text, html in (zh, en):
        assert subject and "\n" not in subject and text.strip() and html.startswith("<!DOCTYPE html>")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh[0] + zh[1])
    assert en[0].isascii() or "·" in en[0] or template == "sla_warning"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en[1].replace(TEMPLATE_CONTEXT["name"], "")
                   .replace("回访<客户>", "").replace("投诉处理", "").replace("华东精密", "").replace("李 客服", "")
                   .replace("新任务：A", "").replace("噪音", "").replace("已修复", ""))
    if template.startswith(("task", "sla")):
        assert "回访<客户>" in zh[1] and "回访&lt;客户&gt;" in zh[2]  # text raw, HTML escaped


def test_customer_mail_guards(app_ctx):
    with pytest.raises(ValueError, match="unknown mail template"):
        mail.send_mail("task_created", "a@example.com")
    with pytest.raises(ValueError, match="invalid e-mail"):
        mail.send_mail("result", "not an address")
    with pytest.raises(ValueError, match="http"):
        mail.send_mail("survey_link", "a@example.com", survey_url="javascript:alert(1)")
    with pytest.raises(ValueError, match="invalid mail template"):
        mail.render("../secret", {}, "zh")
    db.session.rollback()


SCRIPT_XML = diagram("ack_test", '<bpmn:startEvent id="s"/>'
                     '<bpmn:scriptTask id="ack" name="Acknowledge" scriptFormat="python"><bpmn:script>'
                     'ack_id = send_mail("acknowledgement", email, name=name, business_key=business_key, locale=lang)'
                     '</bpmn:script></bpmn:scriptTask>'
                     '<bpmn:userTask id="work" name="Work on it" camunda:candidateGroups="TechSupport" />'
                     '<bpmn:endEvent id="e"/>' + flows(("s", "ack"), ("ack", "work"), ("work", "e")))


def test_script_task_sends_a_customer_mail_through_the_outbox(clean_jobs, smtp, actors):
    definitions.deploy(SCRIPT_XML, actor=actors["owner"])
    inst = runtime.start_process("ack_test", actor=actors["agent"], business_key="SR-ACK",
                                 variables={"email": "buyer@example.com", "name": "Ms Chen", "lang": "en"})
    assert inst.status == "running"
    ack_id = runtime.variables_of(inst)["ack_id"]
    row = outbox(ack_id)
    assert row.kind == "customer_acknowledgement" and row.state == "pending"
    run_all_due()
    [msg] = smtp.with_id(ack_id)
    assert msg["Subject"] == "We have received your request · SR-ACK" and msg["To"] == "buyer@example.com"
    assert "Dear Ms Chen" in msg.get_body(("plain",)).get_content()
    assert db.session.scalar(select(func.count()).select_from(MailOutbox).where(
        MailOutbox.message_id == ack_id, MailOutbox.state == "sent")) == 1


@pytest.fixture
def script_scope_hook(monkeypatch):
    """The engine wraps each script run in mail.script_scope() (lead's diff to
    scripting.EngineScriptEngine.execute); applied here if it is not there yet."""
    from app.engine.scripting import EngineScriptEngine

    if "script_scope" not in EngineScriptEngine.execute.__code__.co_names:
        original = EngineScriptEngine.execute

        def execute(self, task, script, external_context=None):
            with mail.script_scope():
                return original(self, task, script, external_context)

        monkeypatch.setattr(EngineScriptEngine, "execute", execute)


def test_script_mail_rolls_back_with_a_failing_step(clean_jobs, actors, script_scope_hook):
    xml = SCRIPT_XML.replace(b"ack_test", b"ack_fail").replace(b'locale=lang)', b'locale=lang); 1 / 0')
    definitions.deploy(xml, actor=actors["owner"])
    before = db.session.scalar(select(func.count()).select_from(MailOutbox))
    inst = runtime.start_process("ack_fail", actor=actors["agent"], business_key="SR-FAIL",
                                 variables={"email": "buyer@example.com", "name": "Ms Chen", "lang": "en"})
    assert inst.status == "incident"
    # The failed script task's mail is not kept: the task will run again after the fix.
    assert db.session.scalar(select(func.count()).select_from(MailOutbox)) == before


@pytest.fixture
def english_agent(app_ctx, actors):
    """agent reads task mails in English (restored afterwards)."""
    profile = db.session.get(UserProfile, actors["agent"].user_id)
    saved = profile.locale
    profile.locale = "en"
    db.session.commit()
    yield
    db.session.get(UserProfile, actors["agent"].user_id).locale = saved
    db.session.commit()


def test_each_user_gets_task_mails_in_their_language(clean_jobs, smtp, actors, notify_modes, english_agent):
    definitions.deploy(NOTIFY_XML, actor=actors["owner"])
    inst = runtime.start_process("notify_test", actor=actors["owner"], business_key="LANG-1")
    run_all_due()
    [msg] = smtp.to("agent@example.com")
    assert msg["Subject"] == "New task: Check the unit · LANG-1"
    assert msg.get_body(("plain",)).get_content().startswith("Hello")
    task = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)).one()
    tasks.assign(task.id, actors["sales"].user_id, actor=actors["supervisor"])  # sales: no language set
    run_all_due()
    assert smtp.to("sales@example.com")[-1]["Subject"] == "任务已分派给您：Check the unit · LANG-1"


def test_a_group_task_goes_out_once_per_language(clean_jobs, smtp, actors, complaint_def, second_agent, english_agent):
    inst = runtime.start_process("engine_complaint", actor=actors["owner"], business_key="BCC-LANG")
    run_all_due()  # the new task's task_mail job: its people are read when it runs
    rows = {r.subject: r.recipients for r in db.session.scalars(select(MailOutbox).where(MailOutbox.instance_id == inst.id))
            if r.kind == "task_created"}
    assert sorted(rows.values()) == [["agent2@example.com"], ["agent@example.com"]]
    assert any(s.startswith("New task:") for s in rows) and any(s.startswith("新任务：") for s in rows)


def test_mail_prefs_refuse_unknown_values_and_keep_the_old_ones(app_ctx, actors):
    from app.engine.errors import Invalid

    user_id = actors["viewer"].user_id
    before = mail.mail_prefs(user_id)
    for mode, locale in (("sms", None), ("digest", "fr")):
        with pytest.raises(Invalid) as err:
            mail.set_mail_prefs(user_id, mode, locale)
        assert set(err.value.details["fields"]) == ({"notify_mode"} if mode == "sms" else {"locale"})
    assert mail.mail_prefs(user_id) == before
    mail.set_mail_prefs(user_id, "digest", "en")
    assert mail.mail_prefs(user_id) == ("digest", "en")
    mail.set_mail_prefs(user_id, *before)
