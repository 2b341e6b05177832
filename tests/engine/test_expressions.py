"""JUEL -> Python translation and ISO-8601 timer literal recognition."""
import pytest

from app.engine.expressions import ExpressionError, is_iso8601_timer_literal, to_python


def run(expr: str, **data):
    """Translate and evaluate with plain Python, proving the output is real Python."""
    return eval(to_python(expr), {"__builtins__": {}}, data)


@pytest.mark.parametrize("expr, expected", [
    ("${a > 1 && b}", "(a > 1) and b"),
    ("${msg == \"a && b\"}", "msg == 'a && b'"),
    ("${empty x}", "x in (None, '', [], {})"),
    ("${!a == b}", "(not a) == b"),
    ("${x.y.z ge 3}", "x['y']['z'] >= 3"),
    ("${a ? b : c}", "b if a else c"),
    ("${name.upper()}", "name.upper()"),
    ("${a != null}", "a != None"),
    ("#{a || !b}", "a or (not b)"),
])
def test_translation_text(expr, expected):
    assert to_python(expr) == expected


@pytest.mark.parametrize("expr, data, expected", [
    ("${amount > 100}", {"amount": 150}, True),
    ("${amount > 100}", {"amount": 50}, False),
    ("${a > 1 && b}", {"a": 2, "b": False}, False),
    ("${a > 1 || b}", {"a": 0, "b": True}, True),
    ("${a gt 1 and b}", {"a": 2, "b": True}, True),
    ("${x eq 1}", {"x": 1}, True),
    ("${x ne 1}", {"x": 1}, False),
    ("${x lt 2 && x le 1 && x ge 1 && !(x gt 1)}", {"x": 1}, True),
    ("${x <= 1 && x >= 1 && x < 2 && x != 3 && x == 1}", {"x": 1}, True),
    ("${not flag}", {"flag": False}, True),
    ("${!flag}", {"flag": True}, False),
    ("${!a == b}", {"a": True, "b": False}, True),             # EL: (!a) == b, not !(a == b)
    ("${empty items}", {"items": []}, True),
    ("${empty items}", {"items": [1]}, False),
    ("${empty name == false}", {"name": "x"}, True),          # unary binds tighter than ==
    ("${level == 'gold'}", {"level": "gold"}, True),
    ("${level == \"gold\"}", {"level": "gold"}, True),
    ("${msg == \"a && b || !c\"}", {"msg": "a && b || !c"}, True),
    ("${msg == 'it\\'s'}", {"msg": "it's"}, True),
    ("${msg == 'a\\\\b'}", {"msg": "a\\b"}, True),
    ("${ok == true}", {"ok": True}, True),
    ("${ok == false}", {"ok": False}, True),
    ("${v == null}", {"v": None}, True),
    ("${customer.level == 'vip'}", {"customer": {"level": "vip"}}, True),
    ("${order.lines[1].qty}", {"order": {"lines": [{"qty": 1}, {"qty": 7}]}}, 7),
    ("${(a + b) * c}", {"a": 1, "b": 2, "c": 3}, 9),
    ("${a + b * c}", {"a": 1, "b": 2, "c": 3}, 7),
    ("${10 / 4}", {}, 2.5),
    ("${10 % 4}", {}, 2),
    ("${10 mod 4 + 10 div 4}", {}, 4.5),
    ("${-a + 3}", {"a": 1}, 2),
    ("${1.5e1 + .5 + 007}", {}, 22.5),
    ("${a - b - c}", {"a": 10, "b": 3, "c": 2}, 5),         # left associative
    ("${vip ? 'fast' : 'normal'}", {"vip": True}, "fast"),
    ("${name.upper() == 'BOB'}", {"name": "bob"}, True),
    ("${max(a, b)}", {"a": 1, "b": 4, "max": max}, 4),
    ("  ${ a  >  1 }  ", {"a": 2}, True),
    ("amount > 100 and vip", {"amount": 101, "vip": True}, True),
])
def test_translated_expressions_evaluate(expr, data, expected):
    assert run(expr, **data) == expected


@pytest.mark.parametrize("expr", ["amount > 100", "x['a'] if y else z", "'${not juel}' == s", "f(a, b=1)", ""])
def test_plain_python_is_unchanged(expr):
    assert to_python(expr) is expr


@pytest.mark.parametrize("expr, fragment, position", [
    ("Hello ${name}", "text outside ${...}", 6),
    ("${a} and ${b}", "text after ${...}", 5),
    ("${a} tail", "text after ${...}", 5),
    ("${a > 1", "missing closing '}'", 7),
    ("${}", "empty expression", 0),
    ("${a = 1}", "unexpected character '='", 4),
    ("${a & b}", "unexpected character '&'", 4),
    ("${a | b}", "unexpected character '|'", 4),
    ("${$x}", "unexpected character '$'", 2),
    ("${a b}", "unexpected 'b'", 4),
    ("${a >}", "unexpected '}'", 5),
    ("${(a > 1}", "expected ')'", 8),
    ("${class}", "unsupported keyword 'class'", 2),
    ("${a instanceof b}", "unexpected 'instanceof'", 4),
    ("${fn:upper(x)}", "unexpected ':'", 4),
    ("${a.}", "expected a property name", 4),
    ("${a ? b}", "expected ':'", 7),
    ("${'open}", "unexpected character \"'\"", 2),
])
def test_untranslatable_expressions_raise_with_position(expr, fragment, position):
    with pytest.raises(ExpressionError) as info:
        to_python(expr)
    assert fragment in str(info.value)
    assert info.value.position == position
    assert f"at position {position}" in str(info.value)


def test_expression_error_is_a_value_error():
    with pytest.raises(ValueError):
        to_python("Total: ${amount}")


@pytest.mark.parametrize("text", [
    "PT30M", "P1D", "P1DT2H", "P2W", "PT1.5S", "P1Y2M3DT4H5M6S", " PT30M ",
    "R/PT1W", "R/P1W", "R6/P1D", "R3/2026-12-01T09:00:00+08:00/PT1H", "R/PT1H/2026-12-01T09:00:00Z",
    "2026-12-01T09:00:00+08:00", "2026-12-01T09:00:00Z", "2026-12-01T09:00:00", "2026-12-01T09:00",
    "2026-12-01T09:00:00.250+08:00",
])
def test_iso8601_timer_literals(text):
    assert is_iso8601_timer_literal(text)


@pytest.mark.parametrize("text", [
    "P", "PT", "P1DT", "PT1", "P1H", "30M", "amount", "'PT30M'", "timedelta(minutes=30)", "${due}",
    "R/", "R3/2026-12-01T09:00:00+08:00", "R/PT1H/PT1H/PT1H", "2026-13-01T09:00:00", "2026-12-01T25:00:00",
    "2026-12-01", "2026-12-01T09:00:00+8", "",
])
def test_not_iso8601_timer_literals(text):
    assert not is_iso8601_timer_literal(text)
