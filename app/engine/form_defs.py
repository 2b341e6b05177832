"""Repository service of Camunda Forms: validate and deploy form-js JSON, list versions, and resolve
a diagram's ``camunda:formRef`` to the version a task or start event shows.

A form's name is in the site's default language (zh) in the schema's ``name``; other languages sit in
the schema's root custom ``properties`` as ``i18n:name:en`` (the convention of the fields' labels,
app.engine.formjs), which form-js and Camunda Modeler keep. The deployed row copies them to
``name_i18n`` so lists need not read the schemas.

Bindings (as Camunda 7): ``latest`` is the newest version when the task is created; ``deployment``
the newest version when the diagram was deployed; ``version`` exactly ``formRefVersion``. A start
form is resolved once, when the diagram is deployed (it is the process's input contract).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit import audit
from app.engine import formjs
from app.engine.bpmn import i18n
from app.engine.actor import Actor
from app.engine.errors import Conflict, Forbidden, Invalid, NotFound
from app.engine.forms import FormField
from app.extensions import db
from app.models import FormDefinition

MAX_BYTES = 512 * 1024
BINDINGS = ('latest', 'deployment', 'version')
TEXT_RULE = 'must be text of at most 200 characters, without NUL characters'  # a name, in any language


@dataclass
class FormDeployment:
    form: FormDefinition
    created: bool


def _load(schema: str | bytes | dict) -> tuple[dict | None, list[dict]]:
    if isinstance(schema, dict):
        return schema, []
    text = schema.decode('utf-8', 'replace') if isinstance(schema, bytes) else str(schema)
    if len(text) > MAX_BYTES:
        return None, [_problem('', '', f'The form is {len(text) // 1024} KB; the limit is {MAX_BYTES // 1024} KB.')]
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, [_problem('', '', f'The form is not JSON: {exc}.', 'Save the form from the form builder.')]
    return (data, []) if isinstance(data, dict) else (None, [_problem('', '', 'The form is not a JSON object.')])


def _problem(form: str, component: str, message: str, hint: str = '') -> dict:
    return {'form': form, 'component': component, 'message': message, 'hint': hint}


def check(schema: str | bytes | dict) -> tuple[dict | None, list[FormField], list[dict]]:
    """(schema, fields, problems): every problem at once, each naming the form key and the component."""
    data, problems = _load(schema)
    if data is None:
        return None, [], problems
    key = data.get('id')
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        problems.append(_problem('', '', 'The form has no id (its key, which camunda:formRef names).',
                                 'Set the form id in the builder, e.g. complaint_review.'))
        key = ''
    problems += _name_problems(key, data)
    fields, issues = formjs.to_fields(data)
    problems += [_problem(key, where, message, hint) for where, message, hint in issues]
    return data, fields, problems


def _name_text(value) -> bool:
    """Text a name column holds: at most 200 characters, no NUL (PostgreSQL refuses it)."""
    return isinstance(value, str) and len(value) <= 200 and '\x00' not in value


def _name_problems(key: str, data: dict) -> list[dict]:
    name, props = data.get('name'), data.get('properties')
    problems = []
    if name is not None and not _name_text(name):
        problems.append(_problem(key, '', f'The form name {TEXT_RULE}.'))
    if 'properties' in data and not isinstance(props, dict):  # null too: the document says object
        problems.append(_problem(key, '', 'The form\'s "properties" must be an object of texts.',
                                 'Save the form from the form builder.'))
    for prop, value in (props.items() if isinstance(props, dict) else ()):
        if not isinstance(value, str):  # form-js keeps custom properties as texts, as the document says
            problems.append(_problem(key, '', f'The form\'s property {str(prop)!r} must be text.',
                                     'Save the form from the form builder.'))
            continue
        if str(prop).startswith(i18n.key('name', '')) and not _name_text(value):
            problems.append(_problem(key, '', f'The form name {prop!r} {TEXT_RULE}.'))
    return problems


def names_of(data: dict) -> dict[str, str]:
    """The translated names of a schema: {"i18n:name:en": ...} from its root ``properties``."""
    props = data.get('properties') if isinstance(data.get('properties'), dict) else {}
    return {k: v.strip() for k, v in props.items()
            if str(k).startswith(i18n.key('name', '')) and isinstance(v, str) and v.strip()}


def name_in(form: FormDefinition, lang: str | None) -> str:
    """The form's name in ``lang``, else its default-language name (a form without a translation)."""
    return i18n.pick(form.name_i18n or {}, 'name', form.name, lang)


def validate(schema: str | bytes | dict) -> list[dict]:
    return check(schema)[2]


def deploy(schema: str | bytes | dict, *, actor: Actor, source: str = 'file') -> FormDeployment:
    """Store a new immutable version; the same JSON as the latest version is a no-op."""
    if not (actor.is_admin or 'ProcessOwner' in actor.roles):
        raise Forbidden('Only process owners and admins deploy forms.')
    data, fields, problems = check(schema)
    if problems:
        raise Invalid(f'{len(problems)} problem(s) prevent deployment of the form.', problems=problems)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    checksum = hashlib.sha256(text.encode('utf-8')).hexdigest()
    latest = latest_form(data['id'], required=False)
    if latest is not None and latest.checksum == checksum:
        return FormDeployment(latest, False)
    form = FormDefinition(key=data['id'], name=str(data.get('name') or data['id'])[:200], name_i18n=names_of(data),
                          version=(latest.version + 1) if latest else 1, checksum=checksum, schema=text,
                          fields=[f.to_dict() for f in fields], deployed_by_id=actor.user_id, source=source)
    db.session.add(form)
    try:
        db.session.flush()
    except IntegrityError as err:
        db.session.rollback()
        raise Conflict(f"Version {form.version} of form '{form.key}' was deployed meanwhile; try again.") from err
    audit('deploy_form', target=f'{form.key} v{form.version}', detail=source)
    db.session.commit()
    return FormDeployment(form, True)


def latest_form(key: str, *, required: bool = True, before: datetime | None = None) -> FormDefinition | None:
    query = select(FormDefinition).where(FormDefinition.key == key)
    if before is not None:
        query = query.where(FormDefinition.deployed_at <= before)
    row = db.session.scalars(query.order_by(FormDefinition.version.desc()).limit(1)).first()
    if row is None and required:
        raise NotFound(f"No form with key '{key}' is deployed.", key=key)
    return row


def get_form(key: str, version: int | None = None) -> FormDefinition:
    if version is None:
        return latest_form(key)
    row = db.session.scalars(select(FormDefinition).filter_by(key=key, version=version)).first()
    if row is None:
        raise NotFound(f"Form '{key}' has no version {version}.", key=key, version=version)
    return row


def list_forms() -> list[FormDefinition]:
    """The latest version of each form, by key."""
    latest = (select(FormDefinition.key, func.max(FormDefinition.version).label('v'))
              .group_by(FormDefinition.key).subquery())
    return db.session.scalars(select(FormDefinition).join(
        latest, (FormDefinition.key == latest.c.key) & (FormDefinition.version == latest.c.v))
        .order_by(FormDefinition.key)).all()


def list_versions(key: str) -> list[FormDefinition]:
    return db.session.scalars(select(FormDefinition).filter_by(key=key)
                              .order_by(FormDefinition.version.desc())).all()


def key_versions() -> list[tuple[str, int]]:
    """(key, version) of every deployed form, newest version first per key (no schema read)."""
    return db.session.execute(select(FormDefinition.key, FormDefinition.version)
                              .order_by(FormDefinition.key, FormDefinition.version.desc())).all()


def resolve(ref: dict, *, deployed_at: datetime | None = None) -> FormDefinition:
    """The form version a reference ({key, binding, version}) names (NotFound when there is none)."""
    binding = ref.get('binding') or 'latest'
    if binding == 'version':
        return get_form(ref['key'], int(ref['version']))
    if binding == 'deployment' and deployed_at is not None:
        row = latest_form(ref['key'], required=False, before=deployed_at)
        if row is None:
            raise NotFound(f"No version of form '{ref['key']}' was deployed before the diagram.", key=ref['key'])
        return row
    return latest_form(ref['key'])


def fields_of(form: FormDefinition) -> list[FormField]:
    return [FormField.from_dict(f) for f in form.fields or []]


def schema_of(form: FormDefinition) -> dict:
    return json.loads(form.schema)
