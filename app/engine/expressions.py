"""Expression dialects accepted in BPMN models.

Camunda Modeler users write conditions as JUEL (``${amount > 100 && vip}``);
SpiffWorkflow evaluates Python.  :func:`to_python` translates the JUEL subset we
support into equivalent Python source; anything else is rejected with an
:class:`ExpressionError` that names the offending token and its position.

:func:`is_iso8601_timer_literal` recognises the bare ISO-8601 values Camunda
Modeler writes into timer definitions (``PT30M``, ``R3/…/PT1H``, …), which are
not Python expressions at all.
"""
from __future__ import annotations

import ast
import keyword
import re
from datetime import datetime

__all__ = ["ExpressionError", "to_python", "is_iso8601_timer_literal"]


class ExpressionError(ValueError):
    """An expression could not be translated; ``position`` is a 0-based index into it."""

    def __init__(self, message: str, position: int | None = None) -> None:
        if position is not None:
            message = f"{message} at position {position}"
        super().__init__(message)
        self.position = position


# --------------------------------------------------------------------------- JUEL

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[^\W\d]\w*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%().,\[\]?:}])
""", re.VERBOSE | re.DOTALL)

_WORD_OPS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
             "and": "&&", "or": "||", "not": "!", "div": "/", "mod": "%"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_PY_BINOP = {"&&": "and", "||": "or"}
# Lowest to highest precedence, as in the EL specification.
_LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))


def _tokenize(text: str, start: int) -> list[tuple[str, str, int]]:
    """Tokens of the body of ``${…}`` beginning at ``start``, up to and including the closing ``}``."""
    tokens, pos = [], start
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExpressionError(f"unexpected character {text[pos]!r}", pos)
        kind, value = m.lastgroup, m.group()
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "name" and value in _WORD_OPS:
            kind, value = "op", _WORD_OPS[value]
        elif kind == "name" and value == "empty":
            kind = "op"
        tokens.append((kind, value, m.start()))
        if value == "}" and kind == "op":
            return tokens
    raise ExpressionError("missing closing '}'", len(text))


def _string_literal(token: str) -> str:
    # EL escapes only \\, \' and \" — decode to the value, re-emit as a Python literal.
    body = re.sub(r"\\([\\'\"])", r"\1", token[1:-1])
    return repr(body)


class _Parser:
    """Recursive-descent parser emitting fully parenthesised Python source."""

    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        if value is not None and (tok[0] != "op" or tok[1] != value):
            raise ExpressionError(f"expected {value!r} but found {tok[1]!r}", tok[2])
        self.i += 1
        return tok

    def at(self, *values: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "op" and value in values

    def expression(self) -> str:
        cond = self.binary(0)
        if self.at("?"):
            self.take()
            yes = self.expression()
            self.take(":")
            no = self.expression()
            return f"({yes} if {cond} else {no})"
        return cond

    def binary(self, level: int) -> str:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.at(*_LEVELS[level]):
            op = self.take()[1]
            right = self.binary(level + 1)
            left = f"({left} {_PY_BINOP.get(op, op)} {right})"
        return left

    def unary(self) -> str:
        if self.at("!", "empty"):
            self.take()
            return f"(not {self.unary()})"
        if self.at("-"):
            self.take()
            return f"(-{self.unary()})"
        return self.postfix(self.primary())

    def primary(self) -> str:
        kind, value, pos = self.take()
        if kind == "num":
            return str(int(value)) if value.isdigit() else value
        if kind == "str":
            return _string_literal(value)
        if kind == "name":
            if value in _LITERALS:
                return _LITERALS[value]
            if keyword.iskeyword(value) or value == "instanceof":
                raise ExpressionError(f"unsupported keyword {value!r}", pos)
            return value
        if kind == "op" and value == "(":
            inner = self.expression()
            self.take(")")
            return inner if inner.startswith("(") else f"({inner})"
        raise ExpressionError(f"unexpected {value!r}", pos)

    def postfix(self, expr: str) -> str:
        while True:
            if self.at("."):
                self.take()
                kind, name, pos = self.take()
                if kind != "name" or keyword.iskeyword(name):
                    raise ExpressionError(f"expected a property name after '.' but found {name!r}", pos)
                # Task data is JSON-like: a.b reads key 'b'; a.b(...) calls a method.
                expr = f"{expr}.{name}" if self.at("(") else f"{expr}[{name!r}]"
            elif self.at("["):
                self.take()
                index = self.expression()
                self.take("]")
                expr = f"{expr}[{index}]"
            elif self.at("("):
                self.take()
                args = []
                while not self.at(")"):
                    args.append(self.expression())
                    if not self.at(")"):
                        self.take(",")
                self.take(")")
                expr = f"{expr}({', '.join(args)})"
            else:
                return expr


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
    tokens = _tokenize(expr, offset + 2)
    end = tokens[-1][2] + 1
    if expr[end:].strip():
        raise ExpressionError("text after ${...} is not supported", end + len(expr[end:]) - len(expr[end:].lstrip()))
    if len(tokens) == 1:
        raise ExpressionError("empty expression", offset)
    parser = _Parser(tokens)
    result = parser.expression()
    kind, value, pos = parser.peek()
    if value != "}":
        raise ExpressionError(f"unexpected {value!r}", pos)
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
