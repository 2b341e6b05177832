"""Timers through the job table: an intermediate timer, an interrupting and a
non-interrupting boundary timer, and a cyclic timer start event; the clock is
moved with time_machine and the jobs run with run_due_jobs."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select, update

from app.engine import clock as engine_clock, definitions, history, jobs, runtime, timers
from app.extensions import db
from app.models import HumanTask, Job, ProcessInstance
from tests.engine.ops_support import clean_jobs, diagram, flows, run_all_due, smtp, smtp_port  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def timer(kind: str, value: str) -> str:
    return f'<bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>'


def open_tasks(inst) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(HumanTask.element_id).where(
        HumanTask.instance_id == inst.id, HumanTask.state == "open")))


def events(inst, kind: str) -> list[str]:
    return [e.element_id for e in history.for_instance(inst.id) if e.event == kind]


def timer_job(inst) -> Job | None:
    return db.session.scalars(select(Job).where(Job.instance_id == inst.id, Job.kind == "timer",
                                                Job.state == "pending")).first()


INTERMEDIATE = diagram("t_intermediate", '<bpmn:startEvent id="s"/>'
                       f'<bpmn:intermediateCatchEvent id="wait" name="Two hours">{timer("timeDuration", "PT2H")}'
                       '</bpmn:intermediateCatchEvent>'
                       '<bpmn:userTask id="call" name="Call back" camunda:candidateGroups="CustomerService"/>'
                       '<bpmn:endEvent id="e"/>' + flows(("s", "wait"), ("wait", "call"), ("call", "e")))


def test_intermediate_timer(clean_jobs, smtp, actors):
    definitions.deploy(INTERMEDIATE, actor=actors["owner"])
    with time_machine.travel(T0, tick=False) as clock:
        inst = runtime.start_process("t_intermediate", actor=actors["agent"], business_key="T-1")
        assert open_tasks(inst) == [] and timer_job(inst).due_at == T0 + timedelta(hours=2) + timers.TIMER_SLACK
        clock.shift(timedelta(hours=1, minutes=59))
        run_all_due()
        assert open_tasks(inst) == [] and events(inst, "timer_fired") == []
        clock.shift(timedelta(minutes=1, seconds=1))
        run_all_due()
        assert open_tasks(inst) == ["call"] and events(inst, "timer_fired") == ["wait"]
        assert timer_job(inst) is None  # nothing else to wait for
        clock.shift(timedelta(days=3))
        run_all_due()
        assert events(inst, "timer_fired") == ["wait"]  # fired once


def test_a_timer_due_while_suspended_fires_after_the_resume(clean_jobs, smtp, actors):
    definitions.deploy(INTERMEDIATE, actor=actors["owner"])
    with time_machine.travel(T0, tick=False) as clock:
        inst = runtime.start_process("t_intermediate", actor=actors["agent"], business_key="T-SUSP")
        runtime.suspend(inst.id, actor=actors["supervisor"])
        clock.shift(timedelta(hours=3))
        run_all_due()
        assert events(inst, "timer_fired") == [] and timer_job(inst) is None  # the job ended unfired
        runtime.resume(inst.id, actor=actors["supervisor"])
        assert timer_job(inst).due_at <= datetime.now(SH)
        run_all_due()
        assert events(inst, "timer_fired") == ["wait"] and open_tasks(inst) == ["call"]


def test_a_simulated_clock_moves_the_timers(clean_jobs, smtp, actors):
    """The timers read the engine's clock, not SpiffWorkflow's datetime.now(): processes run on a
    simulated clock (the demo seeder's) wait and fire on it."""
    definitions.deploy(INTERMEDIATE, actor=actors["owner"])
    sim = engine_clock.SimulatedClock(datetime(2031, 3, 3, 10, 0, tzinfo=SH))  # far from the real time
    with engine_clock.use(sim.now):
        inst = runtime.start_process("t_intermediate", actor=actors["agent"], business_key="T-SIM")
        assert timer_job(inst).due_at == datetime(2031, 3, 3, 12, 0, tzinfo=SH) + timers.TIMER_SLACK
        sim.advance(hours=1, minutes=59)
        run_all_due()
        assert events(inst, "timer_fired") == [] and open_tasks(inst) == []
        sim.advance(minutes=1, seconds=1)
        run_all_due()
        assert events(inst, "timer_fired") == ["wait"] and open_tasks(inst) == ["call"]


BOUNDARY = diagram("t_boundary", '<bpmn:startEvent id="s"/>'
                   '<bpmn:userTask id="handle" name="Handle" camunda:candidateGroups="CustomerService"/>'
                   f'<bpmn:boundaryEvent id="late" name="4 h" attachedToRef="handle">{timer("timeDuration", "PT4H")}'
                   '</bpmn:boundaryEvent>'
                   '<bpmn:userTask id="escalated" name="Escalated" camunda:candidateGroups="Supervisor"/>'
                   f'<bpmn:boundaryEvent id="remind" name="1 h" attachedToRef="handle" cancelActivity="false">'
                   f'{timer("timeDuration", "PT1H")}</bpmn:boundaryEvent>'
                   '<bpmn:userTask id="nudge" name="Nudge the agent" camunda:candidateGroups="Supervisor"/>'
                   '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>'
                   + flows(("s", "handle"), ("handle", "e1"), ("late", "escalated"), ("escalated", "e2"),
                           ("remind", "nudge"), ("nudge", "e3")))


def test_non_interrupting_then_interrupting_boundary_timers(clean_jobs, smtp, actors):
    definitions.deploy(BOUNDARY, actor=actors["owner"])
    with time_machine.travel(T0, tick=False) as clock:
        inst = runtime.start_process("t_boundary", actor=actors["agent"], business_key="T-2")
        assert open_tasks(inst) == ["handle"]
        assert timer_job(inst).due_at == T0 + timedelta(hours=1) + timers.TIMER_SLACK  # the earliest timer

        clock.shift(timedelta(hours=1, seconds=1))
        run_all_due()
        # Non-interrupting: the supervisor is nudged, the agent's task stays open.
        assert open_tasks(inst) == ["handle", "nudge"] and events(inst, "timer_fired") == ["remind"]
        assert timer_job(inst).due_at == T0 + timedelta(hours=4) + timers.TIMER_SLACK

        clock.shift(timedelta(hours=3))
        run_all_due()
        # Interrupting: the task is cancelled and escalated.
        assert open_tasks(inst) == ["escalated", "nudge"]
        assert events(inst, "timer_fired") == ["remind", "late"] and "handle" in events(inst, "task_cancelled")
        handle = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id,
                                                            HumanTask.element_id == "handle")).one()
        assert handle.state == "cancelled"


def test_completing_the_task_first_disarms_the_boundary_timers(clean_jobs, smtp, actors):
    from app.engine import tasks

    definitions.deploy(BOUNDARY, actor=actors["owner"])
    with time_machine.travel(T0, tick=False) as clock:
        inst = runtime.start_process("t_boundary", actor=actors["agent"], business_key="T-3")
        handle = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id)).one()
        tasks.complete(handle.id, {}, actor=actors["agent"])
        assert timer_job(inst) is None
        clock.shift(timedelta(hours=5))
        run_all_due()
        assert open_tasks(inst) == [] and events(inst, "timer_fired") == []
        assert db.session.get(ProcessInstance, inst.id).status == "completed"


CYCLE = diagram("t_cycle", f'<bpmn:startEvent id="s" name="Every hour">'
                f'{timer("timeCycle", "R3/2026-03-02T09:00:00+08:00/PT1H")}</bpmn:startEvent>'
                '<bpmn:userTask id="check" name="Hourly check" camunda:candidateGroups="TechSupport"/>'
                '<bpmn:endEvent id="e"/>' + flows(("s", "check"), ("check", "e")))


def _cycle_instances() -> list[ProcessInstance]:
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "t_cycle")
                                   .order_by(ProcessInstance.id)))


def _pending_timer_starts(key: str) -> list[Job]:
    return [j for j in db.session.scalars(select(Job).where(Job.kind == "timer_start", Job.state == "pending"))
            if j.payload["key"] == key]


def test_cyclic_timer_start_event(clean_jobs, smtp, actors):
    db.session.execute(update(ProcessInstance).where(ProcessInstance.process_key == "t_cycle")
                       .values(process_key="t_cycle_old"))
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=SH), tick=False) as clock:
        definition = definitions.deploy(CYCLE, actor=actors["owner"]).definition
        assert definition.timer_start
        [job] = _pending_timer_starts("t_cycle")
        assert job.due_at == datetime(2026, 3, 2, 9, 0, tzinfo=SH)
        run_all_due()
        assert _cycle_instances() == []
        for hour in (9, 10, 11):
            clock.move_to(datetime(2026, 3, 2, hour, 0, 1, tzinfo=SH))
            jobs.run_due_jobs()  # the timer_start job only
            assert len(_cycle_instances()) == hour - 8
        [job] = _pending_timer_starts("t_cycle") or [None]
        assert job is None  # R3: three starts, then the cycle ends
        instances = _cycle_instances()
        assert [i.started_at for i in instances] == [datetime(2026, 3, 2, h, 0, 1, tzinfo=SH) for h in (9, 10, 11)]
        assert all(events(i, "instance_started") for i in instances)


def test_timer_started_instance_runs_once_and_does_not_wait_for_its_own_timer(clean_jobs, smtp, actors):
    db.session.execute(update(ProcessInstance).where(ProcessInstance.process_key == "t_cycle")
                       .values(process_key="t_cycle_old"))
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=SH), tick=False) as clock:
        definitions.deploy(CYCLE.replace(b"Hourly check", b"Hourly check 2"), actor=actors["owner"])
        for hour in (9, 10, 11, 12, 13):
            clock.move_to(datetime(2026, 3, 2, hour, 0, 1, tzinfo=SH))
            run_all_due()
        instances = _cycle_instances()
        assert len(instances) == 3
        assert [open_tasks(i) for i in instances] == [["check"]] * 3
