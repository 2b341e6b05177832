"""Bilingual process content: the convention, and reading it from a diagram.

A diagram is written in the site's default language (``BABEL_DEFAULT_LOCALE``, zh): an element's
``name`` attribute, its ``bpmn:documentation``, a form field's ``label``, an enum value's ``name``
and a form field's ``help`` property hold that language. Every other language lives next to it in
``camunda:properties`` (which Camunda Modeler and bpmn-js keep unchanged):

* on an element (process, participant, lane, task, event, gateway, flow...), under
  ``bpmn:extensionElements/camunda:properties``:
  ``<camunda:property name="i18n:name:en" value="Register complaint"/>`` and
  ``<camunda:property name="i18n:documentation:en" value="..."/>``;
* on a form field (``camunda:formField``), inside its own ``camunda:properties`` (form field
  properties are named by ``id``, as Camunda 7 reads them):
  ``<camunda:property id="i18n:label:en" value="Customer"/>``,
  ``<camunda:property id="help" value="客户的全称"/>`` + ``id="i18n:help:en"``, and one per enum
  value: ``<camunda:property id="i18n:option:phone:en" value="Phone"/>``.

A reader sees the text of their language, else the default-language text: a missing translation
never hides a name. Nothing here touches the database (see ``app.engine.content``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping

from .xml import BPMN_NS, NSMAP

PREFIX = 'i18n:'
ELEMENT_TEXTS = ('name', 'documentation')
FIELD_TEXTS = ('label', 'help')
HELP = 'help'


def key(text: str, lang: str) -> str:
    """The property name of a translated text: ``i18n:name:en``."""
    return f'{PREFIX}{text}:{lang}'


def option_key(option_id: str, lang: str) -> str:
    """The form-field property naming an enum value in a language: ``i18n:option:phone:en``."""
    return f'{PREFIX}option:{option_id}:{lang}'


def pick(props: Mapping[str, str] | None, text: str, default: str | None, lang: str | None) -> str:
    """The ``text`` ('name', 'documentation', 'label', 'help') in ``lang``, else ``default``."""
    if lang and props:
        value = props.get(key(text, lang))
        if isinstance(value, str) and value.strip():
            return value
    return default or ''


def translations_of(props: Mapping[str, str] | None) -> dict[str, str]:
    """Only the ``i18n:`` entries of a property map."""
    return {k: v for k, v in (props or {}).items() if isinstance(k, str) and k.startswith(PREFIX) and v}


def element_properties(node: Any) -> dict[str, str]:
    """``i18n:`` properties directly on an element (``name`` attribute, or ``id`` as form fields use)."""
    props: dict[str, str] = {}
    for prop in node.xpath('./bpmn:extensionElements/camunda:properties/camunda:property', namespaces=NSMAP):
        name = prop.get('name') or prop.get('id') or ''
        if name.startswith(PREFIX) and prop.get('value'):
            props[name] = prop.get('value')
    return props


def diagram_texts(root: Any) -> dict[str, dict[str, str]]:
    """{element id: {'name': default-language name, 'documentation': ..., 'i18n:name:en': ...}}
    for every BPMN element with an id (the process too: its id is the process key)."""
    out: dict[str, dict[str, str]] = {}
    for node in root.iter(f'{{{BPMN_NS}}}*'):
        element_id = node.get('id')
        if not element_id:
            continue
        texts = element_properties(node)
        name = (node.get('name') or '').strip()
        if name:
            texts['name'] = name
        doc = node.find(f'{{{BPMN_NS}}}documentation')
        if doc is not None and (doc.text or '').strip():
            texts['documentation'] = doc.text.strip()
        if texts:
            out[element_id] = texts
    return out


def text_of(texts: Mapping[str, str] | None, text: str, lang: str | None, default: str | None = None) -> str:
    """From a ``diagram_texts`` entry: the text in ``lang``, else its default-language text
    (``default`` when the diagram has none, e.g. a name recorded on a task row)."""
    texts = texts or {}
    return pick(texts, text, texts.get(text) or default, lang)


# ---------------------------------------------------------------- form fields

def field_help(field: Any, lang: str | None) -> str:
    props = getattr(field, 'properties', None) or {}
    return pick(props, HELP, props.get(HELP), lang)


def localize_field(field: Any, lang: str | None) -> Any:
    """A copy of a ``FormField`` with its label, enum labels and help in ``lang`` (fallback: as written)."""
    props = field.properties or {}
    if not lang or not any(k.startswith(PREFIX) for k in props):
        return field
    options = [(oid, pick({key('o', lang): props.get(option_key(oid, lang), '')}, 'o', label, lang))
               for oid, label in field.options]
    new_props = dict(props)
    if props.get(key(HELP, lang)):
        new_props[HELP] = props[key(HELP, lang)]
    return replace(field, label=pick(props, 'label', field.label, lang), options=options, properties=new_props)


def localize_fields(fields: Iterable[Any], lang: str | None) -> list[Any]:
    return [localize_field(f, lang) for f in fields]


def show_in(root: Any, lang: str | None) -> None:
    """Rewrite a parsed diagram in place for showing it to a reader (the instance page's viewer):
    each name in ``lang`` where translated, and no ``i18n:`` properties left (their other languages
    are not for this reader). Never deployed or saved: the stored diagram keeps the convention."""
    for node in list(root.iter(f'{{{BPMN_NS}}}*')):
        texts = element_properties(node)
        if lang and texts.get(key('name', lang)):
            node.set('name', texts[key('name', lang)])
        for prop in node.xpath('./bpmn:extensionElements/camunda:properties/camunda:property', namespaces=NSMAP):
            if (prop.get('name') or prop.get('id') or '').startswith(PREFIX):
                props = prop.getparent()
                props.remove(prop)
                if len(props) == 0:
                    props.getparent().remove(props)
    for prop in root.iter('{http://camunda.org/schema/1.0/bpmn}property'):
        if (prop.get('id') or '').startswith(PREFIX):  # form fields' translations
            prop.getparent().remove(prop)
