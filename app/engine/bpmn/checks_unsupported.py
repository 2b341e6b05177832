"""Checks for what this engine cannot run: unsupported events, elements, extensions and Java code."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from .checks_base import BaseChecks
from .problems import element_label
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
    'complexGateway': (_l('Complex gateways are not supported.'),
                       _l('Use an inclusive gateway (or exclusive/parallel gateways) instead.')),
}
# How a refusal names an event: its definition ('timer') and its kind, plural ('end events')
DEFINITION_NAMES = {
    'message': _l('message'), 'timer': _l('timer'), 'signal': _l('signal'), 'conditional': _l('conditional'),
    'error': _l('error'), 'escalation': _l('escalation'), 'cancel': _l('cancel'), 'terminate': _l('terminate'),
    'multiple': _l('multiple'), 'parallelMultiple': _l('parallel multiple'),
}
EVENT_PLURALS = {
    'startEvent': _l('start events'), 'endEvent': _l('end events'),
    'intermediateCatchEvent': _l('intermediate catch events'),
    'intermediateThrowEvent': _l('intermediate throw events'), 'boundaryEvent': _l('boundary events'),
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
                self.add(el, _l('camunda:%(name)s is ignored by this engine.', name=name),
                         _l('Use a script task for logic; call activities share all variables.'), 'warning')
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
                if d == 'compensate':
                    continue  # what of compensation cannot run: compensation.problems, checked per document
                if d == 'link':
                    message = _l('Link events are not supported here.')
                else:
                    message = _l('This engine does not support %(definition)s %(events)s.',
                                 definition=DEFINITION_NAMES.get(d, d), events=EVENT_PLURALS[kind])
                self.add(el, message,
                         _l('Connect the elements with sequence flows, or use a message/signal/timer event.'))
        if not defs and kind in ('intermediateCatchEvent', 'boundaryEvent'):
            self.add(el, _l('This %(kind)s has no event type, so nothing could ever trigger it.',
                            kind=element_label(kind)),
                     _l('Make it a timer, message, signal or conditional event.'))

    el_endEvent = el_intermediateCatchEvent = el_intermediateThrowEvent = _event

    def el_startEvent(self, el: Any) -> None:
        self._form(el)
        self._event(el)

    def el_boundaryEvent(self, el: Any) -> None:
        self._event(el)
        if el.get('attachedToRef') not in self.ids:
            self.add(el, _l("The boundary event is attached to a missing element '%(ref)s'.",
                            ref=el.get('attachedToRef')),
                     _l('Attach the event to a task or subprocess.'))

    def _implementation(self, el: Any) -> None:
        impl = java_implementation(el)
        if impl:
            # Like Camunda with an unresolvable delegate: deployable, but it fails when reached.
            self.add(el, _l('Java delegates, connectors and external tasks (%(implementation)s) are not '
                            'available: an instance that reaches this task stops with an error.',
                            implementation=impl),
                     _l('Use a script task (Python) instead.'), JAVA_DELEGATE_SEVERITY)
        elif local_name(el) == 'serviceTask':
            self.add(el, _l('This service task has no implementation and does nothing.'),
                     _l('Use a script task for automatic work.'), 'warning')

    el_serviceTask = el_sendTask = _implementation

    def _unsupported(self, el: Any) -> None:
        self.add(el, *UNSUPPORTED[local_name(el)])

    el_complexGateway = _unsupported

    def el_businessRuleTask(self, el: Any) -> None:
        if java_implementation(el):
            self._implementation(el)
            return
        for message in decision_config(el, CAMUNDA_NS)[1]:
            self.add(el, message, _l('Set the decision (its id in the DMN file) and the result variable in the '
                                     'properties panel.'))

    def el_adHocSubProcess(self, el: Any) -> None:
        if el.get('ordering') == 'Sequential':
            self.add(el, _l('Sequential ad-hoc subprocesses are not supported.'), _l('Use parallel ordering.'))
