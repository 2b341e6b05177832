"""What is wrong with a diagram: located problems, and the error that carries them.

Every module of the package imports them from here (the package itself only re-exports)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Problem:
    """One located thing wrong with a diagram, phrased for the person who drew it."""

    element_id: str | None
    element_name: str | None
    element_type: str | None  # BPMN local tag name, e.g. 'userTask'
    message: str  # what is wrong
    hint: str = ''  # how to fix it
    line: int | None = None
    severity: str = 'error'  # 'error' | 'warning'

    @property
    def is_error(self) -> bool:
        return self.severity == 'error'

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.element_type or 'diagram'
        if self.element_id:
            where += f' {self.element_id!r}'
        if self.element_name:
            where += f' ({self.element_name})'
        if self.line:
            where += f', line {self.line}'
        text = f'{self.severity}: {where}: {self.message}'
        return f'{text} — {self.hint}' if self.hint else text


class BpmnError(Exception):
    """Raised when a diagram cannot be loaded or deployed; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0].message if self.problems else 'invalid BPMN'
        more = f' (+{len(self.problems) - 1} more)' if len(self.problems) > 1 else ''
        super().__init__(first + more)


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]
