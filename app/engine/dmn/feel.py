"""The part of FEEL that Camunda Modeler's decision tables use, compiled once into Python closures.

Input entries are *simple unary tests*: ``-`` (any), ``"a"``, ``"a","b"``, ``not("x")``, ``< 3``,
``[1..5]`` / ``(1..5]`` / ``]1..5[``, ``null``, numbers, booleans, ``date("2026-01-01")``; names in
them are variables. Output entries and input expressions are *simple expressions*: literals, variable
names (``customer.level``), ``+ - * /`` with parentheses, comparisons, ``date(...)``/``date and time(...)``.
Nothing here calls eval: a cell is tokenised and parsed by hand, so FEEL text can never run Python.
FEEL's null propagates (``null + 1`` is null) and a comparison with null is false, as in FEEL 1.3.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Callable

__all__ = ["FeelError", "equal", "compile_expression", "compile_unary_tests", "coerce_like"]

Expr = Callable[[dict], Any]
Test = Callable[[Any, dict], bool]


class FeelError(Exception):
    """A cell FEEL cannot read; ``column`` is the 1-based position in the cell text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<op>\.\.|<=|>=|!=|[<>=+\-*/(),.\[\]])
  | (?P<name>date\s+and\s+time(?=\s*\()|[^\W\d]\w*)
""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FeelError(f"unexpected character {text[pos]!r}", pos + 1)
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group(), pos + 1))
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


def _parse_date(text: Any, what: str) -> Any:
    try:
        return date.fromisoformat(text) if what == "date" else datetime.fromisoformat(text)
    except (TypeError, ValueError) as err:
        raise FeelError(f'{what}({text!r}) is not a valid {what}; write {what}("2026-01-31")') from err


def coerce_like(value: Any, other: Any) -> Any:
    """An ISO text compared with a date becomes a date (inputs arrive as JSON text)."""
    if isinstance(value, str) and isinstance(other, (date, datetime)):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed if isinstance(other, datetime) else parsed.date()
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equal(a: Any, b: Any) -> bool:
    a, b = coerce_like(a, b), coerce_like(b, a)
    if _number(a) and _number(b):
        return a == b
    return type(a) is type(b) and a == b if not (a is None or b is None) else a is b


_ORDER = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = coerce_like(a, b), coerce_like(b, a)
    if a is None or b is None:
        return False
    if not ((_number(a) and _number(b)) or type(a) is type(b)):
        return False  # FEEL: comparing a text with a number is null, so the rule does not match
    return _ORDER[op](a, b)


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if not (_number(a) and _number(b)):
        raise FeelError(f"cannot compute {a!r} {op} {b!r}")
    if op == "/":
        return None if b == 0 else (a // b if isinstance(a, int) and isinstance(b, int) and a % b == 0 else a / b)
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def _lookup(path: list[str]) -> Expr:
    def get(ctx: dict) -> Any:
        value: Any = ctx
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return get


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self, value: str | None = None, kind: str | None = None) -> tuple[str, str, int] | None:
        k, v, _ = self.tok
        if (value is None or v == value) and (kind is None or k == kind):
            self.i += 1
            return k, v, _
        return None

    def expect(self, value: str) -> None:
        if self.take(value) is None:
            self.fail(f"expected {value!r}")

    def fail(self, message: str) -> None:
        kind, value, col = self.tok
        found = "the end of the cell" if kind == "end" else repr(value)
        raise FeelError(f"{message}, found {found}", col)

    def done(self) -> None:
        if self.tok[0] != "end":
            self.fail("unexpected text")

    # ---------------------------------------------------------------- expressions

    def expression(self) -> Expr:
        left = self.additive()
        op = self.tok[1] if self.tok[0] == "op" and self.tok[1] in ("=", "!=", "<", "<=", ">", ">=") else None
        if op is None:
            return left
        self.i += 1
        right = self.additive()
        if op == "=":
            return lambda c: equal(left(c), right(c))
        if op == "!=":
            return lambda c: not equal(left(c), right(c))
        return lambda c: _compare(op, left(c), right(c))

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.tok[1] in ("+", "-") and self.tok[0] == "op":
            op = self.take()[1]
            right = self.multiplicative()
            left = (lambda l, r, o: lambda c: _arith(o, l(c), r(c)))(left, right, op)
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.tok[1] in ("*", "/") and self.tok[0] == "op":
            op = self.take()[1]
            right = self.unary()
            left = (lambda l, r, o: lambda c: _arith(o, l(c), r(c)))(left, right, op)
        return left

    def unary(self) -> Expr:
        if self.take("-", "op"):
            inner = self.unary()
            return lambda c: _arith("-", 0, inner(c))
        return self.primary()

    def primary(self) -> Expr:
        kind, value, _col = self.tok
        if kind == "number":
            self.i += 1
            number = float(value) if "." in value else int(value)
            return lambda c: number
        if kind == "string":
            self.i += 1
            text = re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), value[1:-1])
            return lambda c: text
        if self.take("(", "op"):
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "name":
            self.i += 1
            if value in ("true", "false"):
                flag = value == "true"
                return lambda c: flag
            if value == "null":
                return lambda c: None
            if self.tok[1] == "(":
                return self.call(" ".join(value.split()))
            path = [value]
            while self.take(".", "op"):
                part = self.take(kind="name")
                if part is None:
                    self.fail("expected a name after '.'")
                path.append(part[1])
            return _lookup(path)
        self.fail("expected a value")
        raise AssertionError  # fail raises

    def call(self, name: str) -> Expr:
        if name not in ("date", "date and time"):
            self.fail(f"the function {name}() is not supported here (only date() and date and time())")
        self.expect("(")
        kind, value, col = self.tok
        if kind != "string":
            self.fail(f"{name}() takes a text such as \"2026-01-31\"")
        self.i += 1
        self.expect(")")
        try:
            constant = _parse_date(value[1:-1], name)
        except FeelError as err:
            raise FeelError(str(err), col) from None
        return lambda c: constant

    # ---------------------------------------------------------------- unary tests

    def unary_tests(self) -> Test:
        if self.tok[1] == "-" and self.toks[self.i + 1][0] == "end":
            self.i += 1
            return lambda v, c: True
        if self.tok == ("name", "not", self.tok[2]) and self.toks[self.i + 1][1] == "(":
            self.i += 2
            inner = self.positive_list()
            self.expect(")")
            return lambda v, c: not inner(v, c)
        return self.positive_list()

    def positive_list(self) -> Test:
        tests = [self.positive()]
        while self.take(",", "op"):
            tests.append(self.positive())
        if len(tests) == 1:
            return tests[0]
        return lambda v, c: any(t(v, c) for t in tests)

    def positive(self) -> Test:
        kind, value, _ = self.tok
        if kind == "op" and value in _ORDER:
            self.i += 1
            bound = self.additive()
            return lambda v, c: _compare(value, v, bound(c))
        if kind == "op" and value in ("[", "(", "]"):
            self.i += 1
            low = self.additive()
            self.expect("..")
            high = self.additive()
            close = self.tok[1]
            if close not in ("]", ")", "["):
                self.fail("expected ']' , ')' or '[' to close the range")
            self.i += 1
            lo_op = ">=" if value == "[" else ">"
            hi_op = "<=" if close == "]" else "<"
            return lambda v, c: _compare(lo_op, v, low(c)) and _compare(hi_op, v, high(c))
        value_of = self.additive()
        return lambda v, c: equal(v, value_of(c))


def compile_expression(text: str) -> Expr:
    """A simple FEEL expression -> ``f(context) -> value``; FeelError if it cannot be read."""
    parser = _Parser(text)
    if parser.tok[0] == "end":
        return lambda c: None
    expr = parser.expression()
    parser.done()
    return expr


def compile_unary_tests(text: str) -> Test:
    """FEEL simple unary tests -> ``f(input value, context) -> bool``; an empty cell or ``-`` is any."""
    parser = _Parser(text)
    if parser.tok[0] == "end":
        return lambda v, c: True
    test = parser.unary_tests()
    parser.done()
    return test
