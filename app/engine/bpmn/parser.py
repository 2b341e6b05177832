"""Camunda 7 flavoured BPMN -> SpiffWorkflow specs.

`EngineParser` plugs our node parsers into SpiffWorkflow's CamundaParser. They
translate Camunda `${...}` expressions and ISO 8601 timer literals to Python,
let any activity split implicitly in parallel (BPMN semantics), ignore
modelling-only data associations, and store human-task metadata as plain JSON
in `task_spec.extensions` so it survives the spec serializer.
"""
from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.parser.event_parsers import (
    EventBasedGatewayParser, ReceiveTaskParser, SendTaskParser,
)
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.task_parsers import (
    AdHocSubprocessParser, ConditionalGatewayParser, GatewayParser, SubprocessParser,
)
from SpiffWorkflow.bpmn.parser.util import first, full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import (
    AdHocSubprocess, BoundaryEvent, CallActivity, EndEvent, EventBasedGateway, ExclusiveGateway,
    InclusiveGateway, IntermediateCatchEvent, IntermediateThrowEvent, ManualTask, NoneTask, ParallelGateway,
    ReceiveTask, ScriptTask, SendTask, ServiceTask, StartEvent, SubWorkflowTask, TransactionSubprocess,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition, DurationTimerEventDefinition, TimeDateEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser, CamundaEndEventParser, CamundaEventDefinitionParser,
    CamundaIntermediateCatchEventParser, CamundaIntermediateThrowEventParser, CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser, ScriptTaskParser, UserTaskParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.camunda.specs.user_task import UserTask

from ..expressions import ExpressionError, is_iso8601_timer_literal, to_python
from ..forms import FormField, parse_camunda_form
from . import BpmnError, Problem
from .xml import (
    DEFAULT_MAX_BYTES, DEFAULT_MAX_ELEMENTS, NSMAP, camunda_attr, camunda_properties, documentation,
    has_diagram_interchange, lane_chains, load_xml, local_name, normalize_camunda_namespace,
)

DEFAULT_ROLES: tuple[str, ...] = (
    'Admin', 'ProcessOwner', 'Supervisor', 'CustomerService', 'TechSupport', 'FieldService',
    'Sales', 'ReadOnly',
)
HUMAN_TASK_KEY = 'human_task'  # key in task_spec.extensions
PYTHON_LANGUAGES = {'', 'python', 'py', 'python3'}


# ---------------------------------------------------------------- expressions

def expression_source(text: str | None) -> str | None:
    """Python source for a condition/expression written as Python or Camunda `${...}`."""
    if text is None:
        return None
    text = text.strip()
    return to_python(text) if ('${' in text or '#{' in text) else text


def _canonical_duration(text: str) -> str:
    """SpiffWorkflow reads weeks only alone and only before T: PT1W -> P1W, P1W2D -> P9D."""
    weeks = re.search(r'(\d+)W', text)
    if not weeks:
        return text
    rest = (text[:weeks.start()] + text[weeks.end():]).rstrip('T')
    if rest in ('P', 'PT'):
        return f'P{weeks.group(1)}W'
    days = re.search(r'(\d+)D', rest)
    extra = 7 * int(weeks.group(1)) + (int(days.group(1)) if days else 0)
    if days:
        return rest[:days.start()] + f'{extra}D' + rest[days.end():]
    date_part, _, time_part = rest.partition('T')
    return f'{date_part}{extra}D' + (f'T{time_part}' if time_part else '')


def normalize_timer_literal(text: str) -> str:
    """An ISO 8601 timer literal in the form SpiffWorkflow's timer parser accepts."""
    return '/'.join(_canonical_duration(part) if part.startswith('P') else part for part in text.split('/'))


def timer_source(text: str | None) -> str | None:
    """Python source for a timer/due date: ISO 8601 literals become quoted strings."""
    if text is None:
        return None
    text = text.strip()
    if is_iso8601_timer_literal(text):
        return repr(normalize_timer_literal(text))
    return expression_source(text)


def date_source(text: str | None) -> str | None:
    """Like timer_source, also quoting a bare ISO date (`2026-12-01`) as Camunda accepts it."""
    if text is not None and re.fullmatch(r'\d{4}-\d{2}-\d{2}', text.strip()):
        return repr(text.strip())
    return timer_source(text)


def split_list(value: str | None) -> list[str]:
    """Split a Camunda comma list, keeping commas inside `${...}` expressions."""
    items, depth, current = [], 0, ''
    for ch in value or '':
        depth += ch == '{'
        depth -= ch == '}' and depth > 0
        if ch == ',' and depth == 0:
            items.append(current)
            current = ''
        else:
            current += ch
    items.append(current)
    return [i.strip() for i in items if i.strip()]


def canonical_role(name: str | None, known_roles: Iterable[str]) -> str | None:
    """'Customer Service' / 'customer_service' -> 'CustomerService' if it is a known role."""
    def norm(s: str) -> str:
        return ''.join(ch for ch in s.lower() if ch.isalnum())
    if not name:
        return None
    wanted = norm(name)
    return next((role for role in known_roles if norm(role) == wanted), None)


# ---------------------------------------------------------------- human tasks

@dataclass
class HumanTaskMeta:
    assignee: str | None = None
    candidate_users: list[str] = field(default_factory=list)
    candidate_groups: list[str] = field(default_factory=list)
    due_date: str | None = None  # Python source: evaluates to an ISO date/duration string or datetime
    follow_up_date: str | None = None  # same as due_date
    priority: int | str | None = None  # int literal or Python source
    documentation: str = ''
    form: list[FormField] = field(default_factory=list)
    confirm_only: bool = False  # bpmn:task / bpmn:manualTask: nothing to fill in, just confirm
    lane: str | None = None
    form_key: str | None = None
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def has_owner(self) -> bool:
        return bool(self.assignee or self.candidate_users or self.candidate_groups)

    def to_dict(self) -> dict[str, Any]:
        dct = asdict(self)
        dct['form'] = [f.to_dict() for f in self.form]
        return dct

    @classmethod
    def from_dict(cls, dct: dict[str, Any]) -> 'HumanTaskMeta':
        data = dict(dct)
        data['form'] = [FormField.from_dict(f) for f in data.get('form') or []]
        return cls(**data)


def lane_roles(chain: list[Any], known_roles: Iterable[str]) -> list[str]:
    """Candidate groups a lane implies: its `candidateGroups` property or its role name."""
    for lane in chain:  # innermost lane first
        groups = split_list(camunda_properties(lane).get('candidateGroups'))
        if groups:
            return groups
        role = canonical_role(lane.get('name'), known_roles)
        if role:
            return [role]
    return []


def lane_chain_for(node: Any, chains: dict[str, list[Any]]) -> list[Any]:
    """Lanes of a node; tasks inside an embedded subprocess use the subprocess's lane."""
    while node is not None:
        chain = chains.get(node.get('id') or '')
        if chain:
            return chain
        node = node.getparent()
    return []


def resource_owners(node: Any) -> tuple[str | None, list[str], list[str]]:
    """(assignee, users, groups) from BPMN humanPerformer/potentialOwner, read as Camunda 7 does.

    `user(x)` / `group(x)` entries; a bare entry is a group. A resourceRef names a group.
    """
    root = node.getroottree().getroot()
    assignee, users, groups = None, [], []
    for role in node:
        kind = local_name(role)
        if kind not in ('humanPerformer', 'potentialOwner'):
            continue
        expr = first(role.xpath('./bpmn:resourceAssignmentExpression/bpmn:formalExpression', namespaces=NSMAP))
        if expr is not None and (expr.text or '').strip():
            entries = split_list(expr.text)
        else:
            ref = first(role.xpath('./bpmn:resourceRef', namespaces=NSMAP))
            ref_id = (ref.text or '').strip() if ref is not None else ''
            resource = root.xpath('//bpmn:resource[@id=$i]', namespaces=NSMAP, i=ref_id) if ref_id else []
            entries = [(resource[0].get('name') or ref_id) if resource else ref_id] if ref_id else []
        for entry in entries:
            match = re.fullmatch(r'(user|group)\((.*)\)', entry)
            value = (match.group(2) if match else entry).strip()
            if kind == 'humanPerformer':
                assignee = assignee or value
            elif match and match.group(1) == 'user':
                users.append(value)
            elif value:
                groups.append(value)
    return assignee, users, groups


def meta_from_element(node: Any, chains: dict[str, list[Any]],
                      known_roles: Iterable[str] = DEFAULT_ROLES) -> HumanTaskMeta:
    """Build HumanTaskMeta from a userTask/task/manualTask element (raises ExpressionError)."""
    chain = lane_chain_for(node, chains)
    priority_text = camunda_attr(node, 'priority')
    priority: int | str | None = None
    if priority_text:
        priority = int(priority_text) if priority_text.lstrip('+-').isdigit() else expression_source(priority_text)
    performer, owner_users, owner_groups = resource_owners(node)
    groups = split_list(camunda_attr(node, 'candidateGroups')) or owner_groups
    if not groups:  # the lane gives the default candidate group unless the task names its own
        groups = lane_roles(chain, known_roles)
    form, _issues = parse_camunda_form(node)
    return HumanTaskMeta(
        assignee=camunda_attr(node, 'assignee') or performer,
        candidate_users=split_list(camunda_attr(node, 'candidateUsers')) + owner_users,
        candidate_groups=groups,
        due_date=date_source(camunda_attr(node, 'dueDate') or None),
        follow_up_date=date_source(camunda_attr(node, 'followUpDate') or None),
        priority=priority,
        documentation=documentation(node),
        form=form,
        confirm_only=local_name(node) != 'userTask',
        lane=chain[0].get('name') if chain else None,
        form_key=camunda_attr(node, 'formKey') or None,
        properties=camunda_properties(node),
    )


def human_task_meta(task_spec: Any) -> HumanTaskMeta | None:
    """Human-task metadata stored on a (possibly deserialized) task spec, or None."""
    data = (getattr(task_spec, 'extensions', None) or {}).get(HUMAN_TASK_KEY)
    return HumanTaskMeta.from_dict(data) if data is not None else None


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


SERIALIZER_CONFIG = dict(CAMUNDA_CONFIG)
SERIALIZER_CONFIG[EngineMessageEventDefinition] = MessageEventDefinitionConverter
SERIALIZER_CONFIG[UnavailableServiceTask] = BpmnTaskSpecConverter


def create_serializer() -> BpmnWorkflowSerializer:
    """Serializer for our specs and workflows (Camunda config + our message class)."""
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SERIALIZER_CONFIG))


# ---------------------------------------------------------------- node parsers

class _EngineNode:
    """Mixed in front of every SpiffWorkflow node parser we use."""

    def handles_multiple_outgoing(self):
        return True  # several flows out of an activity split in parallel (BPMN 2.0, 10.5.1)

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


class EngineBusinessRuleTaskParser(_EngineNode, CamundaTaskParser):

    @staticmethod
    def get_decision_ref(node):  # called by BpmnDmnParser._find_dependencies
        return node.get('{http://camunda.org/schema/1.0/bpmn}decisionRef')

    def create_task(self):
        self.raise_validation_exception('Business rule tasks (DMN) are not supported')


class EngineSubWorkflowParser(_EngineNode, CamundaTaskParser):

    def create_task(self):
        spec_id = SubprocessParser.get_subprocess_spec(self)
        cls = self.EVENT_SUBPROCESS_CLASS if self.node.get('triggeredByEvent') == 'true' else self.spec_class
        return cls(self.spec, self.bpmn_id, subworkflow_spec=spec_id, **self.bpmn_attributes)


class EngineCallActivityParser(_EngineNode, CamundaTaskParser):

    def create_task(self):
        spec_id = SubprocessParser.get_call_activity_spec(self)
        return self.spec_class(self.spec, self.bpmn_id, subworkflow_spec=spec_id, **self.bpmn_attributes)


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
        for tag, cls in (('timeDate', TimeDateEventDefinition), ('timeDuration', DurationTimerEventDefinition),
                         ('timeCycle', CycleTimerEventDefinition)):
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


class EngineSendTaskParser(_ImplementationCheck, _EngineEvent, SendTaskParser):
    pass


class EngineReceiveTaskParser(_EngineEvent, ReceiveTaskParser):
    create_task = ReceiveTaskParser.create_task


class EngineEventBasedGatewayParser(_EngineEvent, EventBasedGatewayParser):
    create_task = EventBasedGatewayParser.create_task


class EngineProcessParser(ProcessParser):

    def parse_io_spec(self):
        return None  # modelling-only, as in Camunda 7


class EngineParser(CamundaParser):
    """CamundaParser with our node parsers; remembers lanes and known roles."""

    PROCESS_PARSER_CLASS = EngineProcessParser
    OVERRIDE_PARSER_CLASSES = {
        full_tag('userTask'): (EngineUserTaskParser, UserTask),
        full_tag('task'): (HumanTaskParser, NoneTask),
        full_tag('manualTask'): (HumanTaskParser, ManualTask),
        full_tag('scriptTask'): (EngineScriptTaskParser, ScriptTask),
        full_tag('serviceTask'): (EngineTaskParser, ServiceTask),
        full_tag('businessRuleTask'): (EngineBusinessRuleTaskParser, BusinessRuleTask),
        full_tag('sendTask'): (EngineSendTaskParser, SendTask),
        full_tag('receiveTask'): (EngineReceiveTaskParser, ReceiveTask),
        full_tag('subProcess'): (EngineSubWorkflowParser, SubWorkflowTask),
        full_tag('transaction'): (EngineSubWorkflowParser, TransactionSubprocess),
        full_tag('adHocSubProcess'): (EngineAdHocParser, AdHocSubprocess),
        full_tag('callActivity'): (EngineCallActivityParser, CallActivity),
        full_tag('exclusiveGateway'): (EngineConditionalGatewayParser, ExclusiveGateway),
        full_tag('inclusiveGateway'): (EngineConditionalGatewayParser, InclusiveGateway),
        full_tag('parallelGateway'): (EngineGatewayParser, ParallelGateway),
        full_tag('eventBasedGateway'): (EngineEventBasedGatewayParser, EventBasedGateway),
        full_tag('startEvent'): (_event_parser(CamundaStartEventParser), StartEvent),
        full_tag('endEvent'): (_event_parser(CamundaEndEventParser), EndEvent),
        full_tag('intermediateCatchEvent'): (_event_parser(CamundaIntermediateCatchEventParser), IntermediateCatchEvent),
        full_tag('intermediateThrowEvent'): (_event_parser(CamundaIntermediateThrowEventParser), IntermediateThrowEvent),
        full_tag('boundaryEvent'): (_event_parser(CamundaBoundaryEventParser), BoundaryEvent),
    }

    def __init__(self, known_roles: Iterable[str] = DEFAULT_ROLES):
        super().__init__(namespaces=dict(NSMAP))
        self.known_roles = tuple(known_roles)
        self.lane_chains: dict[str, list[Any]] = {}

    def add_bpmn_xml(self, bpmn, filename=None):
        root = bpmn.getroot() if hasattr(bpmn, 'getroot') else bpmn
        self.lane_chains.update(lane_chains(root))
        super().add_bpmn_xml(bpmn, filename)

    def _add_data_stores(self, bpmn):
        pass  # data stores are modelling-only; SpiffWorkflow would demand an implementation


# ---------------------------------------------------------------- definitions

@dataclass
class ParsedDefinition:
    process_id: str | None  # the process to start; None if nothing is executable
    name: str | None
    specs: dict[str, Any]  # process/subprocess id -> BpmnProcessSpec (main one included)
    called_elements: set[str]  # call activity targets not in this file
    problems: list[Problem]
    has_di: bool
    start_messages: list[str] = field(default_factory=list)
    timer_start: str | None = None  # Python source of the timer start event, if any
    start_form: list[FormField] = field(default_factory=list)
    starter_groups: list[str] = field(default_factory=list)  # camunda:candidateStarterGroups
    starter_users: list[str] = field(default_factory=list)  # camunda:candidateStarterUsers
    filename: str = 'diagram.bpmn'

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def deployable(self) -> bool:
        return self.process_id is not None and self.process_id in self.specs and not self.errors

    @property
    def main_spec(self) -> Any:
        return self.specs.get(self.process_id) if self.process_id else None

    @property
    def subprocess_specs(self) -> dict[str, Any]:
        """Second argument of BpmnWorkflow(spec, subprocess_specs)."""
        return {k: v for k, v in self.specs.items() if k != self.process_id}

    def raise_for_problems(self) -> None:
        if self.errors or self.process_id is None:
            raise BpmnError(self.problems)


def runnable_processes(root: Any) -> list[Any]:
    """Processes SpiffWorkflow may run: all except those marked isExecutable="false"."""
    return [p for p in root.iterfind('{%s}process' % NSMAP['bpmn']) if p.get('isExecutable') != 'false']


def select_main_process(root: Any) -> tuple[Any | None, str]:
    """(process element to start, '' or why none could be chosen)."""
    processes = list(root.iterfind('{%s}process' % NSMAP['bpmn']))
    marked = [p for p in processes if p.get('isExecutable') == 'true']
    if len(marked) == 1:
        return marked[0], ''
    if len(marked) > 1:
        # Processes called from this file are callees, not the entry point; then prefer
        # the one a person starts (a plain start event) over message/timer-started ones.
        called = {c.get('calledElement') for c in root.iter('{%s}callActivity' % NSMAP['bpmn'])}
        entry = [p for p in marked if p.get('id') not in called]
        if len(entry) > 1:
            plain = [p for p in entry if any(len(s) == len(s.findall('{*}incoming') + s.findall('{*}outgoing')
                                                             + s.findall('{*}extensionElements')
                                                             + s.findall('{*}documentation'))
                                             for s in p.iterfind('{%s}startEvent' % NSMAP['bpmn']))]
            entry = plain if len(plain) == 1 else entry
        if len(entry) == 1:
            return entry[0], ''
        ids = ', '.join(p.get('id') or '?' for p in marked)
        return None, f'Several processes are marked executable ({ids}) and none is clearly the one to start.'
    unmarked = [p for p in processes if p.get('isExecutable') is None]
    if len(processes) == 1 and unmarked:
        return processes[0], ''
    if not processes:
        return None, 'The file contains no process.'
    if not unmarked:
        return None, 'No process is executable (isExecutable="false").'
    return None, f'The file has {len(processes)} processes and none is marked executable.'


def _problem_from_exception(exc: Exception, root: Any) -> Problem:
    node_id = getattr(exc, 'id', '') or None
    node = root.xpath('//*[@id=$i]', i=node_id)[0] if node_id and root.xpath('//*[@id=$i]', i=node_id) else None
    message = str(exc).split('. Error Details')[0].strip()
    if isinstance(exc, ValidationException):
        message = exc.args[0] if exc.args else message
    else:
        message = f'SpiffWorkflow could not read this element: {type(exc).__name__}: {exc}'
    return Problem(
        node_id, ' '.join(node.get('name').split()) if node is not None and node.get('name') else None,
        local_name(node) if node is not None else (getattr(exc, 'tag', '') or '').replace('bpmn:', '') or None,
        message.rstrip('.') + '.', 'Fix this element so the engine can run it.',
        node.sourceline if node is not None else None)


def parse_definition(xml: bytes | str, *, filename: str = 'diagram.bpmn',
                     known_roles: Iterable[str] = DEFAULT_ROLES,
                     script_engine_check: Callable[[str, str], list[str]] | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES,
                     max_elements: int = DEFAULT_MAX_ELEMENTS) -> ParsedDefinition:
    """Load, validate and parse a diagram. Never raises; check `.problems` / `.deployable`."""
    from .validation import check_document  # validation imports this module
    try:
        root = load_xml(xml, max_bytes=max_bytes, max_elements=max_elements).getroot()
    except BpmnError as exc:
        return ParsedDefinition(None, None, {}, set(), exc.problems, False, filename=filename)
    normalize_camunda_namespace(root)
    known_roles = tuple(known_roles)
    problems = check_document(root, known_roles=known_roles, script_engine_check=script_engine_check)
    main, _why = select_main_process(root) if local_name(root) == 'definitions' else (None, '')
    result = ParsedDefinition(main.get('id') if main is not None else None,
                              (main.get('name') if main is not None else None) or root.get('name'),
                              {}, set(), problems, has_diagram_interchange(root), filename=filename)
    if main is None:
        return result
    located = {p.element_id for p in problems if p.is_error}
    parser = EngineParser(known_roles)
    try:
        parser.add_bpmn_xml(root, filename)
        processes = sorted(runnable_processes(root), key=lambda p: p is not main)  # main first
        for process in processes:
            pid = process.get('id')
            try:
                result.specs[pid] = parser.get_spec(pid)
                for sub_id, sub in parser.get_subprocess_specs(pid, require_call_activity_specs=False).items():
                    if sub is not None:
                        result.specs[sub_id] = sub
            except Exception as exc:  # SpiffWorkflow raises many kinds; each becomes a Problem
                problem = _problem_from_exception(exc, root)
                if problem.element_id not in located or problem.element_id is None:
                    problems.append(problem)
    except Exception as exc:
        problems.append(_problem_from_exception(exc, root))
    try:
        in_file = {p.get('id') for p in root.iterfind('{%s}process' % NSMAP['bpmn'])}
        for process in runnable_processes(root):
            for call in process.iter('{%s}callActivity' % NSMAP['bpmn']):
                target = (call.get('calledElement') or '').strip()
                if target and target not in in_file:
                    result.called_elements.add(target)
        _start_info(main, result)
    except Exception as exc:  # never let an odd start event take the upload down
        problems.append(_problem_from_exception(exc, root))
    return result


def _start_info(process: Any, result: ParsedDefinition) -> None:
    """Message names, timer and form of the main process's top-level start events."""
    root = process.getroottree().getroot()
    result.starter_groups = split_list(camunda_attr(process, 'candidateStarterGroups'))
    result.starter_users = split_list(camunda_attr(process, 'candidateStarterUsers'))
    for start in process.iterfind('{%s}startEvent' % NSMAP['bpmn']):
        for med in start.iterfind('{%s}messageEventDefinition' % NSMAP['bpmn']):
            ref = med.get('messageRef')
            message = root.xpath('//bpmn:message[@id=$i]', namespaces=NSMAP, i=ref) if ref else []
            name = (message[0].get('name') or ref) if message else start.get('name')
            if name:
                result.start_messages.append(name)
        for timer in start.iterfind('{%s}timerEventDefinition' % NSMAP['bpmn']):
            for child in timer:
                if (child.text or '').strip() and result.timer_start is None:
                    try:
                        result.timer_start = timer_source(child.text)
                    except ExpressionError:
                        pass  # reported by validation
        if not result.start_form:
            result.start_form = parse_camunda_form(start)[0]
