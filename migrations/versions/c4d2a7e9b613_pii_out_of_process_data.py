"""process data: no copies of contacts' phone numbers or e-mail addresses

Records used to start their processes with ``contact_phone`` copied into the
variables. Phone and e-mail stay in the customer ledger now: the copies are
dropped from every instance's workflow state (workflow and task data), from
open tasks' forms and drafts, and ``contact_id``/``customer_id`` are added
where the record (or the one contact with that phone) tells them. Submitted
task data and history keep the fact, masked (138****5678). Data only: the
downgrade cannot bring the values back and leaves them as they are.

Frozen copies of the masking rules of app.pii: a migration must not change
when the application does.

Revision ID: c4d2a7e9b613
Revises: 9e3f6a2c71d4
Create Date: 2026-11-26 10:00:00

"""
import json
import re
import zlib

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'c4d2a7e9b613'
down_revision = '9e3f6a2c71d4'
branch_labels = None
depends_on = None

COPIED = ("contact_phone", "contact_email")  # what the record link copied into process variables
BATCH = 200
JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
PHONE_WORDS = {"phone", "phones", "mobile", "mobiles", "tel", "telephone", "cellphone", "fax"}
EMAIL_WORDS = {"email", "emails"}
ID_WORDS = {"idcard", "idnumber", "idno", "identity", "passport", "ssn"}
# cheap pre-filter of history rows (lower-cased JSON text) before the exact rule in Python
HISTORY_HINTS = ("phone", "mobile", "tel", "fax", "mail", "idcard", "id_card", "idnumber", "id_number", "idno",
                 "id_no", "identity", "passport", "ssn")

instance_t = sa.table('process_instance', sa.column('id', sa.Integer), sa.column('state', sa.LargeBinary),
                      sa.column('rev', sa.Integer), sa.column('record_type', sa.String),
                      sa.column('record_id', sa.Integer))
task_t = sa.table('human_task', sa.column('id', sa.Integer), sa.column('form', JSON), sa.column('draft', JSON),
                  sa.column('submitted', JSON))
event_t = sa.table('history_event', sa.column('id', sa.Integer), sa.column('data', JSON))


# --------------------------------------------------------------------------- masking (as app.pii)

def _mask_phone(text):
    digits = re.sub(r"\D", "", text)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    return f"****{digits[-2:]}" if len(digits) >= 4 else "****"


def _mask_email(text):
    local, at, domain = text.strip().partition("@")
    return f"{local[:1]}***@{domain}" if at else f"{text[:1]}***"


def _rule(name):
    words = [w for w in re.split(r"[\W_]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name)).lower()) if w]
    words += [a + b for a, b in zip(words, words[1:])]
    if PHONE_WORDS.intersection(words):
        return _mask_phone
    if EMAIL_WORDS.intersection(words):
        return _mask_email
    if ID_WORDS.intersection(words):
        return lambda text: f"{text[:1]}***"
    return None


def masked(value, rule=None):
    """``value`` with everything under a personal-data name masked; already masked text is kept."""
    if isinstance(value, dict):
        return {k: masked(v, rule or _rule(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, rule) for v in value]
    if rule is None or value is None or isinstance(value, bool) or value == "" or "***" in str(value):
        return value
    return rule(str(value))


# --------------------------------------------------------------------------- workflow state

def unpack(blob):
    """(state dict, whether it was zlib-compressed); the engine compresses, early states may not be."""
    raw = bytes(blob)
    try:
        return json.loads(zlib.decompress(raw)), True
    except zlib.error:
        return json.loads(raw), False


def pack(dct, compressed):
    raw = json.dumps(dct, separators=(",", ":")).encode()
    return zlib.compress(raw, 6) if compressed else raw


def holders(obj):
    """The dicts that hold a copy, anywhere in the state: workflow and task data, task deltas,
    event payloads."""
    if isinstance(obj, dict):
        if any(k in obj for k in COPIED):
            yield obj
        for value in obj.values():
            yield from holders(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from holders(value)


class References:
    """customer_id/contact_id of an instance: from its record, else the one contact with the copied phone."""

    def __init__(self, conn):
        self.conn = conn
        self._by_phone = None

    def of_record(self, record_type, record_id):
        if record_type not in ("service_request", "complaint") or record_id is None:
            return {}
        row = self.conn.execute(sa.text(f"SELECT customer_id, contact_id FROM {record_type} WHERE id = :id"),
                                {"id": record_id}).first()
        if row is None:
            return {}
        contact_id = row.contact_id or self.conn.execute(sa.text(
            "SELECT id FROM contact WHERE customer_id = :c ORDER BY is_primary DESC, id"), {"c": row.customer_id}
        ).scalar()
        return {"customer_id": row.customer_id, "contact_id": contact_id}

    def of_phone(self, phone):
        if self._by_phone is None:
            self._by_phone = {}
            for cid, customer_id, value in self.conn.execute(sa.text(
                    "SELECT id, customer_id, phone FROM contact WHERE phone IS NOT NULL")):
                self._by_phone.setdefault(re.sub(r"\D", "", value), []).append((cid, customer_id))
        matches = self._by_phone.get(re.sub(r"\D", "", phone)) or []
        return {"customer_id": matches[0][1], "contact_id": matches[0][0]} if len(matches) == 1 else {}


def clean_state(blob, refs_of_record, refs_of_phone):
    """The blob without the copies and with the references next to where they were; None when
    it held no copy."""
    dct, compressed = unpack(blob)
    found = list(holders(dct))
    if not found:
        return None
    phone = next((h["contact_phone"] for h in found if isinstance(h.get("contact_phone"), str)
                  and h["contact_phone"].strip()), None)
    refs = {k: v for k, v in (refs_of_record() or (refs_of_phone(phone) if phone else {})).items() if v is not None}
    for holder in found:
        for key in COPIED:
            holder.pop(key, None)
        for key, value in refs.items():
            if holder.get(key) is None:
                holder[key] = value
    return pack(dct, compressed)


def _batches(conn, table, *columns, where=None):
    last = 0
    while True:
        query = sa.select(table.c.id, *columns).where(table.c.id > last)
        if where is not None:
            query = query.where(where)
        rows = conn.execute(query.order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _like_any(column, words):
    text = sa.func.lower(sa.cast(column, sa.Text))
    return sa.or_(*(text.like(f"%{w}%") for w in words))


def upgrade():
    conn = op.get_bind()
    refs = References(conn)
    for rows in _batches(conn, instance_t, instance_t.c.state, instance_t.c.record_type, instance_t.c.record_id):
        for row in rows:
            if not row.state:
                continue
            new = clean_state(row.state, lambda r=row: refs.of_record(r.record_type, r.record_id), refs.of_phone)
            if new is not None:
                conn.execute(sa.update(instance_t).where(instance_t.c.id == row.id)
                             .values(state=new, rev=instance_t.c.rev + 1))
    copied = sa.or_(_like_any(task_t.c.form, COPIED), _like_any(task_t.c.draft, COPIED),
                    _like_any(task_t.c.submitted, COPIED))
    for rows in _batches(conn, task_t, task_t.c.form, task_t.c.draft, task_t.c.submitted, where=copied):
        for row in rows:
            form = [f for f in row.form or [] if not (isinstance(f, dict) and f.get("id") in COPIED)]
            draft = row.draft
            if isinstance(draft, dict):
                draft = {k: v for k, v in draft.items() if k not in COPIED}
            submitted = row.submitted
            if isinstance(submitted, dict):  # what was submitted stays on record, masked
                submitted = {k: masked(v, _rule(k)) if k in COPIED else v for k, v in submitted.items()}
            conn.execute(sa.update(task_t).where(task_t.c.id == row.id)
                         .values(form=form, draft=draft or None, submitted=submitted))
    for rows in _batches(conn, event_t, event_t.c.data, where=sa.and_(event_t.c.data.isnot(None),
                                                                      _like_any(event_t.c.data, HISTORY_HINTS))):
        for row in rows:
            data = masked(row.data)
            if data != row.data:
                conn.execute(sa.update(event_t).where(event_t.c.id == row.id).values(data=data))


def downgrade():
    pass  # the dropped copies are not kept anywhere: nothing to restore
