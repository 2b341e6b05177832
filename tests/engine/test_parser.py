"""Parsing Camunda Modeler diagrams into SpiffWorkflow specs plus human-task metadata."""
import json
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app.engine.bpmn import BpmnError, parse_definition
from app.engine.bpmn.parser import HumanTaskMeta, create_serializer, human_task_meta, split_list
from app.engine.sandbox_engine import SandboxedScriptEngine

DATA = Path(__file__).resolve().parents[1] / 'data' / 'bpmn'
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="{camunda}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">')


def diagram(body: str, *, process: str = 'id="p" isExecutable="true"', extra: str = '',
            camunda: str = 'http://camunda.org/schema/1.0/bpmn') -> bytes:
    return (HEAD.format(camunda=camunda) + extra + f'<bpmn:process {process}>' + body
            + '</bpmn:process></bpmn:definitions>').encode()


def chain(*nodes: str) -> str:
    """Sequence flows s -> nodes... -> e between element ids."""
    ids = ['s', *nodes, 'e']
    return ''.join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                   for i, (a, b) in enumerate(zip(ids, ids[1:])))


START_END = '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>'


@pytest.fixture(scope='module')
def ticket():
    parsed = parse_definition((DATA / 'support_ticket.bpmn').read_bytes(), filename='support_ticket.bpmn')
    assert parsed.problems == []
    return parsed


def meta(parsed, task_id: str) -> HumanTaskMeta:
    return human_task_meta(parsed.main_spec.task_specs[task_id])


def test_definition_summary(ticket):
    assert ticket.process_id == 'support_ticket' and ticket.name == 'Support ticket'
    assert ticket.deployable and ticket.has_di
    assert ticket.called_elements == set() and ticket.start_messages == [] and ticket.timer_start is None
    assert [f.id for f in ticket.start_form] == ['customer'] and ticket.start_form[0].required
    assert ticket.starter_groups == ['CustomerService', 'Supervisor']


def test_camunda_user_task_attributes(ticket):
    triage = meta(ticket, 'UserTask_triage')
    assert triage.due_date == "'PT4H'"  # ISO literal -> Python string literal
    assert triage.follow_up_date == "'2026-12-01T09:00:00+08:00'"
    assert triage.priority == 70
    assert triage.documentation == 'Read the ticket, pick a category and estimate the cost.'
    assert [f.id for f in triage.form] == ['ticket_no', 'category', 'amount', 'urgent', 'visit_date', 'notes']
    assert triage.properties == {'sla': 'gold'} and not triage.confirm_only
    spec = ticket.main_spec.task_specs['UserTask_triage']
    assert spec.extensions['properties'] == {'sla': 'gold'}


def test_lane_role_becomes_candidate_group(ticket):
    triage = meta(ticket, 'UserTask_triage')
    assert (triage.lane, triage.candidate_groups, triage.assignee) == ('CustomerService', ['CustomerService'], None)


def test_lane_candidate_groups_property(ticket):
    visit = meta(ticket, 'UserTask_visit')
    assert (visit.lane, visit.candidate_groups) == ('Field team', ['FieldService'])


def test_task_users_and_expression_due_date(ticket):
    approve = meta(ticket, 'UserTask_approve')
    assert approve.candidate_users == ['alice', 'bob']
    assert approve.candidate_groups == ['Supervisor']  # lane default: the task names no groups
    assert approve.due_date == 'due'  # ${due} -> Python


def test_task_candidate_groups_override_the_lane():
    xml = diagram(
        '<bpmn:laneSet><bpmn:lane id="l" name="Customer Service"><bpmn:flowNodeRef>t</bpmn:flowNodeRef>'
        '<bpmn:flowNodeRef>u</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>' + START_END +
        '<bpmn:userTask id="t" camunda:candidateGroups="Sales, TechSupport" camunda:assignee="${starter}"/>'
        '<bpmn:userTask id="u" camunda:assignee="kim"/>' + chain('t', 'u'))
    parsed = parse_definition(xml)
    assert parsed.problems == []
    t, u = meta(parsed, 't'), meta(parsed, 'u')
    assert t.candidate_groups == ['Sales', 'TechSupport'] and t.assignee == '${starter}'
    # 'Customer Service' matches the role CustomerService (spaces and case ignored)
    assert (u.assignee, u.candidate_groups, u.lane) == ('kim', ['CustomerService'], 'Customer Service')


def test_confirm_only_tasks(ticket):
    call = meta(ticket, 'ManualTask_call')
    assert call.confirm_only and call.documentation == 'Tell the customer what happens next.'
    assert call.candidate_groups == ['CustomerService']
    assert meta(ticket, 'UserTask_triage').confirm_only is False
    plain = parse_definition(diagram(START_END + '<bpmn:task id="t" camunda:candidateGroups="Sales"/>' + chain('t')))
    assert meta(plain, 't').confirm_only and meta(plain, 't').candidate_groups == ['Sales']


def test_bpmn_resource_assignments_as_camunda_reads_them():
    xml = diagram(START_END + '<bpmn:userTask id="t">'
                  '<bpmn:humanPerformer><bpmn:resourceAssignmentExpression><bpmn:formalExpression>kermit'
                  '</bpmn:formalExpression></bpmn:resourceAssignmentExpression></bpmn:humanPerformer>'
                  '<bpmn:potentialOwner><bpmn:resourceAssignmentExpression><bpmn:formalExpression>'
                  'user(gonzo), group(Sales), Supervisor</bpmn:formalExpression>'
                  '</bpmn:resourceAssignmentExpression></bpmn:potentialOwner></bpmn:userTask>' + chain('t'))
    t = meta(parse_definition(xml), 't')
    assert (t.assignee, t.candidate_users, t.candidate_groups) == ('kermit', ['gonzo'], ['Sales', 'Supervisor'])


def test_activiti_namespace_is_read_as_camunda():
    xml = diagram(START_END + '<bpmn:userTask id="t" camunda:assignee="demo" camunda:priority="${prio}"/>'
                  + chain('t'), camunda='http://activiti.org/bpmn')
    t = meta(parse_definition(xml), 't')
    assert t.assignee == 'demo' and t.priority == 'prio'


def test_split_list_keeps_expressions_whole():
    assert split_list(' a, b ,,c ') == ['a', 'b', 'c']
    assert split_list('${f(a, b)}, Sales') == ['${f(a, b)}', 'Sales']
    assert split_list(None) == []


@pytest.mark.parametrize('kind,text,expected', [
    ('timeDuration', 'PT30M', "'PT30M'"),
    ('timeDuration', ' P2D ', "'P2D'"),
    ('timeCycle', 'R/PT1W', "'R/P1W'"),  # normalised: SpiffWorkflow reads weeks only before T
    ('timeDuration', 'P1W2D', "'P9D'"),
    ('timeCycle', 'R6/P1D', "'R6/P1D'"),
    ('timeDate', '2026-12-01T09:00:00+08:00', "'2026-12-01T09:00:00+08:00'"),
    ('timeDuration', '${reminder}', 'reminder'),
    ('timeDuration', '"PT%dM" % minutes', '"PT%dM" % minutes'),  # Python stays Python
])
def test_timer_literals_become_python_strings(kind, text, expected):
    xml = diagram(START_END + f'<bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition>'
                  f'<bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
                  + chain('t'))
    parsed = parse_definition(xml)
    assert parsed.errors == []
    assert parsed.main_spec.task_specs['t'].event_definition.expression == expected


def test_timer_start_and_message_start_are_reported():
    timer = parse_definition(diagram(
        '<bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeCycle>R/P1W</bpmn:timeCycle>'
        '</bpmn:timerEventDefinition></bpmn:startEvent><bpmn:endEvent id="e"/>' + chain()))
    assert timer.timer_start == "'R/P1W'" and timer.start_messages == []
    message = parse_definition(diagram(
        '<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
        '<bpmn:endEvent id="e"/>' + chain(), extra='<bpmn:message id="m" name="ticket_created"/>'))
    assert message.start_messages == ['ticket_created'] and message.deployable


def test_camunda_conditions_are_translated_and_run(ticket):
    gateway = ticket.main_spec.task_specs['Gateway_approval']
    conditions = [c.args[0] for c, _ in gateway.cond_task_specs if c is not None]
    assert conditions == ['(amount > 1000) and (not urgent)']
    for amount, expected in ((5000, 'UserTask_approve'), (10, 'ManualTask_call')):
        wf = BpmnWorkflow(ticket.main_spec, ticket.subprocess_specs, script_engine=SandboxedScriptEngine())
        wf.do_engine_steps()
        task = wf.get_tasks(state=TaskState.READY)[0]
        task.set_data(amount=amount, urgent=False)
        task.run()
        wf.do_engine_steps()
        assert expected in [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY)]


def test_diagram_without_di_parses_and_runs():
    parsed = parse_definition((DATA / 'no_di.bpmn').read_bytes())
    assert parsed.problems == [] and parsed.has_di is False
    wf = BpmnWorkflow(parsed.main_spec, parsed.subprocess_specs, script_engine=SandboxedScriptEngine())
    wf.do_engine_steps()
    seen = []
    while not wf.is_completed():
        ready = wf.get_tasks(state=TaskState.READY)
        assert ready, 'the workflow is stuck'
        seen.append(ready[0].task_spec.bpmn_id)
        ready[0].set_data(answer=42)
        ready[0].run()
        wf.do_engine_steps()
    assert seen == ['Task_enter', 'Task_check']
    assert wf.data['doubled'] == 84


def test_spec_round_trip_keeps_human_task_meta(ticket):
    serializer = create_serializer()
    restored = {}
    for name, spec in ticket.specs.items():
        dumped = json.dumps(serializer.to_dict(spec))  # the lead stores specs as JSON
        restored[name] = serializer.from_dict(json.loads(dumped))
    spec = restored['support_ticket']
    for task_id in ('UserTask_triage', 'UserTask_approve', 'UserTask_visit', 'ManualTask_call', 'Task_remind'):
        assert human_task_meta(spec.task_specs[task_id]) == meta(ticket, task_id)
    assert spec.task_specs['UserTask_triage'].extensions['properties'] == {'sla': 'gold'}
    # ...and the restored spec still runs
    wf = BpmnWorkflow(spec, {k: v for k, v in restored.items() if k != 'support_ticket'},
                      script_engine=SandboxedScriptEngine())
    wf.do_engine_steps()
    assert [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY)] == ['UserTask_triage']


def test_workflow_round_trip_with_message_definitions():
    parsed = parse_definition(diagram(
        START_END + '<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="m"/>'
        '</bpmn:intermediateCatchEvent>' + chain('c'), extra='<bpmn:message id="m" name="reply"/>'))
    serializer = create_serializer()
    wf = BpmnWorkflow(parsed.main_spec, parsed.subprocess_specs)
    wf.do_engine_steps()
    again = serializer.deserialize_json(serializer.serialize_json(wf))
    assert [t.task_spec.bpmn_id for t in again.get_tasks(state=TaskState.WAITING)] == ['c']


def test_human_task_meta_is_none_for_engine_tasks(ticket):
    assert human_task_meta(ticket.main_spec.task_specs['ScriptTask_sla']) is None
    assert human_task_meta(ticket.main_spec.task_specs['Gateway_approval']) is None


def test_call_activity_targets_outside_the_file():
    parsed = parse_definition(diagram(
        START_END + '<bpmn:callActivity id="c" calledElement="billing"/>' + chain('c')))
    assert parsed.called_elements == {'billing'} and parsed.deployable
    assert parsed.specs.keys() == {'p'}


def test_callee_in_the_same_file_is_not_the_entry_point():
    xml = diagram(START_END + '<bpmn:callActivity id="c" calledElement="sub"/>' + chain('c'),
                  process='id="main" isExecutable="true"')
    xml = xml.replace(b'</bpmn:definitions>', b'<bpmn:process id="sub" isExecutable="true">'
                      b'<bpmn:startEvent id="s2"/><bpmn:endEvent id="e2"/>'
                      b'<bpmn:sequenceFlow id="g" sourceRef="s2" targetRef="e2"/></bpmn:process></bpmn:definitions>')
    parsed = parse_definition(xml)
    assert parsed.process_id == 'main' and set(parsed.specs) == {'main', 'sub'}
    assert parsed.called_elements == set() and parsed.deployable


def test_collaboration_with_one_executable_pool_deploys():
    parsed = parse_definition((DATA / 'collaboration.bpmn').read_bytes())
    assert parsed.errors == [], parsed.problems
    assert parsed.process_id == 'service_desk' and set(parsed.specs) == {'service_desk'}
    assert parsed.start_messages == ['complaint_received']


def test_raise_for_problems():
    parsed = parse_definition(diagram(START_END + chain(), process='id="p" isExecutable="false"'))
    with pytest.raises(BpmnError) as exc:
        parsed.raise_for_problems()
    assert 'not executable' in str(exc.value)
