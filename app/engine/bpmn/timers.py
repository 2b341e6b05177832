"""Timer event definitions that check their value (``app.engine.timer_bounds``) and never raise.

SpiffWorkflow evaluates a timer when it starts waiting, often while the task before it completes,
outside the try of ``sync.advance``: an error there was a 500 and a stuck instance. These record
the error on the task (``TIMER_ERROR`` in its internal data) and keep waiting; ``sync.advance``
raises it as an incident on the timer's element, and a retry evaluates the expression again.

They read the engine's clock (``clock.now()``), not SpiffWorkflow's ``datetime.now()``: a
simulated clock (``clock.use``) moves the timers too.

They serialise under SpiffWorkflow's type names, so stored specs and workflows load as these.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition, DurationTimerEventDefinition, TimeDateEventDefinition, TimerEventDefinition,
)
from SpiffWorkflow.exceptions import WorkflowException

from .. import clock, timer_bounds
from ..cron import is_cron

TIMER_ERROR = "timer_error"  # internal data: why the timer could not start waiting
TIMER_LATE = "timer_late"  # internal data: the due time of a date already past when the timer started


def element_label(task_spec) -> str:
    """How a message names an element: 'Name' (id), or the id alone."""
    name, element = task_spec.bpmn_name, task_spec.bpmn_id or task_spec.name
    return f"'{' '.join(name.split())}' ({element})" if name else str(element)


def error_reason(err: Exception) -> str:
    """The cause of an evaluation error ("name 'x' is not defined"), not SpiffWorkflow's wrapping."""
    return str(err.__cause__ if isinstance(err, WorkflowException) and err.__cause__ else err)


class _Bounded:
    kind = ""  # timeDate | timeDuration | timeCycle
    spiff_name = ""  # SpiffWorkflow's class name: the serialised type name and the waiting event's type

    def _evaluate(self, my_task) -> tuple[str, datetime] | None:
        """(checked ISO text, now); None with TIMER_ERROR set when the expression or value is refused."""
        my_task.internal_data.pop(TIMER_ERROR, None)
        now = clock.now()
        try:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            return timer_bounds.check(self.kind, value, now), now
        except Exception as err:  # whatever it is, it becomes an incident on this element
            my_task.internal_data[TIMER_ERROR] = f"Timer {element_label(my_task.task_spec)}: {error_reason(err)}"
            return None

    def details(self, my_task):
        event = super().details(my_task)
        event.event_type = self.spiff_name
        return event


class _OneShot(_Bounded):
    """A date or a duration: evaluated once, when the timer starts waiting; then its due time."""

    def first_value(self, my_task, text: str, now: datetime) -> str:
        raise NotImplementedError

    def due(self, value: str) -> datetime:
        raise NotImplementedError

    def has_fired(self, my_task):
        if my_task._get_internal_data("event_value") is None:
            checked = self._evaluate(my_task)
            if checked is None:
                return False
            my_task._set_internal_data(event_value=self.first_value(my_task, *checked))
        return _fired(my_task, self.due(my_task._get_internal_data("event_value")))


class BoundedTimeDate(_OneShot, TimeDateEventDefinition):
    kind, spiff_name = "timeDate", "TimeDateEventDefinition"

    def first_value(self, my_task, text: str, now: datetime) -> str:
        due = TimerEventDefinition.parse_time_or_duration(text)
        if due < now:  # fires at once, once: history notes it was late
            my_task._set_internal_data(**{TIMER_LATE: due.isoformat()})
        return text

    def due(self, value: str) -> datetime:
        return self.parse_time_or_duration(value)


class BoundedDuration(_OneShot, DurationTimerEventDefinition):
    kind, spiff_name = "timeDuration", "DurationTimerEventDefinition"

    def first_value(self, my_task, text: str, now: datetime) -> str:
        return (now + self.get_timedelta_from_start(self.parse_iso_duration(text), now)).isoformat()

    def due(self, value: str) -> datetime:
        return self.get_datetime(value)


class BoundedCycle(_Bounded, CycleTimerEventDefinition):
    kind, spiff_name = "timeCycle", "CycleTimerEventDefinition"

    def cycle_complete(self, my_task):
        """SpiffWorkflow's, on the engine's clock: True when the next occurrence has passed (one more
        round); after the last cycle the event is marked fired."""
        value = my_task._get_internal_data("event_value")
        if value is None:
            checked = self._evaluate(my_task)
            if checked is None:
                return False
            if is_cron(checked[0]):  # repeats without end, on the engine zone's wall clock
                value = {"cycles": -1, "next": timer_bounds.next_cron(checked[0], checked[1]).isoformat(),
                         "cron": checked[0]}
            else:
                cycles, start, interval = timer_bounds.check_cycle(checked[0], checked[1], timer_bounds.limits())
                value = {"cycles": cycles, "next": start.isoformat(), "duration": interval.total_seconds()}
        ready = False
        if value["cycles"] != 0:
            due = datetime.fromisoformat(value["next"])
            now = clock.now()
            if due < now:
                if "cron" in value:  # missed occurrences fire once: the next one is after now
                    value["next"] = timer_bounds.next_cron(value["cron"], now).isoformat()
                else:
                    value["next"] = (due + timedelta(seconds=value["duration"])).isoformat()
                value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=value)
        return ready


def _fired(my_task, due: datetime) -> bool:
    """SpiffWorkflow's has_fired, on the engine's clock: fired once the clock is past ``due``."""
    if due < clock.now():
        my_task._set_internal_data(event_fired=True)
    return my_task._get_internal_data("event_fired", False)


class BoundedTimerConverter(TimerConditionalEventDefinitionConverter):
    """Serialises ours under SpiffWorkflow's type name (old stored workflows load as ours)."""

    def __init__(self, target_class, registry, typename=None):
        super().__init__(target_class, registry, typename or target_class.spiff_name)


TIMER_CLASSES = {"timeDate": BoundedTimeDate, "timeDuration": BoundedDuration, "timeCycle": BoundedCycle}
REPLACES = {TimeDateEventDefinition: BoundedTimeDate, DurationTimerEventDefinition: BoundedDuration,
            CycleTimerEventDefinition: BoundedCycle}
