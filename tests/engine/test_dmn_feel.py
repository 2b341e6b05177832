"""FEEL as Camunda Modeler writes it in decision table cells: each simple unary test form and the
simple output expressions (app/engine/dmn/feel.py). Nothing here may run Python."""
from datetime import date, datetime

import pytest

from app.engine.dmn.feel import FeelError, compile_expression, compile_unary_tests


def matches(test: str, value, **ctx) -> bool:
    return compile_unary_tests(test)(value, ctx)


@pytest.mark.parametrize("test,yes,no", [
    ('"routine_fault"', ["routine_fault"], ["other", None, 1]),
    ('"a","b"', ["a", "b"], ["c", None]),
    ('not("x")', ["y", None], ["x"]),
    ('not("x","y")', ["z"], ["x", "y"]),
    ("< 3", [2, 2.9, -1], [3, 4, None, "2"]),
    ("<= 3", [3], [3.01]),
    ("> 3", [4], [3]),
    (">= 3", [3, 3.5], [2]),
    ("[1..5]", [1, 3, 5], [0, 6, None]),
    ("(1..5)", [2, 4.9], [1, 5]),
    ("]1..5[", [2], [1, 5]),
    ("(1..5]", [5], [1]),
    ("-", ["anything", None, 0], []),
    ("", ["anything", None], []),
    ("42", [42, 42.0], [41, "42"]),
    ("-1.5", [-1.5], [1.5]),
    ("true", [True], [False, 1, "true"]),
    ("false", [False], [True, 0]),
    ("null", [None], [0, ""]),
    ('date("2026-01-01")', [date(2026, 1, 1), "2026-01-01"], [date(2026, 1, 2)]),
    ('< date("2026-01-01")', [date(2025, 12, 31), "2025-06-30"], [date(2026, 1, 1), None]),
    ('[date("2026-01-01")..date("2026-12-31")]', ["2026-07-01"], ["2027-01-01"]),
    ('date and time("2026-01-01T09:00:00")', [datetime(2026, 1, 1, 9)], [datetime(2026, 1, 1, 10)]),
    ('"含\\"引号"', ['含"引号'], ["含引号"]),
    ('"中文类别"', ["中文类别"], ["其他"]),
])
def test_each_unary_test_form(test, yes, no):
    for value in yes:
        assert matches(test, value), (test, value)
    for value in no:
        assert not matches(test, value), (test, value)


def test_names_in_unary_tests_are_variables():
    assert matches("< limit", 3, limit=5) and not matches("< limit", 7, limit=5)
    assert matches("[low..high]", 3, low=1, high=5)
    assert matches("customer.level", "gold", customer={"level": "gold"})
    assert not matches("< missing", 1)  # an unknown name is null; a comparison with null is false


@pytest.mark.parametrize("text,ctx,value", [
    ('"TECH"', {}, "TECH"),
    ("3", {}, 3),
    ("2.5", {}, 2.5),
    ("true", {}, True),
    ("null", {}, None),
    ("", {}, None),
    ("amount", {"amount": 7}, 7),
    ("amount * 2 + 1", {"amount": 7}, 15),
    ("(amount + 1) * 2", {"amount": 7}, 16),
    ("amount / 2", {"amount": 7}, 3.5),
    ("amount / 0", {"amount": 7}, None),
    ("-amount", {"amount": 7}, -7),
    ('"P" + code', {"code": "1"}, "P1"),
    ("missing + 1", {}, None),
    ("order.total - 10", {"order": {"total": 30}}, 20),
    ("amount > 5", {"amount": 7}, True),
    ('date("2026-03-01")', {}, date(2026, 3, 1)),
])
def test_simple_output_expressions(text, ctx, value):
    assert compile_expression(text)(ctx) == value


@pytest.mark.parametrize("text,where", [
    ('"open', 1), ("[1..", 5), ("< ", 3), ('not("x"', 8), ("a ? b", 3), ('date("31/01/2026")', 6),
    ("upper(x)", 6), ("1 2", 3),
])
def test_unreadable_cells_are_located(text, where):
    with pytest.raises(FeelError) as info:
        compile_unary_tests(text)
    assert info.value.column == where, str(info.value)


def test_feel_text_never_reaches_python():
    """A cell that would be code in Python is not FEEL: refused when read, never run."""
    for text in ('__import__("os").system("true")', "open('/etc/passwd')", "(lambda: 1)()", "x[0]"):
        with pytest.raises(FeelError):
            compile_expression(text)
