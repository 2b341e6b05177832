"""The public feedback form (意見反饋郵箱, 六步工作法 客戶監督): anyone may write, no sign-in; the
form is size-limited here and rate-limited per address by its view."""
from __future__ import annotations

from app.engine import clock
from app.engine.errors import Invalid
from app.extensions import db
from app.records.feedback.models import Feedback

LIMITS = {"name": 100, "contact": 200, "company": 200, "message": 4000}


def submit(*, message: str, name: str = "", contact: str = "", company: str = "", language: str | None = None,
           ip: str | None = None) -> Feedback:
    """Store one feedback (commits); ``Invalid`` naming the field for an empty or too long text."""
    values = {"name": name, "contact": contact, "company": company, "message": message}
    values = {k: (v or "").strip() for k, v in values.items()}
    errors = {k: f"At most {LIMITS[k]} characters." for k, v in values.items() if len(v) > LIMITS[k]}
    if not values["message"]:
        errors["message"] = "Please write your feedback."
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    row = Feedback(**{k: v or None for k, v in values.items()}, language=language, ip=(ip or "")[:64] or None,
                   status="new", created_at=clock.now())
    db.session.add(row)
    db.session.commit()
    return row


def handled(row: Feedback, user_id: int | None) -> None:
    """A supervisor marked it handled: who and when (the screen's save)."""
    if row.status == "handled" and row.handled_at is None:
        row.handled_at, row.handled_by_id = clock.now(), user_id
    elif row.status != "handled":
        row.handled_at = row.handled_by_id = None
