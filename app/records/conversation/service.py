"""Record messages and attachments, read a record's thread, and the first contact / first reply.

Every channel (portal, inbound mail, outbound mail, phone notes, internal notes) records through
``post``; the checks on attachments live here once (``check_file``)."""
from __future__ import annotations

import hashlib
from urllib.parse import quote
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import and_, func, or_, select, union_all

from app.engine import hooks
from app.engine.errors import Invalid
from app.extensions import db
from app.models import Complaint, ServiceRequest
from app.models.base import utcnow
from app.records.conversation.models import CHANNELS, DIRECTIONS, ConversationAttachment, ConversationMessage

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_FILES = 5
FILE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")  # what ``sniff`` proves

# What a file's first bytes must be for the type it is stored as; the name's extension never decides.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)) if has_app_context() \
        else DEFAULT_MAX_BYTES


def sniff(data: bytes) -> str | None:
    """The content type the bytes prove (PNG, JPEG, GIF, WebP, PDF), else None."""
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def max_files() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_FILES", DEFAULT_MAX_FILES)) if has_app_context() \
        else DEFAULT_MAX_FILES


def check_file(upload: Upload, field: str = "attachments") -> str:
    """The file's content type, or ``Invalid`` naming the field and the file: empty, too large,
    or not a picture or PDF by its content."""
    name = (upload.filename or "").strip() or "file"
    if not upload.data:
        raise Invalid(f"{name}: the file is empty.", fields={field: f"{name}: the file is empty."})
    limit = max_bytes()
    if len(upload.data) > limit:
        message = f"{name}: {len(upload.data)} bytes, more than the {limit} allowed."
        raise Invalid(message, fields={field: message})
    kind = sniff(upload.data)
    if kind is None:
        message = f"{name}: only pictures (PNG, JPEG, GIF, WebP) and PDF files are accepted."
        raise Invalid(message, fields={field: message})
    return kind


def _clean_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return (base or "file")[:200]


def post(*, channel: str, direction: str, body: str, record=None, record_type: str | None = None,
         record_id: int | None = None, instance_id: int | None = None, task_id: int | None = None,
         subject: str | None = None, author_id: int | None = None, contact_id: int | None = None,
         sender: str | None = None, mail_message_id: str | None = None, outbox_id: int | None = None,
         attachments: tuple[Upload, ...] | list[Upload] = (), at: datetime | None = None,
         opens_case: bool = False) -> ConversationMessage:
    """Add a message to a record's conversation (or to a task's notes); ``internal`` follows
    ``direction``. Files are checked first, so a refused file records nothing. The caller commits.

    A message the customer wrote (``direction="in"``, no staff author) counts as unread on the case
    and, unless it ``opens_case`` (a new case's process tells its staff through its new tasks),
    emits ``hooks.CUSTOMER_WROTE``; a message to the customer clears the unread count."""
    if channel not in CHANNELS or direction not in DIRECTIONS:
        raise ValueError(f"unknown channel/direction {channel!r}/{direction!r}")
    if record is not None:
        record_type, record_id = record.__tablename__, record.id
        instance_id = instance_id or getattr(record, "process_instance_id", None)
    limit = max_files()
    if len(attachments) > limit:
        message = f"At most {limit} files per message."
        raise Invalid(message, fields={"attachments": message})
    checked = [(upload, check_file(upload)) for upload in attachments]
    if not (body or "").strip() and not checked:
        raise Invalid("The message is empty.", fields={"body": "The message is empty."})
    message = ConversationMessage(record_type=record_type, record_id=record_id, instance_id=instance_id,
                                  task_id=task_id, channel=channel, direction=direction,
                                  internal=direction == "internal", subject=(subject or None) and subject[:300],
                                  body=body or "", author_id=author_id, contact_id=contact_id,
                                  sender=sender and sender[:200], mail_message_id=mail_message_id,
                                  outbox_id=outbox_id, created_at=at or utcnow())
    for upload, kind in checked:
        message.attachments.append(ConversationAttachment(
            filename=_clean_name(upload.filename), content_type=kind, size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(), data=upload.data))
    db.session.add(message)
    if direction == "out" and record is not None and hasattr(record, "first_reply_at"):
        # the response-time KPI reads the record's first reply: the conversation sets it once
        if record.first_reply_at is None or message.created_at < record.first_reply_at:
            record.first_reply_at = message.created_at  # a call noted afterwards may be the earliest
    customer_wrote = direction == "in" and author_id is None and record is not None
    if record is not None and hasattr(record, "unread_in"):
        _count_unread(record, message, customer_wrote)
    db.session.flush()
    if customer_wrote and not opens_case:
        hooks.emit(hooks.CUSTOMER_WROTE, record, message)
    return message


def _count_unread(record, message: ConversationMessage, customer_wrote: bool) -> None:
    """The case's ``unread_in``: +1 per customer message (in SQL: two mails at once both count),
    0 once we answer (a mail or a call to the customer)."""
    if customer_wrote:
        record.unread_in = type(record).unread_in + 1
        if record.last_in_at is None or message.created_at > record.last_in_at:
            record.last_in_at = message.created_at
    elif message.direction == "out":
        record.unread_in = 0


def mark_read(record) -> None:
    """Someone read the customer's new messages without answering yet. The caller commits."""
    record.unread_in = 0


def unread_by_instance(instance_ids) -> dict[int, int]:
    """{process instance id: unread customer messages} of the cases those instances follow."""
    ids = {i for i in instance_ids if i}
    if not ids:
        return {}
    cases = union_all(*(select(model.process_instance_id, model.unread_in).where(
        model.process_instance_id.in_(ids), model.unread_in > 0) for model in (ServiceRequest, Complaint)))
    found: dict[int, int] = {}
    for instance_id, count in db.session.execute(cases):  # one statement: the inbox counts its queries
        found[instance_id] = found.get(instance_id, 0) + count
    return found



def thread(record_type: str, record_id: int, *, include_internal: bool = True) -> list[ConversationMessage]:
    """The record's messages, oldest first; the portal passes ``include_internal=False``."""
    query = select(ConversationMessage).where(ConversationMessage.record_type == record_type,
                                              ConversationMessage.record_id == record_id)
    if not include_internal:
        query = query.where(ConversationMessage.internal.is_(False))
    return list(db.session.scalars(query.order_by(ConversationMessage.created_at, ConversationMessage.id)))


def _first(record_type: str, record_id: int, direction: str) -> datetime | None:
    return db.session.scalar(select(func.min(ConversationMessage.created_at)).where(
        ConversationMessage.record_type == record_type, ConversationMessage.record_id == record_id,
        ConversationMessage.direction == direction))


def first_contact_at(record_type: str, record_id: int) -> datetime | None:
    """When the customer first wrote (the consultation's response time runs from here)."""
    return _first(record_type, record_id, "in")


def first_reply_at(record_type: str, record_id: int) -> datetime | None:
    """When the customer first got a reply."""
    return _first(record_type, record_id, "out")


def task_notes(task_id: int, record_type: str | None = None, record_id: int | None = None
               ) -> list[ConversationMessage]:
    """The internal notes of a task and, when its instance has a record, the record's internal
    notes too (the staff's side of the conversation), oldest first."""
    where = ConversationMessage.task_id == task_id
    if record_type and record_id:
        where = or_(where, and_(ConversationMessage.record_type == record_type,
                                ConversationMessage.record_id == record_id))
    query = select(ConversationMessage).where(where, ConversationMessage.internal.is_(True))
    return list(db.session.scalars(query.order_by(ConversationMessage.created_at, ConversationMessage.id)))


def attachment(attachment_id: int) -> ConversationAttachment | None:
    """One attachment with its message (the caller decides who may read it)."""
    return db.session.get(ConversationAttachment, attachment_id)


def download_headers(found: ConversationAttachment) -> dict[str, str]:
    """Every attachment is served as a download, never inline, its type never sniffed (screens and API)."""
    ascii_name = found.filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name or 'file'}\"; "
                                   f"filename*=UTF-8''{quote(found.filename)}",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
