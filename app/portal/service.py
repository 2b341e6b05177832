"""What a signed-in portal contact may see and do: their company's cases only (anything else is
"not found", never "forbidden", so ids of other companies reveal nothing), submissions that
create the record as a staff entry does and start its process, messages and files through the
conversation log, and the rating of a closed case (a Survey answered on channel ``portal``, where
the satisfaction KPI reads it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.engine import clock, sla, sla_policy
from app.engine.actor import Actor
from app.engine.errors import Invalid
from app.extensions import db
from app.models import (Complaint, Contact, ConversationAttachment, ConversationMessage, Equipment,
                        FieldServiceRecord, HumanTask, ServiceRequest, Survey)
from app.models.choices import COMPLAINT_CATEGORIES, REQUEST_TYPES
from app.records import process_link, surveys
from app.records.conversation import service as conversation
from app.records.conversation.service import Upload

KINDS = {"request": ServiceRequest, "complaint": Complaint}
MAX_SUBJECT = 200
MAX_TEXT = 4000


class NotFound(Exception):
    """Not this contact's (or not there at all): the portal answers 404 either way."""


@dataclass(frozen=True)
class CaseRow:
    kind: str
    record: object
    number: str
    title: str
    status: str
    received_at: datetime
    due_at: datetime | None
    sla_state: str | None


def _kind_of(record) -> str:
    return "request" if isinstance(record, ServiceRequest) else "complaint"


def _next_due(record) -> tuple[datetime | None, str | None]:
    """A request's own deadline; a complaint's: the earliest open step of its process."""
    now = clock.now()
    if isinstance(record, ServiceRequest):
        return record.due_at, record.sla_state_at(now)
    if record.process_instance_id is None or record.status in ("closed", "cancelled"):
        return None, None
    task = db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == record.process_instance_id, HumanTask.state == "open",
        HumanTask.due_at.is_not(None)).order_by(HumanTask.due_at).limit(1)).first()
    if task is None:
        return None, None
    return task.due_at, sla.state(task.due_at, start=task.created_at, now=now)


def row(record) -> CaseRow:
    due, state = _next_due(record)
    if isinstance(record, ServiceRequest):
        return CaseRow("request", record, record.number, record.subject or "", record.status, record.created_at,
                       due, state)
    return CaseRow("complaint", record, record.number, (record.matter or "")[:120], record.status,
                   record.received_at, due, state)


def cases(contact: Contact) -> list[CaseRow]:
    """The contact's company's requests (after-sales) and complaints, newest first."""
    requests = db.session.scalars(select(ServiceRequest).where(ServiceRequest.customer_id == contact.customer_id))
    complaints = db.session.scalars(select(Complaint).where(Complaint.customer_id == contact.customer_id))
    rows = [row(r) for r in (*requests, *complaints)]
    return sorted(rows, key=lambda r: r.received_at, reverse=True)


def case(contact: Contact, kind: str, record_id: int):
    model = KINDS.get(kind)
    record = db.session.get(model, record_id) if model is not None else None
    if record is None or record.customer_id != contact.customer_id:
        raise NotFound()
    return record


def thread(record) -> list[ConversationMessage]:
    return conversation.thread(record.__tablename__, record.id, include_internal=False)


def equipment(contact: Contact) -> list[Equipment]:
    return list(db.session.scalars(select(Equipment).where(Equipment.customer_id == contact.customer_id)
                                   .order_by(Equipment.model, Equipment.serial)))


def _text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid("Please fill in this field.", fields={field: "Please fill in this field."})
    if len(value) > limit:
        message = f"At most {limit} characters."
        raise Invalid(message, fields={field: message})
    return value


def _start(record, contact: Contact, body: str, subject: str | None, uploads) -> None:
    """The first message is the submission itself; then the record's process starts, as after a
    staff entry. A refused file leaves nothing behind (the caller rolls back)."""
    conversation.post(record=record, channel="portal", direction="in", body=body, subject=subject,
                      contact_id=contact.id, attachments=list(uploads), at=clock.now(), opens_case=True)
    process_link.start_for_record(record, Actor.system(), commit=False)
    db.session.commit()


def submit_request(contact: Contact, *, type: str, subject: str, description: str, equipment_id: int | None,
                   uploads: list[Upload]) -> ServiceRequest:
    if type not in REQUEST_TYPES:
        raise Invalid("Choose the kind of problem.", fields={"type": "Choose the kind of problem."})
    subject = _text(subject, "subject", MAX_SUBJECT)
    description = _text(description, "description", MAX_TEXT)
    if equipment_id is not None and equipment_id not in {e.id for e in equipment(contact)}:
        raise Invalid("Choose one of your company's machines.",
                      fields={"equipment_id": "Choose one of your company's machines."})
    now = clock.now()  # the SLA clock runs from the submission
    record = ServiceRequest(customer_id=contact.customer_id, contact_id=contact.id, equipment_id=equipment_id,
                            kind="after_sales", channel="portal", type=type, subject=subject,
                            description=description, created_at=now, due_at=sla_policy.resolve_due(type, now))
    db.session.add(record)
    db.session.flush()
    _start(record, contact, description, subject, uploads)
    return record


def submit_complaint(contact: Contact, *, category: str, matter: str, demand: str | None,
                     uploads: list[Upload]) -> Complaint:
    if category not in COMPLAINT_CATEGORIES:
        raise Invalid("Choose what the complaint is about.", fields={"category": "Choose what the complaint is about."})
    matter = _text(matter, "matter", MAX_TEXT)
    demand = _text(demand, "customer_demand", MAX_TEXT, required=False) or None
    record = Complaint(customer_id=contact.customer_id, contact_id=contact.id, channel="online", category=category,
                       matter=matter, customer_demand=demand, received_at=clock.now())
    db.session.add(record)
    db.session.flush()
    _start(record, contact, matter + (f"\n\n{demand}" if demand else ""), None, uploads)
    return record


def add_message(contact: Contact, record, body: str, uploads: list[Upload]) -> ConversationMessage:
    message = conversation.post(record=record, channel="portal", direction="in",
                                body=_text(body, "body", MAX_TEXT, required=False), contact_id=contact.id,
                                attachments=list(uploads))
    db.session.commit()
    return message


def attachment(contact: Contact, attachment_id: int) -> ConversationAttachment:
    """A file of a customer-visible message on one of the contact's company's cases."""
    found = db.session.get(ConversationAttachment, attachment_id)
    message = found.message if found is not None else None
    if message is None or message.internal or message.record_type not in ("service_request", "complaint"):
        raise NotFound()
    kind = "request" if message.record_type == "service_request" else "complaint"
    case(contact, kind, message.record_id)
    return found


def _surveys(record) -> list[Survey]:
    column = Survey.service_request_id if isinstance(record, ServiceRequest) else Survey.complaint_id
    return list(db.session.scalars(select(Survey).where(column == record.id).order_by(Survey.id)))


def open_surveys(record) -> list[Survey]:
    return [s for s in _surveys(record) if s.answered_at is None]


def rating(record) -> Survey | None:
    """The case's rating given in the portal, if any."""
    return next((s for s in _surveys(record) if s.channel == "portal" and s.answered_at is not None), None)


def can_rate(record) -> bool:
    return record.status == "closed" and rating(record) is None


def rate(contact: Contact, record, score: int, comment: str | None) -> Survey:
    """Rate a closed case once (1-5): answers the case's open survey if one waits, else a new one."""
    if record.status != "closed":
        raise Invalid("Only a closed case can be rated.", fields={"score": "Only a closed case can be rated."})
    if rating(record) is not None:
        raise Invalid("This case has already been rated.", fields={"score": "This case has already been rated."})
    if score not in range(1, 6):
        raise Invalid("Choose a score from 1 to 5.", fields={"score": "Choose a score from 1 to 5."})
    waiting = open_surveys(record)
    survey = waiting[0] if waiting else Survey(
        kind="satisfaction", customer_id=record.customer_id, language="zh",
        **({"service_request_id": record.id} if isinstance(record, ServiceRequest) else {"complaint_id": record.id}))
    survey.channel = "portal"
    db.session.add(survey)
    db.session.flush()
    if not surveys.answer_survey(survey, score, _text(comment, "comment", 2000, required=False)):
        raise Invalid("This case has already been rated.", fields={"score": "This case has already been rated."})
    return survey


def survey_of(contact: Contact, survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.customer_id != contact.customer_id or survey.answered_at is not None:
        raise NotFound()
    return survey


def field_record(contact: Contact, visit_id: int) -> FieldServiceRecord:
    visit = db.session.get(FieldServiceRecord, visit_id)
    if visit is None or visit.service_request.customer_id != contact.customer_id:
        raise NotFound()
    return visit
