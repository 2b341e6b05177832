"""Camunda generated forms: parsing, every field type, every constraint, the schema."""
from pathlib import Path

import pytest
from flask_babel import force_locale
from lxml import etree

from app.engine.forms import MAX_CHARS, FormField, form_schema, parse_camunda_form, validate_form

DATA = Path(__file__).resolve().parents[1] / 'data' / 'bpmn'
CAMUNDA = 'http://camunda.org/schema/1.0/bpmn'


def form_of(task_id: str) -> list[FormField]:
    root = etree.parse(str(DATA / 'support_ticket.bpmn')).getroot()
    task = root.xpath('//*[@id=$i]', i=task_id)[0]
    fields, issues = parse_camunda_form(task)
    assert issues == []
    return fields


def xml_form(body: str):
    return etree.fromstring(
        f'<userTask xmlns:camunda="{CAMUNDA}"><extensionElements><camunda:formData>{body}'
        '</camunda:formData></extensionElements></userTask>')


# ---------------------------------------------------------------- parsing

def test_parses_every_field_type_and_constraint():
    fields = {f.id: f for f in form_of('UserTask_triage')}
    assert [f.id for f in form_of('UserTask_triage')] == ['ticket_no', 'category', 'amount', 'urgent', 'visit_date', 'notes']
    assert fields['ticket_no'].readonly and fields['ticket_no'].default == 'T-1'
    assert fields['category'].type == 'enum'
    assert fields['category'].options == [('hardware', 'Hardware'), ('software', 'Software')]
    assert fields['amount'].required and fields['amount'].min == 0 and fields['amount'].max == 100000
    assert fields['urgent'].type == 'boolean' and fields['urgent'].default is False  # typed default
    assert fields['visit_date'].type == 'date'
    assert (fields['notes'].minlength, fields['notes'].maxlength) == (3, 500)
    assert fields['notes'].properties == {'multiline': 'true'}
    assert fields['amount'].label == 'Estimated cost'


def test_parse_reports_bad_types_and_constraints_without_raising():
    el = xml_form(
        '<camunda:formField id="a" type="color"/>'
        '<camunda:formField id="b" type="long"><camunda:validation>'
        '<camunda:constraint name="min" config="ten"/><camunda:constraint name="maxlength" config="-1"/>'
        '<camunda:constraint name="pattern" config="x"/></camunda:validation></camunda:formField>'
        '<camunda:formField id="c" type="enum"/>'
        '<camunda:formField id="not valid" type="string"/>')
    fields, issues = parse_camunda_form(el)
    with force_locale('en'):  # the messages are translatable; outside a request they render in the default zh
        messages = ' | '.join(str(m) for _, m, _ in issues)
    assert "unknown type 'color'" in messages
    assert "min of field 'b' needs a number, got 'ten'" in messages
    assert 'maxlength' in messages and "Unknown constraint 'pattern'" in messages
    assert "Enum field 'c' has no values" in messages
    assert 'not a valid variable name' in messages
    assert fields[1].min is None  # a bad constraint is left unset, not guessed


def test_form_field_round_trips_through_dict():
    for field in form_of('UserTask_triage'):
        assert FormField.from_dict(field.to_dict()) == field


def test_a_stored_field_keeps_only_what_differs_from_the_defaults():
    """Each task row stores its form (issue 22: <= 9.7 KB per completed instance). A value equal to a
    default is left out, and one that only compares equal to it (0 or false where the default is none)
    is kept."""
    plain = FormField(id='satisfied', type='boolean', label='Satisfied')
    assert plain.to_dict() == {'id': 'satisfied', 'type': 'boolean', 'label': 'Satisfied'}
    odd = FormField(id='n', type='long', default=0, min=0, readonly=True, options=[('a', 'A')],
                    properties={'unit': '元'})
    assert odd.to_dict() == {'id': 'n', 'type': 'long', 'default': 0, 'readonly': True, 'min': 0,
                             'options': [['a', 'A']], 'properties': {'unit': '元'}}
    assert FormField.from_dict(odd.to_dict()) == odd
    full = {'id': 'x', 'type': 'string', 'label': '', 'default': None, 'required': False, 'readonly': False,
            'minlength': None, 'maxlength': None, 'min': None, 'max': None, 'pattern': None, 'options': [],
            'properties': {}}  # as rows written before kept it
    assert FormField.from_dict(full) == FormField(id='x') and FormField(id='x').to_dict() == {'id': 'x'}


# ---------------------------------------------------------------- validation

@pytest.fixture
def fields():
    return form_of('UserTask_triage')


def ok(fields, **data):
    cleaned, errors = validate_form(fields, {'amount': 5, **data})
    assert errors == {}
    return cleaned


def err(fields, **data):
    _cleaned, errors = validate_form(fields, {'amount': 5, **data})
    return errors


def test_long_is_coerced_and_range_checked(fields):
    assert ok(fields, amount='12')['amount'] == 12
    assert ok(fields, amount=' -0 ')['amount'] == 0
    assert ok(fields, amount=7.0)['amount'] == 7
    assert err(fields, amount='12.5') == {'amount': 'must be a whole number'}
    assert err(fields, amount='abc') == {'amount': 'must be a whole number'}
    assert err(fields, amount=True) == {'amount': 'must be a whole number'}
    assert err(fields, amount=-1) == {'amount': 'must be at least 0'}
    assert err(fields, amount=100001) == {'amount': 'must be at most 100000'}
    assert err(fields, amount='9' * 30) == {'amount': 'is out of range'}


@pytest.mark.parametrize('raw,expected', [
    (True, True), (False, False), ('true', True), ('false', False), ('on', True), ('1', True), ('0', False),
    (1, True), (0, False), ('TRUE', True), ('off', False),
])
def test_boolean_coercion(fields, raw, expected):
    assert ok(fields, urgent=raw)['urgent'] is expected


def test_boolean_rejects_other_values(fields):
    assert err(fields, urgent='maybe') == {'urgent': 'must be true or false'}
    assert err(fields, urgent=2) == {'urgent': 'must be true or false'}


@pytest.mark.parametrize('raw,expected', [
    ('2026-03-01', '2026-03-01'),
    ('01/03/2026', '2026-03-01'),  # Camunda's dd/MM/yyyy
    ('2026-03-01T09:30:00+08:00', '2026-03-01T09:30:00+08:00'),
    ('2026-03-01T09:30:00Z', '2026-03-01T09:30:00+00:00'),
])
def test_date_coercion(fields, raw, expected):
    assert ok(fields, visit_date=raw)['visit_date'] == expected


@pytest.mark.parametrize('raw', ['2026-02-30', '31/02/2026', 'tomorrow', 20260301, '2026-3-1'])
def test_date_rejects_invalid(fields, raw):
    assert err(fields, visit_date=raw) == {'visit_date': 'must be a date (YYYY-MM-DD)'}


def test_enum_must_be_an_option_id(fields):
    assert ok(fields, category='software')['category'] == 'software'
    assert err(fields, category='Software') == {'category': 'must be one of: hardware, software'}
    assert err(fields, category=['hardware']) == {'category': 'must be one of: hardware, software'}


def test_string_length_constraints(fields):
    assert ok(fields, notes='fine')['notes'] == 'fine'
    assert err(fields, notes='ab') == {'notes': 'must be at least 3 characters'}
    assert err(fields, notes='x' * 501) == {'notes': 'must be at most 500 characters'}
    assert err(fields, notes={'a': 1}) == {'notes': 'must be text'}
    assert ok(fields, notes=1234)['notes'] == '1234'


def test_required_and_partial(fields):
    _cleaned, errors = validate_form(fields, {})
    assert errors == {'amount': 'is required'}
    assert validate_form(fields, {'amount': ''})[1] == {'amount': 'is required'}
    assert validate_form(fields, {'amount': None})[1] == {'amount': 'is required'}
    cleaned, errors = validate_form(fields, {'notes': 'draft'}, partial=True)
    assert errors == {} and cleaned == {'notes': 'draft'}


def test_readonly_cannot_change(fields):
    assert ok(fields, ticket_no='T-1')['ticket_no'] == 'T-1'
    assert err(fields, ticket_no='T-2') == {'ticket_no': 'is read-only'}
    assert err(fields, ticket_no='') == {'ticket_no': 'is read-only'}


def test_unknown_fields_are_refused(fields):
    assert err(fields, is_admin=True) == {'is_admin': 'unknown field'}


def test_huge_strings_are_refused_by_the_global_cap(fields):
    huge = 'x' * (MAX_CHARS + 1)
    errors = err(fields, notes=huge, amount=huge, category=huge)
    assert set(errors) == {'notes', 'amount', 'category'}
    assert all('too long' in message for message in errors.values())
    field = FormField(id='free', type='string')  # no maxlength: still capped
    assert validate_form([field], {'free': huge})[1] == {'free': f'is too long (at most {MAX_CHARS} characters)'}
    assert validate_form([field], {'free': 'x' * 20}, max_chars=10)[1]['free'].startswith('is too long')


def test_non_mapping_data_is_an_error(fields):
    assert validate_form(fields, ['amount'])[1] == {'': 'form data must be an object'}


def test_all_errors_at_once(fields):
    errors = validate_form(fields, {'amount': 'x', 'urgent': 'x', 'visit_date': 'x', 'category': 'x', 'bogus': 1})[1]
    assert set(errors) == {'amount', 'urgent', 'visit_date', 'category', 'bogus'}


# ---------------------------------------------------------------- schema

def test_form_schema(fields):
    schema = form_schema(fields)
    props = schema['properties']
    assert schema['type'] == 'object' and schema['required'] == ['amount']
    assert schema['additionalProperties'] is False
    assert props['amount'] == {'type': 'integer', 'title': 'Estimated cost', 'x-field-type': 'long',
                               'minimum': 0, 'maximum': 100000}
    assert props['urgent']['type'] == 'boolean' and props['urgent']['default'] is False
    assert props['visit_date'] == {'type': 'string', 'title': 'Visit on', 'x-field-type': 'date', 'format': 'date'}
    assert props['category']['enum'] == ['hardware', 'software']
    assert props['category']['oneOf'][1] == {'const': 'software', 'title': 'Software'}
    assert props['notes']['minLength'] == 3 and props['notes']['maxLength'] == 500
    assert props['notes']['x-properties'] == {'multiline': 'true'}
    assert props['ticket_no']['readOnly'] is True and props['ticket_no']['default'] == 'T-1'
    assert list(props) == [f.id for f in fields]  # form order is kept
