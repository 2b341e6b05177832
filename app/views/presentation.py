"""What every page shares in how it shows things: local times (the ``localtime`` filter), role
names and permissions in words, process content in the reader's language (the ``task_name``,
``task_process``, ``process_name`` filters, app.engine.content), and the app-styled error pages.
One call from register_views."""
from __future__ import annotations

from typing import Any

from flask import Flask

from app.engine import content
from app.lang import reader_lang
from app.records.timefmt import fmt_local
from app.security_screens import describe_role, role_label
from app.views.errors import register_error_pages




def task_name(task: Any) -> str:
    return content.task_name(task, reader_lang())


def task_process(task: Any) -> str:
    return content.task_process_name(task, reader_lang())


def task_documentation(task: Any) -> str:
    return content.task_documentation(task, reader_lang())


def process_name(definition: Any) -> str:
    """A process definition (or anything with ``key`` and ``name``) by its name in the reader's language."""
    if definition is None:
        return ""
    return content.process_name(definition.key, reader_lang(), definition.name)


def history_names(process_key: str, events: Any) -> dict[str, str]:
    """{element id: name in the reader's language} for the elements a history names."""
    lang = reader_lang()
    return {e.element_id: content.element_text(process_key, e.element_id, lang, e.element_name)
            for e in events if e.element_id and e.element_name}


def fields_in(fields: Any) -> list:
    return content.fields_in(fields, reader_lang())


def init_presentation(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = fmt_local
    app.jinja_env.filters.update(task_name=task_name, task_process=task_process, process_name=process_name)
    app.jinja_env.globals.update(role_label=role_label, describe_role=describe_role)
    register_error_pages(app)
