"""Data derived from users, roles and new hires, kept per worker until the security epoch moves
(every change to them is an audited security event: app.security). Without the app's security
manager (a bare session, a script) it is read once per transaction."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import current_app, has_app_context

from app.extensions import db

T = TypeVar("T")


def cached(name: str, load: Callable[[], T]) -> T:
    sm = getattr(getattr(current_app, "appbuilder", None), "sm", None) if has_app_context() else None
    if sm is not None and hasattr(sm, "epoch"):
        epoch = sm.epoch()
        entry = sm.__dict__.get("_" + name)
        if entry is None or entry[0] != epoch:
            entry = sm.__dict__["_" + name] = (epoch, load())
        return entry[1]
    info = db.session.info
    entry = info.get(name)
    tx = db.session().get_transaction()
    if entry is not None and tx is not None and entry[0] is tx:
        return entry[1]
    value = load()
    info[name] = (db.session().get_transaction(), value)
    return value
