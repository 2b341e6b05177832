"""What an API write answers: built inside its transaction, before the commit, and remembered under the
request's ``Idempotency-Key`` in that same transaction (app/engine/idempotency.py).

Built before the commit, a write that was saved is never answered 500 because the database went away
after it (the answer needs no query once committed). ``idempotent`` wraps an endpoint: a key seen before
answers what was answered then (header ``Idempotent-Replayed: true``); a key reused for another request
is refused (422); without the header nothing changes.
"""
from __future__ import annotations

import re
from functools import wraps
from typing import Any, Callable

from flask import g, request

from app.engine import idempotency
from app.engine.errors import Invalid
from app.extensions import db

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,%d}" % idempotency.MAX_KEY_LENGTH)  # visible ASCII, as the IETF draft has it


class Answer:
    """Pass as the engine call's ``before_commit``; then ``answer.response(api)``."""

    def __init__(self, status: int, build: Callable[[Any], dict]) -> None:
        self.status, self.build, self.body = status, build, None

    def __call__(self, result: Any) -> None:
        self.body = self.build(result)
        pending = g.get("idempotency")
        if pending:
            user_id, key, fp = pending
            idempotency.remember(user_id, key, fp, self.status, self.body)

    def response(self, api):
        return api.response(self.status, **self.body)


def _replay(api, record):
    response = api.response(record.status, **record.body)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(self, *args, **kwargs):
        g.idempotency = None
        key = request.headers.get(HEADER)
        if key is None:
            return view(self, *args, **kwargs)
        if not _KEY.fullmatch(key):
            raise Invalid(f"{HEADER} must be 1 to {idempotency.MAX_KEY_LENGTH} visible ASCII characters.",
                          fields={HEADER: "invalid key"})
        user_id = g.user.id
        fp = idempotency.fingerprint(request.method, request.path, request.get_data())

        def seen():
            record = idempotency.lookup(user_id, key)
            if record is not None and record.fingerprint != fp:
                raise Invalid(f"This {HEADER} was used for a different request; use a new key.",
                              fields={HEADER: "used for a different request"})
            return record

        record = seen()
        if record is not None:
            return _replay(self, record)
        g.idempotency = (user_id, key, fp)
        try:
            return view(self, *args, **kwargs)
        except Exception:  # another request with this key may have won the race (its insert failed here)
            db.session.rollback()
            record = seen()
            if record is not None:
                return _replay(self, record)
            raise
        finally:
            g.idempotency = None
    return wrapper
