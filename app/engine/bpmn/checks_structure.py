"""Checks of structure: flows, references, gateways, subprocesses (task owners: checks_assignment)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..task_names import PART
from .checks_expressions import ExpressionChecks
from .checks_unsupported import DEFINITION_NAMES
from .meta import PYTHON_LANGUAGES
from .problems import element_label
from .xml import BPMN_NS, camunda_attr, local_name

ACTIVITIES = {'task', 'userTask', 'manualTask', 'scriptTask', 'serviceTask', 'sendTask', 'receiveTask',
              'businessRuleTask', 'subProcess', 'adHocSubProcess', 'transaction', 'callActivity'}


class StructureChecks(ExpressionChecks):  # due dates, priorities and conditions are expressions

    def check_process(self, process: Any) -> None:
        if process.find('{%s}startEvent' % BPMN_NS) is None:
            self.add(process, _l('The process has no start event.'), _l('Add a start event.'))

    def flows_from(self, el: Any) -> list[Any]:
        scope = el.getparent()
        return [f for f in scope.iterfind('{%s}sequenceFlow' % BPMN_NS) if f.get('sourceRef') == el.get('id')]

    def _human(self, el: Any) -> None:
        # who works the task (owners, unknown users and roles): checks_assignment
        for attr in ('dueDate', 'followUpDate'):
            value = camunda_attr(el, attr)
            if value:
                self.timer_text(el, value, f'camunda:{attr}', '', date_like=True)
        for part in PART.findall(el.get('name') or ''):  # a name with expressions, as Camunda 7 evaluates it
            self.expr(el, part, _l("The name's expression"), _l('Write it as ${person.name} inside the name text.'))
        priority = camunda_attr(el, 'priority')
        if priority and not priority.lstrip('+-').isdigit():
            self.expr(el, priority, _l('Priority'), _l('Use a whole number or an expression such as ${vip ? 80 : 50}.'))
        self._form(el)

    el_userTask = el_task = el_manualTask = _human

    def _ref(self, el: Any) -> None:
        kind = local_name(el)[:-len('EventDefinition')]  # messageEventDefinition -> message, messageRef
        ref = el.get(f'{kind}Ref')
        target = self.ids.get(ref) if ref else None
        if ref and (target is None or local_name(target) != kind):
            self.add(el.getparent(), _l("The event refers to %(kind)s '%(ref)s', which is not defined.",
                                        kind=DEFINITION_NAMES.get(kind, kind), ref=ref),
                     _l('Pick an existing %(kind)s in the properties panel.', kind=DEFINITION_NAMES.get(kind, kind)))

    el_messageEventDefinition = el_signalEventDefinition = _ref
    el_errorEventDefinition = el_escalationEventDefinition = _ref

    def el_exclusiveGateway(self, el: Any) -> None:
        self._gateway_default(el)
        flows = self.flows_from(el)
        bare = [f for f in flows if f.find('{%s}conditionExpression' % BPMN_NS) is None
                and f.get('id') != el.get('default')]
        if len(flows) > 1 and bare and not el.get('default'):
            names = ', '.join(repr(f.get('name') or f.get('id')) for f in bare)
            self.add(el, _l('Outgoing flows without a condition (%(flows)s) and no default flow: a flow without '
                            'condition is always taken.', flows=names),
                     _l('Add a condition to every flow, or mark one as default.'), 'warning')

    def _gateway_default(self, el: Any) -> None:
        default = el.get('default')
        if default and default not in {f.get('id') for f in self.flows_from(el)}:
            self.add(el, _l("The default flow '%(flow)s' is not an outgoing flow of this gateway.", flow=default),
                     _l('Choose the default flow again in the modeler.'))

    el_inclusiveGateway = _gateway_default

    def el_sequenceFlow(self, el: Any) -> None:
        scope_ids = {c.get('id') for c in el.getparent()}
        for attr in ('sourceRef', 'targetRef'):
            ref = el.get(attr)
            if not ref or ref not in self.ids:
                self.add(el, _l('The sequence flow points to a missing element (%(ref)s).', ref=f'{attr}={ref!r}'),
                         _l('Delete the flow and draw it again.'))
            elif ref not in scope_ids:
                self.add(el, _l('The sequence flow crosses a subprocess or pool boundary (%(ref)s).',
                                ref=f'{attr}={ref!r}'),
                         _l('Use message flows between pools; keep sequence flows inside one (sub)process.'))
        cond = el.find('{%s}conditionExpression' % BPMN_NS)
        if cond is None:
            return
        source = self.ids.get(el.get('sourceRef'))
        source_kind = local_name(source) if source is not None else ''
        language = (cond.get('language') or '').strip()
        if language.lower() not in PYTHON_LANGUAGES:
            self.add(el, _l("Condition language '%(language)s' is not supported.", language=language),
                     _l('Write the condition in Python or as ${...} and clear the script format.'))
        elif source_kind in ('exclusiveGateway', 'inclusiveGateway'):
            self.expr(el, cond.text, _l('Condition'),
                      _l('Write a Python expression or ${...} such as ${amount > 100}.'))
        elif source_kind in ACTIVITIES or source_kind.endswith('Event'):
            self.add(el, _l('Conditional flows directly out of a task or event are not supported.'),
                     _l('Put an exclusive or inclusive gateway after the element and move the condition there.'))
        else:
            self.add(el, _l('The condition is ignored on a flow leaving a %(kind)s.', kind=element_label(source_kind)),
                     _l('Remove it, or use an exclusive/inclusive gateway.'), 'warning')

    def el_callActivity(self, el: Any) -> None:
        called = (el.get('calledElement') or '').strip()
        if not called:
            self.add(el, _l('The call activity does not say which process to call.'),
                     _l('Set "Called element" to the id of the process to call.'))
            return
        target = self.ids.get(called)
        if target is not None and local_name(target) == 'process' and target.get('isExecutable') == 'false':
            self.add(el, _l("The called process '%(key)s' is not executable.", key=called),
                     _l("Mark process '%(key)s' as executable.", key=called))

    def el_subProcess(self, el: Any) -> None:
        starts = el.findall('{%s}startEvent' % BPMN_NS)
        if el.get('triggeredByEvent') == 'true':
            if len(starts) != 1:
                self.add(el, _l('An event subprocess needs exactly one start event (found %(n)s).', n=len(starts)),
                         _l('Give the event subprocess one start event with the event that triggers it.'))
        elif len(starts) > 1:
            # Without one, every element without incoming flow starts (BPMN 2.0, 10.5.2): nodes.py.
            self.add(el, _l('An embedded subprocess has at most one start event (found %(n)s).', n=len(starts)),
                     _l('Keep one start event inside the subprocess and connect it to the first tasks.'))
        elif starts and starts[0].find('{%s}messageEventDefinition' % BPMN_NS) is not None:
            self.add(starts[0], _l('The start event of an embedded subprocess cannot wait for a message.'),
                     _l('Use a none start event followed by a message catch event.'))

    el_transaction = el_subProcess
