"""State and reporting shared by the families of static checks.

Each checks_*.py module holds one family as a subclass of `BaseChecks`;
`validation._Checker` combines them and sends every element to its one
`el_<tag>` handler, so a family never defines a handler another one has.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..forms import parse_camunda_form
from .problems import Problem
from .xml import lane_chains, local_name

Check = Callable[[str, str], list[str]]  # (python source, 'eval' | 'exec') -> compile issues


class BaseChecks:
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

    def _form(self, el: Any) -> None:  # human tasks and start events
        _fields, issues = parse_camunda_form(el)
        for _field_id, message, hint in issues:
            self.add(el, message, hint)
