"""Users by name, many in one query. Two ideas, two names: ``usernames`` are login names (the API,
history details, engine messages); ``display_names`` are "First Last" (what the screens show)."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select

from app.extensions import db


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
