"""Task names with expressions (app/engine/task_names.py), as Camunda 7 evaluates a user task's name:
the row records the name evaluated in the default language; another language's name is its own template
with the values recovered from the recorded name."""
from app.engine import task_names


def test_a_name_is_evaluated_part_by_part():
    assert not task_names.has_expressions("复核整改结果") and task_names.has_expressions("复核：${person.name}")
    assert task_names.render("复核：${person.name}", lambda src: "甲 考核") == "复核：甲 考核"
    assert task_names.render("${a}/${b}", lambda src: None) == "/"  # nothing shows as nothing
    assert task_names.render("第${n}次", lambda src: "x\n  y" * 100) == "第" + ("x y" * 100)[:task_names.MAX_VALUE] + "次"


def test_another_language_gets_the_same_values():
    values = task_names.values_in("复核整改结果：${person.name}", "复核整改结果：甲 考核")
    assert values == {"${person.name}": "甲 考核"}
    assert task_names.fill("Check the improvement: ${person.name}", values) == "Check the improvement: 甲 考核"
    assert task_names.values_in("复核整改结果：${person.name}", "调整岗位：甲 考核") is None  # another element's name
    assert task_names.values_in("复核整改结果", "复核整改结果") is None  # no expressions: compared as text
    assert task_names.values_in("${a}-${a}", "x-y") is None  # one expression, two values: not this template
    assert task_names.fill("${b} only in English", {"${a}": "x"}) == " only in English"


def test_a_quoted_brace_stays_inside_its_expression():
    template = "约谈：${person.name == '}' ? 'x' : person.name}"
    assert task_names.PART.findall(template) == ["${person.name == '}' ? 'x' : person.name}"]
