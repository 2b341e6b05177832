"""Expression dialects accepted in BPMN models.

Camunda Modeler users write conditions as JUEL (``${amount > 100 && vip}``);
SpiffWorkflow evaluates Python.  :func:`to_python` translates the JUEL forms we
support (``juel.py``) into equivalent Python source; anything else is rejected with an
:class:`ExpressionError` that names the offending token and its position.

:func:`is_iso8601_timer_literal` recognises the bare ISO-8601 values Camunda
Modeler writes into timer definitions (``PT30M``, ``R3/…/PT1H``, …), which are
not Python expressions at all; :func:`is_timer_literal` also Quartz cron cycles.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime

from .cron import is_cron
from .juel import ExpressionError, translate

__all__ = ["ExpressionError", "called_element_constant", "to_python", "is_cron_literal", "is_iso8601_timer_literal",
           "is_timer_literal"]


def to_python(expr: str) -> str:
    """Return Python source for ``expr``.

    ``${…}`` / ``#{…}`` is translated from JUEL; anything else is assumed to be
    Python already and returned unchanged.  Composite text such as
    ``Hello ${name}`` is rejected.
    """
    stripped = expr.strip()
    offset = len(expr) - len(expr.lstrip())
    if not stripped.startswith(("${", "#{")):
        match = re.search(r"[$#]\{", expr)
        if match and not _is_python(stripped):
            raise ExpressionError("text outside ${...} is not supported", match.start())
        return expr
    result, end = translate(expr, offset + 2)
    if expr[end:].strip():
        raise ExpressionError("text after ${...} is not supported", end + len(expr[end:]) - len(expr[end:].lstrip()))
    try:
        tree = ast.dump(ast.parse(result, mode="eval"))
    except SyntaxError as err:  # pragma: no cover - the parser only emits valid Python
        raise ExpressionError(f"could not translate expression ({err.msg})", offset) from err
    # Drop the redundant outermost parentheses when that keeps the same tree.
    if result.startswith("(") and result.endswith(")"):
        try:
            if ast.dump(ast.parse(result[1:-1], mode="eval")) == tree:
                result = result[1:-1]
        except SyntaxError:
            pass
    return result


def called_element_constant(text: str) -> str | None:
    """The process id a calledElement names: itself, or the string ``${'id'}`` is; None when the
    expression depends on process data. Raises ExpressionError if it does not translate."""
    text = text.strip()
    if not text.startswith(("${", "#{")):
        return text
    try:
        value = ast.literal_eval(to_python(text))
    except (ValueError, SyntaxError):
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _is_python(source: str) -> bool:
    try:
        ast.parse(source, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- ISO-8601 timers

# Weeks are also accepted after "T" because Camunda examples write R/PT1W.
_DURATION = r"P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+W)?(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?"
_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?"
_DURATION_RE = re.compile(_DURATION)
_DATETIME_RE = re.compile(_DATETIME)
_CYCLE_RE = re.compile(rf"R\d*/(?:(?P<d1>{_DURATION})|(?P<s>{_DATETIME})/(?P<d2>{_DURATION})"
                       rf"|(?P<d3>{_DURATION})/(?P<e>{_DATETIME}))")


def _valid_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def is_iso8601_timer_literal(text: str) -> bool:
    """True for the ISO-8601 durations, date-times and repeating cycles used in timer events."""
    text = text.strip()
    if _DURATION_RE.fullmatch(text):
        return True
    if _DATETIME_RE.fullmatch(text):
        return _valid_datetime(text)
    cycle = _CYCLE_RE.fullmatch(text)
    if cycle:
        moment = cycle.group("s") or cycle.group("e")
        return moment is None or _valid_datetime(moment)
    return False


def is_timer_literal(text: str) -> bool:
    """An ISO-8601 timer literal or a Quartz cron cycle (``0 0 9 * * ?``): a value, not an expression."""
    return is_iso8601_timer_literal(text) or is_cron_literal(text)


def is_cron_literal(text: str) -> bool:
    """A Quartz cron cycle; never text that is Python already (``1 * 2 * 3 * 4``)."""
    return is_cron(text.strip()) and not _is_python(text.strip())
