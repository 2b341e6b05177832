"""DMN 1.3 decision tables as Camunda Modeler and dmn-js write them, read into compiled Python objects.

``parse_dmn`` never raises: it returns the decisions it could read and every problem, each located
on its decision, table, rule (id and 1-based row) and column (input/output), with the cell's line.
Cells are compiled once here (FEEL by feel.py; ``expressionLanguage="python"`` cells are checked
by the sandbox now and evaluated by it later), so evaluating a table is a walk over closures.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..bpmn.problems import BpmnError, Problem
from ..bpmn.xml import load_xml, local_name
from ..sandbox import check as sandbox_check
from .feel import FeelError, compile_expression, compile_unary_tests

DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/",  # DMN 1.3: Camunda Modeler 4+, dmn-js 8+
                  "http://www.omg.org/spec/DMN/20180521/MODEL/",  # DMN 1.2
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd")  # DMN 1.1 (Camunda Modeler 3)
CAMUNDA_DMN = "http://camunda.org/schema/1.0/dmn"
HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
PYTHON = ("python", "python3", "spiff-python")
FEEL = ("", "feel", "https://www.omg.org/spec/dmn/20191111/feel/", "http://www.omg.org/spec/feel/20140401",
        "https://www.omg.org/spec/feel/20140401")
TYPES = ("string", "integer", "long", "double", "number", "boolean", "date", "datetime", "date and time", "any", "")


@dataclass
class DmnProblem(Problem):
    """A Problem located in a decision table: decision, rule (id and 1-based row) and column."""

    decision_id: str | None = None
    rule_id: str | None = None
    rule_index: int | None = None
    column_id: str | None = None
    column_label: str | None = None
    # the decision's name and the column's label in other languages (i18n:name:<lang>, i18n:label:<lang>)
    translations: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """In the reader's language: message and hint are lazy (``_l``) and rendered here; the decision's
        name and the column's label are its translation where the table has one."""
        data = {**super().to_dict(), "message": str(self.message), "hint": str(self.hint)}
        locale = get_locale()
        for name, texts in data.pop("translations").items():
            data[name] = (texts.get(locale.language) if locale else None) or data[name]
        return data


@dataclass
class Cell:
    id: str | None
    text: str
    language: str  # 'feel' or 'python'
    run: Callable[..., Any]  # FEEL: unary test (value, ctx) -> bool or expression (ctx) -> value
    line: int | None = None

    @property
    def is_any(self) -> bool:
        return self.language == "feel" and self.text.strip() in ("", "-")


@dataclass
class Column:
    id: str
    label: str
    name: str  # inputs: the input variable in the table (camunda:inputVariable); outputs: the result name
    type_ref: str
    translations: dict[str, str] = field(default_factory=dict)  # language -> label (i18n:label:<lang>)
    cell: Cell | None = None  # inputs: the input expression
    values: list[Any] = field(default_factory=list)  # outputs: outputValues, highest priority first


@dataclass
class Rule:
    id: str
    index: int  # 1-based row
    inputs: list[Cell]
    outputs: list[Cell]
    description: str = ""


@dataclass
class Decision:
    id: str
    name: str
    table_id: str
    hit_policy: str
    aggregation: str | None
    inputs: list[Column]
    outputs: list[Column]
    rules: list[Rule]
    line: int | None = None
    translations: dict[str, str] = field(default_factory=dict)  # language -> name (i18n:name:<lang>)

    def label(self) -> str:
        return f"'{self.name}' ({self.id})" if self.name and self.name != self.id else f"'{self.id}'"


@dataclass
class ParsedDmn:
    decisions: list[Decision]
    problems: list[DmnProblem]
    definitions_id: str | None = None
    name: str | None = None
    has_di: bool = False

    @property
    def errors(self) -> list[DmnProblem]:
        return [p for p in self.problems if p.is_error]


def _text(el: Any, tag: str) -> tuple[str, Any]:
    child = next((c for c in el if isinstance(c.tag, str) and local_name(c) == tag), None)
    return ((child.text or "") if child is not None else ""), child


def _children(el: Any, tag: str) -> list:
    return [c for c in el if isinstance(c.tag, str) and local_name(c) == tag]


def translations(el: Any, what: str) -> dict[str, str]:
    """Other languages of a name or label, as the diagrams keep them (README, bilingual content):
    ``extensionElements/properties/property name="i18n:<what>:<lang>"``, in any namespace (the shipped
    tables use ``i18n:``, a namespace no modeler knows, so that dmn-js keeps it unchanged)."""
    out = {}
    for ext in _children(el, "extensionElements"):
        for props in _children(ext, "properties"):
            for prop in _children(props, "property"):
                parts = (prop.get("name") or prop.get("id") or "").split(":")
                if len(parts) == 3 and parts[:2] == ["i18n", what] and prop.get("value"):
                    out[parts[2]] = prop.get("value")
    return out


def _camunda(el: Any, name: str) -> str | None:
    return el.get(f"{{{CAMUNDA_DMN}}}{name}")


class _Reader:
    def __init__(self, python_check: Callable[[str, str], list[str]]) -> None:
        self.problems: list[DmnProblem] = []
        self.python_check = python_check

    def add(self, message: str, hint: str, el: Any = None, *, decision: Any = None, rule: Rule | None = None,
            rule_el: Any = None, column: Column | None = None, severity: str = "error") -> None:
        name = decision.get("name") if decision is not None else None
        texts = {"element_name": translations(decision, "name") if decision is not None else {},
                 "column_label": column.translations if column is not None else {}}
        self.problems.append(DmnProblem(
            el.get("id") if el is not None else None, name, local_name(el) if el is not None else None,
            message, hint, el.sourceline if el is not None else None, severity,
            decision_id=decision.get("id") if decision is not None else None,
            rule_id=rule_el.get("id") if rule_el is not None else None,
            rule_index=rule.index if rule is not None else None,
            column_id=column.id if column is not None else None,
            column_label=(column.label or column.name) if column is not None else None,
            translations={k: v for k, v in texts.items() if v}))

    def errors(self) -> list[DmnProblem]:
        return [p for p in self.problems if p.is_error]

    def cell(self, el: Any, default_language: str, kind: str, **where: Any) -> Cell:
        text, text_el = _text(el, "text") if el is not None else ("", None)
        language = ((el.get("expressionLanguage") if el is not None else None) or default_language).strip().lower()
        cell_id = el.get("id") if el is not None else None
        line = (text_el if text_el is not None else el).sourceline if el is not None else None
        if language in PYTHON:
            source = text.strip()
            if kind == "test" and source in ("", "-"):
                return Cell(cell_id, text, "feel", lambda v, c: True, line)
            errors = self.python_check(source, "eval") if source else [_l("the cell is empty")]
            if errors:
                self.add(_l("Python cell %(text)s is refused: %(errors)s.", text=repr(text.strip()),
                            errors="; ".join(map(str, errors))),
                         _l("Write one Python expression (the sandbox's rules apply), or switch the cell to FEEL."),
                         el, **where)
            return Cell(cell_id, text, "python", None, line)
        if language not in FEEL:
            self.add(_l("Expression language %(language)s is not supported.", language=repr(language)),
                     _l("Use FEEL (the modeler's default) or python."), el, **where)
            return Cell(cell_id, text, "feel", (lambda v, c: False) if kind == "test" else (lambda c: None), line)
        try:
            run = compile_unary_tests(text) if kind == "test" else compile_expression(text)
        except FeelError as err:
            hint = (_l('Write e.g. "a", "a","b", not("x"), < 3, [1..5], - (any), date("2026-01-01").') if kind == "test"
                    else _l('Write a literal ("text", 3, true), a variable name or simple arithmetic.'))
            self.add(_feel_problem(kind, text.strip(), err), hint, el, **where)
            run = (lambda v, c: False) if kind == "test" else (lambda c: None)
        return Cell(cell_id, text, "feel", run, line)

    def decision(self, el: Any, default_language: str) -> Decision | None:
        table = next((c for c in el if isinstance(c.tag, str) and local_name(c) == "decisionTable"), None)
        if table is None:
            kinds = [local_name(c) for c in el if isinstance(c.tag, str) and local_name(c) not in (
                "description", "extensionElements", "informationRequirement", "authorityRequirement",
                "knowledgeRequirement", "variable", "question", "allowedAnswers")]
            self.add(_l("Decision %(id)s is a %(kind)s; only decision tables can be evaluated.",
                        id=repr(el.get("id")), kind=kinds[0] if kinds else _l("decision without logic")),
                     _l("Model the decision as a decision table."), el, decision=el)
            return None
        if _children(el, "informationRequirement"):
            self.add(_l("Required decisions (DRD links) are not evaluated: this decision reads process variables "
                        "only."),
                     _l("Remove the requirement or evaluate the other decision in its own business rule task."),
                     el, decision=el, severity="warning")
        policy = (table.get("hitPolicy") or "UNIQUE").strip().upper()
        aggregation = (table.get("aggregation") or "").strip().upper() or None
        if policy not in HIT_POLICIES:
            self.add(_l("Hit policy %(policy)s is not known.", policy=repr(policy)),
                     _l("Use one of %(choices)s.", choices=", ".join(HIT_POLICIES)), table, decision=el)
        if aggregation and (policy != "COLLECT" or aggregation not in AGGREGATIONS):
            self.add(_l("Aggregation %(aggregation)s is only possible with hit policy COLLECT (%(choices)s).",
                        aggregation=repr(aggregation), choices=", ".join(AGGREGATIONS)),
                     _l("Choose COLLECT with SUM, MIN, MAX or COUNT."), table, decision=el)
        inputs = [self.input(i, n, el, default_language) for n, i in enumerate(_children(table, "input"), 1)]
        outputs = [self.output(o, n, el, policy) for n, o in enumerate(_children(table, "output"), 1)]
        if not outputs:
            self.add(_l("The table has no output column."), _l("Add an output column."), table, decision=el)
        if aggregation and aggregation != "COUNT" and len(outputs) > 1:
            self.add(_l("%(aggregation)s aggregates one output; this table has %(n)s.", aggregation=aggregation,
                        n=len(outputs)),
                     _l("Keep one output column or use COLLECT without aggregation."), table, decision=el)
        rules = [self.rule(r, n, el, inputs, outputs, default_language)
                 for n, r in enumerate(_children(table, "rule"), 1)]
        if not rules:
            self.add(_l("The table has no rules."), _l("Add at least one rule (row)."), table, decision=el,
                     severity="warning")
        return Decision(el.get("id") or "", " ".join((el.get("name") or el.get("id") or "").split()),
                        table.get("id") or "", policy, aggregation, inputs, outputs, rules, el.sourceline,
                        translations(el, "name"))

    def input(self, el: Any, n: int, decision: Any, default_language: str) -> Column:
        expr_el = next(iter(_children(el, "inputExpression")), None)
        text = _text(expr_el, "text")[0].strip() if expr_el is not None else ""
        column = Column(el.get("id") or f"input{n}", (el.get("label") or "").strip(),
                        _camunda(el, "inputVariable") or "cellInput",
                        ((expr_el.get("typeRef") if expr_el is not None else "") or "").strip().lower(),
                        translations(el, "label"))
        if not text:
            self.add(_l("Input %(n)s has no expression.", n=n), _l("Name the variable this column reads."), el,
                     decision=decision, column=column)
        column.cell = self.cell(expr_el, default_language, "input", decision=decision, column=column)
        self._type(column, el, decision)
        return column

    def output(self, el: Any, n: int, decision: Any, policy: str) -> Column:
        column = Column(el.get("id") or f"output{n}", (el.get("label") or "").strip(), (el.get("name") or "").strip(),
                        (el.get("typeRef") or "").strip().lower(), translations(el, "label"))
        if not column.name:
            self.add(_l("Output %(n)s (%(column)s) has no name, so its result cannot be read.", n=n,
                        column=column.label or column.id),
                     _l("Give the output column an output name (the variable it sets)."), el,
                     decision=decision, column=column)
        self._type(column, el, decision)
        values_el = next(iter(_children(el, "outputValues")), None)
        if values_el is not None:
            text = _text(values_el, "text")[0]
            try:
                parts = [p.strip() for p in _split_top(text) if p.strip()]
                column.values = [compile_expression(p)({}) for p in parts]
            except FeelError as err:
                self.add(_l("The output values %(text)s are not a FEEL list: %(detail)s.", text=repr(text),
                            detail=str(err)),
                         _l('Write them as "high","medium","low".'), values_el, decision=decision, column=column)
        if policy in ("PRIORITY", "OUTPUT ORDER") and not column.values:
            self.add(_l("Hit policy %(policy)s needs the output values of %(column)s in priority order.",
                        policy=policy, column=column.label or column.name),
                     _l('Set the output values, e.g. "high","medium","low" (highest first).'),
                     el, decision=decision, column=column)
        return column

    def _type(self, column: Column, el: Any, decision: Any) -> None:
        if column.type_ref not in TYPES:
            self.add(_l("Type %(type)s is not supported.", type=repr(column.type_ref)),
                     _l("Use one of %(choices)s.", choices=", ".join(t for t in TYPES if t)),
                     el, decision=decision, column=column)

    def rule(self, el: Any, n: int, decision: Any, inputs: list[Column], outputs: list[Column],
             default_language: str) -> Rule:
        rule = Rule(el.get("id") or f"rule{n}", n, [], [], _text(el, "description")[0].strip())
        entries, results = _children(el, "inputEntry"), _children(el, "outputEntry")
        if len(entries) != len(inputs) or len(results) != len(outputs):
            self.add(_l("Rule %(n)s has %(entries)s input and %(results)s output cells; the table has %(inputs)s "
                        "inputs and %(outputs)s outputs.", n=n, entries=len(entries), results=len(results),
                        inputs=len(inputs), outputs=len(outputs)),
                     _l("Save the table again in the modeler."), el, decision=decision, rule=rule, rule_el=el)
        for i, column in enumerate(inputs):
            entry = entries[i] if i < len(entries) else None
            rule.inputs.append(self.cell(entry, default_language, "test", decision=decision, rule=rule,
                                         rule_el=el, column=column))
        for i, column in enumerate(outputs):
            entry = results[i] if i < len(results) else None
            cell = self.cell(entry, default_language, "output", decision=decision, rule=rule, rule_el=el,
                             column=column)
            rule.outputs.append(cell)
            if cell.language == "feel" and column.values:
                value = _constant(cell)  # a cell naming variables is None here: checked when evaluated
                if value is not None and value not in column.values:
                    self.add(_l("Rule %(n)s gives %(column)s %(value)s, which is not one of its output values.",
                                n=n, column=column.label or column.name, value=cell.text.strip()),
                             _l("Use one of the listed output values."), entry,
                             decision=decision, rule=rule, rule_el=el, column=column)
        return rule


def _feel_problem(kind: str, text: str, err: FeelError) -> Any:
    """A FEEL cell that does not parse; the parser's own detail (``err``) follows as it is."""
    what = {"test": _l("input entry"), "input": _l("input expression")}.get(kind, _l("output entry"))
    if err.column:
        return _l("The %(what)s %(text)s is not valid FEEL at position %(position)s: %(detail)s.", what=what,
                  text=repr(text), position=err.column, detail=str(err))
    return _l("The %(what)s %(text)s is not valid FEEL: %(detail)s.", what=what, text=repr(text), detail=str(err))


def _constant(cell: Cell) -> Any:
    try:
        return cell.run({})
    except FeelError:
        return None


def _split_top(text: str) -> list[str]:
    """Split a FEEL list on commas outside quotes."""
    parts, buf, quoted = [], "", False
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    return parts + [buf]


def parse_dmn(xml: bytes | str, *, python_check: Callable[[str, str], list[str]] = sandbox_check,
              max_bytes: int = 5 * 1024 * 1024) -> ParsedDmn:
    """Read a DMN file: its decisions (tables compiled) and every problem found, each located."""
    try:
        root = load_xml(xml, max_bytes=max_bytes).getroot()
    except BpmnError as err:
        return ParsedDmn([], [DmnProblem(p.element_id, p.element_name, p.element_type,
                                         _l("The file cannot be read as XML: %(detail)s", detail=p.message),
                                         _l("Fix the file, or save the table again in Camunda Modeler or the "
                                            "decision editor."), p.line)
                              for p in err.problems])
    reader = _Reader(python_check)
    ns = root.tag[1:].split("}")[0] if isinstance(root.tag, str) and root.tag.startswith("{") else ""
    if local_name(root) != "definitions" or ns not in DMN_NAMESPACES:
        reader.add(_l("This is not a DMN file (root element %(root)s in namespace %(ns)s).",
                      root=repr(local_name(root)), ns=repr(ns)),
                   _l("Upload a .dmn file saved by Camunda Modeler or the decision editor (DMN 1.3)."), root)
        return ParsedDmn([], reader.problems)
    default_language = (root.get("expressionLanguage") or "feel").strip().lower()
    decisions, seen = [], set()
    for el in _children(root, "decision"):
        if not el.get("id"):
            reader.add(_l("A decision has no id."), _l("Save the file again in the modeler."), el, decision=el)
            continue
        if el.get("id") in seen:
            reader.add(_l("Two decisions have the id %(id)s.", id=repr(el.get("id"))),
                       _l("Give each decision its own id."), el, decision=el)
        seen.add(el.get("id"))
        if len(el.get("id")) > 100:
            reader.add(_l("The decision id is longer than 100 characters."), _l("Use a shorter id."), el,
                       decision=el)
        try:
            decision = reader.decision(el, default_language)
        except Exception as exc:  # a malformed table is a located problem, never a crash of the upload
            reader.add(_l("This decision could not be read: %(error)s.", error=f"{type(exc).__name__}: {exc}"),
                       _l("Open and save the file again in the modeler."), el, decision=el)
            continue
        if decision is not None:
            decisions.append(decision)
    if not decisions and not reader.errors():
        reader.add(_l("The file has no decision table."), _l("Add a decision with a decision table."), root)
    has_di = any(isinstance(c.tag, str) and local_name(c) == "DMNDI" for c in root)
    return ParsedDmn(decisions, reader.problems, root.get("id"), root.get("name"), has_di)

