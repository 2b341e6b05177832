"""Checks of structure and ownership: flows, references, gateways, subprocesses, task owners."""
from __future__ import annotations

from typing import Any

from ..expressions import ExpressionError
from .checks_expressions import ExpressionChecks
from .meta import PYTHON_LANGUAGES, canonical_role, meta_from_element, split_list
from .xml import BPMN_NS, camunda_attr, local_name

ACTIVITIES = {'task', 'userTask', 'manualTask', 'scriptTask', 'serviceTask', 'sendTask', 'receiveTask',
              'businessRuleTask', 'subProcess', 'adHocSubProcess', 'transaction', 'callActivity'}
ROLE_HINT = 'Set Assignee, Candidate users or Candidate groups, or put the task in a lane named after a role'


class StructureChecks(ExpressionChecks):  # due dates, priorities and conditions are expressions

    def check_process(self, process: Any) -> None:
        if process.find('{%s}startEvent' % BPMN_NS) is None:
            self.add(process, 'The process has no start event.', 'Add a start event.')

    def flows_from(self, el: Any) -> list[Any]:
        scope = el.getparent()
        return [f for f in scope.iterfind('{%s}sequenceFlow' % BPMN_NS) if f.get('sourceRef') == el.get('id')]

    def _human(self, el: Any) -> None:
        try:
            meta = meta_from_element(el, self.chains, self.known_roles)
        except ExpressionError:
            meta = None  # the individual expressions are reported below
        if meta is not None and not meta.has_owner:
            if local_name(el) == 'userTask':
                self.add(el, 'Nobody can work on this user task: it has no assignee, candidate users, '
                         'candidate groups or role lane.', f'{ROLE_HINT} ({", ".join(self.known_roles)}).')
            else:
                self.add(el, 'Nobody is assigned to this confirm-only task.',
                         f'{ROLE_HINT}, or make it a user task.', 'warning')
        explicit = split_list(camunda_attr(el, 'candidateGroups'))
        if meta is not None and not explicit:
            explicit = [g for g in meta.candidate_groups if g not in self.known_roles]
        for group in explicit:
            if '${' not in group and group not in self.known_roles:
                known = canonical_role(group, self.known_roles)
                hint = f'Did you mean {known!r}?' if known else f'Known roles: {", ".join(self.known_roles)}.'
                self.add(el, f'Candidate group {group!r} is not a known role.', hint, 'warning')
        for attr in ('dueDate', 'followUpDate'):
            value = camunda_attr(el, attr)
            if value:
                self.timer_text(el, value, f'camunda:{attr}', '', date_like=True)
        priority = camunda_attr(el, 'priority')
        if priority and not priority.lstrip('+-').isdigit():
            self.expr(el, priority, 'Priority', 'Use a whole number or an expression such as ${vip ? 80 : 50}.')
        self._form(el)

    el_userTask = el_task = el_manualTask = _human

    def _ref(self, el: Any) -> None:
        kind = local_name(el)[:-len('EventDefinition')]  # messageEventDefinition -> message, messageRef
        ref = el.get(f'{kind}Ref')
        target = self.ids.get(ref) if ref else None
        if ref and (target is None or local_name(target) != kind):
            self.add(el.getparent(), f'The event refers to {kind} {ref!r}, which is not defined.',
                     f'Pick an existing {kind} in the properties panel.')

    el_messageEventDefinition = el_signalEventDefinition = _ref
    el_errorEventDefinition = el_escalationEventDefinition = _ref

    def el_exclusiveGateway(self, el: Any) -> None:
        self._gateway_default(el)
        flows = self.flows_from(el)
        bare = [f for f in flows if f.find('{%s}conditionExpression' % BPMN_NS) is None
                and f.get('id') != el.get('default')]
        if len(flows) > 1 and bare and not el.get('default'):
            names = ', '.join(repr(f.get('name') or f.get('id')) for f in bare)
            self.add(el, f'Outgoing flows without a condition ({names}) and no default flow: a flow without '
                     'condition is always taken.', 'Add a condition to every flow, or mark one as default.',
                     'warning')

    def _gateway_default(self, el: Any) -> None:
        default = el.get('default')
        if default and default not in {f.get('id') for f in self.flows_from(el)}:
            self.add(el, f'The default flow {default!r} is not an outgoing flow of this gateway.',
                     'Choose the default flow again in the modeler.')

    el_inclusiveGateway = _gateway_default

    def el_sequenceFlow(self, el: Any) -> None:
        scope_ids = {c.get('id') for c in el.getparent()}
        for attr in ('sourceRef', 'targetRef'):
            ref = el.get(attr)
            if not ref or ref not in self.ids:
                self.add(el, f'The sequence flow points to a missing element ({attr}={ref!r}).',
                         'Delete the flow and draw it again.')
            elif ref not in scope_ids:
                self.add(el, f'The sequence flow crosses a subprocess or pool boundary ({attr}={ref!r}).',
                         'Use message flows between pools; keep sequence flows inside one (sub)process.')
        cond = el.find('{%s}conditionExpression' % BPMN_NS)
        if cond is None:
            return
        source = self.ids.get(el.get('sourceRef'))
        source_kind = local_name(source) if source is not None else ''
        language = (cond.get('language') or '').strip()
        if language.lower() not in PYTHON_LANGUAGES:
            self.add(el, f'Condition language {language!r} is not supported.', 'Write the condition in Python '
                     'or as ${...} and clear the script format.')
        elif source_kind in ('exclusiveGateway', 'inclusiveGateway'):
            self.expr(el, cond.text, 'Condition', 'Write a Python expression or ${...} such as ${amount > 100}.')
        elif source_kind in ACTIVITIES or source_kind.endswith('Event'):
            self.add(el, 'Conditional flows directly out of a task or event are not supported.',
                     'Put an exclusive or inclusive gateway after the element and move the condition there.')
        else:
            self.add(el, f'The condition is ignored on a flow leaving a {source_kind}.',
                     'Remove it, or use an exclusive/inclusive gateway.', 'warning')

    def el_callActivity(self, el: Any) -> None:
        called = (el.get('calledElement') or '').strip()
        if not called:
            self.add(el, 'The call activity does not say which process to call.',
                     'Set "Called element" to the id of the process to call.')
            return
        target = self.ids.get(called)
        if target is not None and local_name(target) == 'process' and target.get('isExecutable') == 'false':
            self.add(el, f'The called process {called!r} is not executable.',
                     f'Mark process {called!r} as executable.')

    def el_subProcess(self, el: Any) -> None:
        starts = el.findall('{%s}startEvent' % BPMN_NS)
        if len(starts) != 1:
            self.add(el, f'An embedded subprocess needs exactly one start event (found {len(starts)}).',
                     'Add one start event inside the subprocess and connect it to the first task.')
        if el.find('{%s}endEvent' % BPMN_NS) is None:
            self.add(el, 'An embedded subprocess needs an end event.', 'Add an end event inside the subprocess.')

    el_transaction = el_subProcess
