"""Task specs and event definitions of our own, and the serializer that knows them.

The node parsers create these in place of SpiffWorkflow's; SERIALIZER_CONFIG must
list every one so stored workflows load again.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import MultipleEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.task_spec import (
    BpmnTaskSpecConverter, EventConverter, EventJoinConverter, SubWorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.defaults import CallActivity as SpiffCallActivity
from SpiffWorkflow.bpmn.specs.defaults import IntermediateThrowEvent, ServiceTask, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowMixin
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition

from ..dmn.task import DecisionTask
from ..forms import SYSTEM_VARIABLES, FormField, validate_form
from . import compensation
from .timers import REPLACES as TIMER_REPLACES, BoundedTimerConverter
from .xml import camunda_attr


# ---------------------------------------------------------------- messages

class EngineMessageEventDefinition(MessageEventDefinition):
    """Camunda message whose payload defaults to a copy of the task data.

    Camunda Modeler writes no payload expression; SpiffWorkflow's Camunda message
    would then evaluate `None` and crash, so without one we send the data itself.
    """

    def throw(self, my_task):
        if self.expression:
            return super().throw(my_task)
        payload = {'payload': deepcopy(my_task.data), 'result_var': self.result_var}
        my_task.workflow.top_workflow.catch(BpmnEvent(self, payload=payload))

    def update_internal_data(self, my_task, event):
        payload = event.payload
        if not (isinstance(payload, dict) and set(payload) == {'payload', 'result_var'}):  # sent from outside
            payload = {'payload': payload, 'result_var': None}
        my_task.internal_data[self.name] = payload

    def update_task_data(self, my_task):
        event_data = my_task.internal_data.get(self.name) or {}
        payload, result_var = event_data.get('payload'), event_data.get('result_var')
        if result_var:
            my_task.data[result_var] = payload
        elif isinstance(payload, dict):
            my_task.data.update(payload)
        elif payload is not None:
            my_task.data[f'{my_task.task_spec.bpmn_id}_Response'] = payload


def message_event(name: str, payload: Any = None) -> BpmnEvent:
    """An event the runtime can pass to `workflow.catch()` / `send_event()` to deliver a message."""
    return BpmnEvent(EngineMessageEventDefinition(name), payload=payload)


# ---------------------------------------------------------------- events

class EngineMultipleEventDefinition(MultipleEventDefinition):
    """The events of an event-based gateway: SpiffWorkflow checks only its timers when the gateway
    is refreshed; a conditional branch must fire too once its condition holds."""

    def has_fired(self, my_task):
        seen = my_task.internal_data.get('seen_events', [])
        for definition in self.event_definitions:
            if (isinstance(definition, ConditionalEventDefinition) and definition.has_fired(my_task)
                    and not any(e.event_definition is definition for e in seen)):
                seen = seen + [BpmnEvent(definition)]
                my_task.internal_data['seen_events'] = seen
        return super().has_fired(my_task)


def each_event_definition(definition: Any) -> list:
    """The definitions a task waits for: those of an event-based gateway one by one."""
    return list(getattr(definition, 'event_definitions', None) or [definition])


class InterruptingStartEvent(StartEvent):
    """Start event of an interrupting event subprocess: when it fires, everything else still active
    in the enclosing (sub)process is cancelled (BPMN 2.0, 10.3.5), other event subprocesses included."""

    def _run_hook(self, my_task):
        own = my_task.workflow
        parent_id = getattr(own, 'parent_task_id', None)
        if parent_id is not None:
            esp = own.top_workflow.get_task_from_id(parent_id)
            keep = {esp.id} | {t.id for t in _ancestors(esp)}
            active = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
            for task in list(esp.workflow.tasks.values()):
                if task.id not in keep and task.has_state(active) and not task.is_descendant_of(esp):
                    task.cancel()  # the scope's end join below the event subprocess stays
            scope = esp.workflow.spec
            task, spec = esp, scope.task_specs[scope.end.name]  # a restored spec's `end` is a copy
            while not task.children and spec is not None:  # triggered by an event: no path to the end yet
                task = task._add_child(spec, TaskState.FUTURE)  # the scope's end join, then its End
                spec = spec.outputs[0] if spec.outputs else None
        return super()._run_hook(my_task)


def _ancestors(task) -> list:
    out = []
    while task.parent is not None:
        task = task.parent
        out.append(task)
    return out


# ---------------------------------------------------------------- unavailable implementations

UNAVAILABLE_KEY = 'unavailable'  # key in task_spec.extensions: why the task cannot run
IMPLEMENTATION_ATTRS = ('class', 'delegateExpression', 'expression', 'type', 'topic')


def java_implementation(node: Any) -> str | None:
    """'camunda:class, ...' if a service/send task needs Java code or an external worker."""
    attrs = [f'camunda:{a}' for a in IMPLEMENTATION_ATTRS if camunda_attr(node, a)]
    if node.find('.//{http://camunda.org/schema/1.0/bpmn}connector') is not None:
        attrs.append('camunda:connector')
    return ', '.join(attrs) or None


class UnavailableServiceTask(ServiceTask):
    """A service/send task implemented by Java code, a connector or an external worker.

    It deploys (with a warning), and an instance that reaches it stops with a clear
    error, as Camunda 7 does when a delegate cannot be resolved; it never silently passes.
    """

    def _run_hook(self, my_task):
        reason = (getattr(self, 'extensions', None) or {}).get(UNAVAILABLE_KEY) or 'This task cannot run here'
        raise WorkflowTaskException(reason, task=my_task)


class EngineBoundaryEventJoin(BoundaryEventJoin):
    """When an activity ends, its non-interrupting cycle timers stop, but what they started goes on.

    SpiffWorkflow cancels a still-waiting boundary event with Task.cancel(), which also drops the
    branches that earlier cycles started below it (a weekly report still open, say). BPMN 2.0
    (10.5.4) keeps those: only the event stops listening.
    """

    def _check_threshold_structured(self, my_task):
        finished, cancel = super()._check_threshold_structured(my_task)
        keep = []
        for task in cancel:
            started = [c for c in task.children if not isinstance(c.task_spec, BoundaryEventJoin)
                       and not c.has_state(TaskState.PREDICTED_MASK)]
            if isinstance(task.task_spec, BoundaryEvent) and not task.task_spec.cancel_activity and started:
                for child in [c for c in task.children if c.has_state(TaskState.PREDICTED_MASK)]:
                    task.workflow._remove_task(child.id)
                task._set_state(TaskState.CANCELLED)  # the timer stops; the branches it started go on
                task.task_spec._on_cancel(task)
            else:
                keep.append(task)
        return finished, keep


# ---------------------------------------------------------------- call activities

START_FORM_KEY = 'start_form'  # key in a top-level start event's extensions: the process's start form


def start_form_of(spec: Any) -> list[FormField]:
    """The start form a (called) process spec carries; [] if none (or deployed before it was kept)."""
    for task_spec in getattr(spec, 'task_specs', {}).values():
        form = (getattr(task_spec, 'extensions', None) or {}).get(START_FORM_KEY)
        if form:
            return [FormField.from_dict(f) for f in form]
    return []


CALLED_EXPRESSION_KEY = 'called_expression'  # a call activity's calledElement chosen at run time (Python source)
CALLED_KEY = 'called_key'  # a call activity task's internal data: the process id it resolved to
CALLED_DEFINITIONS = 'called_definitions'  # root task internal data: {process id: definition id} loaded at run time


class CalledSpecs:
    """Where run-time call activities find deployed processes (set by app.engine.definitions, which the
    parser may not import): ``latest(key)`` -> (definition id, specs by process id) or None, and
    ``by_ids({key: definition id})`` -> specs by process id, for an instance's next load."""

    latest: Any = None
    by_ids: Any = None


class CallActivity(SpiffCallActivity):
    """A call activity whose called process's start form is its input contract, as for any start.

    The declared fields are taken from the caller's data and checked (types, limits, required); a
    bad or missing value is an incident at the call activity, and retrying after the data is fixed
    starts the called process. Undeclared data is dropped, not refused: a caller's data is all of
    its variables, and Camunda passes none without camunda:in. The called process's results are
    merged into the caller's data. Without a start form SpiffWorkflow's behaviour is unchanged.
    ``calledElement="${expr}"`` names the process when the task is reached: the latest deployed
    version of it is called (an unknown one is an incident here, retried after it is deployed).
    The class keeps the name CallActivity: history, migration and stored specs know it so.
    """

    def called_key(self, my_task) -> str:
        return my_task.internal_data.get(CALLED_KEY) or self.spec

    def _called_form(self, my_task) -> list[FormField]:
        return start_form_of(my_task.workflow.top_workflow.subprocess_specs.get(self.called_key(my_task)))

    def _deferred(self, my_task) -> bool:
        """Started in _run_hook, inside the engine's steps, where a bad input or an unknown process becomes
        an incident (in _update_hook it would fail whatever completed the previous task)."""
        dynamic = CALLED_EXPRESSION_KEY in (self.extensions or {})
        return ((dynamic or bool(self._called_form(my_task)))
                and my_task.workflow.top_workflow.get_subprocess(my_task) is None)

    def _resolve(self, my_task) -> None:
        source = (self.extensions or {}).get(CALLED_EXPRESSION_KEY)
        if not source or CALLED_KEY in my_task.internal_data:
            return
        try:
            key = my_task.workflow.script_engine.evaluate(my_task, source)
        except Exception as exc:
            raise WorkflowTaskException(f"calledElement could not be evaluated: {exc}", task=my_task) from exc
        if not isinstance(key, str) or not key.strip():
            raise WorkflowTaskException(f"calledElement gave {key!r}, which is not a process id", task=my_task)
        key = key.strip()
        top = my_task.workflow.top_workflow
        if key not in top.subprocess_specs:
            found = CalledSpecs.latest(key) if CalledSpecs.latest else None
            if found is None:
                raise WorkflowTaskException(f"The called process '{key}' is not deployed; deploy it, then retry",
                                            task=my_task)
            definition_id, specs = found
            top.subprocess_specs = {**top.subprocess_specs, **specs}  # a copy: the cached dict is shared
            top.task_tree.internal_data.setdefault(CALLED_DEFINITIONS, {})[key] = definition_id
        my_task.internal_data[CALLED_KEY] = key

    def _call_input(self, my_task) -> dict:
        cleaned, errors = validate_form(self._called_form(my_task), my_task.data, unknown='drop', trusted=True)
        if errors:
            problems = '; '.join(f'{k}: {v}' for k, v in sorted(errors.items()))
            raise WorkflowTaskException(f"The input of called process '{self.called_key(my_task)}' is not valid: "
                                        f"{problems}", task=my_task)
        return {**{k: my_task.data[k] for k in SYSTEM_VARIABLES if k in my_task.data}, **cleaned}

    def _update_hook(self, my_task):
        if self._deferred(my_task):
            super(SubWorkflowMixin, self)._update_hook(my_task)  # inherit the data only
            return True
        return super()._update_hook(my_task)

    def _run_hook(self, my_task):
        if self._deferred(my_task):
            self._resolve(my_task)
            if self._called_form(my_task):
                self._call_input(my_task)  # raises before anything is started
            self.start_workflow(my_task)
            return None  # STARTED: waits for the called process
        return super()._run_hook(my_task)

    def start_workflow(self, my_task):
        key, top = self.called_key(my_task), my_task.workflow.top_workflow
        if key not in top.subprocess_specs:
            raise WorkflowTaskException(f"The called process '{key}' was not found.", task=my_task)
        subworkflow = top.create_subprocess(my_task, key)
        subworkflow.completed_event.connect(self._on_subworkflow_completed, my_task)
        self.copy_data(my_task, subworkflow)
        subworkflow.get_next_task(spec_name='Start').run()

    def copy_data(self, my_task, subworkflow):
        if not self._called_form(my_task):
            return super().copy_data(my_task, subworkflow)
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name='Start')
        start.set_data(**deepcopy(self._call_input(my_task)))

    def update_data(self, my_task, subworkflow):
        if not self._called_form(my_task):
            return super().update_data(my_task, subworkflow)
        my_task.data.update(deepcopy(subworkflow.last_task.data))


class CompensationThrow(IntermediateThrowEvent):
    """A compensation throw (see compensation.py): queues the completed compensable activities of its
    scope, the last completed first, each completion once; the loop after it runs their handlers."""

    def _run_hook(self, my_task):
        names = set(self.extensions.get(compensation.EXT_KEY, ()))
        done = set(my_task.data.get(compensation.DONE) or ())
        tasks = [t for t in my_task.workflow.get_tasks(state=TaskState.COMPLETED)
                 if t.task_spec.bpmn_id in names and str(t.id) not in done]
        tasks.sort(key=lambda t: t.last_state_change, reverse=True)
        my_task.data[compensation.QUEUE] = [t.task_spec.bpmn_id for t in tasks]
        my_task.data[compensation.FROM] = self.bpmn_id
        my_task.data[compensation.DONE] = sorted(done | {str(t.id) for t in tasks})
        return super()._run_hook(my_task)


SERIALIZER_CONFIG = {cls: conv for cls, conv in CAMUNDA_CONFIG.items() if cls not in TIMER_REPLACES}
SERIALIZER_CONFIG.update({ours: BoundedTimerConverter for ours in TIMER_REPLACES.values()})
SERIALIZER_CONFIG.pop(SpiffCallActivity)  # ours restores every stored 'CallActivity'
SERIALIZER_CONFIG[CallActivity] = SubWorkflowConverter
SERIALIZER_CONFIG[EngineBoundaryEventJoin] = EventJoinConverter
SERIALIZER_CONFIG[EngineMessageEventDefinition] = MessageEventDefinitionConverter
SERIALIZER_CONFIG[UnavailableServiceTask] = BpmnTaskSpecConverter
SERIALIZER_CONFIG[EngineMultipleEventDefinition] = MultipleEventDefinitionConverter
SERIALIZER_CONFIG[InterruptingStartEvent] = EventConverter
SERIALIZER_CONFIG[CompensationThrow] = EventConverter
SERIALIZER_CONFIG[DecisionTask] = BpmnTaskSpecConverter


def create_serializer() -> BpmnWorkflowSerializer:
    """Serializer for our specs and workflows (Camunda config + our own spec classes)."""
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SERIALIZER_CONFIG))
