"""Static checks of a diagram: every problem at once, each located on its element.

SpiffWorkflow stops at the first problem and reports it vaguely, so we walk the
XML ourselves first; `parse_definition` then adds whatever SpiffWorkflow still
refuses. Each element is checked inside its own try block: a malformed element
becomes a Problem, never an exception.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..expressions import ExpressionError, is_iso8601_timer_literal
from ..forms import parse_camunda_form
from . import Problem
from .parser import (
    DEFAULT_ROLES, PYTHON_LANGUAGES, canonical_role, date_source, expression_source, java_implementation,
    meta_from_element, normalize_timer_literal, runnable_processes, select_main_process, split_list, timer_source,
)
from .xml import BPMN_NS, camunda_attr, lane_chains, local_name

Check = Callable[[str, str], list[str]]

GATEWAYS = {'exclusiveGateway', 'inclusiveGateway', 'parallelGateway', 'eventBasedGateway', 'complexGateway'}
ACTIVITIES = {'task', 'userTask', 'manualTask', 'scriptTask', 'serviceTask', 'sendTask', 'receiveTask',
              'businessRuleTask', 'subProcess', 'adHocSubProcess', 'transaction', 'callActivity'}
# Event definitions SpiffWorkflow 3.2 actually runs, per event kind.
EVENT_SUPPORT = {
    'startEvent': {'message', 'timer', 'signal', 'conditional'},
    'endEvent': {'message', 'cancel', 'error', 'escalation', 'terminate'},
    'intermediateCatchEvent': {'message', 'timer', 'signal', 'conditional'},
    'intermediateThrowEvent': {'message', 'signal', 'escalation'},
    'boundaryEvent': {'message', 'timer', 'signal', 'conditional', 'error', 'escalation', 'cancel'},
}
UNSUPPORTED = {
    'complexGateway': ('Complex gateways are not supported.',
                       'Use an inclusive gateway (or exclusive/parallel gateways) instead.'),
    'businessRuleTask': ('Business rule tasks (DMN decisions) are not supported.',
                         'Model the decision with an exclusive gateway and conditions, or a script task.'),
}
JAVA_DELEGATE_SEVERITY = 'warning'  # 'error' to refuse such diagrams outright
ROLE_HINT = 'Set Assignee, Candidate users or Candidate groups, or put the task in a lane named after a role'


def _default_check() -> Check:
    from ..sandbox import SandboxedScriptEngine
    return SandboxedScriptEngine.check


class _Checker:
    def __init__(self, root: Any, known_roles: Iterable[str], check: Check):
        self.root = root
        self.known_roles = tuple(known_roles)
        self.check = check
        self.problems: list[Problem] = []
        self.chains = lane_chains(root)
        self.ids = {el.get('id'): el for el in root.iter() if isinstance(el.tag, str) and el.get('id')}
        self.modelling_only: list[Any] = []

    def add(self, el: Any, message: str, hint: str = '', severity: str = 'error') -> None:
        if el is None:
            self.problems.append(Problem(None, None, None, message, hint, None, severity))
            return
        name = ' '.join(el.get('name').split()) if el.get('name') else None  # labels often hold line breaks
        self.problems.append(Problem(el.get('id'), name, local_name(el), message, hint,
                                     el.sourceline, severity))

    # ------------------------------------------------------------ driver

    def run(self) -> list[Problem]:
        if self.root.tag != '{%s}definitions' % BPMN_NS:
            self.add(None, f'This is not a BPMN 2.0 file (root element is {local_name(self.root)!r}).',
                     'Upload a .bpmn file saved by Camunda Modeler or another BPMN 2.0 tool.')
            return self.problems
        main, why = select_main_process(self.root)
        if main is None:
            first_process = next(self.root.iterfind('{%s}process' % BPMN_NS), None)
            self.add(first_process, f'The diagram is not executable: {why}',
                     'In Camunda Modeler select the process (or pool) to run and tick "Executable" '
                     '(isExecutable="true") on exactly one process.')
        for process in runnable_processes(self.root):
            self._guarded(process, self.check_process)
            for el in process.iter():
                if isinstance(el.tag, str) and el.tag.startswith('{%s}' % BPMN_NS):
                    handler = getattr(self, 'el_' + local_name(el), None)
                    if handler is not None:
                        self._guarded(el, handler)
                    self._guarded(el, self.check_extensions)
        if self.modelling_only:
            el = self.modelling_only[0]
            self.add(el, 'Data objects, data stores and data inputs/outputs are documentation only and are '
                     'ignored at runtime.', 'Process data lives in process variables (form fields, scripts).',
                     'warning')
        return self.problems

    def _guarded(self, el: Any, fn: Callable[[Any], None]) -> None:
        try:
            fn(el)
        except Exception as exc:  # a check must never take validation down
            self.add(el, f'This element could not be checked: {type(exc).__name__}: {exc}',
                     'Check the element in the modeler.')

    # ------------------------------------------------------------ helpers

    def expr(self, el: Any, text: str | None, what: str, hint: str, mode: str = 'eval',
             convert: Callable[[str | None], str | None] = expression_source) -> None:
        if text is None or not text.strip():
            self.add(el, f'{what} is empty.', hint)
            return
        try:
            source = convert(text)
        except ExpressionError as exc:
            self.add(el, f'{what} {text.strip()!r} is not a valid expression: {exc}.', hint)
            return
        for issue in self.check(source, mode):
            self.add(el, f'{what} {text.strip()!r} does not compile: {issue}', hint)

    def flows_from(self, el: Any) -> list[Any]:
        scope = el.getparent()
        return [f for f in scope.iterfind('{%s}sequenceFlow' % BPMN_NS) if f.get('sourceRef') == el.get('id')]

    # ------------------------------------------------------------ per element

    def check_process(self, process: Any) -> None:
        if process.find('{%s}startEvent' % BPMN_NS) is None:
            self.add(process, 'The process has no start event.', 'Add a start event.')

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

    def el_userTask(self, el: Any) -> None:
        self._human(el)

    def el_task(self, el: Any) -> None:
        self._human(el)

    def el_manualTask(self, el: Any) -> None:
        self._human(el)

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

    def _form(self, el: Any) -> None:
        _fields, issues = parse_camunda_form(el)
        for _field_id, message, hint in issues:
            self.add(el, message, hint)

    def el_startEvent(self, el: Any) -> None:
        self._form(el)
        self._event(el)
        parent = el.getparent()
        if parent.get('triggeredByEvent') == 'true' and el.get('isInterrupting') != 'false':
            # SpiffWorkflow 3.2 runs every event subprocess without interrupting the process.
            self.add(el, 'Interrupting event subprocesses are not supported.',
                     'Make the start event non-interrupting, or use an interrupting boundary event on an '
                     'embedded subprocess.')

    def el_endEvent(self, el: Any) -> None:
        self._event(el)

    def el_intermediateCatchEvent(self, el: Any) -> None:
        self._event(el)

    def el_intermediateThrowEvent(self, el: Any) -> None:
        self._event(el)

    def el_boundaryEvent(self, el: Any) -> None:
        self._event(el)
        if el.get('attachedToRef') not in self.ids:
            self.add(el, f'The boundary event is attached to a missing element {el.get("attachedToRef")!r}.',
                     'Attach the event to a task or subprocess.')

    def _event(self, el: Any) -> None:
        kind = local_name(el)
        defs = [local_name(c)[:-len('EventDefinition')] for c in el if local_name(c).endswith('EventDefinition')]
        supported = EVENT_SUPPORT[kind]
        for d in defs:
            if d not in supported:
                label = re.sub(r'([A-Z])', r' \1', kind).lower()
                what = {'link': 'Link events', 'compensate': 'Compensation events'}.get(d, f'{d.title()} {label}s')
                self.add(el, f'{what} are not supported here.',
                         'Connect the elements with sequence flows, or use a message/signal/timer event.')
        if not defs and kind in ('intermediateCatchEvent', 'boundaryEvent'):
            self.add(el, f'This {kind} has no event type, so nothing could ever trigger it.',
                     'Make it a timer, message, signal or conditional event.')

    def el_timerEventDefinition(self, el: Any) -> None:
        event = el.getparent()
        parts = [c for c in el if local_name(c) in ('timeDate', 'timeDuration', 'timeCycle')]
        filled = [c for c in parts if (c.text or '').strip()]
        if not filled:
            self.add(event, 'The timer has no date, duration or cycle.',
                     'Set a duration like PT30M, a date like 2026-12-01T09:00:00+08:00 or a cycle like R3/PT1H.')
            return
        part = filled[0]
        self.timer_text(event, part.text, 'Timer', local_name(part))

    def timer_text(self, el: Any, text: str, what: str, kind: str, date_like: bool = False) -> None:
        text = normalize_timer_literal(text.strip())
        hint = ('Use ISO 8601 (PT30M, P2D, 2026-12-01T09:00:00+08:00, R3/PT1H) '
                'or an expression such as ${due_date}.')
        if is_iso8601_timer_literal(text) or (date_like and re.fullmatch(r'\d{4}-\d{2}-\d{2}', text)):
            try:
                if kind == 'timeDate' or (date_like and not text.startswith(('P', 'R'))):
                    TimerEventDefinition.get_datetime(text.replace('Z', '+00:00'))
                elif kind == 'timeCycle' or text.startswith('R'):
                    if not text.startswith('R'):
                        raise ValueError('a cycle must start with R, e.g. R3/PT1H')
                    TimerEventDefinition.parse_iso_recurring_interval(text)
                else:
                    if not text.startswith('P'):
                        raise ValueError('a duration must start with P, e.g. PT30M')
                    TimerEventDefinition.parse_iso_duration(text)
            except Exception as exc:
                self.add(el, f'{what} {text!r} does not parse: {exc}.', hint)
            return
        if re.fullmatch(r'(R\d*/)?P[\w.,]*|\d{4}-\d.*', text):
            self.add(el, f'{what} {text!r} is not valid ISO 8601.', hint)
            return
        self.expr(el, text, what, hint, convert=date_source if date_like else timer_source)

    def el_conditionalEventDefinition(self, el: Any) -> None:
        cond = el.find('{%s}condition' % BPMN_NS)
        self.expr(el.getparent(), cond.text if cond is not None else None, 'Condition',
                  'Write a Python or ${...} expression.')

    def el_messageEventDefinition(self, el: Any) -> None:
        self._ref(el, 'messageRef', 'message')

    def el_signalEventDefinition(self, el: Any) -> None:
        self._ref(el, 'signalRef', 'signal')

    def el_errorEventDefinition(self, el: Any) -> None:
        self._ref(el, 'errorRef', 'error')

    def el_escalationEventDefinition(self, el: Any) -> None:
        self._ref(el, 'escalationRef', 'escalation')

    def _ref(self, el: Any, attr: str, kind: str) -> None:
        ref = el.get(attr)
        target = self.ids.get(ref) if ref else None
        if ref and (target is None or local_name(target) != kind):
            self.add(el.getparent(), f'The event refers to {kind} {ref!r}, which is not defined.',
                     f'Pick an existing {kind} in the properties panel.')

    def el_scriptTask(self, el: Any) -> None:
        if camunda_attr(el, 'resource'):
            self.add(el, 'External script resources are not supported.', 'Paste the script inline.')
            return
        fmt = (el.get('scriptFormat') or '').strip()
        if fmt.lower() not in PYTHON_LANGUAGES:
            self.add(el, f'Script format {fmt!r} is not supported.', 'Set the script format to "python".')
            return
        script = el.find('{%s}script' % BPMN_NS)
        if script is None or not (script.text or '').strip():
            self.add(el, 'The script task has no script.', 'Write the Python script in the properties panel.')
            return
        for issue in self.check(script.text, 'exec'):
            self.add(el, f'The script does not compile: {issue}', 'Fix the Python script.')
        if camunda_attr(el, 'resultVariable'):
            self.add(el, 'camunda:resultVariable is ignored.', 'Assign the variable in the script itself.',
                     'warning')

    def el_serviceTask(self, el: Any) -> None:
        self._implementation(el)

    def el_sendTask(self, el: Any) -> None:
        self._implementation(el)

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

    def el_complexGateway(self, el: Any) -> None:
        self.add(el, *UNSUPPORTED['complexGateway'])

    def el_businessRuleTask(self, el: Any) -> None:
        self.add(el, *UNSUPPORTED['businessRuleTask'])

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

    def el_inclusiveGateway(self, el: Any) -> None:
        self._gateway_default(el)

    def _gateway_default(self, el: Any) -> None:
        default = el.get('default')
        if default and default not in {f.get('id') for f in self.flows_from(el)}:
            self.add(el, f'The default flow {default!r} is not an outgoing flow of this gateway.',
                     'Choose the default flow again in the modeler.')

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

    def el_adHocSubProcess(self, el: Any) -> None:
        if el.get('ordering') == 'Sequential':
            self.add(el, 'Sequential ad-hoc subprocesses are not supported.', 'Use parallel ordering.')

    def el_multiInstanceLoopCharacteristics(self, el: Any) -> None:
        activity = el.getparent()
        cardinality = el.find('{%s}loopCardinality' % BPMN_NS)
        collection = camunda_attr(el, 'collection')
        hint = 'Set "Collection" (a list variable) with "Element variable", or "Loop cardinality".'
        if cardinality is None and not collection:
            self.add(activity, 'Multi-instance needs a loop cardinality or a camunda:collection.', hint)
        if cardinality is not None:
            self.expr(activity, cardinality.text, 'Loop cardinality', hint)
        if collection and cardinality is None:
            try:
                name = expression_source(collection)
            except ExpressionError:
                name = ''
            if not name.isidentifier():
                self.add(activity, f'camunda:collection {collection!r} must name a list variable.', hint)
            if not camunda_attr(el, 'elementVariable'):
                self.add(activity, 'camunda:collection needs camunda:elementVariable.', hint)
        completion = el.find('{%s}completionCondition' % BPMN_NS)
        if completion is not None:
            self.expr(activity, completion.text, 'Completion condition', 'Write a Python or ${...} expression.')

    def el_standardLoopCharacteristics(self, el: Any) -> None:
        condition = el.find('{%s}loopCondition' % BPMN_NS)
        maximum = el.get('loopMaximum')
        if condition is None and maximum is None:
            self.add(el.getparent(), 'A loop needs a loop condition or a loop maximum.', 'Set one of them.')
        if maximum is not None and not maximum.strip().isdigit():
            self.add(el.getparent(), f'loopMaximum {maximum!r} is not a whole number.', 'Use a number.')
        if condition is not None:
            self.expr(el.getparent(), condition.text, 'Loop condition', 'Write a Python or ${...} expression.')


def check_document(root: Any, *, known_roles: Iterable[str] = DEFAULT_ROLES,
                   script_engine_check: Check | None = None) -> list[Problem]:
    """Static checks of an already loaded (and namespace-normalised) document."""
    check = script_engine_check or _default_check()
    checker = _Checker(root, known_roles, check)
    try:
        return checker.run()
    except Exception as exc:  # belt and braces: never crash the upload
        checker.add(None, f'The diagram could not be fully checked: {type(exc).__name__}: {exc}',
                    'Open and save the diagram again in the modeler.')
        return checker.problems


def validate(xml: bytes | str, **kw: Any) -> list[Problem]:
    """Every problem of a diagram (load, static checks and SpiffWorkflow parse), each located."""
    from .parser import parse_definition
    return parse_definition(xml, **kw).problems
