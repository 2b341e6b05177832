"""Signed one-time links for customers (survey, field-record confirmation, portal sign-in).

A token is an itsdangerous signature, salted per kind, over a row id and a nonce; the row keeps
only the token's SHA-256, so a database leak gives no working links and a new token revokes the
last. Each kind keeps its own expiry and single-use rules on its row."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MAX_TOKEN_LENGTH = 400


class LinkError(Exception):
    """A forged, mangled or replaced link (400)."""
    status = 400
    reason = "invalid"


class LinkExpired(LinkError):
    status = 410
    reason = "expired"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def issue(salt: str, key: str, row_id: int) -> str:
    """A fresh token naming ``row_id`` under ``key``; store ``token_hash(token)`` on the row."""
    return _serializer(salt).dumps({key: row_id, "n": secrets.token_urlsafe(6)})


def row_id(salt: str, token: str, key: str, max_age_seconds: int) -> int:
    """The row id a genuine token names; LinkError / LinkExpired (past the hard ceiling)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkError()
    try:
        data = _serializer(salt).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkError() from exc
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, int):
        raise LinkError()
    return value


def matches(stored_hash: str | None, token: str) -> bool:
    """Whether the row's stored hash is this token's (a newer link replaces an older one)."""
    return bool(stored_hash) and hmac.compare_digest(stored_hash, token_hash(token))
