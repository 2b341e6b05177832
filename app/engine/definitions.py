"""Repository service: validate and deploy BPMN, list versions, load specs."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from app.audit import audit
from app.engine import content, decisions, form_defs, hooks, store
from app.engine.actor import Actor
from app.engine.bpmn import BpmnError, Problem, errors_only, parse_definition
from app.engine.bpmn.meta import human_task_meta
from app.engine.bpmn.parser import DEFAULT_ROLES
from app.engine.bpmn.specs import CalledSpecs
from app.engine.dmn.task import DecisionTask, task_config
from app.engine.errors import Conflict, Forbidden, Invalid, NotFound
from app.engine.forms import FormField
from app.extensions import db
from app.models import ProcessDefinition, ProcessInstance

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
ACTIVE = ("running", "incident", "suspended")  # instance statuses that still count as running


@dataclass
class Deployment:
    definition: ProcessDefinition
    created: bool


def _as_bytes(xml: bytes | str) -> bytes:
    return xml.encode("utf-8") if isinstance(xml, str) else xml


def _parse(xml: bytes, filename: str):
    if len(xml) > MAX_BYTES:
        raise Invalid(gettext("The file is %(size)s KB; the limit is %(limit)s KB.", size=len(xml) // 1024,
                              limit=MAX_BYTES // 1024),
                      problems=[Problem("", "", "definitions", _l("file too large"),
                                        _l("keep diagrams under %(n)s MB", n=MAX_BYTES // 1024 // 1024)).to_dict()])
    try:
        return parse_definition(xml, filename=filename, known_roles=DEFAULT_ROLES)
    except BpmnError as err:
        raise Invalid(gettext("The diagram cannot be read."), problems=[p.to_dict() for p in err.problems]) from err


def validate(xml: bytes | str, *, filename: str = "diagram.bpmn") -> list[Problem]:
    """Every problem at once (errors and warnings); an empty list deploys."""
    try:
        parsed = _parse(_as_bytes(xml), filename)
    except Invalid as err:
        return [Problem(**p) if isinstance(p, dict) else p for p in err.details["problems"]]
    return list(parsed.problems) + _unresolved_calls(parsed) + _unresolved_forms(parsed) + _unresolved_decisions(parsed)


def _unresolved_decisions(parsed) -> list[Problem]:
    """Business rule tasks naming a decision (or a version of it) that is not deployed."""
    problems = []
    for spec in parsed.specs.values():
        for ts in spec.task_specs.values():
            config = task_config(getattr(ts, "extensions", None))
            if not isinstance(ts, DecisionTask) or not config.get("ref"):
                continue
            version = int(config["version"]) if config.get("binding") == "version" else None
            if not any(version in (None, row.version) for row in decisions.versions(config["ref"])):
                message = (_l("version %(version)s of decision '%(key)s' is not deployed", version=version,
                              key=config["ref"]) if version
                           else _l("decision '%(key)s' is not deployed", key=config["ref"]))
                problems.append(Problem(ts.bpmn_id, ts.bpmn_name, "businessRuleTask", message,
                                        _l("deploy the DMN file with decision id '%(key)s' first", key=config["ref"])))
    return problems


def _unresolved_calls(parsed) -> list[Problem]:
    problems = []
    for key in sorted(parsed.called_elements):
        if latest_definition(key, required=False) is None:
            sites = parsed.call_sites.get(key) or [Problem(None, None, "callActivity", "")]
            problems += [replace(site, message=_l("called process '%(key)s' is not deployed", key=key),
                                 hint=_l("deploy the process with id '%(key)s' first", key=key)) for site in sites]
    return problems


def _unresolved_forms(parsed) -> list[Problem]:
    """Camunda Forms references whose form (or version) is not deployed, located at the task."""
    problems = []
    for ref, site in parsed.form_refs:
        if ref['binding'] == 'version' and not isinstance(ref['version'], int):
            continue  # reported by the diagram checks
        try:
            form_defs.resolve(ref)
        except NotFound as err:
            problems.append(replace(site, message=err.message,
                                    hint=_l("deploy the form with id '%(key)s' first (Forms page)", key=ref['key'])))
    return problems


def _calls_undeployed(xml: bytes, filename: str) -> bool:
    """Whether a refused diagram calls a process no deployed definition has (asked of the diagram,
    not of the refusal's text, which is in the reader's language)."""
    try:
        return bool(_unresolved_calls(_parse(xml, filename)))
    except Invalid:
        return False


def _called_specs(parsed) -> dict:
    """Specs of called processes that live in other deployed definitions."""
    subs = {}
    for key in parsed.called_elements:
        other = latest_definition(key)
        spec, other_subs = specs_of(other)
        subs.update(other_subs)
        subs[key] = spec
    return subs


def deploy(xml: bytes | str, *, actor: Actor, source: str = "file", filename: str = "diagram.bpmn") -> Deployment:
    """Store a new immutable version; identical XML to the latest version is a no-op."""
    if not (actor.is_admin or "ProcessOwner" in actor.roles):
        raise Forbidden("Only process owners and admins deploy processes.")
    xml = _as_bytes(xml)
    parsed = _parse(xml, filename)
    problems = errors_only(list(parsed.problems) + _unresolved_calls(parsed) + _unresolved_forms(parsed)
                           + _unresolved_decisions(parsed))
    if problems:
        raise Invalid(gettext("%(n)s problem(s) prevent deployment.", n=len(problems)),
                      problems=[p.to_dict() for p in problems])
    checksum = hashlib.sha256(xml).hexdigest()
    latest = latest_definition(parsed.process_id, required=False)
    if latest is not None and latest.checksum == checksum:
        return Deployment(latest, False)
    specs = dict(parsed.specs)
    spec = specs.pop(parsed.process_id)
    specs.update(_called_specs(parsed))
    definition = ProcessDefinition(
        key=parsed.process_id, name=parsed.name or parsed.process_id,
        version=(latest.version + 1) if latest else 1, checksum=checksum,
        bpmn_xml=xml.decode("utf-8"), spec=store.dump_specs(spec, specs),
        has_di=parsed.has_di, start_messages=sorted(parsed.start_messages),
        timer_start=parsed.timer_start, starter_groups=list(getattr(parsed, "starter_groups", []) or []),
        start_form=[f.to_dict() for f in parsed.start_form],
        deployed_by_id=actor.user_id, source=source,
    )
    if parsed.start_form_ref is not None:  # a Camunda Form: the version that is deployed now
        form = form_defs.resolve(parsed.start_form_ref)
        definition.start_form, definition.start_form_id = form.fields, form.id
    db.session.add(definition)
    try:
        db.session.flush()
    except IntegrityError as err:
        db.session.rollback()
        raise Conflict(f"Version {definition.version} of '{definition.key}' was deployed meanwhile; try again.") from err
    audit("deploy", target=f"{definition.key} v{definition.version}", detail=source)
    content.prime(definition)  # names in the readers' languages, read now rather than by the next page
    hooks.emit(hooks.DEFINITION_DEPLOYED, definition)  # a timer start event gets its job (or refuses)
    db.session.commit()
    return Deployment(definition, True)


def deploy_directory(path: str | Path, *, actor: Actor) -> list[Deployment]:
    """Deploy every .bpmn file of a folder (the shipped ``workflows/``), callees first; its .dmn decisions and
    Camunda Forms (``*.form``, form-js JSON) before them, as diagrams name them."""
    decisions.deploy_directory(path, actor=actor)
    for form in sorted(Path(path).glob("*.form")):
        try:
            form_defs.deploy(form.read_bytes(), actor=actor)
        except Invalid as err:
            raise Invalid(f"{form.name}: {err.message}", **err.details) from err
    files = sorted(Path(path).glob("*.bpmn"))
    pending, done = list(files), []
    for _ in range(len(files) + 1):
        retry = []
        for f in pending:
            try:
                done.append(deploy(f.read_bytes(), actor=actor, filename=f.name))
            except Invalid as err:
                if _calls_undeployed(f.read_bytes(), f.name):  # its callees may be later in the directory
                    retry.append(f)
                else:
                    raise Invalid(f"{f.name}: {err.message}", **err.details) from err
        if not retry:
            return done
        pending = retry
    raise Invalid("Call activities refer to processes that no file defines.", files=[f.name for f in pending])


@cache
def _latest_query():
    """Built once: every start reads it, and composing it cost more CPU than running it."""
    return (select(ProcessDefinition).where(ProcessDefinition.key == bindparam("key"))
            .order_by(ProcessDefinition.version.desc()).limit(1))


def latest_definition(key: str, *, required: bool = True) -> ProcessDefinition | None:
    row = db.session.scalars(_latest_query(), {"key": key}).first()
    if row is None and required:
        raise NotFound(f"No process with key '{key}' is deployed.", key=key)
    return row


def get_definition(key: str, version: int | None = None) -> ProcessDefinition:
    if version is None:
        return latest_definition(key)
    row = db.session.scalars(select(ProcessDefinition).filter_by(key=key, version=version)).first()
    if row is None:
        raise NotFound(f"Process '{key}' has no version {version}.", key=key, version=version)
    return row


def latest_definitions() -> list[ProcessDefinition]:
    """The latest version of each process, by key."""
    latest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.key).subquery())
    return db.session.scalars(select(ProcessDefinition).join(
        latest, (ProcessDefinition.key == latest.c.key) & (ProcessDefinition.version == latest.c.v))
        .order_by(ProcessDefinition.key)).all()


def list_definitions() -> list[dict]:
    """The latest version of each process with its count of running instances."""
    rows = latest_definitions()
    running = dict(db.session.execute(
        select(ProcessInstance.process_key, func.count()).where(ProcessInstance.status.in_(ACTIVE))
        .group_by(ProcessInstance.process_key)).all())
    return [{"definition": d, "running": running.get(d.key, 0)} for d in rows]


def list_versions(key: str) -> list[ProcessDefinition]:
    return db.session.scalars(select(ProcessDefinition).filter_by(key=key)
                              .order_by(ProcessDefinition.version.desc())).all()


def running_by_version(key: str) -> dict[int, int]:
    """{definition id: count of running instances} for the versions of a process."""
    return dict(db.session.execute(
        select(ProcessInstance.definition_id, func.count())
        .where(ProcessInstance.process_key == key, ProcessInstance.status.in_(ACTIVE))
        .group_by(ProcessInstance.definition_id)).all())


# The caches below are per database as well as per id: one process may serve two apps (tests, tools).

def specs_of(definition: ProcessDefinition):
    return store.cached_specs((db.engine, definition.id), lambda: definition.spec)


def generated_forms() -> list[tuple[ProcessDefinition, str, str]]:
    """(latest version, element id or '' for the start form, element name) of every camunda:formData form
    still generated from field lists (the form builder converts them). A version whose stored spec cannot
    be read offers none (logged)."""
    out = []
    for definition in latest_definitions():
        if definition.start_form and not definition.start_form_id:
            out.append((definition, "", ""))
        try:
            spec, _subs = specs_of(definition)
        except Exception:
            log.exception("specs of %s v%s could not be read", definition.key, definition.version)
            continue
        for ts in spec.task_specs.values():
            meta = human_task_meta(ts)
            if meta and meta.form and not meta.form_ref:
                out.append((definition, ts.bpmn_id, ts.bpmn_name or ts.bpmn_id))
    return out


def generated_form_fields(process_key: str, element: str) -> tuple[ProcessDefinition, list]:
    """The latest version of a process and the fields of its start form (``element`` '') or task form."""
    definition = latest_definition(process_key[:100])
    if not element:
        return definition, [FormField.from_dict(f) for f in definition.start_form or []]
    spec, _subs = specs_of(definition)
    metas = [human_task_meta(ts) for ts in spec.task_specs.values() if ts.bpmn_id == element]
    if not metas or metas[0] is None:
        raise NotFound(f"Process '{process_key}' has no task '{element}'.", element=element)
    return definition, metas[0].form


def refuse_plain_start(definition: ProcessDefinition) -> None:
    """A process whose every start event waits for a message starts only by that message (Camunda
    likewise refuses a plain start): Conflict naming the messages."""
    if not definition.start_messages:
        return
    spec, _subs = specs_of(definition)
    starts = [t for t in spec.start.outputs if isinstance(t, StartEvent)]
    if starts and all(isinstance(t.event_definition, MessageEventDefinition) for t in starts):
        names = ", ".join(f"'{m}'" for m in definition.start_messages)
        raise Conflict(f"'{definition.name}' starts only when a message arrives ({names}); send the message "
                       "instead of starting it directly.", messages=list(definition.start_messages))


def specs_by_id(definition_id: int):
    """The specs of a version without loading its row (on a cache hit, no query at all)."""
    return store.cached_specs((db.engine, definition_id), lambda: db.session.scalar(
        select(ProcessDefinition.spec).where(ProcessDefinition.id == definition_id)))


def name_of(definition_id: int) -> str | None:
    """The process name of a version (immutable, so cached for good)."""
    return _name_of(db.engine, definition_id)


@lru_cache(maxsize=1024)
def _name_of(_engine, definition_id: int) -> str | None:
    return db.session.scalar(select(ProcessDefinition.name).where(ProcessDefinition.id == definition_id))


def _called_latest(key: str):
    """A run-time calledElement's process: its latest version's specs, by process id (specs.CalledSpecs)."""
    definition = latest_definition(key, required=False)
    if definition is None:
        return None
    spec, subs = specs_of(definition)
    return definition.id, {**subs, key: spec}


def _called_by_ids(called: dict) -> dict:
    specs = {}
    for key, definition_id in called.items():
        spec, subs = specs_by_id(definition_id)
        specs.update(subs)
        specs[key] = spec
    return specs


CalledSpecs.latest, CalledSpecs.by_ids = _called_latest, _called_by_ids
