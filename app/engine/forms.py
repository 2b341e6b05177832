"""Camunda 7 generated forms (`camunda:formData`): parsing, validation and a schema.

Forms come from untrusted diagrams and untrusted submissions, so parsing never
raises (problems are reported separately) and validation returns short English
messages keyed by field id.
"""
from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Any, Callable, Iterable, Mapping

from flask_babel import lazy_gettext as _l

from app.engine.errors import Invalid
from app.records.conversation.service import FILE_TYPES, Upload, check_file

CAMUNDA_NS = 'http://camunda.org/schema/1.0/bpmn'
FIELD_TYPES = ('string', 'long', 'boolean', 'date', 'enum', 'file')  # 'file': our custom type (README)
MAX_CHARS = 10_000  # global cap for any submitted string
LONG_MIN, LONG_MAX = -(2 ** 63), 2 ** 63 - 1  # Camunda 'long' is a Java long

SYSTEM_VARIABLES = ('business_key', 'starter')  # set by the engine itself, never taken from input
UNKNOWN_POLICIES = ('refuse', 'drop')

_TRUE = {'true', 'on', '1', 'yes'}
_FALSE = {'false', 'off', '0', 'no'}
_INT_RE = re.compile(r'^[+-]?\d+$')
_CAMUNDA_DATE_RE = re.compile(r'^(\d{1,2})/(\d{1,2})/(\d{4})$')  # dd/MM/yyyy


@dataclass
class FormField:
    id: str
    type: str = 'string'
    label: str = ''
    default: Any = None
    required: bool = False
    readonly: bool = False
    minlength: int | None = None
    maxlength: int | None = None
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None  # Camunda Forms only: a match must be found in the text (as form-js tests it)
    options: list[tuple[str, str]] = field(default_factory=list)  # enum (id, label)
    properties: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The id and what differs from the defaults; ``from_dict`` restores the rest. Every task row keeps
        its form: with each default spelled out it was ~310 of a complaint task's ~580 bytes."""
        dct = {'id': self.id}
        for name, default in _FIELD_DEFAULTS.items():
            value = getattr(self, name)
            if value != default or type(value) is not type(default):  # 0 and False are not None
                dct[name] = [list(o) for o in value] if name == 'options' else deepcopy(value)
        return dct

    @classmethod
    def from_dict(cls, dct: Mapping[str, Any]) -> 'FormField':
        data = dict(dct)
        data['options'] = [tuple(o) for o in data.get('options') or []]
        ff = cls(**data)
        source = OPTION_SOURCES.get(ff.properties.get('options', ''))
        if source is not None:  # read whenever the form is shown or checked: always today's list
            ff.options = [tuple(o) for o in source()]
        return ff


_FIELD_DEFAULTS = {f.name: f.default_factory() if f.default_factory is not MISSING else f.default
                   for f in dataclass_fields(FormField) if f.name != 'id'}


# An enum field's options may come from a list the platform keeps (property options="departments"):
# sources are registered by create_app; the diagram's own values are the fallback.
OPTION_SOURCES: dict[str, Callable[[], list[tuple[str, str]]]] = {}


def register_option_source(name: str, source: Callable[[], list[tuple[str, str]]]) -> None:
    OPTION_SOURCES[name] = source


# ---------------------------------------------------------------- parsing

def _ctag(name: str) -> str:
    return '{%s}%s' % (CAMUNDA_NS, name)


def _number(text: str | None, integral: bool) -> int | float | None:
    if text is None:
        return None
    text = text.strip()
    if integral:
        return int(text) if _INT_RE.match(text) else None
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and _INT_RE.match(text) else value


def parse_camunda_form(element: Any) -> tuple[list[FormField], list[tuple[str, str, str]]]:
    """Read `camunda:formData` under an lxml element (a userTask or startEvent).

    Returns (fields, issues) where each issue is (field_id, message, hint); bad
    constraints are left unset on the field rather than raising.
    """
    fields: list[FormField] = []
    issues: list[tuple[str, str, str]] = []
    for xml_field in element.iterfind(f'.//{_ctag("formData")}/{_ctag("formField")}'):
        fid = (xml_field.get('id') or '').strip()
        ftype = (xml_field.get('type') or 'string').strip()
        ff = FormField(id=fid, type=ftype, label=xml_field.get('label') or fid)
        if not fid:
            issues.append(('', _l('A form field has no ID.'), _l('Give every form field an ID.')))
        elif not fid.isidentifier():
            issues.append((fid, _l("Form field ID '%(field)s' is not a valid variable name.", field=fid),
                           _l('Use letters, digits and underscores, starting with a letter.')))
        if ftype not in FIELD_TYPES:
            issues.append((fid, _l("Form field '%(field)s' has unknown type '%(type)s'.", field=fid, type=ftype),
                           _l('Use one of: %(types)s.', types=', '.join(FIELD_TYPES))))
        for value in xml_field.iterfind(_ctag('value')):
            ff.options.append((value.get('id') or '', value.get('name') or value.get('id') or ''))
        if ftype == 'enum' and not ff.options:
            issues.append((fid, _l("Enum field '%(field)s' has no values.", field=fid), _l('Add at least one value.')))
        for prop in xml_field.iterfind(f'{_ctag("properties")}/{_ctag("property")}'):
            ff.properties[prop.get('id') or ''] = prop.get('value') or ''
        for constraint in xml_field.iterfind(f'{_ctag("validation")}/{_ctag("constraint")}'):
            _apply_constraint(ff, constraint.get('name') or '', constraint.get('config'), issues)
        if ftype == 'file':
            issues.extend((fid, message, hint) for message, hint in _file_rule_issues(ff))
        raw_default = xml_field.get('defaultValue')
        if raw_default is not None:
            ff.default = _coerce_default(ff, raw_default)
        fields.append(ff)
    return fields, issues


def _apply_constraint(ff: FormField, name: str, config: str | None,
                      issues: list[tuple[str, str, str]]) -> None:
    name = name.strip().lower()
    if name in ('required', 'readonly'):
        setattr(ff, name, True)
    elif name in ('minlength', 'maxlength'):
        value = _number(config, integral=True)
        if value is None or value < 0:
            issues.append((ff.id, _l("Constraint %(name)s of field '%(field)s' needs a whole number, got %(value)s.",
                                     name=name, field=ff.id, value=repr(config)),
                           _l('Set the %(name)s config to a number such as 10.', name=name)))
        else:
            setattr(ff, name, value)
    elif name in ('min', 'max'):
        value = _number(config, integral=False)
        if value is None:
            issues.append((ff.id, _l("Constraint %(name)s of field '%(field)s' needs a number, got %(value)s.",
                                     name=name, field=ff.id, value=repr(config)),
                           _l('Set the %(name)s config to a number such as 0.', name=name)))
        else:
            setattr(ff, name, value)
    else:
        issues.append((ff.id, _l("Unknown constraint '%(name)s' on field '%(field)s'.", name=name, field=ff.id),
                       _l('Use required, minlength, maxlength, min, max or readonly.')))


def _coerce_default(ff: FormField, raw: str) -> Any:
    """Type a literal default; expressions (`${...}`) and invalid values stay as text."""
    if '${' in raw or '#{' in raw:
        return raw
    try:
        return _coerce(ff, raw)
    except ValueError:
        return raw


# ---------------------------------------------------------------- file fields
# A 'file' field's value is the id of a ConversationAttachment of the task, never the bytes. The
# conversation's own check (pictures and PDF by content, ATTACHMENT_MAX_BYTES) always applies; the
# properties narrow it: accept="image/*,application/pdf" (content types) and maxSize="2MB" (B, KB, MB).
_SIZE_RE = re.compile(r'^(\d+)\s*(B|KB|MB)?$', re.IGNORECASE)
_UNITS = {'b': 1, 'kb': 1024, 'mb': 1024 * 1024}


def max_size(ff: FormField) -> int | None:
    """The field's maxSize in bytes; None if it has none (or an unreadable one, reported at deploy)."""
    m = _SIZE_RE.match((ff.properties.get('maxSize') or '').strip())
    return int(m.group(1)) * _UNITS[(m.group(2) or 'b').lower()] if m else None


def accepted(ff: FormField) -> tuple[str, ...]:
    """The content types the field takes (``image/*`` stands for every picture kind)."""
    wanted = [k.strip().lower() for k in (ff.properties.get('accept') or '').split(',') if k.strip()]
    if not wanted:
        return FILE_TYPES
    return tuple(k for k in FILE_TYPES if k in wanted or (k.startswith('image/') and 'image/*' in wanted))


def _file_rule_issues(ff: FormField) -> list[tuple[str, str]]:
    issues = []
    size = ff.properties.get('maxSize')
    if size is not None and max_size(ff) is None:
        issues.append((_l("maxSize of file field '%(field)s' is not a size: %(value)s.", field=ff.id, value=repr(size)),
                       _l('Write bytes, or a number with KB or MB, such as 2MB.')))
    if ff.properties.get('accept') and not accepted(ff):
        issues.append((_l("accept of file field '%(field)s' names no kind the platform stores.", field=ff.id),
                       _l('Use image/png, image/jpeg, image/gif, image/webp, image/* or application/pdf.')))
    return issues


def file_problem(ff: FormField, content_type: str, size: int, name: str = 'file') -> str | None:
    """Why a stored or uploaded file does not fit the field, or None."""
    if content_type not in accepted(ff):
        return f'{name}: this field takes {", ".join(accepted(ff))} only.'
    limit = max_size(ff)
    if limit is not None and size > limit:
        return f'{name}: {size} bytes, more than the {limit} this field allows.'
    return None


def check_upload(ff: FormField, upload: Upload) -> str:
    """The upload's content type, or ``Invalid`` naming the field: the conversation's check, then the field's."""
    if ff.type != 'file':
        raise Invalid(f'{ff.label or ff.id} does not take files.', fields={ff.id: 'does not take files'})
    kind = check_file(upload, field=ff.id)
    message = file_problem(ff, kind, len(upload.data), (upload.filename or 'file').strip() or 'file')
    if message:
        raise Invalid(f'{ff.label or ff.id}: {message}', fields={ff.id: message})
    return kind


# ---------------------------------------------------------------- validation

def _coerce(ff: FormField, value: Any) -> Any:
    """Convert one submitted value to the field's type; ValueError has the user message."""
    if ff.type == 'long':
        if isinstance(value, bool):
            raise ValueError('must be a whole number')
        if isinstance(value, int):
            result = value
        elif isinstance(value, float) and value.is_integer():
            result = int(value)
        elif isinstance(value, str) and _INT_RE.match(value.strip()):
            result = int(value.strip())
        else:
            raise ValueError('must be a whole number')
        if not LONG_MIN <= result <= LONG_MAX:
            raise ValueError('is out of range')
        return result
    if ff.type == 'boolean':
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError('must be true or false')
    if ff.type == 'date':
        return _coerce_date(value)
    if ff.type == 'file':  # an attachment id
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str) and value.strip().isdigit() and int(value.strip()) > 0:
            return int(value.strip())
        raise ValueError('must be the id of a file uploaded to this task')
    if ff.type == 'enum':
        ids = [o[0] for o in ff.options]
        if not isinstance(value, str) or value not in ids:
            raise ValueError('must be one of: ' + ', '.join(ids))
        return value
    if not isinstance(value, str):  # 'string' (and unknown types, treated as text)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise ValueError('must be text')
    return value


def _coerce_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        m = _CAMUNDA_DATE_RE.match(text)
        try:
            if m:
                day, month, year = (int(g) for g in m.groups())
                return date(year, month, day).isoformat()
            if len(text) == 10:
                return date.fromisoformat(text).isoformat()
            if 'T' in text or ' ' in text:
                return datetime.fromisoformat(text.replace('Z', '+00:00')).isoformat()
        except ValueError:
            pass
    raise ValueError('must be a date (YYYY-MM-DD)')


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == '')


def validate_form(fields: Iterable[FormField], data: Mapping[str, Any], *, partial: bool = False,
                  max_chars: int = MAX_CHARS, unknown: str = 'refuse',
                  trusted: bool = False, files: Mapping[int, tuple[str, int, str]] | None = None
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """Check a submission against the form: (cleaned values, errors keyed by field id).

    Undeclared keys are an 'unknown field' error (unknown='drop': left out). An editable
    field that was not submitted is None in the cleaned values, so conditions can test
    it; with partial=True (saving a draft) it is left out and a missing required value
    is not an error. Read-only fields only show data: never added when not submitted.
    Fields with the property hidden=true are filled by the platform (a record's ids):
    a value for one is refused unless the data is the process's own (trusted=True).
    A file field takes the id of one of ``files`` ({attachment id: (content type, size, name)},
    the files uploaded to the task) that fits the field's accept/maxSize.
    """
    if unknown not in UNKNOWN_POLICIES:
        raise ValueError(f'unknown must be one of {UNKNOWN_POLICIES}')
    by_id = {f.id: f for f in fields}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if not isinstance(data, Mapping):
        return cleaned, {'': 'form data must be an object'}
    for key in data:
        if key not in by_id and unknown == 'refuse':
            errors[str(key)[:100]] = 'unknown field'
    for fid, ff in by_id.items():
        present = fid in data
        value = data.get(fid)
        if isinstance(value, str) and len(value) > max_chars:
            errors[fid] = f'is too long (at most {max_chars} characters)'
            continue
        if ff.properties.get('hidden') == 'true' and not trusted and not _is_empty(value):
            errors[fid] = 'is set by the platform'
            continue
        if not present or _is_empty(value):
            if ff.required and not partial and not (ff.readonly and not _is_empty(ff.default)):
                errors[fid] = 'is required'
            elif present:
                if ff.readonly and not _is_empty(ff.default):
                    errors[fid] = 'is read-only'
                else:
                    cleaned[fid] = None
            elif not partial and not ff.readonly:
                cleaned[fid] = None  # left out: present as None, so `amount is None` works in a condition
            continue
        try:
            result = _coerce(ff, value)
        except ValueError as exc:
            errors[fid] = str(exc)
            continue
        message = _check_constraints(ff, result) if ff.type != 'file' else _file_value_problem(ff, result, files)
        if message:
            errors[fid] = message
        else:
            cleaned[fid] = result
    return cleaned, errors


def _file_value_problem(ff: FormField, attachment_id: int, files: Mapping | None) -> str | None:
    if attachment_id not in (files or {}):
        return 'must be the id of a file uploaded to this task'
    content_type, size, name = files[attachment_id]
    return file_problem(ff, content_type, size, name)


def _check_constraints(ff: FormField, value: Any) -> str | None:
    if ff.readonly:
        return None if value == ff.default else 'is read-only'
    if ff.type not in ('long', 'boolean', 'date', 'enum'):  # text-like
        if ff.minlength is not None and len(value) < ff.minlength:
            return f'must be at least {ff.minlength} characters'
        if ff.maxlength is not None and len(value) > ff.maxlength:
            return f'must be at most {ff.maxlength} characters'
        if ff.pattern and re.search(ff.pattern, value) is None:
            return 'does not have the expected form'
    if ff.type == 'long':
        if ff.min is not None and value < ff.min:
            return f'must be at least {_fmt(ff.min)}'
        if ff.max is not None and value > ff.max:
            return f'must be at most {_fmt(ff.max)}'
    return None


def _fmt(number: int | float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# ---------------------------------------------------------------- schema

_JSON_TYPES = {'string': 'string', 'long': 'integer', 'boolean': 'boolean', 'date': 'string', 'enum': 'string',
               'file': 'integer'}


def form_schema(fields: Iterable[FormField]) -> dict[str, Any]:
    """JSON-Schema-like description of the form for the API and the UI."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for ff in fields:
        prop: dict[str, Any] = {'type': _JSON_TYPES.get(ff.type, 'string'), 'title': ff.label or ff.id,
                                'x-field-type': ff.type}
        if ff.default is not None:
            prop['default'] = ff.default
        if ff.type == 'date':
            prop['format'] = 'date-time' if ff.properties.get('time') == 'true' else 'date'
        if ff.type == 'enum':
            prop['enum'] = [o[0] for o in ff.options]
            prop['oneOf'] = [{'const': o[0], 'title': o[1]} for o in ff.options]
        if ff.type == 'file':  # upload first (POST /tasks/{id}/files), then send the id it answered
            prop.update({'minimum': 1, 'x-accept': list(accepted(ff))}, **(
                {'x-max-bytes': max_size(ff)} if max_size(ff) is not None else {}))
        if ff.minlength is not None:
            prop['minLength'] = ff.minlength
        if ff.maxlength is not None:
            prop['maxLength'] = ff.maxlength
        if ff.pattern:
            prop['pattern'] = ff.pattern
        if ff.type == 'long' and ff.min is not None:
            prop['minimum'] = ff.min
        if ff.type == 'long' and ff.max is not None:
            prop['maximum'] = ff.max
        if ff.readonly:
            prop['readOnly'] = True
        if ff.properties:
            prop['x-properties'] = dict(ff.properties)
        properties[ff.id] = prop
        if ff.required:
            required.append(ff.id)
    return {'type': 'object', 'properties': properties, 'required': required,
            'additionalProperties': False}
