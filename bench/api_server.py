"""The product as the ``api`` part serves it (``gunicorn bench.api_server:app``): ``create_app()``
unchanged; with ``BENCH_SQL_LOG=<path>`` every request appends one JSON line
``{"method", "path", "statements": [...]}`` with the SQL its cursors executed (commits are not cursor
executions; a ``COMMIT`` entry marks each). The hook lives here, not in app/, so the product carries
no bench code."""
from __future__ import annotations

import json
import os
import threading

from sqlalchemy import event

from app import create_app
from app.extensions import db

app = create_app()
_LOG = os.environ.get("BENCH_SQL_LOG")
_local = threading.local()  # gthread: one list per request thread
_write = threading.Lock()


def _note(statement: str) -> None:
    stmts = getattr(_local, "statements", None)
    if stmts is not None:
        stmts.append(" ".join(statement.split()))


def _logged(inner):
    def wsgi(environ, start_response):
        _local.statements = []
        try:
            return inner(environ, start_response)  # Flask builds the whole body before returning
        finally:
            line = json.dumps({"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"],
                               "statements": _local.statements})
            _local.statements = None
            with _write, open(_LOG, "a", encoding="utf-8") as out:
                out.write(line + "\n")
    return wsgi


if _LOG:
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda conn, cur, stmt, *a: _note(stmt))
    event.listen(engine, "commit", lambda conn: _note("COMMIT"))
    app.wsgi_app = _logged(app.wsgi_app)
