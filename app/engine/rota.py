"""Who is on call: the on-call rota (``OnCallShift``) per department, read when an emergency
arrives (``on_call(department)`` in a diagram's assignee). A shift covers [starts_at, ends_at)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.engine import clock, people
from app.extensions import db
from app.models import Department, OnCallShift, UserProfile

MAX_SHIFT = timedelta(days=7)


def on_call_user_id(department_code: str, at: datetime | None = None) -> int | None:
    """The user on call in the department at ``at`` (now): the shift that started last among those
    covering the moment; None when nobody is (the task then stays with its candidate groups)."""
    moment = at or clock.now()
    return db.session.scalars(
        select(OnCallShift.user_id).join(Department, Department.id == OnCallShift.department_id)
        .where(Department.code == department_code, OnCallShift.starts_at <= moment, OnCallShift.ends_at > moment)
        .order_by(OnCallShift.starts_at.desc()).limit(1)).first()


def on_call(department_code: str, at: datetime | None = None) -> str | None:
    """The login name of whoever is on call (a diagram's ``camunda:assignee="${on_call('DELIVERY')}"``)."""
    return people.username(on_call_user_id(str(department_code), at))


def check_shift(department_id: int | None, user, starts_at: datetime | None,
                ends_at: datetime | None) -> dict[str, tuple[str, dict]]:
    """{field: (message, its values)} for a shift that cannot stand (empty when it can); the message
    is an English template (``message % values``) that the rota screen translates.
    The person must be an active member of the department holding a working role; the shift must
    end after it starts and last at most a week (a longer one is almost always a typing error)."""
    problems: dict[str, str] = {}
    if starts_at and ends_at and ends_at <= starts_at:
        problems["ends_at"] = ("The shift must end after it starts.", {})
    elif starts_at and ends_at and ends_at - starts_at > MAX_SHIFT:
        problems["ends_at"] = ("A shift lasts at most 7 days.", {})
    if user is not None:
        working = people.staff().people.get(user.id)  # active, holding an inbox role
        member = db.session.scalars(select(UserProfile.department_id).where(UserProfile.user_id == user.id)).first()
        if working is None or not working.roles & people.WORKING_ROLES:  # not ReadOnly, Sales, owners
            problems["user"] = ("%(user)s cannot take emergencies (inactive, or no working role).",
                                {"user": user.username})
        elif department_id is not None and member != department_id:
            problems["user"] = ("%(user)s is not a member of this department.", {"user": user.username})
    return problems
