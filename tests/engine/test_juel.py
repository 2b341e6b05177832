"""JUEL as Camunda users write it: each accepted form runs in the sandbox, each refused one is located."""
from datetime import datetime, timedelta

import pytest

from app.engine.expressions import ExpressionError, to_python
from app.engine.sandbox import SandboxedEnvironment, now


def run(expr: str, **data):
    """Evaluate in the real sandbox (RestrictedPython + guards), as the engine's runners do."""
    return SandboxedEnvironment().evaluate(expr, data)


@pytest.mark.parametrize("expr, data, expected", [
    # wrappers, word operators, ternary
    ("${amount gt 100 and vip}", {"amount": 150, "vip": True}, True),
    ("#{amount le 100 or vip}", {"amount": 150, "vip": False}, False),
    ("${a eq 1 && b ne 2 && c lt 3 && d ge 4}", {"a": 1, "b": 1, "c": 2, "d": 4}, True),
    ("${not approved}", {"approved": False}, True),
    ("${!approved}", {"approved": True}, False),
    ("${vip ? 'fast' : 'normal'}", {"vip": False}, "normal"),
    ("${amount > 1000 ? (vip ? 'gold' : 'manager') : 'clerk'}", {"amount": 5000, "vip": True}, "gold"),
    # null and empty, as EL defines them
    ("${remark == null}", {"remark": None}, True),
    ("${remark != null}", {"remark": "x"}, True),
    ("${empty remark}", {"remark": None}, True),
    ("${empty remark}", {"remark": ""}, True),
    ("${empty items}", {"items": []}, True),
    ("${empty map}", {"map": {}}, True),
    ("${empty count}", {"count": 0}, False),            # 0 is not empty in EL
    ("${empty flag}", {"flag": False}, False),
    ("${not empty remark}", {"remark": "call back"}, True),
    ("${!empty remark}", {"remark": ""}, False),
    # string methods
    ("${clarified.equals('no')}", {"clarified": "no"}, True),
    ("${clarified.equals('no')}", {"clarified": "yes"}, False),
    ("${!clarified.equals('no')}", {"clarified": "yes"}, True),
    ("${level.equalsIgnoreCase('VIP')}", {"level": "vip"}, True),
    ("${text.contains('urgent')}", {"text": "very urgent"}, True),
    ("${code.startsWith('CN-')}", {"code": "CN-1"}, True),
    ("${code.endsWith('-1')}", {"code": "CN-1"}, True),
    ("${name.length() > 3}", {"name": "Zhang"}, True),
    ("${name.isEmpty()}", {"name": ""}, True),
    ("${name.toUpperCase()}", {"name": "li"}, "LI"),
    ("${name.toLowerCase()}", {"name": "LI"}, "li"),
    ("${name.trim()}", {"name": "  li "}, "li"),
    ("${name.substring(1)}", {"name": "abc"}, "bc"),
    ("${name.substring(0, 2)}", {"name": "abc"}, "ab"),
    ("${name.indexOf('c')}", {"name": "abc"}, 2),
    ("${name.indexOf('z')}", {"name": "abc"}, -1),
    ("${name.charAt(0)}", {"name": "abc"}, "a"),
    ("${name.replace('a', 'A')}", {"name": "aba"}, "AbA"),
    ("${name.toString()}", {"name": 12}, "12"),
    ("${name.trim().toUpperCase().equals('LI')}", {"name": " li"}, True),
    ("${name.upper()}", {"name": "li"}, "LI"),             # Python's own names stay accepted
    # numbers, lists, maps
    ("${amount.intValue() + 1}", {"amount": 2.7}, 3),
    ("${amount.doubleValue()}", {"amount": 2}, 2.0),
    ("${amount.compareTo(5)}", {"amount": 7}, 1),
    ("${items.size()}", {"items": [1, 2]}, 2),
    ("${items.contains(2)}", {"items": [1, 2]}, True),
    ("${items.get(1)}", {"items": [1, 2]}, 2),
    ("${order.containsKey('id')}", {"order": {"id": 1}}, True),
    ("${order.lines.size() == 0}", {"order": {"lines": []}}, True),
    # execution.getVariable
    ("${execution.getVariable('amount') > 10}", {"amount": 11}, True),
    ("${execution.getVariableLocal(\"amount\")}", {"amount": 3}, 3),
])
def test_accepted_forms_run_in_the_sandbox(expr, data, expected):
    assert run(expr, **data) == expected


def test_translation_is_python_source():
    assert to_python("${clarified.equals('no')}") == "clarified == 'no'"
    assert to_python("${execution.getVariable('x') == null}") == "x == None"
    assert to_python("${dateTime().plusDays(2).toDate()}") == "now() + timedelta(days=2)"


@pytest.mark.parametrize("expr, delta", [
    ("${dateTime().plusDays(2).toDate()}", timedelta(days=2)),
    ("${dateTime().plusHours(4).toDate()}", timedelta(hours=4)),
    ("${dateTime().plusMinutes(30).toDate()}", timedelta(minutes=30)),
    ("${dateTime().plusWeeks(1).toDate()}", timedelta(weeks=1)),
    ("${dateTime().plusSeconds(5)}", timedelta(seconds=5)),
    ("${dateTime().minusDays(1).toDate()}", timedelta(days=-1)),
    ("${dateTime().plusDays(days).plusHours(1).toDate()}", timedelta(days=3, hours=1)),
])
def test_date_time_helpers_are_the_clock_plus_an_interval(expr, delta):
    before = now()
    value = run(expr, days=3)
    assert isinstance(value, datetime) and value.tzinfo is not None
    assert before + delta <= value <= now() + delta


def test_months_and_years_translate_to_calendar_months():
    assert to_python("${dateTime().plusMonths(1).toDate()}") == "add_months(now(), (1))"
    assert to_python("${dateTime().minusYears(n)}") == "add_months(now(), -12 * (n))"


@pytest.mark.parametrize("start, months, expected", [
    ("2027-01-31T10:30:00+08:00", 1, "2027-02-28T10:30:00+08:00"),   # clamped to the month's end, as Joda
    ("2028-01-31T10:30:00+08:00", 1, "2028-02-29T10:30:00+08:00"),   # leap year
    ("2027-03-31T00:00:00+08:00", -1, "2027-02-28T00:00:00+08:00"),
    ("2027-12-15T09:00:00+08:00", 1, "2028-01-15T09:00:00+08:00"),   # across the year
    ("2028-02-29T09:00:00+08:00", 12, "2029-02-28T09:00:00+08:00"),  # plusYears(1) of a leap day
])
def test_add_months_moves_by_calendar_months(start, months, expected):
    from zoneinfo import ZoneInfo

    from app.engine.script_helpers import add_months

    assert add_months(start, months, ZoneInfo("Asia/Shanghai")).isoformat() == expected


def test_add_months_refuses_what_is_no_month_count():
    from zoneinfo import ZoneInfo

    from app.engine.script_helpers import add_months

    for bad in (1.5, "1", True):
        with pytest.raises(TypeError):
            add_months("2027-01-01", bad, ZoneInfo("Asia/Shanghai"))


def test_start_of_day():
    value = run("${dateTime().plusDays(1).withTimeAtStartOfDay().toDate()}")
    assert (value.hour, value.minute, value.second) == (0, 0, 0)
    assert value.date() == (now() + timedelta(days=1)).date()


@pytest.mark.parametrize("expr, fragment, position", [
    ("${name.matches('a.*')}", "method 'matches' is not supported", 7),
    ("${name.getClass()}", "method 'getClass' is not supported", 7),
    ("${name.equals()}", "equals() takes 1 argument(s), not 0", 7),
    ("${name.substring(1, 2, 3)}", "substring() takes 1 or 2 argument(s), not 3", 7),
    ("${execution.getProcessInstanceId()}", "'execution.getProcessInstanceId' is a Camunda Java object", 2),
    ("${execution.setVariable('a', 1)}", "'execution.setVariable' is a Camunda Java object", 2),
    ("${execution.getVariable(name)}", "needs one variable name in quotes", 12),
    ("${task.name}", "'task.name' is a Camunda Java object", 2),
    ("${authenticatedUserId}", "'authenticatedUserId' is a Camunda Java object", 2),
    ("${dateTime().plusMonths()}", "plusMonths() takes 1 argument(s), not 0", 13),
    ("${dateTime().plusYears(1, 2)}", "plusYears() takes 1 argument(s), not 2", 13),
    ("${dateTime().getDayOfWeek()}", "dateTime().getDayOfWeek is not supported", 13),
    ("${dateTime(1)}", "dateTime() takes 0 argument(s), not 1", 2),
    ("${dateTime().plusDays()}", "plusDays() takes 1 argument(s), not 0", 13),
])
def test_untranslatable_forms_are_refused_with_position(expr, fragment, position):
    with pytest.raises(ExpressionError) as info:
        to_python(expr)
    assert fragment in str(info.value)
    assert info.value.position == position


def test_word_operators_stay_property_names_after_a_dot():
    assert run("${order.not == 1}", order={"not": 1}) is True
