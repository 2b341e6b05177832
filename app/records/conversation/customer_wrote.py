"""Who hears that a customer wrote on an existing case (``hooks.CUSTOMER_WROTE``, emitted by
``service.post``): the staff who hold the case's open tasks (each task's assignee, else its
candidate users and the members of its candidate groups); when the case has none (no process,
or it has ended), the head of the complaint's responsible department, else every supervisor.
Each gets the ``customer_wrote`` mail at once or in the daily digest, in their language
(``mail.notify_user``). The demo seeder's ``notifications.muted()`` keeps it quiet."""
from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.engine import hooks, mail, notifications, people
from app.extensions import db
from app.models import HumanTask
from app.records.conversation.models import ConversationMessage

TEMPLATE = "customer_wrote"
EXCERPT_CHARS = 500
CASE_PAGES = {"service_request": "servicerequestview", "complaint": "complaintview"}
SUPERVISOR_ROLE = "Supervisor"


def register() -> None:
    """The listener (``create_app``)."""
    hooks.register(hooks.CUSTOMER_WROTE, customer_wrote)


def customer_wrote(record, message: ConversationMessage) -> None:
    if notifications.is_muted():
        return
    context = case_context(record, message)
    for user in recipients(record):
        mail.notify_user(user, TEMPLATE, TEMPLATE, context, instance_id=record.process_instance_id)


def recipients(record) -> list:
    """The staff to tell, by the module's rule, each once."""
    found: dict[int, object] = {}
    if record.process_instance_id:
        tasks = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == record.process_instance_id,
                                                           HumanTask.state == "open").order_by(HumanTask.id))
        for task in tasks:
            found.update((user.id, user) for user in notifications.people_for(task))
    if not found:
        department = getattr(record, "responsible_department", None)
        head = department.head if department is not None else None
        if head is not None and head.active:
            found[head.id] = head
    if found:
        return list(found.values())
    ids = sorted(p.id for p in people.staff().people.values() if SUPERVISOR_ROLE in p.roles)
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))) if ids else []


def case_context(record, message: ConversationMessage) -> dict:
    text = " ".join((message.body or "").split())
    who = message.contact.name if message.contact is not None else (message.sender or "")
    return {"case": {
        "kind": record.__tablename__, "number": record.number, "customer": record.customer.name,
        "who": who, "channel": message.channel, "files": len(message.attachments),
        "topic": getattr(record, "subject", None) or (getattr(record, "matter", None) or "")[:80],
        "excerpt": text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…",
        "url": f"{mail.base_url()}/{CASE_PAGES.get(record.__tablename__, '')}/show/{record.id}#conversation",
    }}
