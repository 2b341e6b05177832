"""Conformance: one small diagram per event construct, saved as Camunda Modeler saves them
(tests/data/bpmn/camunda/), deployed and walked to its end through the engine's services, on
SQLite and PostgreSQL. After every walk: nothing "running" with nothing waiting."""
import pytest
from flask_babel import force_locale

from app.engine import definitions
from app.engine.errors import Invalid
from tests.conformance.walk import DIAGRAMS, Walk, deploy


@pytest.fixture
def walks(actors):
    """Every walk of a test, checked against the invariant when the test ends."""
    made = []

    def walk(name, **variables):
        w = Walk(name, actors, **variables)
        made.append(w)
        w.assert_not_stalled()
        return w

    yield walk
    for w in made:
        w.assert_not_stalled()


def ended(w) -> None:
    assert w.status == "completed", (w.inst.incident_message, w.open_tasks(), w.passed())
    assert w.open_tasks() == [] and w.timer_job() is None


# ---------------------------------------------------------------- event-based gateway

def test_event_gateway_waits_for_each_branch(walks):
    w = walks("evt_gateway", escalate=False)
    w.complete("register")
    assert w.open_tasks() == [] and w.status == "running"
    assert w.waiting_for() == ["ConditionalEventDefinition:None", "DurationTimerEventDefinition:2 小时 2 hours",
                               "EngineMessageEventDefinition:customer_reply", "SignalEventDefinition:product_recall"]
    assert w.timer_job() is not None  # the timer branch has its job


def test_event_gateway_message_branch(walks):
    w = walks("evt_gateway", escalate=False)
    w.complete("register")
    assert w.message("customer_reply", text="谢谢") == [w.inst.id]
    assert w.open_tasks() == ["answered"] and w.timer_job() is None  # the other branches are gone
    w.complete("answered")
    ended(w)
    assert w.passed()[-3:] == ["reply", "answered", "end"]


def test_event_gateway_timer_branch(walks):
    w = walks("evt_gateway", escalate=False)
    w.complete("register")
    w.fire_timer()
    assert w.open_tasks() == ["chase"]
    w.complete("chase")
    ended(w)
    assert "timeout" in w.passed() and "reply" not in w.passed()


def test_event_gateway_signal_branch(walks):
    w = walks("evt_gateway", escalate=False)
    w.complete("register")
    assert w.signal("product_recall") == [w.inst.id]
    ended(w)
    assert w.passed()[-2:] == ["recall", "end_recall"]


def test_event_gateway_conditional_branch(walks):
    w = walks("evt_gateway", escalate=False)
    w.complete("register")
    assert w.open_tasks() == []
    w.set(escalate=True)  # a change of data re-evaluates the condition
    assert w.open_tasks() == ["supervise"] and w.timer_job() is None
    w.complete("supervise")
    ended(w)


# ---------------------------------------------------------------- receive tasks, conditional events

def test_receive_task_with_and_without_message(walks):
    w = walks("evt_receive")
    assert w.open_tasks() == [] and w.waiting_for() == ["EngineMessageEventDefinition:payment_received"]
    w.message("payment_received", amount=100)
    assert w.open_tasks() == [] and w.status == "running"  # the task without messageRef still waits
    w.message("wait_confirm")  # addressed by the task's id
    assert w.open_tasks() == ["close"]
    w.complete("close")
    ended(w)
    other = walks("evt_receive")
    other.message("payment_received")
    other.message("等待确认 Wait for confirmation")  # or by its name
    assert other.open_tasks() == ["close"]


def test_intermediate_and_boundary_conditional_events(walks):
    w = walks("evt_conditional", docs=0, urgent=False)
    w.complete("collect", docs=2)
    assert w.open_tasks() == [] and w.status == "running"
    w.set(docs=3)
    assert w.open_tasks() == ["review"]
    w.set(urgent=True)  # non-interrupting boundary condition: the review stays open
    assert w.open_tasks() == ["expedite", "review"]
    w.complete("expedite")
    w.complete("review")
    ended(w)


# ---------------------------------------------------------------- signals, errors, escalations

def test_signal_throw_catch_and_end(walks):
    w = walks("evt_signal")
    assert w.open_tasks() == ["approve"]
    w.complete("approve")  # throws order_approved, caught by the other branch of the same instance
    assert w.open_tasks() == ["ship"]
    w.complete("ship")  # a signal end event
    ended(w)
    assert "wait_approval" in w.passed() and w.passed()[-1] == "shipped"


def test_a_thrown_signal_reaches_the_other_instances(walks):
    waiting = walks("evt_signal")
    w = walks("evt_signal")
    w.complete("approve")
    assert w.open_tasks() == ["ship"] and waiting.open_tasks() == ["approve"]  # the others: through a job
    assert w.run_signal_jobs() >= 1
    assert waiting.open_tasks() == ["approve", "ship"]
    for element in ("ship", "approve"):
        waiting.complete(element)
    w.complete("ship")
    ended(w)
    ended(waiting)


def test_signal_boundary_event_from_outside(walks):
    w = walks("evt_signal")
    w.complete("approve")
    assert w.signal("stop_shipping") == [w.inst.id]
    assert w.open_tasks() == ["recall_goods"] and w.cancelled_tasks() == ["ship"]
    w.complete("recall_goods")
    ended(w)


def test_error_end_event_caught_by_boundary(walks):
    w = walks("evt_error_escalation")
    w.complete("diagnose", result="broken")
    assert w.open_tasks() == ["replace"]
    w.complete("replace")
    ended(w)
    assert "confirm" not in w.passed()


def test_escalation_caught_without_interrupting(walks):
    w = walks("evt_error_escalation")
    w.complete("diagnose", result="parts")
    assert w.open_tasks() == ["fix", "order_parts"]  # non-interrupting: the repair goes on
    w.complete("order_parts")
    w.complete("fix")
    w.complete("confirm")
    ended(w)


def test_no_error_takes_the_normal_path(walks):
    w = walks("evt_error_escalation")
    w.complete("diagnose", result="ok")
    w.complete("fix")
    w.complete("confirm")
    ended(w)


# ---------------------------------------------------------------- event subprocesses

def test_interrupting_message_event_subprocess(walks):
    w = walks("sub_event_interrupting")
    assert w.open_tasks() == ["work"]
    w.message("order_cancelled")
    assert w.open_tasks() == ["handle_cancel"] and w.cancelled_tasks() == ["work"]
    assert w.timer_job() is None  # the interrupted scope's timer subprocess is gone too
    w.complete("handle_cancel")
    ended(w)


def test_interrupting_signal_event_subprocess(walks):
    w = walks("sub_event_interrupting")
    w.signal("order_recall")
    assert w.open_tasks() == ["handle_recall"]
    w.complete("handle_recall")
    ended(w)


def test_interrupting_timer_event_subprocess(walks):
    w = walks("sub_event_interrupting")
    w.fire_timer()
    assert w.open_tasks() == ["handle_timeout"] and w.cancelled_tasks() == ["work"]
    w.complete("handle_timeout")
    ended(w)


def test_uninterrupted_process_ends_normally(walks):
    w = walks("sub_event_interrupting")
    w.complete("work")
    ended(w)


def test_non_interrupting_event_subprocesses(walks):
    w = walks("sub_event_noninterrupting")
    w.message("customer_question")
    w.signal("price_change")
    assert w.open_tasks() == ["answer", "reprice", "work"]
    w.fire_timer()
    assert w.open_tasks() == ["answer", "remind", "reprice", "work"]
    w.complete("work")  # throws the escalation: a fourth event subprocess starts
    assert w.open_tasks() == ["answer", "finish", "help", "remind", "reprice"]
    for element in ("answer", "reprice", "remind", "help", "finish"):
        w.complete(element)
    ended(w)


def test_error_event_subprocess(walks):
    w = walks("sub_event_error")
    w.complete("check", passed=False)
    assert w.open_tasks() == ["handle_error"]
    w.complete("handle_error")
    ended(w)
    good = walks("sub_event_error")
    good.complete("check", passed=True)
    ended(good)


# ---------------------------------------------------------------- terminate, implicit start/end

def test_terminate_inside_subprocess_and_multi_instance(walks):
    w = walks("sub_terminate", items=["ok", "broken", "ok"])
    assert w.open_tasks() == ["inspect", "report"]
    w.complete("inspect")  # terminate: ends the subprocess only, the report is cancelled
    assert w.open_tasks() == ["item_work"] and "report" in w.cancelled_tasks()
    w.complete("item_work")  # the two "ok" items ended at their terminate event
    assert w.open_tasks() == ["after"]
    w.complete("after")
    ended(w)


def test_subprocess_without_start_and_end_events(walks):
    w = walks("sub_implicit")
    assert w.open_tasks() == ["label", "pack"]  # every element without incoming flow starts
    w.complete("label")
    w.complete("pack")
    assert w.open_tasks() == ["check"]
    w.complete("check")
    assert w.open_tasks() == ["send"]
    w.complete("send")
    ended(w)


# ---------------------------------------------------------------- refused, located; stalls

def test_compensation_end_event_runs_the_handler_of_the_completed_activity(walks):
    w = walks("comp_refund")
    w.complete("charge")
    w.complete("deliver")  # the end event compensates: the charge's handler opens
    assert w.open_tasks() == ["refund"] and w.status == "running"
    w.complete("refund")
    ended(w)
    assert w.passed().index("refund") > w.passed().index("deliver")


def test_compensation_undoes_the_last_completed_first_then_goes_on(walks):
    w = walks("comp_booking")
    w.complete("book_hotel")  # book_flight, a script task, completes on its own
    w.complete("confirm", outcome="undo_all")
    assert w.open_tasks() == ["cancel_flight"]  # booked last, cancelled first
    w.complete("cancel_flight")
    assert w.open_tasks() == ["cancel_hotel"]
    w.complete("cancel_hotel")
    assert w.open_tasks() == ["tell_customer"]  # the intermediate throw goes on after its handlers
    w.complete("tell_customer")
    ended(w)


def test_compensation_with_activity_ref_undoes_that_activity_only(walks):
    w = walks("comp_booking")
    w.complete("book_hotel")
    w.complete("confirm", outcome="undo_hotel_only")
    assert w.open_tasks() == ["cancel_hotel"]
    w.complete("cancel_hotel")
    ended(w)
    assert "cancel_flight" not in w.passed()


def test_no_compensation_without_a_throw(walks):
    w = walks("comp_booking")
    w.complete("book_hotel")
    w.complete("confirm", outcome="ok")
    ended(w)
    assert not {"cancel_hotel", "cancel_flight"} & set(w.passed())


def _without(xml: bytes, fragment: bytes) -> bytes:
    assert fragment in xml
    return xml.replace(fragment, b"")


def test_compensation_that_cannot_run_is_refused_located(actors):
    booking = (DIAGRAMS / "comp_booking.bpmn").read_bytes()
    no_handler = _without(booking, b'<bpmn:association id="a_flight" associationDirection="One" '
                                   b'sourceRef="undo_flight" targetRef="cancel_flight" />')
    bad_ref = booking.replace(b'activityRef="book_hotel"', b'activityRef="confirm"')
    for xml, element, words in ((no_handler, "undo_flight", "needs exactly one handler"),
                                (bad_ref, "hotel_undone", "activityRef 'confirm'")):
        with pytest.raises(Invalid) as err, force_locale("en"):  # outside a request the site's language (zh) renders it
            definitions.deploy(xml, actor=actors["owner"])
        located = {p["element_id"]: p["message"] for p in err.value.details["problems"]}
        assert words in located.get(element, ""), located


def test_a_join_that_can_never_fire_is_an_incident_not_a_stall(walks):
    w = walks("evt_stall")
    w.complete("decide", route="b")
    w.complete("path_b")  # the parallel join waits for route A, which was never taken
    assert w.status == "incident" and w.inst.incident_element == "join"
    assert "stalled" in w.inst.incident_message


def test_conditional_event_subprocesses(walks):
    w = walks("sub_event_conditional", cancelled=False, vip=False)
    assert w.open_tasks() == ["work"]
    w.set(vip=True)  # non-interrupting: the order goes on
    assert w.open_tasks() == ["greet", "work"]
    w.complete("greet")
    w.set(cancelled=True)  # interrupting: the order stops
    assert w.open_tasks() == ["confirm_cancel"] and w.cancelled_tasks() == ["work"]
    w.complete("confirm_cancel")
    ended(w)
    plain = walks("sub_event_conditional", cancelled=False, vip=False)
    plain.complete("work")  # the process ends; its listeners stop
    ended(plain)


def test_a_failing_condition_is_a_located_incident_an_admin_retries(walks, actors):
    from app.engine import runtime

    w = walks("evt_gateway")  # no variable `escalate`: the conditional branch cannot be evaluated
    w.complete("register")
    assert w.status == "incident" and w.inst.incident_element == "wait"
    assert "escalate" in w.inst.incident_message
    w.set(escalate=False)
    runtime.retry_incident(w.inst.id, actor=actors["supervisor"])
    assert w.status == "running" and w.timer_job() is not None
    w.message("customer_reply")
    w.complete("answered")
    ended(w)


def test_a_stalled_instance_stays_an_incident_on_retry(walks, actors):
    from app.engine import runtime

    w = walks("evt_stall")
    w.complete("decide", route="b")
    w.complete("path_b")
    runtime.retry_incident(w.inst.id, actor=actors["supervisor"])
    assert w.status == "incident" and w.inst.incident_element == "join"  # nothing to retry: still located


def test_event_subprocesses_inside_an_embedded_subprocess(walks):
    w = walks("sub_event_nested")
    w.signal("nested_customer_note")  # non-interrupting: the order goes on
    assert w.open_tasks() == ["read_note", "work"]
    w.message("nested_order_cancelled")  # interrupting: ends the embedded subprocess only
    assert w.open_tasks() == ["handle_cancel"] and w.cancelled_tasks() == ["read_note", "work"]
    w.complete("handle_cancel")
    assert w.open_tasks() == ["after"]
    w.complete("after")
    ended(w)
    plain = walks("sub_event_nested")
    plain.complete("work")  # the subprocess ends; its listeners stop
    assert plain.open_tasks() == ["after"]
    plain.complete("after")
    ended(plain)



# ---------------------------------------------------------------- calledElement chosen at run time

def test_called_element_expression_calls_the_process_the_data_names(walks, actors):
    from app.engine import runtime

    deploy("call_dyn_review", actors)
    w = walks("call_dynamic")
    w.complete("choose", target="call_dyn_review")
    assert w.open_tasks() == ["review"]  # the called process's task, in this instance
    w.complete("review")
    w.complete("after")
    ended(w)

    missing = walks("call_dynamic")
    missing.complete("choose", target="call_dyn_stamp")  # not deployed yet: a located incident, no 500
    assert missing.status == "incident" and missing.inst.incident_element == "call"
    assert "'call_dyn_stamp' is not deployed" in missing.inst.incident_message
    deploy("call_dyn_stamp", actors)
    runtime.retry_incident(missing.inst.id, actor=actors["supervisor"])
    assert missing.open_tasks() == ["after"]
    assert runtime.load_workflow(missing.refresh()).last_task.data.get("stamped") is True
    missing.complete("after")
    ended(missing)


def test_a_called_process_chosen_at_run_time_survives_reloads_and_new_versions(walks, actors):
    deploy("call_dyn_review", actors)
    w = walks("call_dynamic")
    w.complete("choose", target="call_dyn_review")
    xml = (DIAGRAMS / "call_dyn_review.bpmn").read_bytes().replace("复核 Review".encode(), "复核二 Review 2".encode())
    definitions.deploy(xml, actor=actors["owner"])  # a new version while this instance runs the old one
    assert w.open_tasks() == ["review"]
    w.complete("review")  # the state reloads with the version it started
    w.complete("after")
    ended(w)


def test_an_instance_inside_a_process_chosen_at_run_time_migrates_to_a_new_caller_version(walks, actors):
    from app.engine import migration

    deploy("call_dyn_review", actors)
    w = walks("call_dynamic")
    w.complete("choose", target="call_dyn_review")
    xml = (DIAGRAMS / "call_dynamic.bpmn").read_bytes().replace("之后 After".encode(), "之后再 Afterwards".encode())
    definitions.deploy(xml, actor=actors["owner"])
    result = migration.migrate("call_dynamic", actor=actors["admin"])
    assert w.refresh().definition.version == 2, result
    assert w.open_tasks() == ["review"]
    w.complete("review")
    w.complete("after")
    ended(w)
