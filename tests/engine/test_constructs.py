"""BPMN constructs executed in memory through our parser and the sandboxed script engine."""
from datetime import datetime, timedelta, timezone

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app.engine.bpmn import parse_definition
from app.engine.bpmn.parser import message_event
from app.engine.sandbox_engine import SandboxedScriptEngine

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">')


def flows(*pairs: str) -> str:
    """'a>b' strings to sequence flows; 'a>b:cond' adds a condition, 'a>b!' marks nothing special."""
    out = []
    for i, pair in enumerate(pairs):
        edge, _, cond = pair.partition(':')
        a, b = edge.split('>')
        body = f'<bpmn:conditionExpression>{cond}</bpmn:conditionExpression>' if cond else ''
        out.append(f'<bpmn:sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}">{body}</bpmn:sequenceFlow>')
    return ''.join(out)


def user(*ids: str) -> str:
    return ''.join(f'<bpmn:userTask id="{i}" name="{i.title()}" camunda:candidateGroups="CustomerService"/>'
                   for i in ids)


def start(body: str, *, extra: str = '', more_processes: str = '') -> BpmnWorkflow:
    xml = (HEAD + extra + '<bpmn:process id="p" isExecutable="true">' + body + '</bpmn:process>'
           + more_processes + '</bpmn:definitions>').encode()
    parsed = parse_definition(xml)
    assert parsed.errors == [], [str(p) for p in parsed.errors]
    wf = BpmnWorkflow(parsed.main_spec, parsed.subprocess_specs, script_engine=SandboxedScriptEngine())
    wf.do_engine_steps()
    return wf


def ready(wf: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY))


def waiting(wf: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.WAITING))


def complete(wf: BpmnWorkflow, bpmn_id: str, **data) -> None:
    task = next(t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == bpmn_id)
    task.set_data(**data)
    task.run()
    wf.do_engine_steps()


def completed(wf: BpmnWorkflow) -> set[str]:
    return {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id}


def expire_timers(wf: BpmnWorkflow) -> None:
    """Move every pending timer's due time into the past, then let the engine react."""
    past = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    for task in wf.get_tasks(state=TaskState.WAITING):
        value = task.internal_data.get('event_value')
        if isinstance(value, str):
            task.internal_data['event_value'] = past
        elif isinstance(value, dict):
            value['next'] = past
    wf.refresh_waiting_tasks()
    wf.do_engine_steps()


SE = '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>'


# ---------------------------------------------------------------- gateways

@pytest.mark.parametrize('amount,expected', [(5000, 'big'), (50, 'small'), (500, 'medium')])
def test_exclusive_gateway(amount, expected):
    wf = start(SE + user('enter', 'big', 'small', 'medium') + '<bpmn:exclusiveGateway id="g" default="f_g_medium"/>'
               + flows('s>enter', 'enter>g', 'g>big:${amount &gt;= 1000}', 'g>small:amount &lt; 100', 'g>medium',
                       'big>e', 'small>e', 'medium>e'))
    complete(wf, 'enter', amount=amount)
    assert ready(wf) == [expected]
    complete(wf, expected)
    assert wf.is_completed()


def test_parallel_gateway_splits_and_joins():
    wf = start(SE + user('a', 'b', 'after') + '<bpmn:parallelGateway id="split"/><bpmn:parallelGateway id="join"/>'
               + flows('s>split', 'split>a', 'split>b', 'a>join', 'b>join', 'join>after', 'after>e'))
    assert ready(wf) == ['a', 'b']
    complete(wf, 'a')
    assert ready(wf) == ['b']  # the join waits for both branches
    complete(wf, 'b')
    assert ready(wf) == ['after']


@pytest.mark.parametrize('data,expected', [
    ({'phone': True, 'mail': True}, ['call', 'write']),
    ({'phone': True, 'mail': False}, ['call']),
    ({'phone': False, 'mail': False}, ['note']),  # nothing true: the default flow
])
def test_inclusive_gateway(data, expected):
    wf = start(SE + user('enter', 'call', 'write', 'note')
               + '<bpmn:inclusiveGateway id="g" default="f_g_note"/><bpmn:inclusiveGateway id="j"/>'
               + flows('s>enter', 'enter>g', 'g>call:${phone}', 'g>write:${mail}', 'g>note', 'call>j', 'write>j',
                       'note>j', 'j>e'))
    complete(wf, 'enter', **data)
    assert ready(wf) == expected
    for task_id in expected:
        complete(wf, task_id)
    assert wf.is_completed()


EVENT_GATEWAY = (SE + user('answered', 'chase') + '<bpmn:eventBasedGateway id="g"/>'
                 '<bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition messageRef="m"/>'
                 '</bpmn:intermediateCatchEvent>'
                 '<bpmn:intermediateCatchEvent id="timeout"><bpmn:timerEventDefinition>'
                 '<bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
                 + flows('s>g', 'g>reply', 'g>timeout', 'reply>answered', 'timeout>chase', 'answered>e', 'chase>e'))


def test_event_based_gateway_message_wins():
    wf = start(EVENT_GATEWAY, extra='<bpmn:message id="m" name="customer_reply"/>')
    assert ready(wf) == [] and waiting(wf) == ['g']  # the gateway waits for the first event
    wf.send_event(message_event('customer_reply', {'text': 'thanks'}))
    wf.do_engine_steps()
    assert ready(wf) == ['answered']
    assert 'timeout' not in completed(wf)
    task = wf.get_tasks(state=TaskState.READY)[0]
    assert task.data['text'] == 'thanks'  # a dict payload is merged into the task data


def test_event_based_gateway_timer_wins():
    wf = start(EVENT_GATEWAY, extra='<bpmn:message id="m" name="customer_reply"/>')
    expire_timers(wf)
    assert ready(wf) == ['chase']


# ---------------------------------------------------------------- subprocesses

def test_embedded_subprocess():
    wf = start(SE + user('after') + '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
               + user('inner') + '<bpmn:endEvent id="se"/>' + flows('ss>inner', 'inner>se') + '</bpmn:subProcess>'
               + flows('s>sub', 'sub>after', 'after>e'))
    assert ready(wf) == ['inner']
    complete(wf, 'inner', result='ok')
    assert ready(wf) == ['after']
    assert wf.get_tasks(state=TaskState.READY)[0].data['result'] == 'ok'


def test_call_activity_in_the_same_file():
    callee = ('<bpmn:process id="review" isExecutable="true"><bpmn:startEvent id="rs"/>'
              + user('check') + '<bpmn:scriptTask id="mark" scriptFormat="python"><bpmn:script>reviewed = True'
              '</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="re"/>'
              + flows('rs>check', 'check>mark', 'mark>re') + '</bpmn:process>')
    wf = start(SE + user('after') + '<bpmn:callActivity id="call" calledElement="review"/>'
               + flows('s>call', 'call>after', 'after>e'), more_processes=callee)
    assert ready(wf) == ['check']
    complete(wf, 'check', verdict='fine')
    assert ready(wf) == ['after']
    data = wf.get_tasks(state=TaskState.READY)[0].data
    assert data['verdict'] == 'fine' and data['reviewed'] is True


# ---------------------------------------------------------------- multi-instance

def test_sequential_multi_instance_user_task():
    wf = start(SE + '<bpmn:userTask id="call" camunda:candidateGroups="Sales">'
               '<bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${customers}" '
               'camunda:elementVariable="customer"/></bpmn:userTask>' + user('enter', 'after')
               + flows('s>enter', 'enter>call', 'call>after', 'after>e'))
    complete(wf, 'enter', customers=['ann', 'bo', 'cy'])
    seen = []
    for _ in range(3):
        tasks = [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == 'call']
        assert len(tasks) == 1  # one at a time
        seen.append(tasks[0].data['customer'])
        complete(wf, 'call')
    assert seen == ['ann', 'bo', 'cy']
    assert ready(wf) == ['after']


def test_parallel_multi_instance_user_task():
    wf = start(SE + '<bpmn:userTask id="vote" camunda:candidateGroups="Supervisor">'
               '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${3}</bpmn:loopCardinality>'
               '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>' + user('after')
               + flows('s>vote', 'vote>after', 'after>e'))
    assert ready(wf) == ['vote', 'vote', 'vote']  # all instances at once
    for _ in range(3):
        complete(wf, 'vote')
    assert ready(wf) == ['after']


# ---------------------------------------------------------------- boundary events

def boundary_diagram(definition: str, interrupting: bool = True, attached: str = 'work') -> str:
    cancel = 'true' if interrupting else 'false'
    return (SE + user('work', 'handle') + '<bpmn:endEvent id="e2"/>'
            f'<bpmn:boundaryEvent id="b" attachedToRef="{attached}" cancelActivity="{cancel}">{definition}'
            '</bpmn:boundaryEvent>' + flows('s>work', 'work>e', 'b>handle', 'handle>e2'))


TIMER = '<bpmn:timerEventDefinition><bpmn:timeDuration>PT30M</bpmn:timeDuration></bpmn:timerEventDefinition>'


def test_interrupting_timer_boundary():
    wf = start(boundary_diagram(TIMER))
    assert ready(wf) == ['work'] and waiting(wf) == ['b']
    wf.refresh_waiting_tasks()
    assert ready(wf) == ['work']  # not yet due
    expire_timers(wf)
    assert ready(wf) == ['handle']  # the user task was cancelled
    assert wf.get_tasks(state=TaskState.CANCELLED, spec_name='work')


def test_non_interrupting_timer_boundary():
    wf = start(boundary_diagram(TIMER, interrupting=False))
    expire_timers(wf)
    assert ready(wf) == ['handle', 'work']  # both continue
    complete(wf, 'handle')
    complete(wf, 'work')
    assert wf.is_completed()


def test_error_boundary_on_subprocess():
    body = (SE + user('handle', 'after') + '<bpmn:endEvent id="e2"/>'
            '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>' + user('inner')
            + '<bpmn:exclusiveGateway id="ok" default="f_ok_se"/><bpmn:endEvent id="se"/>'
            '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>'
            + flows('ss>inner', 'inner>ok', 'ok>fail:${broken}', 'ok>se') + '</bpmn:subProcess>'
            '<bpmn:boundaryEvent id="b" attachedToRef="sub"><bpmn:errorEventDefinition errorRef="err"/>'
            '</bpmn:boundaryEvent>' + flows('s>sub', 'sub>after', 'after>e', 'b>handle', 'handle>e2'))
    error = '<bpmn:error id="err" name="Broken" errorCode="BROKEN"/>'
    wf = start(body, extra=error)
    complete(wf, 'inner', broken=True)
    assert ready(wf) == ['handle']
    wf = start(body, extra=error)
    complete(wf, 'inner', broken=False)
    assert ready(wf) == ['after']


def test_message_boundary_interrupts_user_task():
    wf = start(boundary_diagram('<bpmn:messageEventDefinition messageRef="m"/>'),
               extra='<bpmn:message id="m" name="cancel_request"/>')
    wf.send_event(message_event('cancel_request', {'reason': 'duplicate'}))
    wf.do_engine_steps()
    assert ready(wf) == ['handle']
    assert wf.get_tasks(state=TaskState.READY)[0].data['reason'] == 'duplicate'


def test_intermediate_message_catch_event():
    wf = start(SE + user('after') + '<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition '
               'messageRef="m"/></bpmn:intermediateCatchEvent>' + flows('s>c', 'c>after', 'after>e'),
               extra='<bpmn:message id="m" name="parts_arrived"/>')
    assert ready(wf) == [] and waiting(wf) == ['c']
    with pytest.raises(Exception):
        wf.send_event(message_event('something_else'))
    wf.send_event(message_event('parts_arrived', {'parts': 3}))
    wf.do_engine_steps()
    assert ready(wf) == ['after'] and wf.get_tasks(state=TaskState.READY)[0].data['parts'] == 3


def test_message_thrown_and_caught_inside_one_instance():
    wf = start(SE + user('a', 'after') + '<bpmn:parallelGateway id="split"/><bpmn:endEvent id="e2"/>'
               '<bpmn:intermediateThrowEvent id="send"><bpmn:messageEventDefinition messageRef="m"/>'
               '</bpmn:intermediateThrowEvent>'
               '<bpmn:intermediateCatchEvent id="recv"><bpmn:messageEventDefinition messageRef="m"/>'
               '</bpmn:intermediateCatchEvent>'
               + flows('s>split', 'split>a', 'split>recv', 'a>send', 'send>e2', 'recv>after', 'after>e'),
               extra='<bpmn:message id="m" name="ping"/>')
    complete(wf, 'a', answer=7)
    assert ready(wf) == ['after']
    assert wf.get_tasks(state=TaskState.READY)[0].data['answer'] == 7  # the sender's data travelled


# ---------------------------------------------------------------- implicit behaviour

def test_task_with_two_outgoing_flows_splits_in_parallel():
    wf = start(SE + user('triage', 'call', 'write') + '<bpmn:endEvent id="e2"/>'
               + flows('s>triage', 'triage>call', 'triage>write', 'call>e', 'write>e2'))
    complete(wf, 'triage')
    assert ready(wf) == ['call', 'write']


def test_confirm_only_tasks_wait_as_ready():
    wf = start(SE + '<bpmn:manualTask id="m" camunda:candidateGroups="FieldService"/>'
               '<bpmn:task id="t" camunda:candidateGroups="FieldService"/>' + flows('s>m', 'm>t', 't>e'))
    assert ready(wf) == ['m']
    wf.do_engine_steps()
    assert ready(wf) == ['m']  # the engine does not run it by itself
    complete(wf, 'm')
    assert ready(wf) == ['t']
    complete(wf, 't')
    assert wf.is_completed()


def test_script_task_runs_in_the_sandbox():
    wf = start(SE + user('after') + '<bpmn:scriptTask id="calc" scriptFormat="python"><bpmn:script>'
               'total = sum([1, 2, 3])\nlabel = "n=%d" % total</bpmn:script></bpmn:scriptTask>'
               + flows('s>calc', 'calc>after', 'after>e'))
    data = wf.get_tasks(state=TaskState.READY)[0].data
    assert (data['total'], data['label']) == (6, 'n=6')


def test_non_interrupting_event_subprocess_started_by_message():
    wf = start(SE + user('work') + '<bpmn:subProcess id="esp" triggeredByEvent="true">'
               '<bpmn:startEvent id="es" isInterrupting="false"><bpmn:messageEventDefinition messageRef="m"/>'
               '</bpmn:startEvent>' + user('answer') + '<bpmn:endEvent id="ee"/>' + flows('es>answer', 'answer>ee')
               + '</bpmn:subProcess>' + flows('s>work', 'work>e'),
               extra='<bpmn:message id="m" name="customer_question"/>')
    assert ready(wf) == ['work']
    wf.send_event(message_event('customer_question', {'question': 'when?'}))
    wf.do_engine_steps()
    assert ready(wf) == ['answer', 'work']  # the main path goes on
    complete(wf, 'answer')
    complete(wf, 'work')
    assert wf.is_completed()


def test_non_interrupting_event_subprocess_started_by_timer():
    wf = start(SE + user('work') + '<bpmn:subProcess id="esp" triggeredByEvent="true">'
               '<bpmn:startEvent id="es" isInterrupting="false"><bpmn:timerEventDefinition>'
               '<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>'
               + user('remind') + '<bpmn:endEvent id="ee"/>' + flows('es>remind', 'remind>ee') + '</bpmn:subProcess>'
               + flows('s>work', 'work>e'))
    assert ready(wf) == ['work']
    expire_timers(wf)
    assert ready(wf) == ['remind', 'work']


# ---------------------------------------------------------------- compensation

def _compensable(activity: str, handler: str) -> str:
    return (f'<bpmn:boundaryEvent id="{activity}_undo" attachedToRef="{activity}"><bpmn:compensateEventDefinition/>'
            f'</bpmn:boundaryEvent><bpmn:userTask id="{handler}" isForCompensation="true" '
            f'camunda:candidateGroups="CustomerService"/><bpmn:association id="{activity}_a" '
            f'sourceRef="{activity}_undo" targetRef="{handler}"/>')


def test_compensation_inside_an_embedded_subprocess_undoes_its_own_activities():
    inner = ('<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>' + user('reserve')
             + _compensable('reserve', 'release')
             + '<bpmn:endEvent id="se"><bpmn:compensateEventDefinition/></bpmn:endEvent>'
             + flows('ss>reserve', 'reserve>se') + '</bpmn:subProcess>')
    wf = start('<bpmn:startEvent id="s"/>' + user('book') + _compensable('book', 'unbook') + inner + user('after')
               + '<bpmn:endEvent id="e"/>' + flows('s>book', 'book>sub', 'sub>after', 'after>e'))
    complete(wf, 'book')
    complete(wf, 'reserve')
    assert ready(wf) == ['release']  # the subprocess's throw: its own activity only, not the parent's book
    complete(wf, 'release')
    assert ready(wf) == ['after']
    complete(wf, 'after')
    assert wf.is_completed() and 'unbook' not in completed(wf)


def test_each_completion_is_compensated_once_the_last_first():
    wf = start('<bpmn:startEvent id="s"/>' + user('a', 'b') + _compensable('a', 'undo_a') + _compensable('b', 'undo_b')
               + '<bpmn:intermediateThrowEvent id="t1"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>'
               + user('c')
               + '<bpmn:intermediateThrowEvent id="t2"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>'
               + '<bpmn:endEvent id="e"/>' + flows('s>a', 'a>b', 'b>t1', 't1>c', 'c>t2', 't2>e'))
    complete(wf, 'a')
    complete(wf, 'b')
    assert ready(wf) == ['undo_b']
    complete(wf, 'undo_b')
    assert ready(wf) == ['undo_a']
    complete(wf, 'undo_a')
    assert ready(wf) == ['c']
    complete(wf, 'c')  # the second throw: a and b were compensated already
    assert wf.is_completed()
