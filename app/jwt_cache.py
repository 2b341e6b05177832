"""Decoded API tokens, kept per worker (issue 22: less work per request).

flask_jwt_extended decodes the bearer token three times per request (claims unverified, header,
then the signature and the claims verified). A token that passed that check once decodes to the same
claims until it expires, so the verified claims are kept, keyed by the token's exact text, and used
again while ``exp`` (with the configured leeway) lies ahead. What runs after decoding still runs on
every request: the blocklist check, the user lookup (an inactive user is refused), the permission
checks. An expired, forged or malformed token is never kept: it goes through the full check and
its error. The secret is the app's for the life of the process.
"""
from __future__ import annotations

import threading
import time

from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config

MAX_TOKENS = 4096  # tokens kept per worker; the oldest go first


class CachingJWTManager(JWTManager):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._verified: dict[tuple, dict] = {}
        self._lock = threading.Lock()

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        key = (encoded_token, csrf_value, allow_expired)
        claims = self._verified.get(key)
        if claims is not None and (allow_expired or _alive(claims)):
            return dict(claims)  # flask_jwt_extended keeps it on ``g``: each request its own copy
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and not isinstance(exp, bool):  # a token without expiry: never kept
            with self._lock:
                if len(self._verified) >= MAX_TOKENS:
                    del self._verified[next(iter(self._verified))]
                self._verified[key] = dict(claims)
        return claims


def _alive(claims: dict) -> bool:
    return time.time() < claims["exp"] + config.leeway  # as PyJWT checks it
