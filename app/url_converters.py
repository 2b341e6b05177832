"""``<int:...>`` in every route takes ASCII digits only. Werkzeug's own matches any Unicode digit, so
``/api/v1/tasks/٣`` (an Arabic-Indic three) or ``/task/３/`` (a full-width three) was task 3, a path the
OpenAPI document's integer does not allow."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    regex = r"[0-9]+"  # the signed form prefixes "-?" to it


def init_converters(app: Flask) -> None:
    """Before any route is added: a rule binds its converter when it is added."""
    app.url_map.converters["int"] = AsciiIntegerConverter
