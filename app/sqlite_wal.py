"""SQLite, the embedded default, in write-ahead-log mode: a reader never waits for the writer, and a
commit appends to the log and syncs it once, instead of writing, syncing and deleting a rollback journal
and syncing the database (a task completion spent ~15 % of its time there). ``synchronous=FULL`` syncs
the log at every commit: a committed step survives a power cut, as before.
Copy a live database with ``sqlite3 app.db ".backup copy.db"``: the file alone misses the log."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _on_connect(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; an in-memory database stays "memory"
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def install() -> None:
    """Every SQLite engine of the process (the app's, the CLI's, the bench floor's)."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
