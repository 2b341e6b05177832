"""Our SpiffWorkflow node parsers, one per BPMN element kind `EngineParser` handles.

They translate Camunda `${...}` expressions and ISO 8601 timer literals to Python,
let any activity split implicitly in parallel (BPMN semantics), ignore
modelling-only data associations, and store human-task metadata in
`task_spec.extensions`.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH, MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH, EventBasedGatewayParser, ReceiveTaskParser, SendTaskParser,
)
from SpiffWorkflow.bpmn.parser.task_parsers import (
    AdHocSubprocessParser, ConditionalGatewayParser, GatewayParser, SubprocessParser,
)
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser, CamundaEndEventParser, CamundaEventDefinitionParser,
    CamundaIntermediateCatchEventParser, CamundaIntermediateThrowEventParser, CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser, ScriptTaskParser, UserTaskParser

from ..dmn.task import DECISION_KEY, DecisionTask, decision_config
from ..expressions import ExpressionError
from ..forms import parse_camunda_form
from . import compensation
from .meta import HUMAN_TASK_KEY, PYTHON_LANGUAGES, expression_source, meta_from_element, timer_source
from .specs import (
    CALLED_EXPRESSION_KEY, START_FORM_KEY, UNAVAILABLE_KEY, CompensationThrow, EngineBoundaryEventJoin, EngineMessageEventDefinition,
    EngineMultipleEventDefinition, InterruptingStartEvent, UnavailableServiceTask, java_implementation,
)
from .timers import TIMER_CLASSES
from .xml import NSMAP, camunda_attr, camunda_properties, local_name


class _EngineNode:
    """Mixed in front of every SpiffWorkflow node parser we use."""

    def handles_multiple_outgoing(self):
        return True  # several flows out of an activity split in parallel (BPMN 2.0, 10.5.1)

    def _add_boundary_event(self, children):
        split_task = super()._add_boundary_event(children)
        self.spec.task_specs[f'{self.bpmn_id}.BoundaryEventJoin'].__class__ = EngineBoundaryEventJoin
        return split_task

    def get_position(self, node=None):
        # SpiffWorkflow orders outgoing flows by DI y-coordinate; Camunda uses document
        # order. A constant position keeps document order, with or without DI.
        return {'x': 0.0, 'y': 0.0}

    def _expr(self, text):
        try:
            return expression_source(text)
        except ExpressionError as exc:
            raise ValidationException(f'Invalid expression {text!r}: {exc}', self.node, self.filename)

    def parse_condition(self, sequence_flow):
        expression = first(self._xpath(sequence_flow, './bpmn:conditionExpression'))
        if expression is None or not (expression.text or '').strip():
            return None
        language = (expression.get('language') or '').strip().lower()
        if language not in PYTHON_LANGUAGES:
            raise ValidationException(f'Condition language {language!r} is not supported',
                                      sequence_flow, self.filename)
        try:
            return expression_source(expression.text)
        except ExpressionError as exc:
            raise ValidationException(f'Invalid condition: {exc}', sequence_flow, self.filename)

    def parse_extensions(self, node=None):
        return {'properties': camunda_properties(self.node)}

    # Data objects, data stores and ioSpecifications are modelling-only, as in Camunda 7:
    # SpiffWorkflow would otherwise demand the data at runtime (validation warns).
    def parse_incoming_data_references(self):
        return []

    def parse_outgoing_data_references(self):
        return []

    def parse_io_spec(self):
        return None

    def _add_multiinstance_task(self, loop_characteristics):
        CamundaTaskParser._add_multiinstance_task(self, loop_characteristics)
        mi = self.task
        mi.cardinality = self._expr(mi.cardinality)
        mi.condition = self._expr(mi.condition)
        if mi.data_output is not None:
            name = self._expr(mi.data_output.bpmn_id)
            if not name.isidentifier():
                self.raise_validation_exception('camunda:collection must name a list variable')
            mi.data_output = TaskDataReference(name)
            if mi.cardinality is None and mi.output_item is None:
                self.raise_validation_exception('camunda:collection needs camunda:elementVariable')

    def _add_loop_task(self, loop_characteristics):
        super()._add_loop_task(loop_characteristics)
        self.task.condition = self._expr(self.task.condition)


class _ImplementationCheck:
    """Service/send tasks that need Java code become UnavailableServiceTask."""

    def create_task(self):
        impl = java_implementation(self.node)
        if impl is None:
            return super().create_task()
        return UnavailableServiceTask(self.spec, self.bpmn_id, **self.bpmn_attributes)

    def parse_extensions(self, node=None):
        ext = super().parse_extensions(node)
        impl = java_implementation(self.node)
        if impl:
            name = ' '.join((self.node.get('name') or self.bpmn_id).split())
            ext[UNAVAILABLE_KEY] = (f'Task {name!r} needs {impl}, which this engine cannot run; '
                                    'replace it with a script task')
        return ext


class EngineTaskParser(_ImplementationCheck, _EngineNode, CamundaTaskParser):
    pass


class HumanTaskParser(_EngineNode, CamundaTaskParser):
    """bpmn:task and bpmn:manualTask: confirm-only human tasks."""

    def parse_extensions(self, node=None):
        ext = super().parse_extensions(node)
        parser = self.process_parser.parser
        try:
            meta = meta_from_element(self.node, parser.lane_chains, parser.known_roles)
        except ExpressionError as exc:
            raise ValidationException(f'Invalid expression: {exc}', self.node, self.filename)
        ext[HUMAN_TASK_KEY] = meta.to_dict()
        return ext


class EngineUserTaskParser(HumanTaskParser, UserTaskParser):
    pass


class EngineScriptTaskParser(_EngineNode, ScriptTaskParser):

    def get_script(self):
        if camunda_attr(self.node, 'resource'):
            self.raise_validation_exception('External script resources are not supported')
        language = (self.node.get('scriptFormat') or '').strip().lower()
        if language not in PYTHON_LANGUAGES:
            self.raise_validation_exception(f'Script format {language!r} is not supported')
        script = first(self.xpath('./bpmn:script'))
        if script is None or not (script.text or '').strip():
            self.raise_validation_exception('Script task has no script')
        return script.text


class EngineBusinessRuleTaskParser(_ImplementationCheck, _EngineNode, CamundaTaskParser):
    """camunda:decisionRef: a DecisionTask (app/engine/dmn/task.py); Java (camunda:class...): unavailable."""

    @staticmethod
    def get_decision_ref(node):  # called by BpmnDmnParser._find_dependencies
        return node.get('{http://camunda.org/schema/1.0/bpmn}decisionRef')

    def create_task(self):
        if java_implementation(self.node):
            return super().create_task()
        config, errors = decision_config(self.node, NSMAP['camunda'])
        if errors:
            self.raise_validation_exception(str(errors[0]))  # SpiffWorkflow wants text
        return DecisionTask(self.spec, self.bpmn_id, **self.bpmn_attributes)

    def parse_extensions(self, node=None):
        ext = super().parse_extensions(node)
        ext[DECISION_KEY] = decision_config(self.node, NSMAP['camunda'])[0]
        return ext


# Flow nodes that start or end a path; boundary events, event subprocesses and compensation handlers
# are started by their events, never by an implicit start.
_FLOW_NODES = {'task', 'userTask', 'manualTask', 'scriptTask', 'serviceTask', 'sendTask', 'receiveTask',
               'businessRuleTask', 'subProcess', 'adHocSubProcess', 'transaction', 'callActivity',
               'exclusiveGateway', 'inclusiveGateway', 'parallelGateway', 'eventBasedGateway',
               'intermediateCatchEvent', 'intermediateThrowEvent'}


def add_implicit_events(sub) -> None:
    """An embedded subprocess without start (end) event starts every flow node without incoming flow
    (ends after every node without outgoing flow), as BPMN 2.0 (10.5.2) allows: made explicit here."""
    bpmn = '{%s}' % NSMAP['bpmn']
    flows = list(sub.iterfind(bpmn + 'sequenceFlow'))
    nodes = [n for n in sub if local_name(n) in _FLOW_NODES and n.get('triggeredByEvent') != 'true'
             and n.get('isForCompensation') != 'true' and n.get('id')]
    sid = sub.get('id')
    if sub.find(bpmn + 'startEvent') is None:
        targets = {f.get('targetRef') for f in flows}
        sub.append(sub.makeelement(bpmn + 'startEvent', id=f'{sid}__start'))
        for node in nodes:
            if node.get('id') not in targets:
                sub.append(sub.makeelement(bpmn + 'sequenceFlow', id=f'{sid}__start_{node.get("id")}',
                                           sourceRef=f'{sid}__start', targetRef=node.get('id')))
    if sub.find(bpmn + 'endEvent') is None:
        sources = {f.get('sourceRef') for f in flows}
        for node in nodes:
            if node.get('id') not in sources:
                end = f'{sid}__end_{node.get("id")}'
                sub.append(sub.makeelement(bpmn + 'endEvent', id=end))
                sub.append(sub.makeelement(bpmn + 'sequenceFlow', id=f'{end}_in', sourceRef=node.get('id'),
                                           targetRef=end))


class EngineSubWorkflowParser(_EngineNode, CamundaTaskParser):

    def create_task(self):
        if self.node.get('triggeredByEvent') != 'true':
            add_implicit_events(self.node)
        spec_id = SubprocessParser.get_subprocess_spec(self)
        if self.node.get('triggeredByEvent') != 'true':
            return self.spec_class(self.spec, self.bpmn_id, subworkflow_spec=spec_id, **self.bpmn_attributes)
        task = self.EVENT_SUBPROCESS_CLASS(self.spec, self.bpmn_id, subworkflow_spec=spec_id, **self.bpmn_attributes)
        start = first(self._xpath(self.node, './bpmn:startEvent'))
        kinds = {local_name(c) for c in (start if start is not None else [])}
        if not kinds & {'timerEventDefinition'}:
            # Listening from the start, like a timer one: SpiffWorkflow would otherwise connect it when its
            # event first comes, changing the spec that every instance shares (sync ends idle listeners).
            self.spec.start.connect(task)
            task.connect(self.spec.end)
        return task


class EngineCallActivityParser(_EngineNode, CamundaTaskParser):
    """``calledElement="${expr}"`` (after parser._constant_called_elements: one that depends on process
    data) is evaluated when the call activity is reached (specs.CallActivity)."""

    def create_task(self):
        spec_id = SubprocessParser.get_call_activity_spec(self)
        return self.spec_class(self.spec, self.bpmn_id, subworkflow_spec=spec_id, **self.bpmn_attributes)

    def parse_extensions(self, node=None):
        ext = super().parse_extensions(node)
        called = (self.node.get('calledElement') or '').strip()
        if called.startswith(('${', '#{')):
            ext[CALLED_EXPRESSION_KEY] = self._expr(called)
        return ext


class EngineGatewayParser(_EngineNode, GatewayParser):
    pass


class EngineConditionalGatewayParser(_EngineNode, ConditionalGatewayParser):

    def connect_outgoing(self, outgoing_task, sequence_flow_node, is_default):
        if is_default:
            self.task.connect(outgoing_task)
        else:
            # Camunda takes a flow without condition as always true (validation warns).
            condition = self.parse_condition(sequence_flow_node)
            self.task.connect_outgoing_if(condition or 'True', outgoing_task)


class EngineAdHocParser(_EngineNode, AdHocSubprocessParser):
    pass


class _EngineEvent(_EngineNode, CamundaEventDefinitionParser):

    def parse_timer_event(self, event):
        name = self.node.get('name', self.node.get('id'))
        description = self.get_event_description(event)
        for tag, cls in TIMER_CLASSES.items():  # ours: bounded, and errors become incidents
            node = first(self._xpath(event, f'./bpmn:{tag}'))
            if node is not None and (node.text or '').strip():
                try:
                    return cls(name, timer_source(node.text), description=description)
                except ExpressionError as exc:
                    self.raise_validation_exception(f'Invalid timer expression: {exc}')
        self.raise_validation_exception('Timer has no date, duration or cycle')

    def parse_conditional_event(self, event):
        condition = first(self._xpath(event, './bpmn:condition'))
        if condition is None or not (condition.text or '').strip():
            self.raise_validation_exception('Conditional event definition with missing condition')
        return ConditionalEventDefinition(self._expr(condition.text),
                                          description=self.get_event_description(event))

    def parse_message_event(self, message_event):
        message_ref = message_event.get('messageRef')
        if message_ref:
            root = self.node.getroottree().getroot()
            message = first(root.xpath('//bpmn:message[@id=$i]', namespaces=NSMAP, i=message_ref))
            if message is None:
                self.raise_validation_exception(f'Message {message_ref!r} is not defined')
            name = message.get('name') or message_ref
            correlations = self.get_message_correlations(message_ref)
        else:
            name, correlations = message_event.getparent().get('name'), {}
        payload = self._expr(self.attribute('expression', 'camunda', message_event))
        result_var = self.attribute('resultVariable', 'camunda', message_event)
        return EngineMessageEventDefinition(name, correlations, payload, result_var)


def _event_parser(base: type) -> type:
    # create_task must come from the concrete SpiffWorkflow event parser.
    return type(f'Engine{base.__name__}', (_EngineEvent, base), {'create_task': base.create_task})


class EngineStartEventParser(_event_parser(CamundaStartEventParser)):
    """A process's start form travels with its spec: a call activity checks its input against it.
    The start event of an interrupting event subprocess cancels the rest of its scope when it fires."""

    def create_task(self):
        if self.node.getparent().get('triggeredByEvent') != 'true':
            return CamundaStartEventParser.create_task(self)
        # An event subprocess may also start on an error or an escalation (SpiffWorkflow reads neither here).
        definition = self.get_event_definition([MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH,
                                                CONDITIONAL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH])
        task = self._create_task(definition)
        self.spec.start.connect(task)
        if self.node.get('isInterrupting') != 'false':
            task.__class__ = InterruptingStartEvent
        return task

    def parse_extensions(self, node=None):
        ext = super().parse_extensions(node)
        fields = parse_camunda_form(self.node)[0] if local_name(self.node.getparent()) == 'process' else []
        if fields:
            ext[START_FORM_KEY] = [f.to_dict() for f in fields]
        return ext


EngineEndEventParser = _event_parser(CamundaEndEventParser)
EngineIntermediateCatchEventParser = _event_parser(CamundaIntermediateCatchEventParser)


class EngineIntermediateThrowEventParser(_event_parser(CamundaIntermediateThrowEventParser)):
    """A compensation throw (rewritten by compensation.rewrite) knows the compensable activities of its scope."""

    def create_task(self):
        task = CamundaIntermediateThrowEventParser.create_task(self)
        if self.node.get(compensation.MARK) is not None:
            task.__class__ = CompensationThrow
        return task

    def parse_extensions(self, node=None):
        ext = super().parse_extensions(node)
        marked = self.node.get(compensation.MARK)
        if marked is not None:
            ext[compensation.EXT_KEY] = marked.split()
        return ext

EngineBoundaryEventParser = _event_parser(CamundaBoundaryEventParser)


class EngineSendTaskParser(_ImplementationCheck, _EngineEvent, SendTaskParser):
    pass


class EngineReceiveTaskParser(_EngineEvent, ReceiveTaskParser):

    def create_task(self):
        if self.node.get('messageRef') or first(self._xpath(self.node, './bpmn:messageEventDefinition')) is not None:
            return ReceiveTaskParser.create_task(self)
        # Without a message it still waits (Camunda: until triggered); the runtime delivers a message named
        # after the task, or addressed by its id.
        name = ' '.join((self.node.get('name') or self.bpmn_id).split())
        return self._create_task(EngineMessageEventDefinition(name))


class EngineEventBasedGatewayParser(_EngineEvent, EventBasedGatewayParser):

    def create_task(self):
        return self._create_task(EngineMultipleEventDefinition())

