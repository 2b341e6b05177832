"""Task and start forms on screen: read the posted values, choose what each
field shows, render instructions as sanitised Markdown, and a signed token
that remembers a user could see a task (candidates lose sight of a task once
someone else completes it, but they must still learn who did)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import markdown
import nh3
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from app.engine.forms import FormField

BLANK_DEFAULT = ("${", "#{")  # expressions are the engine's business, not a value to show
TOKEN_MAX_AGE = 7 * 24 * 3600  # a task page left open for a week still learns who got there first


def posted_data(fields: Iterable[FormField], form, controls: Iterable[str] = ()) -> dict[str, Any]:
    """The submitted values of the form's editable fields (the page never sends read-only ones). Any
    other key but the page's own ``controls`` is passed on as sent, so the engine refuses it exactly
    as it does for the API ("unknown field", "is read-only")."""
    fields = list(fields)
    editable = {f.id for f in fields if not f.readonly}
    data: dict[str, Any] = {k: form.get(k) for k in form if k not in controls and k not in editable}
    for f in fields:
        if f.readonly:
            continue
        if f.type == "boolean":
            values = form.getlist(f.id)  # a hidden "false" followed by the checkbox's "true"
            if values:
                data[f.id] = "true" if "true" in values else "false"
        elif f.id in form:
            data[f.id] = form.get(f.id, "")
    return data


def default_of(f: FormField) -> Any:
    if isinstance(f.default, str) and f.default.startswith(BLANK_DEFAULT):
        return None
    return f.default


def shown_values(fields: Iterable[FormField], *layers: Mapping | None) -> dict[str, Any]:
    """Defaults, overlaid by each layer in turn (draft, submitted, what was just typed)."""
    values = {f.id: default_of(f) for f in fields}
    for layer in layers:
        for key, value in (layer or {}).items():
            if key in values:
                values[key] = value
    return values


def is_true(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "on", "1", "yes")


def markdown_html(text: str | None) -> Markup:
    """Process documentation comes from uploaded diagrams: render, then sanitise."""
    if not text:
        return Markup("")
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return Markup(nh3.clean(html, link_rel="noopener noreferrer"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="task-view")


def view_token(user_id: int, task_id: int) -> str:
    return _serializer().dumps([user_id, task_id])


def token_allows(token: str | None, user_id: int, task_id: int) -> bool:
    if not token:
        return False
    try:
        return _serializer().loads(token, max_age=TOKEN_MAX_AGE) == [user_id, task_id]
    except BadSignature:
        return False
