"""Task names with expressions, as Camunda 7 evaluates them: ``name="复核整改结果：${person.name}"``
names one task per person of a multi-instance loop. The row records the name evaluated in the diagram's
default language; a reader in another language sees that language's name
(``i18n:name:en="Check the improvement: ${person.name}"``) with the same values, recovered from the
recorded name by the default template (rows never store per-language copies: ``app.engine.content``)."""
from __future__ import annotations

import re
from typing import Any, Callable

from app.engine.expressions import to_python

# One ``${...}``/``#{...}``; quoted strings inside may hold a brace.
PART = re.compile(r"""[$#]\{(?:[^}'"]|'[^']*'|"[^"]*")*\}""")
MAX_VALUE = 100  # a value longer than this is cut: the row's name has 200 characters


def has_expressions(text: str | None) -> bool:
    return bool(text) and PART.search(text) is not None


def render(template: str, evaluate: Callable[[str], Any]) -> str:
    """The template with each expression's value (``evaluate`` takes Python source; None shows as nothing)."""
    def value(match: re.Match) -> str:
        result = evaluate(to_python(match.group(0)))
        return "" if result is None else " ".join(str(result).split())[:MAX_VALUE]
    return PART.sub(value, template)


def values_in(template: str | None, recorded: str | None) -> dict[str, str] | None:
    """{expression: value} when ``recorded`` is ``template`` evaluated; None when it is not."""
    if not has_expressions(template) or recorded is None:
        return None
    pieces, names = [], []
    last = 0
    for match in PART.finditer(template):
        pieces.append(re.escape(template[last:match.start()]))
        pieces.append("(.*?)")
        names.append(match.group(0))
        last = match.end()
    pieces.append(re.escape(template[last:]))
    found = re.fullmatch("".join(pieces), recorded.strip(), re.DOTALL)
    if found is None:
        return None
    values: dict[str, str] = {}
    for name, got in zip(names, found.groups()):
        if values.setdefault(name, got) != got:
            return None  # the same expression twice must show the same value
    return values


def fill(template: str, values: dict[str, str]) -> str:
    """Another language's template with the values found (an expression it alone has shows as nothing)."""
    return PART.sub(lambda m: values.get(m.group(0), ""), template)
