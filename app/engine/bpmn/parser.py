"""Camunda 7 flavoured BPMN -> SpiffWorkflow specs.

`EngineParser` plugs our node parsers (nodes.py) into SpiffWorkflow's CamundaParser;
`parse_definition` runs the static checks (validation.py) and the parser, and
gathers what the engine needs to deploy a diagram into a `ParsedDefinition`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from flask_babel import lazy_gettext as _l
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    AdHocSubprocess, BoundaryEvent, EndEvent, EventBasedGateway, ExclusiveGateway,
    InclusiveGateway, IntermediateCatchEvent, IntermediateThrowEvent, ManualTask, NoneTask, ParallelGateway,
    ReceiveTask, ScriptTask, SendTask, ServiceTask, StartEvent, SubWorkflowTask, TransactionSubprocess,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.camunda.specs.user_task import UserTask

from ..expressions import ExpressionError, called_element_constant
from ..forms import FormField, parse_camunda_form
from . import compensation, validation
from .meta import (
    DEFAULT_ROLES, HUMAN_TASK_KEY, HumanTaskMeta, camunda_form_ref, human_task_meta, split_list, timer_source,
)
from .nodes import (
    EngineAdHocParser, EngineBoundaryEventParser, EngineBusinessRuleTaskParser, EngineCallActivityParser,
    EngineConditionalGatewayParser, EngineEndEventParser, EngineEventBasedGatewayParser, EngineGatewayParser,
    EngineIntermediateCatchEventParser, EngineIntermediateThrowEventParser, EngineReceiveTaskParser,
    EngineScriptTaskParser, EngineSendTaskParser, EngineStartEventParser, EngineSubWorkflowParser,
    EngineTaskParser, EngineUserTaskParser, HumanTaskParser,
)
from .problems import BpmnError, Problem, element_label
from .specs import SERIALIZER_CONFIG, CallActivity, create_serializer, message_event, start_form_of
from .xml import (
    DEFAULT_MAX_BYTES, DEFAULT_MAX_ELEMENTS, NSMAP, assign_missing_ids, camunda_attr, has_diagram_interchange,
    is_dmn, lane_chains, load_xml, local_name, normalize_camunda_namespace, rename_reserved_ids, runnable_processes,
    select_main_process,
)

# Public names; several live in meta.py / specs.py and are re-exported for existing imports.
__all__ = [
    'DEFAULT_ROLES', 'HUMAN_TASK_KEY', 'SERIALIZER_CONFIG', 'EngineParser', 'HumanTaskMeta',
    'ParsedDefinition', 'create_serializer', 'human_task_meta', 'message_event', 'parse_definition',
    'runnable_processes', 'select_main_process', 'split_list', 'validate',
]


class EngineProcessParser(ProcessParser):

    def parse_io_spec(self):
        return None  # modelling-only, as in Camunda 7

    def _index_process_nodes(self):
        super()._index_process_nodes()
        # SpiffWorkflow indexes every `id` in the process, camunda:formField and camunda:value
        # included: a form field named like a task would shadow the task. BPMN elements win.
        for node in self.xpath('.//bpmn:*[@id]'):
            self.nodes_by_id[node.get('id')] = node


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
        full_tag('startEvent'): (EngineStartEventParser, StartEvent),
        full_tag('endEvent'): (EngineEndEventParser, EndEvent),
        full_tag('intermediateCatchEvent'): (EngineIntermediateCatchEventParser, IntermediateCatchEvent),
        full_tag('intermediateThrowEvent'): (EngineIntermediateThrowEventParser, IntermediateThrowEvent),
        full_tag('boundaryEvent'): (EngineBoundaryEventParser, BoundaryEvent),
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
    call_sites: dict[str, list[Problem]] = field(default_factory=dict)  # called key -> where it is called
    form_refs: list[tuple[dict, Problem]] = field(default_factory=list)  # Camunda Forms refs and where
    start_form_ref: dict | None = None  # the main start event's Camunda Form, resolved at deploy

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


def _problem_from_exception(exc: Exception, root: Any, renamed: dict[str, str] | None = None) -> Problem:
    node_id = getattr(exc, 'id', '') or None
    matches = root.xpath('//*[@id=$i]', i=node_id) if node_id else []
    node = matches[0] if matches else None
    node_id = (renamed or {}).get(node_id, node_id)
    message = str(exc).split('. Error Details')[0].strip()
    if isinstance(exc, ValidationException):  # the parser's own words (SpiffWorkflow's, nodes.py's): as said
        message = str(exc.args[0] if exc.args else message).rstrip('.') + '.'
    else:
        message = _l('SpiffWorkflow could not read this element: %(error)s.',
                     error=f'{type(exc).__name__}: {exc}'.rstrip('.'))
    return Problem(
        node_id, ' '.join(node.get('name').split()) if node is not None and node.get('name') else None,
        local_name(node) if node is not None else (getattr(exc, 'tag', '') or '').replace('bpmn:', '') or None,
        message, _l('Fix this element so the engine can run it.'),
        node.sourceline if node is not None else None)


def parse_definition(xml: bytes | str, *, filename: str = 'diagram.bpmn',
                     known_roles: Iterable[str] = DEFAULT_ROLES,
                     script_engine_check: Callable[[str, str], list[str]] | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES,
                     max_elements: int = DEFAULT_MAX_ELEMENTS) -> ParsedDefinition:
    """Load, validate and parse a diagram. Never raises; check `.problems` / `.deployable`."""
    try:
        root = load_xml(xml, max_bytes=max_bytes, max_elements=max_elements).getroot()
    except BpmnError as exc:
        return ParsedDefinition(None, None, {}, set(), exc.problems, False, filename=filename)
    if is_dmn(root):
        return ParsedDefinition(None, None, {}, set(), [_dmn_problem(root)], False, filename=filename)
    normalize_camunda_namespace(root)
    generated = assign_missing_ids(root)  # before the checks, so that they can name these elements
    known_roles = tuple(known_roles)
    problems = [_generated_id_warning(el) for el in generated]
    problems += validation.check_document(root, known_roles=known_roles, script_engine_check=script_engine_check)
    main, _why = select_main_process(root) if local_name(root) == 'definitions' else (None, '')
    result = ParsedDefinition(main.get('id') if main is not None else None,
                              (main.get('name') if main is not None else None) or root.get('name'),
                              {}, set(), problems, has_diagram_interchange(root), filename=filename)
    if main is None:
        return result
    located = {p.element_id for p in problems if p.is_error}
    _constant_called_elements(root)
    compensation.rewrite(root)  # after the checks: they locate what the person drew
    renamed = rename_reserved_ids(root)  # after the checks: problems name the ids the person drew
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
                problem = _problem_from_exception(exc, root, renamed)
                if problem.element_id not in located or problem.element_id is None:
                    problems.append(problem)
    except Exception as exc:
        problems.append(_problem_from_exception(exc, root, renamed))
    _restore_ids(result.specs, renamed)
    form_tasks = {renamed.get(t.get('id'), t.get('id')) for t in root.iter('{%s}userTask' % NSMAP['bpmn'])
                  if (camunda_attr(t, 'formKey') or camunda_attr(t, 'formRef')) and camunda_form_ref(t) is None}
    for el in root.iter('{%s}userTask' % NSMAP['bpmn'], '{%s}startEvent' % NSMAP['bpmn']):
        if (ref := camunda_form_ref(el)) is not None:
            result.form_refs.append((ref, _site(el, renamed)))
    _generic_forms(result.specs, form_tasks)
    try:
        in_file = {p.get('id') for p in root.iterfind('{%s}process' % NSMAP['bpmn'])}
        for process in runnable_processes(root):
            for call in process.iter('{%s}callActivity' % NSMAP['bpmn']):
                target = (call.get('calledElement') or '').strip()
                if target and target not in in_file and not target.startswith(('${', '#{')):
                    result.called_elements.add(target)
                    result.call_sites.setdefault(target, []).append(_site(call, renamed))
        _start_info(main, result)
    except Exception as exc:  # never let an odd start event take the upload down
        problems.append(_problem_from_exception(exc, root, renamed))
    return result


def _dmn_problem(root: Any) -> Problem:
    decision = next((el for el in root.iter() if local_name(el) == 'decision'), None)
    return Problem(
        decision.get('id') if decision is not None else None,
        decision.get('name') if decision is not None else None, 'decision',
        _l('This is a DMN decision table file, not a BPMN diagram.'),
        _l('Deploy it as a decision (Decisions page, or POST /api/v1/decisions); a business rule task '
           'with camunda:decisionRef evaluates it.'), decision.sourceline if decision is not None else root.sourceline)


def _generated_id_warning(el: Any) -> Problem:
    name = ' '.join(el.get('name').split()) if el.get('name') else None
    return Problem(el.get('id'), name, local_name(el),
                   _l("This %(kind)s has no id; the engine named it '%(id)s'.", kind=element_label(local_name(el)),
                      id=el.get('id')),
                   _l('Open and save the diagram in Camunda Modeler, which gives every element an id.'),
                   el.sourceline, 'warning')


def _constant_called_elements(root: Any) -> None:
    """``calledElement="${'invoice'}"`` calls process ``invoice``: SpiffWorkflow reads the attribute as
    a process id (ids chosen at run time are refused by the checks)."""
    for call in root.iter('{%s}callActivity' % NSMAP['bpmn']):
        try:
            target = called_element_constant(call.get('calledElement') or '')
        except ExpressionError:
            continue
        if target:
            call.set('calledElement', target)


def _site(el: Any, renamed: dict[str, str]) -> Problem:
    """Where an element is, as the Problem of a message about it (the message filled in later)."""
    name = ' '.join(el.get('name').split()) if el.get('name') else None
    return Problem(renamed.get(el.get('id'), el.get('id')), name, local_name(el), '', '', el.sourceline)


def _generic_forms(specs: dict[str, Any], form_tasks: set[str]) -> None:
    """A task with a camunda:formKey/formRef form (an HTML or Camunda Form we cannot show) and no
    generated fields gets every field the diagram's other forms declare, all optional."""
    metas = [(ts, meta) for spec in specs.values() for ts in spec.task_specs.values()
             if (meta := human_task_meta(ts)) is not None]
    declared: dict[str, FormField] = {}
    for spec in specs.values():
        for f in start_form_of(spec):
            declared.setdefault(f.id, f)
    for _ts, meta in metas:
        for f in meta.form:
            declared.setdefault(f.id, f)
    if not declared:
        return
    generic = [replace(f, required=False, readonly=False) for f in declared.values()]
    for ts, meta in metas:
        if ts.bpmn_id in form_tasks and not meta.form:
            meta.form = generic
            ts.extensions[HUMAN_TASK_KEY] = meta.to_dict()


def _restore_ids(specs: dict[str, Any], renamed: dict[str, str]) -> None:
    """Task specs of renamed elements keep SpiffWorkflow's unique name but carry the drawn id, which
    is what tasks, history and the diagram show."""
    if not renamed:
        return
    for spec in specs.values():
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, 'bpmn_id', None) in renamed:
                task_spec.bpmn_id = renamed[task_spec.bpmn_id]


def validate(xml: bytes | str, **kw: Any) -> list[Problem]:
    """Every problem of a diagram (load, static checks and SpiffWorkflow parse), each located."""
    return parse_definition(xml, **kw).problems


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
        if not result.start_form and result.start_form_ref is None:
            result.start_form = parse_camunda_form(start)[0]
            result.start_form_ref = camunda_form_ref(start)
