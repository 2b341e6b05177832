"""Timer event definitions that check their value (``app.engine.timer_bounds``) and never raise.

SpiffWorkflow evaluates a timer when it starts waiting, often while the task before it completes,
outside the try of ``sync.advance``: an error there was a 500 and a stuck instance. These record
the error on the task (``TIMER_ERROR`` in its internal data) and keep waiting; ``sync.advance``
raises it as an incident on the timer's element, and a retry evaluates the expression again.

They serialise under SpiffWorkflow's type names, so stored specs and workflows load as these.
"""
from __future__ import annotations

from datetime import datetime, timezone

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition, DurationTimerEventDefinition, TimeDateEventDefinition, TimerEventDefinition,
)
from SpiffWorkflow.exceptions import WorkflowException

from .. import timer_bounds

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
        now = datetime.now(timezone.utc)
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


class BoundedTimeDate(_Bounded, TimeDateEventDefinition):
    kind, spiff_name = "timeDate", "TimeDateEventDefinition"

    def has_fired(self, my_task):
        if my_task._get_internal_data("event_value") is None:
            checked = self._evaluate(my_task)
            if checked is None:
                return False
            text, now = checked
            my_task._set_internal_data(event_value=text)
            due = TimerEventDefinition.parse_time_or_duration(text)
            if due < now:  # fires at once, once: history notes it was late
                my_task._set_internal_data(**{TIMER_LATE: due.isoformat()})
        return super().has_fired(my_task)


class BoundedDuration(_Bounded, DurationTimerEventDefinition):
    kind, spiff_name = "timeDuration", "DurationTimerEventDefinition"

    def has_fired(self, my_task):
        if my_task._get_internal_data("event_value") is None:
            checked = self._evaluate(my_task)
            if checked is None:
                return False
            text, now = checked
            due = now + self.get_timedelta_from_start(self.parse_iso_duration(text), now)
            my_task._set_internal_data(event_value=due.isoformat())
        return super().has_fired(my_task)


class BoundedCycle(_Bounded, CycleTimerEventDefinition):
    kind, spiff_name = "timeCycle", "CycleTimerEventDefinition"

    def cycle_complete(self, my_task):
        if my_task._get_internal_data("event_value") is None:
            checked = self._evaluate(my_task)
            if checked is None:
                return False
            cycles, start, interval = self.parse_iso_recurring_interval(checked[0])
            my_task._set_internal_data(event_value={"cycles": cycles, "next": start.isoformat(),
                                                    "duration": interval.total_seconds()})
        return super().cycle_complete(my_task)


class BoundedTimerConverter(TimerConditionalEventDefinitionConverter):
    """Serialises ours under SpiffWorkflow's type name (old stored workflows load as ours)."""

    def __init__(self, target_class, registry, typename=None):
        super().__init__(target_class, registry, typename or target_class.spiff_name)


TIMER_CLASSES = {"timeDate": BoundedTimeDate, "timeDuration": BoundedDuration, "timeCycle": BoundedCycle}
REPLACES = {TimeDateEventDefinition: BoundedTimeDate, DurationTimerEventDefinition: BoundedDuration,
            CycleTimerEventDefinition: BoundedCycle}
