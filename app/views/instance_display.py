"""The instance page in words: element names (from the deployed diagram; an unnamed element by its
kind), and process data as a labelled read-only form (labels and enum labels from the process's
form fields, personal data masked, booleans as yes/no, times in local time, empty as "—")."""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable

from flask_babel import gettext, lazy_gettext as _

from app import pii
from app.engine import content
from app.engine.bpmn.xml import BPMN_NS, load_xml, local_name
from app.engine.forms import FormField, parse_camunda_form
from app.records.timefmt import fmt_local
from app.security_screens import ROLE_LABELS, yes_no
from app.views.presentation import reader_lang

EMPTY = "—"
ELEMENT_KINDS = {
    "startEvent": _("Start"), "endEvent": _("End"), "exclusiveGateway": _("Decision"),
    "inclusiveGateway": _("Decision (one or more ways)"), "parallelGateway": _("Parallel branches"),
    "eventBasedGateway": _("Waiting for the first event"), "userTask": _("Task"), "manualTask": _("Task"),
    "task": _("Task"), "scriptTask": _("Automatic step"), "serviceTask": _("Automatic step"),
    "businessRuleTask": _("Automatic step"), "sendTask": _("Message sent"), "receiveTask": _("Waiting for a message"),
    "intermediateCatchEvent": _("Waiting"), "intermediateThrowEvent": _("Event"), "boundaryEvent": _("Event"),
    "subProcess": _("Sub-process"), "callActivity": _("Called process"),
}
# Data the engine and the record links put on every instance, not entered in a form.
KNOWN_VARIABLES = {
    "business_key": _("Business key"), "customer_id": _("Customer"), "customer_name": _("Customer"),
    "contact_id": _("Contact"), "record_id": _("Record"), "record_type": _("Record kind"),
    "record_number": _("Record number"), "starter": _("Started by"), "customer": _("Customer"),
    "department": _("Department"), "closed_on": _("Closed on"),
    # set by the shipped processes' scripts
    "accept_due": _("Acceptance due"), "resolve_due": _("Resolution due"),
    "resolve_days": _("Working days to resolve"), "resolve_delayed": _("Resolution delayed"),
    "ledger_recorded": _("Entered in the complaint ledger"), "ledger_entry": _("Complaint ledger entry"),
}
VALUE_WORDS = {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "urgent": _("Urgent")}
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


@lru_cache(maxsize=64)
def _diagram(definition_id: int, checksum: str, xml: str) -> tuple[dict[str, tuple[str, str]], tuple[FormField, ...]]:
    """({element id: (name, kind)}, every form field of the diagram), per deployed version."""
    root = load_xml(xml).getroot()
    elements, fields = {}, []
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        element_id = node.get("id")
        if not element_id:
            continue
        kind = local_name(node)
        elements[element_id] = ((node.get("name") or "").strip(), kind)
        if kind in ("userTask", "startEvent"):
            fields.extend(parse_camunda_form(node)[0])
    return elements, tuple(fields)


def _of(definition) -> tuple[dict[str, tuple[str, str]], tuple[FormField, ...]]:
    try:
        return _diagram(definition.id, definition.checksum or "", definition.bpmn_xml)
    except Exception:  # a diagram that no longer parses still shows its instance, with ids
        return {}, ()


def element_names(definition, recorded: dict[str, str]) -> dict[str, str]:
    """{element id: what to call it}: its name in the diagram, else what the instance recorded,
    else its kind ("Decision", "End"...): never the bare id."""
    elements, _fields = _of(definition)
    names = {eid: name or str(ELEMENT_KINDS.get(kind, gettext("Step"))) for eid, (name, kind) in elements.items()}
    if elements:  # in the reader's language (app.engine.content), else as written
        names.update(content.definition_names(definition, reader_lang()))
    names.update({eid: name for eid, name in recorded.items() if name and not (elements.get(eid) or ("",))[0]})
    return names


def form_fields(definition, extra: Iterable[FormField] = ()) -> dict[str, FormField]:
    """The process's form fields by variable name (the first label wins)."""
    out: dict[str, FormField] = {}
    for field in content.fields_in([*_of(definition)[1], *extra], reader_lang()):
        out.setdefault(field.id, field)
    return out


def _label(key: str, field: FormField | None) -> str | None:
    if field is not None and field.label and field.label != key:
        return field.label
    return str(KNOWN_VARIABLES[key]) if key in KNOWN_VARIABLES else None


def display_value(value: Any, field: FormField | None = None, fields: dict[str, FormField] | None = None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return yes_no(value)
    if field is not None and field.type == "boolean" and str(value).lower() in ("true", "false"):
        return display_value(str(value).lower() == "true")
    if field is not None and field.options:
        return str(dict(field.options).get(str(value), value))
    if isinstance(value, datetime):
        return fmt_local(value)
    if isinstance(value, str) and _ISO_TIME.fullmatch(value.strip()):
        return fmt_local(value)  # a time in process data, in local time
    if isinstance(value, (list, tuple, set)):
        return "、".join(display_value(v, field, fields) for v in value) or EMPTY
    if isinstance(value, dict):  # nested data: its keys and values through the same labels
        fields = fields or {}
        return "; ".join(f"{_label(str(k), fields.get(str(k))) or k}: {display_value(v, fields.get(str(k)), fields)}"
                         for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and value in VALUE_WORDS:
        return str(VALUE_WORDS[value])
    if isinstance(value, str):  # a role named as data (a department, a group) in words
        return str(ROLE_LABELS.get(value, value))
    return str(value)


def variable_rows(variables: dict[str, Any], fields: dict[str, FormField]) -> list[dict[str, str]]:
    """[{id, label, value}], personal data masked: form fields in the diagram's order first, then
    the rest by name. ``id`` is kept for the element's data attribute, never shown as the label
    when a label is known."""
    masked = pii.masked_variables(variables)
    order = {fid: i for i, fid in enumerate(fields)}
    keys = sorted(masked, key=lambda k: (k not in order, order.get(k, 0), k))
    rows = []
    for key in keys:
        field = fields.get(key)
        label = _label(key, field)
        rows.append({"id": key, "label": label or key, "known": bool(label),
                     "value": display_value(masked[key], field, fields)})
    return rows
