"""Checks for what this engine cannot run: unsupported events, elements, extensions and Java code."""
from __future__ import annotations

import re
from typing import Any

from .checks_base import BaseChecks
from ..dmn.task import decision_config
from .specs import java_implementation
from .xml import BPMN_NS, CAMUNDA_NS, local_name

# Event definitions this engine runs, per event kind (what SpiffWorkflow 3 runs, plus ours).
EVENT_SUPPORT = {
    'startEvent': {'message', 'timer', 'signal', 'conditional'},
    'endEvent': {'message', 'signal', 'cancel', 'error', 'escalation', 'terminate'},
    'intermediateCatchEvent': {'message', 'timer', 'signal', 'conditional'},
    'intermediateThrowEvent': {'message', 'signal', 'escalation'},
    'boundaryEvent': {'message', 'timer', 'signal', 'conditional', 'error', 'escalation', 'cancel'},
}
ESP_START_SUPPORT = {'message', 'timer', 'signal', 'conditional', 'error', 'escalation'}  # start events of event subprocesses
UNSUPPORTED = {
    'complexGateway': ('Complex gateways are not supported.',
                       'Use an inclusive gateway (or exclusive/parallel gateways) instead.'),
}
JAVA_DELEGATE_SEVERITY = 'warning'  # 'error' to refuse such diagrams outright


class UnsupportedChecks(BaseChecks):

    def check_extensions(self, el: Any) -> None:
        ext = el.find('{%s}extensionElements' % BPMN_NS)
        if ext is None:
            return
        for child in ext:
            name = local_name(child)
            if name in ('in', 'out') and child.get('variables') == 'all':
                continue  # call activities share all variables anyway
            if name in ('executionListener', 'taskListener', 'inputOutput', 'in', 'out', 'connector',
                        'failedJobRetryTimeCycle'):
                self.add(el, f'camunda:{name} is ignored by this engine.',
                         'Use a script task for logic; call activities share all variables.', 'warning')
        for tag in ('dataInputAssociation', 'dataOutputAssociation', 'ioSpecification'):
            if el.find('{%s}%s' % (BPMN_NS, tag)) is not None:
                self.modelling_only.append(el)

    def _event(self, el: Any) -> None:
        kind = local_name(el)
        defs = [local_name(c)[:-len('EventDefinition')] for c in el if local_name(c).endswith('EventDefinition')]
        supported = EVENT_SUPPORT[kind]
        if kind == 'startEvent' and el.getparent().get('triggeredByEvent') == 'true':
            supported = ESP_START_SUPPORT
        for d in defs:
            if d not in supported:
                label = re.sub(r'([A-Z])', r' \1', kind).lower()
                if d == 'compensate':
                    continue  # what of compensation cannot run: compensation.problems, checked per document
                what = {'link': 'Link events'}.get(d, f'{d.title()} {label}s')
                self.add(el, f'{what} are not supported here.',
                         'Connect the elements with sequence flows, or use a message/signal/timer event.')
        if not defs and kind in ('intermediateCatchEvent', 'boundaryEvent'):
            self.add(el, f'This {kind} has no event type, so nothing could ever trigger it.',
                     'Make it a timer, message, signal or conditional event.')

    el_endEvent = el_intermediateCatchEvent = el_intermediateThrowEvent = _event

    def el_startEvent(self, el: Any) -> None:
        self._form(el)
        self._event(el)

    def el_boundaryEvent(self, el: Any) -> None:
        self._event(el)
        if el.get('attachedToRef') not in self.ids:
            self.add(el, f'The boundary event is attached to a missing element {el.get("attachedToRef")!r}.',
                     'Attach the event to a task or subprocess.')

    def _implementation(self, el: Any) -> None:
        impl = java_implementation(el)
        if impl:
            # Like Camunda with an unresolvable delegate: deployable, but it fails when reached.
            self.add(el, f'Java delegates, connectors and external tasks ({impl}) are not available: an '
                     'instance that reaches this task stops with an error.',
                     'Use a script task (Python) instead.', JAVA_DELEGATE_SEVERITY)
        elif local_name(el) == 'serviceTask':
            self.add(el, 'This service task has no implementation and does nothing.',
                     'Use a script task for automatic work.', 'warning')

    el_serviceTask = el_sendTask = _implementation

    def _unsupported(self, el: Any) -> None:
        self.add(el, *UNSUPPORTED[local_name(el)])

    el_complexGateway = _unsupported

    def el_businessRuleTask(self, el: Any) -> None:
        if java_implementation(el):
            self._implementation(el)
            return
        for message in decision_config(el, CAMUNDA_NS)[1]:
            self.add(el, message, 'Set the decision (its id in the DMN file) and the result variable in the '
                     'properties panel.')

    def el_adHocSubProcess(self, el: Any) -> None:
        if el.get('ordering') == 'Sequential':
            self.add(el, 'Sequential ad-hoc subprocesses are not supported.', 'Use parallel ordering.')
