"""Users by name, many in one query. Two ideas, two names: ``usernames`` are login names (the API,
history details, engine messages); ``display_names`` are "First Last" (what the screens show).
And who may be given work at all: ``staff`` (active users holding an inbox role), kept per worker
until a security change; ``task_actions`` decides from it who may work a given task."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

from flask import has_app_context
from sqlalchemy import and_, select, union_all

from app.engine import epoch_cache
from app.engine.actor import STAFF_ROLES
from app.extensions import db
from app.models import NewHire


def _user():
    from flask_appbuilder.security.sqla.models import User  # FAB's model: imported once the app exists

    return User


def usernames(ids: Iterable[int | None]) -> dict[int, str]:
    """{user id: login name}."""
    User = _user()
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


def username(user_id: int | None) -> str | None:
    """One user's login name; None for no user or an unknown one."""
    return usernames([user_id]).get(user_id) if user_id is not None else None


def display_names(ids: Iterable[int | None]) -> dict[int, str]:
    """{user id: "First Last"}, the login name where both are blank."""
    User = _user()
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.first_name, User.last_name, User.username)
                              .where(User.id.in_(wanted))).all()
    return {r.id: (f"{r.first_name or ''} {r.last_name or ''}".strip() or r.username) for r in rows}


# ---------------------------------------------------------------- who may be given work
# A role that opens the inbox: someone holding none (ReadOnly) cannot see a task, so nobody may give
# them one. The same set as ``Actor.is_staff``.
INBOX_ROLES = STAFF_ROLES
# The roles whose members do the department's work: the people an unroutable task may go to.
# Admin, ProcessOwner and Sales work a task only where its candidates name them.
WORKING_ROLES = frozenset({"Supervisor", "CustomerService", "TechSupport", "FieldService"})


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    label: str  # "First Last (username)": what pickers show
    roles: frozenset[str]
    on_post: bool = True  # False: a new hire whose pre-post training is not yet recorded (``onboarding``)


@dataclass(frozen=True)
class Staff:
    """The active users who hold an inbox role, with their roles (direct and through FAB groups)."""

    people: dict[int, Person]

    @cached_property
    def held_roles(self) -> frozenset[str]:
        """The roles someone on the staff holds: a candidate role outside it names nobody."""
        return frozenset(r for p in self.people.values() for r in p.roles)

    @cached_property
    def by_name(self) -> list[Person]:
        return sorted(self.people.values(), key=lambda p: p.username)


def _load_staff() -> Staff:
    from flask_appbuilder.security.sqla.models import Group, Role  # FAB's models, as in _user

    User = _user()
    # a new hire still in pre-post training (app.engine.onboarding) comes with the same statement
    pending = and_(NewHire.user_id == User.id, NewHire.cleared_at.is_(None))
    columns = (User.id, User.username, User.first_name, User.last_name, Role.name, NewHire.id)
    direct = (select(*columns).select_from(User).join(User.roles).outerjoin(NewHire, pending)
              .where(User.active.is_(True)))
    grouped = (select(*columns).select_from(User).join(User.groups).join(Group.roles).outerjoin(NewHire, pending)
               .where(User.active.is_(True)))
    rows = db.session.execute(union_all(direct, grouped)).all()
    names, roles, held_back = {}, {}, set()
    for uid, login, first, last, role, new_hire in rows:
        names[uid] = (login, f"{first or ''} {last or ''} ({login})".strip())
        roles.setdefault(uid, set()).add(role)
        if new_hire is not None:
            held_back.add(uid)
    return Staff({uid: Person(uid, names[uid][0], names[uid][1], frozenset(held), uid not in held_back)
                  for uid, held in roles.items() if held & INBOX_ROLES})


def staff() -> Staff:
    """The staff snapshot: an inbox page asks it for every row. Kept per worker until the security epoch
    moves, or read once per transaction (app.engine.epoch_cache)."""
    return epoch_cache.cached("staff", _load_staff)


def known_usernames() -> dict[str, bool] | None:
    """{login name: active} of every user, for deploy-time warnings; None outside an app (a diagram
    checked offline is not checked against the users)."""
    if not has_app_context():
        return None
    User = _user()
    return dict(db.session.execute(select(User.username, User.active)).all())
