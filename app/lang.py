"""The reader's language: pages follow the session's choice (``/lang/<code>``); the API follows
``?_l_=``, else the session, else the ``Accept-Language`` header, and answers ``Content-Language``."""
from __future__ import annotations

import functools

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale


def reader_lang() -> str:
    """The language of the page or answer (the site's default outside a request)."""
    if has_request_context():
        locale = get_locale()
        if locale is not None:
            return str(locale.language)
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh")


@functools.lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    """Parsed once: Flask-Babel would parse the code on every request (a file lookup each time)."""
    return Locale.parse(code)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def init_lang(app: Flask) -> None:
    """Let API clients choose by ``Accept-Language`` (FAB's selector knows only ``_l_`` and the
    session, and would start a session for a token client)."""
    babel = app.extensions["babel"]
    fab_selector = babel.locale_selector
    languages = list(app.config.get("LANGUAGES") or {})

    def select():
        if has_request_context() and _is_api() and "_l_" not in request.args and not session.get("locale"):
            code = request.accept_languages.best_match(languages) or app.config.get("BABEL_DEFAULT_LOCALE")
        else:
            code = fab_selector()
        return _locale(code) if isinstance(code, str) else code

    babel.locale_selector = select

    @app.after_request
    def content_language(response):
        if _is_api() and response.mimetype == "application/json":
            response.headers.setdefault("Content-Language", reader_lang())
        return response
