"""The departments of the Departments screen, as processes use them: one list for a form's
department choice (``camunda:property options="departments"``) and the people a department's
task goes to (``department_members(code)`` in ``camunda:candidateUsers``)."""
from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import select

from app.engine import forms
from app.extensions import db
from app.models import Department, UserProfile

SOURCE = "departments"  # the option source's name in a diagram


def _user():
    from flask_appbuilder.security.sqla.models import User  # FAB's model: imported once the app exists

    return User


def options() -> list[tuple[str, str]]:
    """(code, name) of every department, named in the reader's language where it has an English name."""
    english = has_request_context() and str(get_locale()) == "en"
    rows = db.session.execute(select(Department.code, Department.name, Department.name_en)
                              .order_by(Department.code)).all()
    return [(code, (name_en if english and name_en else name)) for code, name, name_en in rows]


def members(code: str) -> list[str]:
    """Login names of the department's active members (sorted): a task for the department goes to them."""
    User = _user()
    return list(db.session.scalars(
        select(User.username).join(UserProfile, UserProfile.user_id == User.id)
        .join(Department, Department.id == UserProfile.department_id)
        .where(Department.code == str(code), User.active.is_(True)).order_by(User.username)))


def register() -> None:
    """The form option source (``create_app``)."""
    forms.register_option_source(SOURCE, options)
