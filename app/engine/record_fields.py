"""Diagrams read their record's fields by reference: ``${record_field('description')}``.

A process started for a record (a service request, complaint, incident, service plan) holds the
record's id (``process_instance.record_type``/``record_id``) and the ids of who it is about
(``customer_id``, ``contact_id``), not copies of the record's fields: a copy goes stale when the
record is edited, and personal data would spread into process data. A diagram that needs a field
reads it through this helper, during the instance's engine step (``mail.bind_instance``). Each
record kind registers the fields diagrams may read (``app.records.process_link``): a contact's
phone or e-mail is never one of them (``app.pii``)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from app.engine import mail
from app.extensions import db
from app.models import ProcessInstance

_readers: dict[str, tuple[type, dict[str, Callable[[Any], Any]]]] = {}


def register(record_type: str, model: type, fields: dict[str, Callable[[Any], Any]]) -> None:
    _readers[record_type] = (model, dict(fields))


def readable(record_type: str) -> tuple[str, ...]:
    return tuple(sorted(_readers.get(record_type, (None, {}))[1]))


def read(name: str, default: Any = None) -> Any:
    """The field ``name`` of the record of the instance being stepped; ``default`` when the instance
    has no record (started from the Start page, before its first step creates one). A field the
    record kind does not offer is an error naming the ones it does."""
    inst_id = mail.current_instance()
    inst = db.session.get(ProcessInstance, inst_id) if inst_id else None
    if inst is None or not inst.record_type or inst.record_id is None:
        return default
    model, fields = _readers.get(inst.record_type, (None, {}))
    getter = fields.get(str(name))
    if getter is None:
        raise ValueError(f"record_field: a {inst.record_type} has no field {name!r} for diagrams; "
                         f"one of {', '.join(sorted(fields)) or 'none'}")
    record = db.session.get(model, inst.record_id)
    if record is None:
        return default
    value = getter(record)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return default if value is None else value
