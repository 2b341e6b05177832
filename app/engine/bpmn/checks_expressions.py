"""Checks of expressions, timers, scripts and loops: each must compile before deployment."""
from __future__ import annotations

import re
from typing import Any, Callable

from flask_babel import lazy_gettext as _l
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .. import clock, timer_bounds
from ..expressions import ExpressionError, called_element_constant, is_cron_literal, is_iso8601_timer_literal
from ..scripting import evaluate_without_data
from ..workdays import default_calendar
from .checks_base import BaseChecks
from .meta import (
    PYTHON_LANGUAGES, camunda_form_ref, date_source, expression_source, normalize_timer_literal, split_list,
    timer_source,
)
from .xml import BPMN_NS, NSMAP, camunda_attr, local_name


BOUNDS_HINT = _l('A timer must be positive, within the horizon (TIMER_MAX_HORIZON_YEARS) and, for a cycle '
                 'started in the past, owe at most TIMER_MAX_CATCHUP occurrences.')
TIMER_HINT = _l('Use ISO 8601 (PT30M, P2D, 2026-12-01T09:00:00+08:00, R3/PT1H), a cron cycle '
                '(0 0 9 ? * MON-FRI) or an expression such as ${due_date}.')
EXPRESSION_HINT = _l('Write a Python or ${...} expression.')
ASSIGNEE_HINT = _l('Write a ${...} expression of the forms listed in README "Expressions", e.g. ${owner}.')
MULTI_HINT = _l('Set "Collection" (a list variable) with "Element variable", or "Loop cardinality".')


class ExpressionChecks(BaseChecks):

    def expr(self, el: Any, text: str | None, what: str, hint: str, mode: str = 'eval',
             convert: Callable[[str | None], str | None] = expression_source) -> None:
        """``what`` names the expression: a lazy word ('Condition') or an attribute ('camunda:assignee')."""
        if text is None or not text.strip():
            self.add(el, _l('%(what)s is empty.', what=what), hint)
            return
        try:
            source = convert(text)
        except ExpressionError as exc:
            self.add(el, _l('%(what)s %(text)s is not a valid expression: %(error)s.', what=what,
                            text=repr(text.strip()), error=str(exc)), hint)
            return
        for issue in self.check(source, mode):
            self.add(el, _l('%(what)s %(text)s does not compile: %(error)s', what=what, text=repr(text.strip()),
                            error=issue), hint)

    def el_timerEventDefinition(self, el: Any) -> None:
        event = el.getparent()
        parts = [c for c in el if local_name(c) in ('timeDate', 'timeDuration', 'timeCycle')]
        filled = [c for c in parts if (c.text or '').strip()]
        if not filled:
            self.add(event, _l('The timer has no date, duration or cycle.'),
                     _l('Set a duration like PT30M, a date like 2026-12-01T09:00:00+08:00 or a cycle like R3/PT1H.'))
            return
        part = filled[0]
        # A process's own timer start event never catches up: it waits for the next occurrence.
        starts = local_name(event) == 'startEvent' and local_name(event.getparent()) == 'process'
        self.timer_text(event, part.text, _l('Timer'), local_name(part), process_start=starts)

    def timer_text(self, el: Any, text: str, what: str, kind: str, date_like: bool = False,
                   process_start: bool = False) -> None:
        text = text.strip()
        hint = TIMER_HINT
        if is_cron_literal(text):
            if kind != 'timeCycle':
                self.add(el, _l('%(what)s %(text)s is a cron expression, which only a timer cycle takes.',
                                what=what, text=repr(text)), hint)
                return
            try:
                timer_bounds.check_cron(text, clock.now(), timer_bounds.limits())
            except ValueError as exc:
                self.add(el, _l('%(what)s: %(error)s.', what=what, error=str(exc)),
                         _l('Cron fields: seconds minutes hours day-of-month month day-of-week [year], e.g. '
                            '0 0 9 ? * MON-FRI. %(bounds)s', bounds=BOUNDS_HINT))
            return
        text = normalize_timer_literal(text)
        if is_iso8601_timer_literal(text) or (date_like and re.fullmatch(r'\d{4}-\d{2}-\d{2}', text)):
            try:
                if kind == 'timeDate' or (date_like and not text.startswith(('P', 'R'))):
                    TimerEventDefinition.get_datetime(text.replace('Z', '+00:00'))
                elif kind == 'timeCycle' or text.startswith('R'):
                    if not text.startswith('R'):
                        raise ValueError(_l('a cycle must start with R, e.g. R3/PT1H'))
                    # parsed by timer_bounds below, first: SpiffWorkflow walks a long interval month by month
                else:
                    if not text.startswith('P'):
                        raise ValueError(_l('a duration must start with P, e.g. PT30M'))
                    TimerEventDefinition.parse_iso_duration(text)
            except Exception as exc:
                # the exception itself, rendered with the message: ours above are lazy
                self.add(el, _l('%(what)s %(text)s does not parse: %(error)s.', what=what, text=repr(text),
                                error=exc), hint)
                return
            try:
                self._bounded(text, date_like, process_start)
            except ValueError as exc:
                self.add(el, _l('%(what)s: %(error)s.', what=what, error=str(exc)), BOUNDS_HINT)
            return
        if re.fullmatch(r'[-+]?(R\d*/)?[-+]?P[\w.,+-]*', text) and '-' in text:
            self.add(el, _l('%(what)s %(text)s is negative.', what=what, text=repr(text)), BOUNDS_HINT)
            return
        if re.fullmatch(r'(R\d*/)?P[\w.,]*|\d{4}-\d.*', text):
            self.add(el, _l('%(what)s %(text)s is not valid ISO 8601.', what=what, text=repr(text)), hint)
            return
        self.expr(el, text, what, hint, convert=date_source if date_like else timer_source)
        if process_start and not any(p.element_id == el.get('id') for p in self.problems):
            self._start_expression(el, text)

    @staticmethod
    def _bounded(text: str, date_like: bool, process_start: bool) -> None:
        """Raises (a ValueError) unless the literal is within timer_bounds' limits."""
        now, lim = clock.now(), timer_bounds.limits()
        if text.startswith('R'):
            timer_bounds.check_cycle(text, now, lim, catchup=not process_start)
        elif date_like and text.startswith('P'):  # a due date: working time, as sync._instant adds it
            default_calendar().add_working(now, text, horizon_years=lim.horizon_years)
        elif text.startswith('P'):
            timer_bounds.check_duration(text, lim)
        else:
            timer_bounds.check_date(text.replace('Z', '+00:00'), now, lim)

    def _start_expression(self, el: Any, text: str) -> None:
        """A timer start event's expression is evaluated at deploy (no process data yet): so here too,
        by the rule that schedules it (``timers.next_timer_start``)."""
        try:
            timer_bounds.next_start(evaluate_without_data(timer_source(text)), after=clock.now())
        except Exception as exc:
            self.add(el, _l('Timer %(text)s cannot be evaluated at deploy: %(error)s.', text=repr(text),
                            error=str(exc)),
                     _l('A timer start event has no process variables: use a literal or helpers such as '
                        '${add_working_days(1)}. %(bounds)s', bounds=BOUNDS_HINT))

    def check_camunda_attributes(self, el: Any) -> None:
        """Camunda attributes of any element: forms we cannot show, and `${...}` evaluated when an instance
        reaches the element (due dates and priorities are checked with the task's dates, checks_structure)."""
        ref = camunda_form_ref(el) if local_name(el) in ('userTask', 'startEvent') else None
        if ref is not None:
            self._form_ref(el, ref)
        for attr in ('formKey', 'formRef'):
            value = camunda_attr(el, attr)
            if value and local_name(el) in ('userTask', 'startEvent') and ref is None:
                self.add(el, _l('camunda:%(attr)s %(value)s names a form this engine cannot show: %(instead)s',
                                attr=attr, value=repr(value), instead=self._form_instead(el)),
                         _l('Define the fields in the "Form" tab as a generated task form (camunda:formField).'),
                         'warning')
        hint = ASSIGNEE_HINT
        for attr in ('assignee', 'candidateUsers', 'candidateGroups'):
            for entry in split_list(camunda_attr(el, attr)):
                if entry.startswith(('${', '#{')):
                    self.expr(el, entry, f'camunda:{attr}', hint)
        called = (el.get('calledElement') or '').strip() if local_name(el) == 'callActivity' else ''
        if called.startswith(('${', '#{')):
            try:
                constant = called_element_constant(called)
            except ExpressionError as exc:
                self.add(el, _l('calledElement %(text)s is not a valid expression: %(error)s.', text=repr(called),
                                error=str(exc)), hint)
                return
            if constant is None:
                self.expr(el, called, 'calledElement', hint)
                self.add(el, _l('calledElement %(text)s chooses the called process at run time: the process '
                                'it names must be deployed when the instance gets there (else an incident here).',
                                text=repr(called)),
                         _l('Deploy every process this expression can name.'), 'warning')

    def _form_ref(self, el: Any, ref: dict) -> None:
        """A Camunda Forms reference: a binding we know (whether the form is deployed is the repository's
        check, definitions.deploy)."""
        if ref['binding'] not in ('latest', 'deployment', 'version'):
            self.add(el, _l('camunda:formRefBinding %(value)s is not a binding.', value=repr(ref['binding'])),
                     _l('Use latest, deployment or version.'))
        elif ref['binding'] == 'version' and not isinstance(ref['version'], int):
            self.add(el, _l('camunda:formRefVersion %(value)s is not a version number.', value=repr(ref['version'])),
                     _l('With the binding "version", set camunda:formRefVersion to a number such as 2.'))
        if el.xpath('./bpmn:extensionElements/camunda:formData/camunda:formField', namespaces=NSMAP):
            self.add(el, _l("The element has both a Camunda Form ('%(key)s') and generated fields.", key=ref['key']),
                     _l('Keep one: remove the form fields or the form reference.'))

    @staticmethod
    def _form_instead(el: Any) -> str:
        """What a person sees instead of a camunda:formKey/formRef form (parser._generic_forms)."""
        if el.xpath('./bpmn:extensionElements/camunda:formData/camunda:formField', namespaces=NSMAP):
            return _l('its generated fields (camunda:formField) are shown instead.')
        if local_name(el) == 'startEvent':
            return _l('the process starts without a start form.')
        return _l("a generic form of the process's variables (the fields its other forms declare) is shown instead.")

    def el_conditionalEventDefinition(self, el: Any) -> None:
        cond = el.find('{%s}condition' % BPMN_NS)
        self.expr(el.getparent(), cond.text if cond is not None else None, _l('Condition'), EXPRESSION_HINT)

    def el_scriptTask(self, el: Any) -> None:
        if camunda_attr(el, 'resource'):
            self.add(el, _l('External script resources are not supported.'), _l('Paste the script inline.'))
            return
        fmt = (el.get('scriptFormat') or '').strip()
        if fmt.lower() not in PYTHON_LANGUAGES:
            self.add(el, _l('Script format %(format)s is not supported.', format=repr(fmt)),
                     _l('Set the script format to "python".'))
            return
        script = el.find('{%s}script' % BPMN_NS)
        if script is None or not (script.text or '').strip():
            self.add(el, _l('The script task has no script.'), _l('Write the Python script in the properties panel.'))
            return
        for issue in self.check(script.text, 'exec'):
            self.add(el, _l('The script does not compile: %(error)s', error=issue), _l('Fix the Python script.'))
        if camunda_attr(el, 'resultVariable'):
            self.add(el, _l('camunda:resultVariable is ignored.'), _l('Assign the variable in the script itself.'),
                     'warning')

    def el_multiInstanceLoopCharacteristics(self, el: Any) -> None:
        activity = el.getparent()
        cardinality = el.find('{%s}loopCardinality' % BPMN_NS)
        collection = camunda_attr(el, 'collection')
        hint = MULTI_HINT
        if cardinality is None and not collection:
            self.add(activity, _l('Multi-instance needs a loop cardinality or a camunda:collection.'), hint)
        if cardinality is not None:
            self.expr(activity, cardinality.text, _l('Loop cardinality'), hint)
        if collection and cardinality is None:
            try:
                name = expression_source(collection)
            except ExpressionError:
                name = ''
            if not name.isidentifier():
                self.add(activity, _l('camunda:collection %(value)s must name a list variable.',
                                      value=repr(collection)), hint)
            if not camunda_attr(el, 'elementVariable'):
                self.add(activity, _l('camunda:collection needs camunda:elementVariable.'), hint)
        completion = el.find('{%s}completionCondition' % BPMN_NS)
        if completion is not None:
            self.expr(activity, completion.text, _l('Completion condition'), EXPRESSION_HINT)

    def el_standardLoopCharacteristics(self, el: Any) -> None:
        condition = el.find('{%s}loopCondition' % BPMN_NS)
        maximum = el.get('loopMaximum')
        if condition is None and maximum is None:
            self.add(el.getparent(), _l('A loop needs a loop condition or a loop maximum.'), _l('Set one of them.'))
        if maximum is not None and not maximum.strip().isdigit():
            self.add(el.getparent(), _l('loopMaximum %(value)s is not a whole number.', value=repr(maximum)),
                     _l('Use a number.'))
        if condition is not None:
            self.expr(el.getparent(), condition.text, _l('Loop condition'), EXPRESSION_HINT)
