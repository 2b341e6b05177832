"""Quartz cron cycles (Camunda 7's timeCycle): the parser, the bounds shared with ISO cycles, and
timers with a cron cycle firing through the job table on a simulated clock."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from app.engine import clock as engine_clock, cron, definitions, runtime, tasks, timer_bounds
from app.engine.bpmn import parse_definition
from app.engine.errors import Invalid
from app.engine.expressions import is_timer_literal
from app.extensions import db
from app.models import HumanTask, Job, ProcessInstance
from tests.engine.conftest import DATA
from tests.engine.ops_support import clean_jobs, diagram, flows, run_all_due, smtp, smtp_port  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
TEN_YEARS = timedelta(days=3653)
CAMUNDA = DATA / "bpmn" / "camunda"


def nxt(expr: str, after: datetime = MONDAY) -> datetime | None:
    return cron.parse(expr).next_after(after, SH, TEN_YEARS)


@pytest.mark.parametrize("expr, expected", [
    ("0 0 9 * * ?", datetime(2026, 3, 3, 9, 0)),                  # every day 09:00
    ("0 0/5 * * * ?", datetime(2026, 3, 2, 10, 5)),                # every 5 minutes
    ("*/20 * * * * ?", datetime(2026, 3, 2, 10, 0, 20)),
    ("0 0 9 ? * MON-FRI", datetime(2026, 3, 3, 9, 0)),            # weekdays
    ("0 0 9 ? * 2-6", datetime(2026, 3, 3, 9, 0)),                 # the same in numbers (1 = SUN)
    ("0 0 9 ? * SAT,SUN", datetime(2026, 3, 7, 9, 0)),
    ("0 0 22-2 ? * FRI-MON", datetime(2026, 3, 2, 22, 0)),        # wrapping ranges
    ("0 30 10-13 ? * WED,FRI", datetime(2026, 3, 4, 10, 30)),
    ("0 15 10 L * ?", datetime(2026, 3, 31, 10, 15)),              # last day of the month
    ("0 0 9 L-2 * ?", datetime(2026, 3, 29, 9, 0)),
    ("0 0 12 LW * ?", datetime(2026, 3, 31, 12, 0)),               # last weekday
    ("0 0 12 15W * ?", datetime(2026, 3, 16, 12, 0)),              # the 15th is a Sunday: Monday
    ("0 0 12 1W * ?", datetime(2026, 3, 2, 12, 0)),                # the 1st is a Sunday: Monday 2nd
    ("0 0 12 ? * 6L", datetime(2026, 3, 27, 12, 0)),               # last Friday
    ("0 0 12 ? * 6#3", datetime(2026, 3, 20, 12, 0)),              # third Friday
    ("0 0 12 ? * L", datetime(2026, 3, 7, 12, 0)),                 # L alone: Saturday
    ("0 0 0 1 JAN ? 2027", datetime(2027, 1, 1, 0, 0)),            # with a year
    ("0 0 9 1 1/3 ?", datetime(2026, 4, 1, 9, 0)),                 # quarterly
    ("0 0 9 29 FEB ?", datetime(2028, 2, 29, 9, 0)),               # leap day
    ("0 0 9 * * *", datetime(2026, 3, 3, 9, 0)),                   # '*' beside '*' is read as '?'
    ("0 0 10 * * ?", datetime(2026, 3, 3, 10, 0)),                 # strictly after 10:00:00
])
def test_next_occurrence(expr, expected):
    assert nxt(expr) == expected.replace(tzinfo=SH)


def test_the_engine_zone_is_the_wall_clock():
    utc_after = datetime(2026, 3, 2, 0, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Shanghai
    assert nxt("0 0 9 * * ?", utc_after) == datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def test_never_firing_and_beyond_the_horizon():
    assert nxt("0 0 9 30 FEB ?") is None
    assert nxt("0 0 0 1 1 ? 2025") is None


@pytest.mark.parametrize("expr, fragment", [
    ("0 0 9 * *", "6 or 7 fields"),
    ("0 0 25 * * ?", "hours: 25 is outside 0-23"),
    ("60 0 9 * * ?", "seconds: 60 is outside 0-59"),
    ("0 0 9 ? * MON-FRX", "day of week: 'FRX' is not a number or a name"),
    ("0 0 9 ? JANX *", "month: 'JANX' is not a number"),
    ("0 0 9 1 * MON", "both set"),
    ("0 0 9 ? * ?", "both '?'"),
    ("0 0/0 9 * * ?", "step '0' must be a positive number"),
    ("0 ? 9 * * *", "'?' stands alone"),
    ("0 0 9 ? * 6#6", "#6 must be 1-5"),
    ("0 0 9 1,L * ?", "mixes L/W"),
    ("0 0 9 ? * 1 1969", "year: 1969 is outside 1970-2099"),
])
def test_invalid_expressions_name_the_field(expr, fragment):
    with pytest.raises(cron.CronError) as info:
        cron.parse(expr)
    assert fragment in str(info.value)


def test_cron_is_a_timer_literal_but_python_stays_python():
    assert is_timer_literal("0 0 9 * * ?") and is_timer_literal("0 0 9 ? * MON-FRI 2027")
    assert not is_timer_literal("1 * 2 * 3 * 4")  # valid Python: an expression, not a cron
    assert not is_timer_literal("a and b or c")


def test_bounds_as_for_iso_cycles():
    lim = timer_bounds.Limits(horizon_years=1)
    with pytest.raises(timer_bounds.TimerBoundError, match="never fires within the 1-year horizon"):
        timer_bounds.check_cron("0 0 9 1 1 ? 2030", MONDAY, lim)
    with pytest.raises(timer_bounds.TimerBoundError, match="is not valid: hours"):
        timer_bounds.check("timeCycle", "0 0 99 * * ?", MONDAY, lim)
    assert timer_bounds.next_start("0 0 9 ? * MON-FRI", after=MONDAY, fired=50) == datetime(2026, 3, 3, 9, tzinfo=SH)


def _cycle_diagram(value: str) -> bytes:
    return diagram("cron_bad", '<bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeCycle>'
                   f'{value}</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>'
                   '<bpmn:userTask id="t" camunda:candidateGroups="CustomerService"/><bpmn:endEvent id="e"/>'
                   + flows(("s", "t"), ("t", "e")))


@pytest.mark.parametrize("value, fragment", [
    ("0 0 9 ? * MON-FRX", "cron '0 0 9 ? * MON-FRX' is not valid: day of week"),
    ("0 0 9 30 2 ?", "never fires within"),
])
def test_the_validator_refuses_bad_crons_located(app_ctx, value, fragment):
    [problem] = [p for p in parse_definition(_cycle_diagram(value)).problems if p.is_error]
    assert problem.element_id == "s" and fragment in problem.message


def test_a_cron_in_a_duration_is_refused(app_ctx):
    xml = _cycle_diagram("x").replace(b"timeCycle>x</bpmn:timeCycle", b"timeDuration>0 0 9 * * ?</bpmn:timeDuration")
    [problem] = [p for p in parse_definition(xml).problems if p.is_error]
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        assert problem.element_id == "s" and "only a timer cycle takes" in problem.message


def _starts() -> list[ProcessInstance]:
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "cron_weekday_start")
                                   .order_by(ProcessInstance.id)))


def _pending_start_jobs() -> list[Job]:
    return [j for j in db.session.scalars(select(Job).where(Job.kind == "timer_start", Job.state == "pending"))
            if j.payload["key"] == "cron_weekday_start"]


def test_a_cron_timer_start_event_fires_through_the_job_worker(clean_jobs, smtp, actors):
    db.session.execute(update(ProcessInstance).where(ProcessInstance.process_key == "cron_weekday_start")
                       .values(process_key="cron_weekday_start_old"))
    sim = engine_clock.SimulatedClock(datetime(2031, 3, 7, 8, 0, tzinfo=SH))  # a Friday
    with engine_clock.use(sim.now):
        definitions.deploy((CAMUNDA / "cron_weekday_start.bpmn").read_bytes(), actor=actors["owner"])
        [job] = _pending_start_jobs()
        assert job.due_at == datetime(2031, 3, 7, 9, 0, tzinfo=SH)
        sim.advance(minutes=59)
        run_all_due()
        assert _starts() == []
        sim.advance(minutes=1, seconds=1)  # Friday 09:00:01
        run_all_due()
        assert len(_starts()) == 1
        [job] = _pending_start_jobs()
        assert job.due_at == datetime(2031, 3, 10, 9, 0, tzinfo=SH)  # Monday: not on the weekend
        sim.advance(days=2)  # Sunday
        run_all_due()
        assert len(_starts()) == 1
        sim.advance(days=1)  # Monday 09:00:01
        run_all_due()
        instances = _starts()
        assert [i.started_at.astimezone(SH) for i in instances] == [
            datetime(2031, 3, 7, 9, 0, 1, tzinfo=SH), datetime(2031, 3, 10, 9, 0, 1, tzinfo=SH)]
        assert all(i.status == "running" for i in instances)
        for inst in instances:  # leave no work behind for the inbox tests, and no start timer ticking
            runtime.terminate(inst.id, actor=actors["supervisor"], reason="test done")
        for job in _pending_start_jobs():
            job.state = "done"
        db.session.commit()


def _open(inst, element: str) -> list[HumanTask]:
    db.session.expire_all()
    return list(db.session.scalars(select(HumanTask).filter_by(instance_id=inst.id, element_id=element,
                                                               state="open")))


def test_a_cron_boundary_cycle_repeats_until_the_task_is_done(clean_jobs, smtp, actors):
    definitions.deploy((CAMUNDA / "cron_reminder.bpmn").read_bytes(), actor=actors["owner"])
    sim = engine_clock.SimulatedClock(datetime(2031, 3, 3, 10, 10, tzinfo=SH))
    with engine_clock.use(sim.now):
        inst = runtime.start_process("cron_reminder", actor=actors["agent"])
        job = db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.state == "pending")).one()
        assert job.due_at.astimezone(SH).replace(microsecond=0) == datetime(2031, 3, 3, 10, 30, tzinfo=SH)
        sim.advance(minutes=20, seconds=1)  # 10:30:01
        run_all_due()
        assert len(_open(inst, "Remind")) == 1
        sim.advance(minutes=30)  # 11:00:01
        run_all_due()
        assert len(_open(inst, "Remind")) == 2
        sim.advance(hours=5)  # missed occurrences fire once, then the next is after now
        run_all_due()
        assert len(_open(inst, "Remind")) == 3
        [handle] = _open(inst, "Handle")
        tasks.complete(handle.id, {}, actor=actors["agent"])
        sim.advance(hours=1)
        run_all_due()
        assert len(_open(inst, "Remind")) == 3  # the cycle ended with its task
        for remind in _open(inst, "Remind"):
            tasks.complete(remind.id, {}, actor=actors["supervisor"])
        db.session.refresh(inst)
        assert inst.status == "completed"
