"""JUEL, as Camunda 7 users write it, translated into the sandbox's Python.

Camunda Modeler users write ``${amount > 100 && vip}``, ``${clarified.equals('no')}``,
``${not empty remark}`` or ``${dateTime().plusDays(2).toDate()}``; SpiffWorkflow
evaluates Python in our sandbox. :func:`translate` turns the body of one
``${…}``/``#{…}`` into equivalent Python source, or raises :class:`ExpressionError`
naming the offending token and its position, so a diagram is refused at deploy
rather than failing when an instance reaches the element.

What is translated (see README "Expressions"):

* operators ``== != < > <= >= && || ! + - * / %``, their word forms
  ``eq ne lt gt le ge and or not div mod``, ``empty``, ternaries, ``null/true/false``;
* ``a.b`` reads key ``b`` of a map (task data is JSON), ``a[i]`` indexes;
* an allow-list of Java methods on strings, numbers, lists and maps (:data:`METHODS`);
* ``execution.getVariable('x')`` reads variable ``x``;
* ``dateTime()`` (Joda time, as Camunda offers it) is the engine clock's ``now()``
  in the engine zone, with ``plusDays``/``minusHours``/… and ``toDate()``;
  ``plusMonths``/``plusYears`` move by calendar months (``add_months``), clamped
  to the month's end as Joda does.

Anything else (other ``execution``/``task`` methods, unknown methods) is refused.
"""
from __future__ import annotations

import keyword
import re
from typing import Callable

__all__ = ["ExpressionError", "METHODS", "translate"]


class ExpressionError(ValueError):
    """An expression could not be translated; ``position`` is a 0-based index into it."""

    def __init__(self, message: str, position: int | None = None) -> None:
        if position is not None:
            message = f"{message} at position {position}"
        super().__init__(message)
        self.position = position


Token = tuple[str, str, int]  # (kind, value, position)

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

# Camunda's context objects: only execution.getVariable has a meaning without a Java engine.
_BEANS = {"execution", "task", "externalTask", "variableScope", "authenticatedUserId", "connector",
          "caseExecution", "delegateExecution"}
_VARIABLE_GETTERS = {"getVariable", "getVariableLocal"}


def _arity(name: str, n_args: int, allowed: tuple[int, ...], pos: int) -> None:
    if n_args not in allowed:
        want = " or ".join(str(a) for a in allowed)
        raise ExpressionError(f"{name}() takes {want} argument(s), not {n_args}", pos)


def _fixed(template: str, *arity: int) -> Callable[[str, list[str]], str]:
    """A method translated by a template over the receiver ``{r}`` and the arguments ``{0}``, ``{1}``."""
    def emit(receiver: str, args: list[str]) -> str:
        return template.format(*args, r=receiver)
    emit.arity = arity or (0,)  # type: ignore[attr-defined]
    return emit


def _substring(receiver: str, args: list[str]) -> str:
    return f"{receiver}[{args[0]}:{args[1] if len(args) > 1 else ''}]"


_substring.arity = (1, 2)  # type: ignore[attr-defined]

# Java method -> Python; also the Python string methods the engine's own diagrams already use.
METHODS: dict[str, Callable[[str, list[str]], str]] = {
    "equals": _fixed("({r} == {0})", 1),
    "equalsIgnoreCase": _fixed("(str({r}).lower() == str({0}).lower())", 1),
    "contains": _fixed("({0} in {r})", 1),
    "containsKey": _fixed("({0} in {r})", 1),
    "startsWith": _fixed("{r}.startswith({0})", 1),
    "endsWith": _fixed("{r}.endswith({0})", 1),
    "length": _fixed("len({r})"),
    "size": _fixed("len({r})"),
    "isEmpty": _fixed("(len({r}) == 0)"),
    "toUpperCase": _fixed("{r}.upper()"),
    "toLowerCase": _fixed("{r}.lower()"),
    "trim": _fixed("{r}.strip()"),
    "substring": _substring,
    "indexOf": _fixed("{r}.index({0}) if {0} in {r} else -1", 1),
    "charAt": _fixed("{r}[{0}]", 1),
    "get": _fixed("{r}[{0}]", 1),
    "replace": _fixed("{r}.replace({0}, {1})", 2),
    "compareTo": _fixed("(({r} > {0}) - ({r} < {0}))", 1),
    "toString": _fixed("str({r})"),
    "intValue": _fixed("int({r})"),
    "longValue": _fixed("int({r})"),
    "shortValue": _fixed("int({r})"),
    "doubleValue": _fixed("float({r})"),
    "floatValue": _fixed("float({r})"),
    "booleanValue": _fixed("bool({r})"),
    "upper": _fixed("{r}.upper()"),
    "lower": _fixed("{r}.lower()"),
    "strip": _fixed("{r}.strip()"),
    "startswith": _fixed("{r}.startswith({0})", 1),
    "endswith": _fixed("{r}.endswith({0})", 1),
    "count": _fixed("{r}.count({0})", 1),
}
# Joda DateTime methods on dateTime(): unit -> timedelta keyword.
_DATE_UNITS = {"Weeks": "weeks", "Days": "days", "Hours": "hours", "Minutes": "minutes", "Seconds": "seconds",
               "Millis": "milliseconds"}


def _tokenize(text: str, start: int) -> list[Token]:
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
        after_dot = bool(tokens) and tokens[-1][:2] == ("op", ".")
        if kind == "name" and value in _WORD_OPS and not after_dot:
            kind, value = "op", _WORD_OPS[value]
        elif kind == "name" and value == "empty" and not after_dot:
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

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self, value: str | None = None) -> Token:
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
        if self.at("!"):
            self.take()
            return f"(not {self.unary()})"
        if self.at("empty"):  # EL: null, "" and empty collections/maps are empty; 0 and false are not
            self.take()
            return f"({self.unary()} in (None, '', [], {{}}))"
        if self.at("-"):
            self.take()
            return f"(-{self.unary()})"
        return self.postfix(self.primary())

    def arguments(self) -> list[str]:
        self.take("(")
        args = []
        while not self.at(")"):
            args.append(self.expression())
            if not self.at(")"):
                self.take(",")
        self.take(")")
        return args

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
            if value in _BEANS:
                return self.bean(value, pos)
            if value == "dateTime" and self.at("("):
                _arity("dateTime", len(self.arguments()), (0,), pos)
                return self.date_chain("now()")
            return value
        if kind == "op" and value == "(":
            inner = self.expression()
            self.take(")")
            return inner if inner.startswith("(") else f"({inner})"
        raise ExpressionError(f"unexpected {value!r}", pos)

    def bean(self, name: str, pos: int) -> str:
        """``execution.getVariable('x')`` is variable x; any other use of Camunda's objects is refused."""
        if name == "execution" and self.at(".") and self.peek(1)[1] in _VARIABLE_GETTERS:
            self.take()
            method, mpos = self.take()[1:]
            args = self.arguments()
            if len(args) != 1 or not re.fullmatch(r"'[^\W\d]\w*'", args[0]) or keyword.iskeyword(args[0][1:-1]):
                raise ExpressionError(f"execution.{method}() needs one variable name in quotes, "
                                      f"e.g. execution.{method}('amount')", mpos)
            return args[0][1:-1]
        member = self.peek(1)[1] if self.at(".") else ""
        what = f"{name}.{member}" if member else name
        raise ExpressionError(f"{what!r} is a Camunda Java object, not available here "
                              "(only execution.getVariable('name') is)", pos)

    def date_chain(self, expr: str) -> str:
        """dateTime() followed by Joda plusX/minusX(n), withTimeAtStartOfDay() and toDate()."""
        while self.at("."):
            self.take()
            kind, name, pos = self.take()
            args = self.arguments() if self.at("(") else None
            match = re.fullmatch(r"(plus|minus)([A-Z]\w*)", name) if kind == "name" else None
            if match and args is not None and match.group(2) in _DATE_UNITS:
                _arity(name, len(args), (1,), pos)
                sign = "+" if match.group(1) == "plus" else "-"
                expr = f"({expr} {sign} timedelta({_DATE_UNITS[match.group(2)]}={args[0]}))"
            elif match and args is not None and match.group(2) in ("Months", "Years"):
                _arity(name, len(args), (1,), pos)  # calendar months, clamped to the month's end as in Joda
                sign = "" if match.group(1) == "plus" else "-"
                months = f"({args[0]})" if match.group(2) == "Months" else f"12 * ({args[0]})"
                expr = f"add_months({expr}, {sign}{months})"
            elif name in ("toDate", "toDateTime") and args == []:
                continue  # our instants already are dates
            elif name == "withTimeAtStartOfDay" and args == []:
                expr = f"{expr}.replace(hour=0, minute=0, second=0, microsecond=0)"
            else:
                raise ExpressionError(f"dateTime().{name} is not supported (use plusDays, plusHours, plusMinutes, "
                                      "plusWeeks, minusDays…, withTimeAtStartOfDay, toDate)", pos)
        return expr

    def postfix(self, expr: str) -> str:
        while True:
            if self.at("."):
                self.take()
                kind, name, pos = self.take()
                if kind != "name":
                    raise ExpressionError(f"expected a property name after '.' but found {name!r}", pos)
                if not self.at("("):  # task data is JSON-like: a.b reads key 'b'
                    expr = f"{expr}[{name!r}]"
                    continue
                method = METHODS.get(name)
                if method is None:
                    raise ExpressionError(f"method {name!r} is not supported (supported: "
                                          f"{', '.join(sorted(m for m in METHODS if m[0].islower()))})", pos)
                args = self.arguments()
                _arity(name, len(args), method.arity, pos)  # type: ignore[attr-defined]
                expr = method(expr, args)
                expr = expr if expr.startswith("(") and expr.endswith(")") else f"({expr})"
            elif self.at("["):
                self.take()
                index = self.expression()
                self.take("]")
                expr = f"{expr}[{index}]"
            elif self.at("("):
                expr = f"{expr}({', '.join(self.arguments())})"
            else:
                return expr


def translate(text: str, start: int) -> tuple[str, int]:
    """Python source of the ``${…}`` whose body starts at ``start``; also the index just after its ``}``."""
    tokens = _tokenize(text, start)
    if len(tokens) == 1:
        raise ExpressionError("empty expression", start - 2)
    parser = _Parser(tokens)
    result = parser.expression()
    _kind, value, pos = parser.peek()
    if value != "}" or parser.i != len(tokens) - 1:
        raise ExpressionError(f"unexpected {value!r}", pos)
    return result, pos + 1
