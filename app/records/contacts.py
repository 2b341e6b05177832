"""The contact a process refers to: records start their processes with ``contact_id``
(never a copy of the phone or e-mail), and the task page shows that contact through the
masking and audited reveal of the record screens (app.pii)."""
from __future__ import annotations

import logging

from app.engine import runtime
from app.records import process_link
from app.extensions import db
from app.models import Contact, ProcessInstance

log = logging.getLogger(__name__)


def contact_id_of(variables: dict) -> int | None:
    raw = variables.get("contact_id")
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isdigit():
        return None
    return int(raw)


def linked_contact(inst: ProcessInstance) -> Contact | None:
    """The contact of the instance's record; else the one named by its ``contact_id`` variable.

    The record is the ledger and costs one row read; the variables need the whole workflow
    state loaded, so they are read only for instances started without a record."""
    _link, record = process_link.record_of(inst)
    if record is not None and hasattr(record, "contact"):
        return record.contact
    try:
        contact_id = contact_id_of(runtime.variables_of(inst))
    except Exception:  # a broken state must not take the task page down with it (the incident shows it)
        log.exception("variables of instance %s could not be read", inst.id)
        return None
    return db.session.get(Contact, contact_id) if contact_id else None
