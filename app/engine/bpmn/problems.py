"""What is wrong with a diagram: located problems, and the error that carries them.

Every module of the package imports them from here (the package itself only re-exports).
Messages and hints are lazy (``lazy_gettext`` templates, the element ids and values as ``%(name)s``
arguments): each rendering is in the reader's language (a request's, else the site default), so
render them with ``str`` or ``to_dict`` where they are shown, never once at construction."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from flask_babel import lazy_gettext as _l


# How a message names a kind of element: the BPMN tag in English (as before), Camunda Modeler's name in zh
ELEMENT_NAMES = {
    'task': _l('task'), 'userTask': _l('userTask'), 'manualTask': _l('manualTask'), 'serviceTask': _l('serviceTask'),
    'scriptTask': _l('scriptTask'), 'sendTask': _l('sendTask'), 'receiveTask': _l('receiveTask'),
    'businessRuleTask': _l('businessRuleTask'), 'callActivity': _l('callActivity'), 'subProcess': _l('subProcess'),
    'adHocSubProcess': _l('adHocSubProcess'), 'transaction': _l('transaction'),
    'exclusiveGateway': _l('exclusiveGateway'), 'parallelGateway': _l('parallelGateway'),
    'inclusiveGateway': _l('inclusiveGateway'), 'eventBasedGateway': _l('eventBasedGateway'),
    'complexGateway': _l('complexGateway'), 'startEvent': _l('startEvent'), 'endEvent': _l('endEvent'),
    'intermediateCatchEvent': _l('intermediateCatchEvent'), 'intermediateThrowEvent': _l('intermediateThrowEvent'),
    'boundaryEvent': _l('boundaryEvent'), 'sequenceFlow': _l('sequenceFlow'), 'process': _l('process'),
    'lane': _l('lane'), 'participant': _l('participant'),
}


def element_label(tag: str) -> Any:
    """The name of an element kind for a message (an unknown tag as it is)."""
    return ELEMENT_NAMES.get(tag, tag)


@dataclass
class Problem:
    """One located thing wrong with a diagram, phrased for the person who drew it."""

    element_id: str | None
    element_name: str | None
    element_type: str | None  # BPMN local tag name, e.g. 'userTask'
    message: str  # what is wrong (a lazy string from the checks; plain text when read back from a dict)
    hint: str = ''  # how to fix it
    line: int | None = None
    severity: str = 'error'  # 'error' | 'warning'

    @property
    def is_error(self) -> bool:
        return self.severity == 'error'

    def to_dict(self) -> dict[str, Any]:
        """Message and hint rendered now, in the reader's language; the location as it is."""
        return {**{f.name: getattr(self, f.name) for f in fields(self)},
                'message': str(self.message), 'hint': str(self.hint)}

    def __str__(self) -> str:
        where = self.element_type or 'diagram'
        if self.element_id:
            where += f' {self.element_id!r}'
        if self.element_name:
            where += f' ({self.element_name})'
        if self.line:
            where += f', line {self.line}'
        text = f'{self.severity}: {where}: {self.message!s}'
        return f'{text} — {self.hint!s}' if str(self.hint) else text


class BpmnError(Exception):
    """Raised when a diagram cannot be loaded or deployed; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0].message) if self.problems else 'invalid BPMN'
        more = f' (+{len(self.problems) - 1} more)' if len(self.problems) > 1 else ''
        super().__init__(first + more)


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]
