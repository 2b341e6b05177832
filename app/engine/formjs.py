"""Camunda Forms (form-js JSON) as the product's field model.

A form-js schema is turned into ``FormField``s so that the one validator (``forms.validate_form``)
checks a formRef form exactly as it checks a ``camunda:formData`` form. A component the server
cannot check (a FEEL expression, a file, a dynamic list...) is an issue located by the component's
id and key: the form is refused at deploy rather than half-validated at run time.

Bilingual labels follow the diagrams' convention: a component's ``label``/``description`` and its
values' labels are in the site's default language; other languages sit in the component's custom
``properties`` as ``i18n:label:en``, ``i18n:help:en`` and ``i18n:option:<value>:en`` (a text view's
text: ``i18n:text:en``). The form's own name: ``name`` and, in the root's ``properties``, ``i18n:name:en``.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Iterable

from app.engine.bpmn import i18n
from app.engine.forms import FormField

# component type -> field type; the layout-only ones carry no value
VALUE_TYPES = {'textfield': 'string', 'textarea': 'string', 'number': 'long', 'checkbox': 'boolean',
               'select': 'enum', 'radio': 'enum', 'datetime': 'date'}
COMPONENT_OF = {'long': 'number', 'boolean': 'checkbox', 'enum': 'select', 'date': 'datetime'}  # converting back
LAYOUT_TYPES = {'text', 'html', 'image', 'spacer', 'separator', 'button', 'default'}
VALIDATE_KEYS = {'required', 'min', 'max', 'minLength', 'maxLength', 'pattern', 'validationType'}
# form-js's own built-in checks, written as the patterns the server applies
VALIDATION_PATTERNS = {'email': r'^[^\s@]+@[^\s@]+\.[^\s@]+$', 'phone': r'^\+?[0-9 ()-]{6,20}$'}
# component keys that only shape the page (anything else unknown is refused, located)
KNOWN_KEYS = {'id', 'type', 'key', 'label', 'description', 'validate', 'values', 'defaultValue', 'readonly',
              'disabled', 'properties', 'layout', 'appearance', 'text', 'action', 'subtype', 'dateLabel',
              'timeLabel', 'decimalDigits', 'increment', 'searchable', 'source', 'alt', 'height', 'content',
              'components', 'showOutline', 'path', 'use24h', 'timeSerializingFormat', 'timeInterval',
              'disallowPassedDates', 'dateFormat', 'serializeToString', 'verticalAlignment', 'title'}

Issue = tuple[str, str, str]  # (where: "component id / key", message, hint)


def _where(comp: dict) -> str:
    cid, key = comp.get('id') or '?', comp.get('key')
    return f'{cid} / {key}' if key else str(cid)


def _components(schema: dict) -> Iterable[dict]:
    """Every component, groups opened (a group's fields are plain fields of the form)."""
    components = schema.get('components')
    for comp in components if isinstance(components, list) else []:
        if isinstance(comp, dict):
            yield comp
            if comp.get('type') == 'group':
                yield from _components(comp)


def _is_feel(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith('=')


def to_fields(schema: Any) -> tuple[list[FormField], list[Issue]]:
    """(fields, issues) of a form-js schema; never raises on bad input."""
    if not isinstance(schema, dict) or not isinstance(schema.get('components'), list):
        return [], [('', 'The form is not a form-js schema (no "components" list).',
                     'Save the form from the form builder.')]
    fields: list[FormField] = []
    issues: list[Issue] = []
    seen: set[str] = set()
    for comp in _components(schema):
        ctype = comp.get('type') if isinstance(comp.get('type'), str) else repr(comp.get('type'))
        where = _where(comp)
        if ctype == 'group' and comp.get('path'):
            issues.append((where, f'Group {where} nests its fields\' values under {comp["path"]!r}.',
                           'Leave the group\'s path empty: task variables are flat.'))
        if ctype in LAYOUT_TYPES or ctype == 'group':
            continue
        if ctype not in VALUE_TYPES:
            issues.append((where, f'Component {where} of type {ctype!r} cannot be checked by the server.',
                           'Use a text field, text area, number, checkbox, select, radio or date.'))
            continue
        ff = _field(comp, VALUE_TYPES[ctype], where, issues)
        if ff is None:
            continue
        if ff.id in seen:
            issues.append((where, f'Key {ff.id!r} is used by two fields.', 'Give every field its own key.'))
            continue
        seen.add(ff.id)
        fields.append(ff)
    return fields, issues


def _field(comp: dict, ftype: str, where: str, issues: list[Issue]) -> FormField | None:
    key = comp.get('key')
    if not isinstance(key, str) or not key.isidentifier():
        issues.append((where, f'Field {where} needs a key that is a variable name, got {key!r}.',
                       'Use letters, digits and underscores, starting with a letter.'))
        return None
    unknown = sorted(set(comp) - KNOWN_KEYS)
    if unknown:
        issues.append((where, f'Field {where} uses {", ".join(unknown)}, which the server cannot check.',
                       'Remove these settings (conditions and expressions run only in the browser).'))
    props = {str(k): str(v) for k, v in (comp.get('properties') or {}).items()} \
        if isinstance(comp.get('properties'), dict) else {}
    if comp.get('description'):
        props.setdefault(i18n.HELP, str(comp['description']))
    ff = FormField(id=key, type=ftype, label=str(comp.get('label') or key), properties=props,
                   readonly=bool(comp.get('readonly') or comp.get('disabled')))
    if ftype == 'long' and comp.get('decimalDigits') not in (None, 0):
        issues.append((where, f'Number field {where} allows decimals; the server checks whole numbers only.',
                       'Set "Decimal digits" to 0 or leave it empty.'))
    if ftype == 'date':
        subtype = comp.get('subtype', 'date')
        if subtype == 'datetime':
            ff.properties['time'] = 'true'
        elif subtype != 'date':
            issues.append((where, f'Date field {where} of subtype {subtype!r} cannot be checked by the server.',
                           'Use the subtype "date" or "datetime".'))
    if ftype == 'enum':
        _options(comp, ff, where, issues)
    _validate(comp.get('validate') or {}, ff, where, issues)
    if comp.get('defaultValue') is not None and not _is_feel(comp.get('defaultValue')):
        ff.default = comp['defaultValue']
    return ff


def _options(comp: dict, ff: FormField, where: str, issues: list[Issue]) -> None:
    values = comp.get('values')
    if not isinstance(values, list) or not values:
        issues.append((where, f'Field {where} has no static options (options from a variable or an expression '
                       'cannot be checked by the server).', 'Add the options in the form builder ("Static").'))
        return
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get('value'), str) or not value['value']:
            issues.append((where, f'An option of field {where} has no text value.', 'Give every option a value.'))
            continue
        ff.options.append((value['value'], str(value.get('label') or value['value'])))


def _validate(rules: Any, ff: FormField, where: str, issues: list[Issue]) -> None:
    if not isinstance(rules, dict):
        issues.append((where, f'The validation of field {where} is not an object.', 'Save it from the builder.'))
        return
    for name in sorted(set(rules) - VALIDATE_KEYS):
        issues.append((where, f'Validation {name!r} of field {where} cannot be checked by the server.',
                       'Use required, minimum/maximum, minimum/maximum length or a pattern.'))
    ff.required = bool(rules.get('required'))
    for name, attr, numeric in (('min', 'min', ff.type == 'long'), ('max', 'max', ff.type == 'long'),
                                ('minLength', 'minlength', ff.type == 'string'),
                                ('maxLength', 'maxlength', ff.type == 'string')):
        value = rules.get(name)
        if value in (None, ''):
            continue
        if not numeric or isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (attr.endswith('length') and (value < 0 or not float(value).is_integer())):
            issues.append((where, f'{name} of field {where} must be a number on a field that takes one, '
                           f'got {value!r}.', f'Set {name} to a literal number (no "=" expression).'))
            continue
        setattr(ff, attr, int(value) if float(value).is_integer() else value)
    vtype = rules.get('validationType')
    vtype = vtype if isinstance(vtype, str) else repr(vtype) if vtype else ''
    pattern = rules.get('pattern') or VALIDATION_PATTERNS.get(vtype)
    if vtype and vtype not in VALIDATION_PATTERNS:
        issues.append((where, f'Validation type {vtype!r} of field {where} is unknown.',
                       'Use "email", "phone" or a pattern.'))
    if pattern:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            issues.append((where, f'Pattern of field {where} is not a valid regular expression: {exc}.',
                           'Write a regular expression such as ^[A-Z]{2}[0-9]+$.'))
        else:
            ff.pattern = pattern


# ---------------------------------------------------------------- showing

def localized(schema: dict, fields: Iterable[FormField], lang: str | None) -> dict:
    """A copy of the schema for one reader: labels, help and option labels in their language, and no
    ``i18n:`` properties left."""
    by_key = {f.id: i18n.localize_field(f, lang) for f in fields}
    out = copy.deepcopy(schema)
    if isinstance(out.get('properties'), dict):
        if out.get('name') is not None:
            out['name'] = i18n.pick(out['properties'], 'name', out['name'], lang)
        out['properties'] = {k: v for k, v in out['properties'].items() if not str(k).startswith(i18n.PREFIX)}
    for comp in _components(out):
        ff = by_key.get(comp['key']) if isinstance(comp.get('key'), str) else None
        props = comp.get('properties') if isinstance(comp.get('properties'), dict) else {}
        for text in ('label', 'text'):  # a text view's text, a button's label
            if ff is None and comp.get(text) is not None:
                comp[text] = i18n.pick(props, text, comp[text], lang)
        if props:
            comp['properties'] = {k: v for k, v in props.items() if not str(k).startswith(i18n.PREFIX)}
        if ff is None:
            continue
        comp['label'] = ff.label
        if ff.properties.get(i18n.HELP):
            comp['description'] = ff.properties[i18n.HELP]
        if ff.options and isinstance(comp.get('values'), list):
            comp['values'] = [{'value': oid, 'label': label} for oid, label in ff.options]
    return out


def from_fields(fields: Iterable[FormField], form_id: str, name: str = '',
                names: dict[str, str] | None = None) -> dict:
    """A form-js schema for a ``camunda:formData`` form (the builder's "convert"): same keys, rules and
    translations, so the converted form validates the same data. ``names``: the name in other
    languages ({"i18n:name:en": ...})."""
    components = []
    for n, ff in enumerate(fields, 1):
        ctype = COMPONENT_OF.get(ff.type, 'textfield')
        comp: dict[str, Any] = {'id': f'Field_{n}', 'type': ctype, 'key': ff.id, 'label': ff.label or ff.id}
        rules = {k: v for k, v in (('required', ff.required or None), ('min', ff.min), ('max', ff.max),
                                   ('minLength', ff.minlength), ('maxLength', ff.maxlength),
                                   ('pattern', ff.pattern)) if v is not None}
        if rules:
            comp['validate'] = rules
        if ff.type == 'enum':
            comp['values'] = [{'value': oid, 'label': label} for oid, label in ff.options]
        if ff.type == 'date':
            comp['subtype'] = 'datetime' if ff.properties.get('time') == 'true' else 'date'
        props = dict(ff.properties)
        if props.pop(i18n.HELP, None):
            comp['description'] = ff.properties[i18n.HELP]
        props.pop('time', None)
        if props:
            comp['properties'] = props
        if ff.readonly:
            comp['readonly'] = True
        if ff.default is not None and not str(ff.default).startswith(('${', '#{')):
            comp['defaultValue'] = ff.default
        components.append(comp)
    out = {'type': 'default', 'id': form_id, 'name': name or form_id, 'components': components,
           'schemaVersion': 16}
    if names:
        out['properties'] = dict(names)
    return out
