"""Compensation, which SpiffWorkflow lacks, made from what it runs: a rewrite of the parsed copy.

BPMN 2.0 (10.6.2 / 13.5.5): an activity with a compensation boundary event is compensable; its
handler (``isForCompensation``, joined to the boundary event by an association) undoes it. A
compensation throw (intermediate or end event, optionally naming one activity with ``activityRef``)
runs the handlers of the activities of its scope that completed, the last completed first, each
completion once; then the throw goes on (an end event ends its scope). Camunda 7 does the same.

The diagram the user drew is not changed; before SpiffWorkflow reads it, each scope with a throw
gets a small loop (ids start with ``__compensation``)::

    throw ─► L ─(queue)─► D ─(queue[0] == 'a')─► handler of a ─► pop ─► L
             └─(empty)─► X ─(compensation_from == 'throw')─► what followed the throw

The throw itself (`CompensationThrow`) fills ``compensation_queue`` from the completed tasks of its
scope, newest first. Handlers keep their ids, so history and the diagram name them.

Not supported (refused by the checks, located): compensation start events (compensation event
subprocesses), throws inside event subprocesses, ``activityRef`` outside the throw's scope, a
compensable activity without exactly one handler. Activities inside a completed embedded
subprocess are compensated by throws inside that subprocess, not by the parent's.
"""
from __future__ import annotations

from typing import Any, Iterator

from flask_babel import lazy_gettext as _l

from .xml import NSMAP, local_name

BPMN = '{%s}' % NSMAP['bpmn']
MARK = '{urn:cs-ops:engine}compensate'  # on a rewritten throw: the compensable activity ids of its scope
EXT_KEY = 'compensate'  # task_spec.extensions key of the same list
QUEUE, FROM, DONE = 'compensation_queue', 'compensation_from', 'compensated_tasks'  # process data it uses
GENERATED_PREFIX = '__compensation'  # ids of the loop's gateways: no history line of their own
SCOPES = {'process', 'subProcess', 'transaction', 'adHocSubProcess'}
ACTIVITIES = {'task', 'userTask', 'manualTask', 'scriptTask', 'serviceTask', 'sendTask', 'receiveTask',
              'businessRuleTask', 'subProcess', 'adHocSubProcess', 'transaction', 'callActivity'}


def is_compensation(el: Any) -> bool:
    return el.find(BPMN + 'compensateEventDefinition') is not None


def _definition(el: Any) -> Any:
    return el.find(BPMN + 'compensateEventDefinition')


def scope_of(el: Any) -> Any:
    """The process or subprocess whose flow the element is in."""
    parent = el.getparent()
    while parent is not None and local_name(parent) not in SCOPES:
        parent = parent.getparent()
    return parent


def _children(scope: Any, *kinds: str) -> Iterator[Any]:
    return (c for c in scope if local_name(c) in kinds)


def handlers(scope: Any) -> dict[str, tuple[Any, Any]]:
    """Compensable activity id -> (its compensation boundary event, its handler) in one scope."""
    by_id = {c.get('id'): c for c in scope if c.get('id')}
    out = {}
    for boundary in _children(scope, 'boundaryEvent'):
        if not is_compensation(boundary):
            continue
        targets = [by_id.get(a.get('targetRef')) for a in _children(scope, 'association')
                   if a.get('sourceRef') == boundary.get('id')]
        targets = [t for t in targets if t is not None and t.get('isForCompensation') == 'true']
        out[boundary.get('attachedToRef')] = (boundary, targets[0] if len(targets) == 1 else None)
    return out


def problems(root: Any) -> Iterator[tuple[Any, str, str, str]]:
    """(element, message, hint, severity) for each compensation the rewrite cannot run, or that does nothing."""
    for el in root.iter(BPMN + 'startEvent'):
        if is_compensation(el):
            yield (el, _l('Compensation event subprocesses are not supported.'),
                   _l('Put the undo steps on the activities: a compensation boundary event with a handler task.'),
                   'error')
    for scope in (s for s in root.iter() if local_name(s) in SCOPES):
        table = handlers(scope)
        for activity, (boundary, handler) in table.items():
            if handler is None:
                yield (boundary, _l("This compensation boundary event of '%(activity)s' needs exactly one "
                                    'handler: an activity marked "for compensation" joined to it by an '
                                    'association.', activity=activity),
                       _l('Draw the handler task and connect the boundary event to it (Camunda Modeler does '
                          'this when you append a task to a compensation boundary event).'), 'error')
            elif any(f.get('sourceRef') == handler.get('id') or f.get('targetRef') == handler.get('id')
                     for f in _children(scope, 'sequenceFlow')):
                yield (handler, _l('A compensation handler has no sequence flows: it runs only when its '
                                   'activity is compensated.'),
                       _l('Remove the sequence flows of this handler.'), 'error')
        for throw in _children(scope, 'intermediateThrowEvent', 'endEvent'):
            if not is_compensation(throw):
                continue
            if scope.get('triggeredByEvent') == 'true':
                yield (throw, _l('Compensation thrown inside an event subprocess is not supported.'),
                       _l('Throw the compensation in the flow of the process or subprocess itself.'), 'error')
                continue
            ref = (_definition(throw).get('activityRef') or '').strip()
            if ref and ref not in table:
                yield (throw, _l("activityRef '%(ref)s' is not an activity of this scope with a compensation "
                                 'boundary event.', ref=ref),
                       _l('Name an activity beside this event that has a compensation boundary event, or '
                          'leave activityRef empty to compensate them all.'), 'error')
            elif not table:
                yield (throw, _l('Nothing beside this compensation event has a compensation boundary event, '
                                 'so it undoes nothing.'),
                       _l('Attach a compensation boundary event with a handler to the activities to undo.'),
                       'warning')


def rewrite(root: Any) -> None:
    """Turn compensation into plain flow (see the module docstring); run after the checks passed."""
    for scope in [s for s in root.iter() if local_name(s) in SCOPES]:
        table = {a: h for a, (_b, h) in handlers(scope).items() if h is not None}
        throws = [t for t in _children(scope, 'intermediateThrowEvent', 'endEvent') if is_compensation(t)]
        for boundary, _h in handlers(scope).values():  # compensation is not a listening boundary event
            for assoc in [a for a in _children(scope, 'association') if a.get('sourceRef') == boundary.get('id')]:
                scope.remove(assoc)
            scope.remove(boundary)
        for handler in table.values():
            handler.attrib.pop('isForCompensation', None)
        if not throws:
            for handler in table.values():  # never reached: keep SpiffWorkflow from parsing a dead node
                scope.remove(handler)
            continue
        _loop(scope, throws, table)


def _loop(scope: Any, throws: list[Any], table: dict[str, Any]) -> None:
    sid = scope.get('id')
    loop, dispatch, leave = (f'{GENERATED_PREFIX}_{sid}_{part}' for part in ('loop', 'dispatch', 'exit'))
    add = _adder(scope)
    add('exclusiveGateway', id=loop)
    add('exclusiveGateway', id=leave)
    if table:  # else nothing here is compensable: the queue stays empty
        add('exclusiveGateway', id=dispatch)
        add('sequenceFlow', id=f'{loop}_more', sourceRef=loop, targetRef=dispatch, condition=f'{QUEUE}')
    add('sequenceFlow', id=f'{loop}_done', sourceRef=loop, targetRef=leave, default_of=loop)
    for activity, handler in table.items():
        pop = f'{GENERATED_PREFIX}_{handler.get("id")}_done'
        add('sequenceFlow', id=f'{dispatch}_{activity}', sourceRef=dispatch, targetRef=handler.get('id'),
            condition=f'{QUEUE}[0] == {activity!r}')
        script = add('scriptTask', id=pop, scriptFormat='python')
        script.append(script.makeelement(BPMN + 'script'))
        script[-1].text = f'{QUEUE} = {QUEUE}[1:]'
        add('sequenceFlow', id=f'{pop}_in', sourceRef=handler.get('id'), targetRef=pop)
        add('sequenceFlow', id=f'{pop}_out', sourceRef=pop, targetRef=loop)
    for i, throw in enumerate(throws):
        tid = throw.get('id')
        ref = (_definition(throw).get('activityRef') or '').strip()
        throw.set(MARK, ' '.join([ref] if ref else table))
        throw.remove(_definition(throw))
        outgoing = [f for f in _children(scope, 'sequenceFlow') if f.get('sourceRef') == tid]
        if local_name(throw) == 'endEvent':
            throw.tag = BPMN + 'intermediateThrowEvent'
            add('endEvent', id=f'{GENERATED_PREFIX}_{tid}_end')
            targets = [f'{GENERATED_PREFIX}_{tid}_end']
        else:
            targets = [f.get('targetRef') for f in outgoing]
        for f in outgoing:
            scope.remove(f)
        for child in [c for c in throw if local_name(c) == 'outgoing']:
            throw.remove(child)
        add('sequenceFlow', id=f'{GENERATED_PREFIX}_{tid}_in', sourceRef=tid, targetRef=loop)
        back = f'{GENERATED_PREFIX}_{tid}_after'
        if len(targets) == 1:
            back = targets[0]
        else:  # several flows out of the throw: a parallel split, as BPMN has it
            add('parallelGateway', id=back)
            for j, target in enumerate(targets):
                add('sequenceFlow', id=f'{back}_{j}', sourceRef=back, targetRef=target)
        last = i == len(throws) - 1
        add('sequenceFlow', id=f'{leave}_{tid}', sourceRef=leave, targetRef=back,
            condition=None if last else f'{FROM} == {tid!r}', default_of=leave if last else None)


def _adder(scope: Any):
    def add(tag: str, condition: str | None = None, default_of: str | None = None, **attrs: str) -> Any:
        el = scope.makeelement(BPMN + tag, {k: v for k, v in attrs.items() if v is not None})
        if condition:
            cond = el.makeelement(BPMN + 'conditionExpression',
                                  {'{http://www.w3.org/2001/XMLSchema-instance}type': 'bpmn:tFormalExpression'})
            cond.text = condition
            el.append(cond)
        scope.append(el)
        if default_of:
            gateway = next(g for g in scope if g.get('id') == default_of)
            gateway.set('default', attrs['id'])
        return el
    return add
