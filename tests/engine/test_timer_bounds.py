"""Bounded timers and located expression errors.

1. The working-day arithmetic (per-year arrays + bisect) equals a plain day walk on random
   inputs across holidays, make-up weekends and overrides, and refuses the horizon.
2. ``timer_bounds``: zero/negative/too-long durations and intervals, far dates, cycles owing
   too many occurrences, no interval-by-interval loops.
3. The engine: a refused or failing timer, due date, assignee... is an incident on its element
   (never an exception to the caller), retryable once the data is fixed; a past date fires once,
   noted as late in the history.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import select

from app.engine import definitions, history, runtime, tasks, timer_bounds, timers
from app.engine.errors import Invalid
from app.engine.timer_bounds import Limits, TimerBoundError
from app.engine.workdays import HorizonError, WorkCalendar
from app.extensions import db
from app.models import HumanTask, Job, ProcessInstance
from tests.engine.ops_support import clean_jobs, diagram, flows, run_all_due, smtp, smtp_port  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday
LIM = Limits()


# --- 1. working-day arithmetic: fast path == day walk ---------------------------------------------------

def walk_add_days(cal: WorkCalendar, start: datetime, n: int) -> datetime:
    start = start.astimezone(cal.tz) if start.tzinfo else start.replace(tzinfo=cal.tz)
    d = start.date()
    if n == 0:
        if cal.is_working_day(d) and start.time() < cal.day_end:
            return datetime.combine(d, cal.day_end, tzinfo=cal.tz)
        n = 1
    while n:
        d += timedelta(days=1)
        n -= cal.is_working_day(d)
    return datetime.combine(d, cal.day_end, tzinfo=cal.tz)


def walk_add_minutes(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    start = start.astimezone(cal.tz) if start.tzinfo else start.replace(tzinfo=cal.tz)
    d, remaining = start.date(), timedelta(minutes=minutes)
    pos = max(start, datetime.combine(d, cal.day_start, tzinfo=cal.tz))
    while True:
        close = datetime.combine(d, cal.day_end, tzinfo=cal.tz)
        if cal.is_working_day(d) and pos < close:
            if remaining <= close - pos:
                return pos + remaining
            remaining -= close - pos
        d += timedelta(days=1)
        pos = datetime.combine(d, cal.day_start, tzinfo=cal.tz)


def walk_minutes_between(cal: WorkCalendar, a: datetime, b: datetime) -> int:
    a, b = (x.replace(tzinfo=cal.tz) for x in (a, b))
    if b < a:
        return -walk_minutes_between(cal, b, a)
    total, d = timedelta(), a.date()
    while d <= b.date():
        if cal.is_working_day(d):
            lo = max(a, datetime.combine(d, cal.day_start, tzinfo=cal.tz))
            hi = min(b, datetime.combine(d, cal.day_end, tzinfo=cal.tz))
            total += max(hi - lo, timedelta())
        d += timedelta(days=1)
    return int(total // timedelta(minutes=1))


def random_calendar(rng: random.Random) -> WorkCalendar:
    """Overrides on random days of 2025-2027, weekends and make-up days included."""
    days = [date(2025, 1, 1) + timedelta(days=rng.randrange(3 * 365)) for _ in range(60)]
    return WorkCalendar({d: rng.choice(["holiday", "workday", "closure"]) for d in days},
                        day_start=time(8, 30), day_end=time(17, 45))


def random_start(rng: random.Random) -> datetime:
    return datetime(2024, 12, 1) + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_path_equals_the_day_walk(seed):
    rng = random.Random(seed)
    for cal in (WorkCalendar(), random_calendar(rng)):
        for _ in range(150):
            start = random_start(rng)
            n = rng.choice([0, 1, 2, 5, rng.randrange(400), rng.randrange(1200)])
            assert cal.add_working_days(start, n) == walk_add_days(cal, start, n), (start, n)
            minutes = rng.choice([0, 1, 30, 539, 540, 541, rng.randrange(10_000), rng.randrange(600_000)])
            assert cal.add_working_minutes(start, minutes) == walk_add_minutes(cal, start, minutes), (start, minutes)
            other = random_start(rng)
            assert cal.working_minutes_between(start, other) == walk_minutes_between(cal, start, other)
            a, b = start.date(), other.date()
            walked = sum(cal.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))
            assert cal.working_days_between(a, b) == (walked if b >= a else -cal.working_days_between(b, a))
            after = next(a + timedelta(days=i) for i in range(1, 400) if cal.is_working_day(a + timedelta(days=i)))
            before = next(a - timedelta(days=i) for i in range(1, 400) if cal.is_working_day(a - timedelta(days=i)))
            assert (cal.next_working_day(a), cal.previous_working_day(a)) == (after, before)


def test_ten_years_of_working_days_and_the_horizon():
    cal = WorkCalendar()
    start = datetime(2026, 3, 2, 10)
    due = cal.add_working_days(start, 2400)  # ~9.6 years: inside the 10-year horizon
    assert due == walk_add_days(cal, start, 2400)
    assert cal.working_days_between(start.date(), due.date()) == 2400
    with pytest.raises(HorizonError, match="horizon"):
        cal.add_working_days(start, 2700)  # past 2036-03-02
    with pytest.raises(HorizonError):
        cal.add_working_days(start, 4_000_000)  # refused before any day is looked at
    with pytest.raises(HorizonError, match=r"'P4000000D' reaches beyond the 10-year horizon"):
        cal.add_working(start, "P4000000D")
    with pytest.raises(HorizonError):
        cal.add_working_minutes(start, 10**15)
    with pytest.raises(HorizonError):
        cal.working_minutes_between(start, datetime(2040, 1, 1))
    with pytest.raises(HorizonError, match="1-year horizon"):
        cal.add_working(start, "P300D", horizon_years=1)
    assert WorkCalendar(horizon_years=20).add_working_days(start, 2700) == walk_add_days(cal, start, 2700)


def test_a_calendar_closed_for_years_stops_at_the_horizon():
    closed = WorkCalendar({date(2030, 1, 1) + timedelta(days=i): "closure" for i in range(4000)})
    with pytest.raises(HorizonError):
        closed.next_working_day(date(2030, 1, 1))
    with pytest.raises(HorizonError):
        closed.previous_working_day(date(2040, 12, 1))


# --- 2. timer_bounds -------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("text,needle", [
    ("PT0S", "zero"), ("P0D", "zero"), ("PT0H0M", "zero"), ("-PT1H", "negative"), ("PT-5S", "negative"),
    ("P4000000Y", "10-year horizon"), ("P11Y", "horizon"), ("P3700D", "horizon"), ("PT99999999H", "horizon"),
    ("P1X", "not an ISO 8601 duration"), ("P", "not an ISO 8601 duration"),
])
def test_refused_durations(text, needle):
    with pytest.raises(TimerBoundError, match=needle):
        timer_bounds.check("timeDuration", text, NOW, LIM)


@pytest.mark.parametrize("text", ["PT1S", "PT30M", "P2D", "P1W", "P9Y", "P1Y6M", "PT1.5H"])
def test_accepted_durations(text):
    assert timer_bounds.check("timeDuration", text, NOW, LIM) == text


def test_dates_past_and_beyond_the_horizon():
    assert timer_bounds.check_date("2001-01-01T00:00:00+00:00", NOW, LIM).year == 2001  # past: fires late
    assert timer_bounds.check_date("2035-01-01T00:00:00+08:00", NOW, LIM).year == 2034  # in UTC
    for far in ("2037-01-01T00:00:00+08:00", "9999-12-31T00:00:00+00:00"):
        with pytest.raises(TimerBoundError, match="beyond the 10-year horizon"):
            timer_bounds.check("timeDate", far, NOW, LIM)
    with pytest.raises(TimerBoundError, match="not a date"):
        timer_bounds.check("timeDate", "PT1H", NOW, LIM)
    with pytest.raises(TimerBoundError, match="not an ISO 8601 date"):
        timer_bounds.check("timeDate", "2026-13-01", NOW, LIM)
    with pytest.raises(TimerBoundError, match="not an ISO 8601"):
        timer_bounds.check("timeDate", 42, NOW, LIM)


@pytest.mark.parametrize("text,needle", [
    ("R/PT0S", "zero"), ("R5/2026-03-02T09:00:00+08:00/PT0S", "zero"), ("R/P0D", "zero"),
    ("R/P4000000Y", "horizon"), ("R/2040-01-01T00:00:00Z/PT1H", "horizon"),
    ("R/2000-01-01T00:00:00Z/PT1S", "would fire at once"), ("R/2026-02-01T00:00:00Z/PT1H", "would fire at once"),
    ("R20/2026-03-01T00:00:00Z/PT1H", "would fire at once"), ("R/PT-1H", "negative"), ("PT1H", "not an ISO 8601 cycle"),
])
def test_refused_cycles(text, needle):
    with pytest.raises(TimerBoundError, match=needle):
        timer_bounds.check("timeCycle", text, NOW, LIM)


def test_accepted_cycles_and_catch_up():
    for text in ("R/P1W", "R3/PT1H", "R/2026-03-02T09:00:00+08:00/PT1H", "R/PT1H/2026-12-01T09:00:00Z"):
        assert timer_bounds.check("timeCycle", text, NOW, LIM) == text
    # Anchored in the past: 10 occurrences due (at most 10) pass, 11 do not; a finite cycle owes its count.
    assert timer_bounds.check_cycle("R/2026-03-01T16:01:00Z/PT1H", NOW, LIM)[1] < NOW
    with pytest.raises(TimerBoundError, match="11 occurrences"):
        timer_bounds.check_cycle("R/2026-03-01T16:00:00Z/PT1H", NOW, LIM)
    assert timer_bounds.check_cycle("R3/2000-01-01T00:00:00Z/PT1H", NOW, LIM)[0] == 3
    # A process's timer start event never catches up: only the next occurrence counts.
    cycles, start, interval = timer_bounds.check_cycle("R/2000-01-01T00:00:00Z/PT1S", NOW, LIM, catchup=False)
    assert timer_bounds.next_occurrence(start, interval, NOW) == NOW + timedelta(seconds=1)


def test_next_occurrence_is_the_stepping_loop_without_the_loop():
    rng = random.Random(7)
    for _ in range(300):
        start = NOW + timedelta(seconds=rng.randrange(-10**6, 10**5))
        interval = timedelta(seconds=rng.randrange(1, 10**4))
        due = start
        while due <= NOW:
            due += interval
        assert timer_bounds.next_occurrence(start, interval, NOW) == due


def test_next_timer_start_never_loops():
    with pytest.raises(TimerBoundError, match="zero"):
        timers.next_timer_start("'R/PT0S'", after=NOW)
    with pytest.raises(TimerBoundError, match="zero"):
        timers.next_timer_start("'R/2026-03-01T00:00:00Z/PT0S'", after=NOW, fired=3)
    with pytest.raises(TimerBoundError, match="horizon"):
        timers.next_timer_start("'P4000000Y'", after=NOW)
    assert timers.next_timer_start("'R/2000-01-01T00:00:00Z/PT1S'", after=NOW) == NOW + timedelta(seconds=1)
    assert timers.next_timer_start("'2001-01-01T00:00:00Z'", after=NOW).year == 2001  # past: due at once


def test_limits_come_from_the_config(app_ctx):
    app_ctx.config.update(TIMER_MAX_HORIZON_YEARS=1, TIMER_MAX_CATCHUP=2)
    try:
        assert timer_bounds.limits() == Limits(1, 2)
        with pytest.raises(TimerBoundError, match="1-year horizon"):
            timer_bounds.check("timeDuration", "P2Y", NOW)
        with pytest.raises(TimerBoundError, match="at most 2"):
            timer_bounds.check("timeCycle", "R/2026-03-01T23:00:00Z/PT1H", NOW)
    finally:
        app_ctx.config.update(TIMER_MAX_HORIZON_YEARS=10, TIMER_MAX_CATCHUP=10)
    assert timer_bounds.limits() == Limits(10, 10)


# --- 3. the engine ---------------------------------------------------------------------------------------

def timer(kind: str, value: str) -> str:
    return f'<bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>'


def user(element: str, attrs: str = "") -> str:
    groups = "" if "candidateGroups" in attrs else 'camunda:candidateGroups="CustomerService"'
    return f'<bpmn:userTask id="{element}" name="{element.title()}" {groups} {attrs}/>'


def timer_process(key: str, kind: str = "timeDuration", value: str = "${delay}") -> bytes:
    """start -> timer 'wait' -> user task 'call' -> end."""
    return diagram(key, '<bpmn:startEvent id="s"/>'
                   f'<bpmn:intermediateCatchEvent id="wait" name="Wait a bit">{timer(kind, value)}'
                   '</bpmn:intermediateCatchEvent>' + user("call") + '<bpmn:endEvent id="e"/>'
                   + flows(("s", "wait"), ("wait", "call"), ("call", "e")))


def open_rows(inst) -> list[HumanTask]:
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id,
                                                      HumanTask.state == "open")).all()


def pending_timer(inst) -> Job | None:
    return db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.kind == "timer",
                                                Job.state == "pending")).first()


def events(inst, kind: str) -> list:
    return [e for e in history.for_instance(inst.id) if e.event == kind]


@pytest.mark.parametrize("delay,needle", [
    ("P4000000Y", "beyond the 10-year horizon"), ("PT0S", "zero"), ("-PT5M", "negative"), (42, "not an ISO 8601"),
])
def test_a_refused_timer_value_is_an_incident_on_the_timer(clean_jobs, smtp, actors, delay, needle):
    definitions.deploy(timer_process("tb_delay"), actor=actors["owner"])
    with time_machine.travel(T0, tick=False):
        inst = runtime.start_process("tb_delay", actor=actors["agent"], variables={"delay": delay})
        assert (inst.status, inst.incident_element) == ("incident", "wait")
        assert "Timer 'Wait a bit' (wait)" in inst.incident_message and needle in inst.incident_message
        assert pending_timer(inst) is None and open_rows(inst) == []
        assert [e.element_id for e in events(inst, "incident_raised")] == ["wait"]

        runtime.set_variables(inst.id, {"delay": "PT2H"}, actor=actors["supervisor"])
        runtime.retry_incident(inst.id, actor=actors["supervisor"])
        db.session.refresh(inst)
        assert inst.status == "running" and inst.incident_element is None
        assert pending_timer(inst).due_at == T0 + timedelta(hours=2) + timers.TIMER_SLACK


def test_a_timer_expression_error_after_a_task_is_an_incident_not_an_exception(clean_jobs, smtp, actors):
    xml = diagram("tb_after_task", '<bpmn:startEvent id="s"/>' + user("register")
                  + f'<bpmn:intermediateCatchEvent id="wait">{timer("timeDuration", "${follow_up}")}'
                  '</bpmn:intermediateCatchEvent>' + user("call") + '<bpmn:endEvent id="e"/>'
                  + flows(("s", "register"), ("register", "wait"), ("wait", "call"), ("call", "e")))
    definitions.deploy(xml, actor=actors["owner"])
    inst = runtime.start_process("tb_after_task", actor=actors["agent"])
    [row] = open_rows(inst)
    tasks.complete(row.id, {}, actor=actors["agent"])  # no exception: the instance records the incident
    db.session.refresh(inst)
    assert (inst.status, inst.incident_element) == ("incident", "wait")
    assert "name 'follow_up' is not defined" in inst.incident_message
    runtime.set_variables(inst.id, {"follow_up": "PT1M"}, actor=actors["supervisor"])
    runtime.retry_incident(inst.id, actor=actors["supervisor"])
    db.session.refresh(inst)
    assert inst.status == "running" and pending_timer(inst) is not None


def test_a_past_date_fires_once_with_a_history_note(clean_jobs, smtp, actors):
    definitions.deploy(timer_process("tb_past", "timeDate", "${when}"), actor=actors["owner"])
    inst = runtime.start_process("tb_past", actor=actors["agent"], variables={"when": "2020-01-01T09:00:00+08:00"})
    assert inst.status == "running" and [r.element_id for r in open_rows(inst)] == ["call"]
    [fired] = events(inst, "timer_fired")
    assert fired.element_id == "wait" and fired.data == {"late": True, "due": "2020-01-01T01:00:00+00:00"}
    run_all_due()
    assert len(events(inst, "timer_fired")) == 1 and pending_timer(inst) is None


def test_a_cycle_owing_too_many_occurrences_is_an_incident(clean_jobs, smtp, actors):
    xml = diagram("tb_cycle", '<bpmn:startEvent id="s"/>' + user("handle")
                  + f'<bpmn:boundaryEvent id="nag" name="Nag" attachedToRef="handle" cancelActivity="false">'
                  f'{timer("timeCycle", "${every}")}</bpmn:boundaryEvent>' + user("nudge")
                  + '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
                  + flows(("s", "handle"), ("handle", "e1"), ("nag", "nudge"), ("nudge", "e2")))
    definitions.deploy(xml, actor=actors["owner"])
    inst = runtime.start_process("tb_cycle", actor=actors["agent"], variables={"every": "R/2000-01-01T00:00:00Z/PT1S"})
    assert (inst.status, inst.incident_element) == ("incident", "nag") and "would fire at once" in inst.incident_message
    assert [r.element_id for r in open_rows(inst)] == ["handle"]  # the task itself is there
    runtime.set_variables(inst.id, {"every": "R2/PT1H"}, actor=actors["supervisor"])
    runtime.retry_incident(inst.id, actor=actors["supervisor"])
    db.session.refresh(inst)
    assert inst.status == "running" and pending_timer(inst) is not None


@pytest.mark.parametrize("attrs,variables,needle,fixed", [
    ('camunda:dueDate="${due}"', {}, "dueDate: name 'due' is not defined", {"due": "P2D"}),
    ('camunda:dueDate="${due}"', {"due": "P4000D"}, "dueDate: duration 'P4000D' reaches beyond the 10-year horizon",
     {"due": "P2D"}),
    ('camunda:dueDate="${due}"', {"due": "soon"}, "dueDate: Invalid isoformat string: 'soon'", {"due": "P2D"}),
    ('camunda:followUpDate="${due}"', {"due": "9999-01-01"}, "followUpDate: date 9999-01-01T00:00:00+08:00 is beyond",
     {"due": "P2D"}),
    ('camunda:priority="${rank + 1}"', {}, "priority: name 'rank' is not defined", {"rank": 50}),
    ('camunda:assignee="${owner_name.upper()}"', {"owner_name": 7}, "assignee: ", {"owner_name": "agent"}),
    ('camunda:candidateUsers="${others}"', {}, "candidateUsers: name 'others' is not defined", {"others": "agent"}),
    ('camunda:candidateGroups="CustomerService,${team}"', {}, "candidateGroups: name 'team' is not defined",
     {"team": "Sales"}),
])
def test_a_bad_task_attribute_is_an_incident_then_a_retry_creates_the_task(clean_jobs, smtp, actors, attrs,
                                                                             variables, needle, fixed):
    key = "tb_attr"
    xml = diagram(key, '<bpmn:startEvent id="s"/>' + user("register") + user("follow", attrs)
                  + '<bpmn:endEvent id="e"/>' + flows(("s", "register"), ("register", "follow"), ("follow", "e")))
    definitions.deploy(xml, actor=actors["owner"])
    with time_machine.travel(T0, tick=False):
        inst = runtime.start_process(key, actor=actors["agent"], variables=variables)
        [row] = open_rows(inst)
        tasks.complete(row.id, {}, actor=actors["agent"])
        db.session.refresh(inst)
        assert (inst.status, inst.incident_element) == ("incident", "follow")
        assert needle in inst.incident_message, inst.incident_message
        assert open_rows(inst) == []
        runtime.set_variables(inst.id, fixed, actor=actors["supervisor"])
        runtime.retry_incident(inst.id, actor=actors["supervisor"])
        db.session.refresh(inst)
        assert inst.status == "running"
        [row] = open_rows(inst)
        assert row.element_id == "follow"
        if "dueDate" in attrs:
            assert row.due_at == datetime(2026, 3, 4, 18, tzinfo=SH)  # P2D: two working days, close of business


def test_a_task_name_with_an_expression_names_the_row_or_is_an_incident(clean_jobs, smtp, actors):
    """Camunda 7 evaluates ``${...}`` in a user task's name: the row holds the result; a name that cannot be
    evaluated is an incident on the task, like any other attribute, and a retry creates the row."""
    follow = '<bpmn:userTask id="follow" name="跟进：${who}" camunda:candidateGroups="CustomerService"/>'
    xml = diagram("tb_name", '<bpmn:startEvent id="s"/>' + user("register") + follow + '<bpmn:endEvent id="e"/>'
                  + flows(("s", "register"), ("register", "follow"), ("follow", "e")))
    definitions.deploy(xml, actor=actors["owner"])
    inst = runtime.start_process("tb_name", actor=actors["agent"])
    [row] = open_rows(inst)
    tasks.complete(row.id, {}, actor=actors["agent"])
    db.session.refresh(inst)
    assert (inst.status, inst.incident_element) == ("incident", "follow")
    assert "name: name 'who' is not defined" in inst.incident_message, inst.incident_message
    runtime.set_variables(inst.id, {"who": "甲 客户"}, actor=actors["supervisor"])
    runtime.retry_incident(inst.id, actor=actors["supervisor"])
    [row] = open_rows(inst)
    assert (row.element_id, row.name) == ("follow", "跟进：甲 客户")


def test_an_error_in_a_called_process_is_located_there(clean_jobs, smtp, actors):
    callee = diagram("tb_callee", '<bpmn:startEvent id="cs"/>' + user("inner", 'camunda:dueDate="${inner_due}"')
                     + '<bpmn:endEvent id="ce"/>' + flows(("cs", "inner"), ("inner", "ce")))
    caller = diagram("tb_caller", '<bpmn:startEvent id="s"/><bpmn:callActivity id="call" calledElement="tb_callee"/>'
                     '<bpmn:endEvent id="e"/>' + flows(("s", "call"), ("call", "e")))
    definitions.deploy(callee, actor=actors["owner"])
    definitions.deploy(caller, actor=actors["owner"])
    inst = runtime.start_process("tb_caller", actor=actors["agent"])
    assert (inst.status, inst.incident_element) == ("incident", "inner")
    assert "dueDate: name 'inner_due' is not defined" in inst.incident_message
    runtime.set_variables(inst.id, {"inner_due": "PT4H"}, actor=actors["supervisor"])
    runtime.retry_incident(inst.id, actor=actors["supervisor"])
    db.session.refresh(inst)
    assert inst.status == "running" and [r.element_id for r in open_rows(inst)] == ["inner"]


@pytest.mark.parametrize("kind,value,needle", [
    ("timeDuration", "PT0S", "zero"), ("timeDuration", "P0D", "zero"), ("timeDuration", "-PT1H", "negative"),
    ("timeDuration", "PT-1H", "negative"), ("timeDuration", "P4000000Y", "horizon"),
    ("timeDate", "2099-01-01T00:00:00Z", "horizon"), ("timeCycle", "R/PT0S", "zero"),
    ("timeCycle", "R/2000-01-01T00:00:00Z/PT1S", "would fire at once"), ("timeCycle", "R/P4000000Y", "horizon"),
])
def test_literal_timers_are_checked_at_deploy(app_ctx, actors, kind, value, needle):
    problems = definitions.validate(timer_process("tb_literal", kind, value))
    assert [p.element_id for p in problems if p.is_error] == ["wait"], problems
    with force_locale("en"):  # outside a request the site's language (zh) renders it
        assert needle in problems[0].message and problems[0].hint


def test_due_date_literals_are_checked_at_deploy(app_ctx):
    xml = diagram("tb_due", '<bpmn:startEvent id="s"/>' + user("a", 'camunda:dueDate="P4000D"')
                  + user("b", 'camunda:dueDate="P1M"') + user("c", 'camunda:dueDate="P2D"') + '<bpmn:endEvent id="e"/>'
                  + flows(("s", "a"), ("a", "b"), ("b", "c"), ("c", "e")))
    problems = {p.element_id: p.message for p in definitions.validate(xml) if p.is_error}
    assert set(problems) == {"a", "b"}
    assert "horizon" in problems["a"] and "years/months/seconds" in problems["b"]


@pytest.mark.parametrize("value", ["R/PT0S", "${'R/PT0S'}", "${'P4000000Y'}", "${nobody_set_this}"])
def test_a_timer_start_event_that_cannot_run_is_refused_at_deploy(app_ctx, actors, value):
    xml = diagram("tb_start", f'<bpmn:startEvent id="tick" name="Tick">{timer("timeCycle", value)}</bpmn:startEvent>'
                  + user("check") + '<bpmn:endEvent id="e"/>' + flows(("tick", "check"), ("check", "e")))
    with pytest.raises(Invalid) as info:
        definitions.deploy(xml, actor=actors["owner"])
    assert [p["element_id"] for p in info.value.details["problems"]] == ["tick"]
    assert definitions.latest_definition("tb_start", required=False) is None


def test_scheduling_a_refused_start_timer_is_a_located_problem(clean_jobs, actors):
    """The scheduler's own check (behind deploy validation): an Invalid on the start event, never a loop."""
    xml = diagram("tb_start_ok", f'<bpmn:startEvent id="tick" name="Tick">{timer("timeCycle", "R/PT1H")}'
                  '</bpmn:startEvent>' + user("check") + '<bpmn:endEvent id="e"/>' + flows(("tick", "check"), ("check", "e")))
    definition = definitions.deploy(xml, actor=actors["owner"]).definition
    definition.timer_start = "'R/2026-01-01T00:00:00Z/PT0S'"
    with pytest.raises(Invalid) as info:
        timers.schedule_timer_start(definition)
    [problem] = info.value.details["problems"]
    assert (problem["element_id"], problem["element_name"]) == ("tick", "Tick") and "zero" in problem["message"]


def test_a_past_start_date_fires_once_with_a_note(clean_jobs, smtp, actors):
    xml = diagram("tb_start_past", f'<bpmn:startEvent id="tick" name="Tick">'
                  f'{timer("timeDate", "2020-01-01T09:00:00+08:00")}</bpmn:startEvent>'
                  + user("check") + '<bpmn:endEvent id="e"/>' + flows(("tick", "check"), ("check", "e")))
    definitions.deploy(xml, actor=actors["owner"])
    run_all_due()
    [inst] = db.session.scalars(select(ProcessInstance).filter_by(process_key="tb_start_past")).all()
    [fired] = events(inst, "timer_fired")
    assert (fired.element_id, fired.data) == ("tick", {"late": True, "due": "2020-01-01T01:00:00+00:00"})
    run_all_due()
    assert db.session.scalars(select(ProcessInstance).filter_by(process_key="tb_start_past")).all() == [inst]


MI = '<bpmn:userTask id="x" camunda:candidateGroups="CustomerService"><bpmn:multiInstanceLoopCharacteristics '
SUCCESSORS = {  # what completing 'register' starts, failing on an undefined variable 'nope'
    "conditional_event": '<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition><bpmn:condition>'
                         '${nope &gt; 1}</bpmn:condition></bpmn:conditionalEventDefinition>'
                         '</bpmn:intermediateCatchEvent>',
    "collection": MI + 'camunda:collection="${nope}" camunda:elementVariable="item"/></bpmn:userTask>',
    "cardinality": MI + '><bpmn:loopCardinality>${nope}</bpmn:loopCardinality>'
                        '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>',
}


@pytest.mark.parametrize("name", list(SUCCESSORS))
def test_a_successor_failing_to_start_is_an_incident_then_starts_on_retry(clean_jobs, smtp, actors, name):
    key = f"tb_next_{name}"
    xml = diagram(key, '<bpmn:startEvent id="s"/>' + user("register") + SUCCESSORS[name] + '<bpmn:endEvent id="e"/>'
                  + flows(("s", "register"), ("register", "x"), ("x", "e")))
    definitions.deploy(xml, actor=actors["owner"])
    inst = runtime.start_process(key, actor=actors["agent"])
    [row] = open_rows(inst)
    tasks.complete(row.id, {}, actor=actors["agent"])  # no exception
    db.session.refresh(inst)
    assert (inst.status, inst.incident_element) == ("incident", "x") and inst.incident_message
    assert open_rows(inst) == [] and db.session.get(HumanTask, row.id).state == "completed"
    runtime.set_variables(inst.id, {"nope": [1, 2] if name == "collection" else 2}, actor=actors["supervisor"])
    runtime.retry_incident(inst.id, actor=actors["supervisor"])
    db.session.refresh(inst)
    if name == "conditional_event":  # 2 > 1: caught at once, the process ends
        assert inst.status == "completed"
    else:
        assert inst.status == "running" and [r.element_id for r in open_rows(inst)] == ["x", "x"]
