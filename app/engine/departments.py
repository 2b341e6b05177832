"""The departments of the Departments screen, as processes use them: one list for a form's
department choice (``camunda:property options="departments"``) and the people a department's
task goes to (``department_members(code)`` in ``camunda:candidateUsers``)."""
from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import select

from app.engine import forms, people
from app.extensions import db
from app.models import Department, UserProfile

SOURCE = "departments"  # the option source's name in a diagram


def options() -> list[tuple[str, str]]:
    """(code, name) of every department, named in the reader's language where it has an English name."""
    english = has_request_context() and str(get_locale()) == "en"
    rows = db.session.execute(select(Department.code, Department.name, Department.name_en)
                              .order_by(Department.code)).all()
    return [(code, (name_en if english and name_en else name)) for code, name, name_en in rows]


def members(code: str) -> list[str]:
    """Login names of the department's members who work tasks (active, a working role: the staff
    snapshot of ``people``), sorted: a task for the department goes to them."""
    in_department = set(db.session.scalars(
        select(UserProfile.user_id).join(Department, Department.id == UserProfile.department_id)
        .where(Department.code == str(code))))
    return [p.username for p in people.staff().by_name
            if p.id in in_department and p.roles & people.WORKING_ROLES]


def heads() -> list[str]:
    """Login names of the departments' heads, one per department that has an active head (in
    department code order): a daily spot check goes to each (``department_heads()`` in a
    multi-instance ``camunda:collection``)."""
    active = {pid: p.username for pid, p in people.staff().people.items()}
    rows = db.session.execute(select(Department.head_id).where(Department.head_id.is_not(None))
                              .order_by(Department.code)).all()
    return [active[head_id] for (head_id,) in rows if head_id in active]


def register() -> None:
    """The form option source (``create_app``)."""
    forms.register_option_source(SOURCE, options)
