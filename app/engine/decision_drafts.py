"""Decision drafts: the decision editor's working copy of a DMN file, kept, saved (compare-and-set)
and deployed exactly as process drafts are (app/engine/drafts.py, kind ``DMN``).

A draft belongs to one decision (its id, what camunda:decisionRef names) and holds the whole
file; deploying it deploys every decision of the file (app/engine/decisions.py decides how).
"""
from __future__ import annotations

from flask_babel import gettext

from app.engine import decisions, drafts
from app.engine.bpmn import BpmnError
from app.engine.bpmn.i18n import PREFIX, pick
from app.engine.bpmn.xml import load_xml, local_name
from app.engine.dmn.model import parse_dmn
from app.engine.errors import Invalid, NotFound

DMN_PREFIX = "decision:"

BLANK_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_{key}" name="{name}" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="{key}" name="{name}">
    <decisionTable id="DecisionTable_{key}" hitPolicy="UNIQUE">
      <input id="Input_1" label="{input}">
        <inputExpression id="InputExpression_1" typeRef="string"><text>input1</text></inputExpression>
      </input>
      <output id="Output_1" label="{output}" name="output1" typeRef="string" />
      <rule id="Rule_1">
        <inputEntry id="UnaryTests_1"><text>-</text></inputEntry>
        <outputEntry id="LiteralExpression_1"><text>""</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_1">
      <dmndi:DMNShape id="DMNShape_1" dmnElementRef="{key}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


def _xml_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def blank_template(key: str, name: str, input_label: str, output_label: str) -> str:
    """One UNIQUE table: one string input, one string output, one rule matching anything."""
    return BLANK_TEMPLATE.format(key=key, name=_xml_attr(name), input=_xml_attr(input_label),
                                 output=_xml_attr(output_label))


def decisions_in(xml: bytes | str) -> dict[str, str]:
    """{decision id: name} of a DMN file; Invalid (located) if it cannot be read or is no DMN."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        root = load_xml(data).getroot()
    except BpmnError as err:
        raise Invalid(gettext("The decision file cannot be read."),
                      problems=[p.to_dict() for p in err.problems]) from err
    if local_name(root) != "definitions" or "dmn" not in (root.tag or "").lower():
        raise Invalid(gettext("This is not a DMN file."))
    return {el.get("id"): (el.get("name") or el.get("id")) for el in root
            if isinstance(el.tag, str) and local_name(el) == "decision" and el.get("id")}


def _translations(el) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in el.iterfind("{*}extensionElements/{*}properties/{*}property")
            if (p.get("name") or "").startswith(PREFIX)}


def _elements(xml: str | None, tag: str) -> list:
    try:
        return list(load_xml((xml or "").encode("utf-8")).getroot().iter("{*}" + tag))
    except BpmnError:
        return []


def decision_name(key: str, xml: str | None, default: str, lang: str | None) -> str:
    """A decision's name in ``lang``: its ``i18n:name:<lang>`` camunda property (the bilingual
    convention of app/engine/bpmn/i18n.py, which dmn-js and Camunda Modeler keep), else ``default``."""
    found = [el for el in _elements(xml, "decision") if el.get("id") == key]
    return pick(_translations(found[0]), "name", default, lang) if found else default


def column_labels(xml: str | None, lang: str | None) -> dict[str, str]:
    """{a column's label as written: its ``i18n:label:<lang>``} for the input and output columns of a file."""
    columns = _elements(xml, "input") + _elements(xml, "output")
    return {el.get("label"): pick(_translations(el), "label", el.get("label"), lang) for el in columns if el.get("label")}


def _name_of(key: str, text: str) -> str:
    found = decisions_in(text)
    if key not in found:
        raise Invalid(gettext("The file has no decision '%(key)s' (it has: %(found)s). Keep the decision id "
                              "'%(key)s': processes name it in camunda:decisionRef.",
                              key=key, found=", ".join(found) or "-"),
                      problems=[{"element_id": key, "element_name": key, "element_type": "decision",
                                 "message": gettext("The decision id must stay '%(key)s'.", key=key),
                                 "hint": gettext("Change the id back."), "line": None, "severity": "error",
                                 "decision_id": key}])
    return found[key]


def _latest(key: str) -> tuple[int, str] | None:
    try:
        row = decisions.get(key)
    except NotFound:
        return None
    return row.version, row.dmn_xml


def _deploy(_key: str, xml, actor):
    return decisions.deploy(xml, actor=actor, source="editor")


DMN = drafts.DraftKind(DMN_PREFIX, "decision", _name_of, _latest, _deploy)


def test_decision(xml: bytes | str, decision_id: str, inputs: dict) -> dict:
    """The editor's "test this decision": decisions.evaluate_draft's result, with what the panel shows
    beside it (each matched rule's description, the output columns' labels)."""
    result = decisions.evaluate_draft(xml, inputs, decision_id).to_dict()
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    decision = next(d for d in parse_dmn(data, max_bytes=decisions.MAX_BYTES).decisions if d.id == decision_id)
    described = {r.id: r.description for r in decision.rules}
    return {**result,
            "matched": [{**m, "description": described.get(m["id"], "")} for m in result["matched_rules"]],
            "columns": [{"name": c.name, "label": c.label or c.name} for c in decision.outputs]}
