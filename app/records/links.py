"""What links a record kind to its process: declared by each kind (app/records/<kind>/process.py),
followed by app.records.process_link. Processes hold the ids of records, not copies of them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, HumanTask, ProcessInstance


def _nothing(*_args) -> None:
    return None


@dataclass(frozen=True)
class Link:
    """One record kind's process: what the process starts with and how the record follows it.

    ``status`` maps an element to the record status reached when a task of it is created;
    the ``on_*`` callbacks add what a status alone cannot say (dates, results)."""
    model: type
    process_key: str
    business_key: Callable[[Any], str]
    customer: Callable[[Any], str | None]
    variables: Callable[[Any], dict]
    drafts: Callable[[Any], dict]
    status: dict[str, str]
    on_task_created: Callable[[Any, HumanTask, str | None], str | None] = field(default=lambda _r, _t, s: s)
    # may return new records (e.g. a request opened by a follow-up visit): their processes start
    on_task_completed: Callable[[Any, HumanTask, dict], list | None] = field(default=_nothing)
    on_ended: Callable[[Any, ProcessInstance], None] = field(default=_nothing)
    # A process started without a record (Start page, API) creates it when this element's task
    # completes, from the instance's data: adopt(instance data) -> a new, unsaved record.
    due_elements: tuple[str, ...] = ()  # tasks whose due date is the record's deadline (due_at)
    adopt_at: str | None = None
    adopt: Callable[[dict], Any] | None = None
    # The fields diagrams may read by reference: ``${record_field('name')}`` (app.engine.record_fields)
    fields: dict[str, Callable[[Any], Any]] = field(default_factory=dict)


def references(customer, contact) -> dict[str, int | None]:
    """Who the record is about, by id: phone and e-mail stay in the customer ledger (app.pii);
    the task page shows the contact masked, with the audited reveal."""
    return {"customer_id": customer.id if customer else None, "contact_id": contact.id if contact else None}


def customer_for(data: dict):
    """The customer a process's data names: by id (the platform's hidden field), else by exact name,
    else a new customer ledger entry with that name (第十五条: the ledger is kept current)."""
    customer_id = data.get("customer_id")
    if isinstance(customer_id, int) and not isinstance(customer_id, bool):
        found = db.session.get(Customer, customer_id)
        if found is not None:
            return found
    name = str(data.get("customer_name") or "").strip()[:200] or "未登记客户"
    found = db.session.scalars(select(Customer).where(Customer.name == name).limit(1)).first()
    if found is None:
        found = Customer(name=name)
        db.session.add(found)
    return found


def customer_name(record) -> str | None:
    return record.customer.name if record.customer else None
