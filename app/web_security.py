"""Request-level security: CSRF for cookie-authenticated API calls, security
headers with a CSP nonce, rate limits on the API login."""
from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _csp_nonce() -> str:
    if not hasattr(g, "csp_nonce"):
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _auth_rate_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def init_web_security(app: Flask) -> None:
    from app.extensions import csrf, limiter

    app.jinja_env.globals["csp_nonce"] = _csp_nonce

    # API blueprints are exempt from Flask-WTF's form check, but a browser that
    # calls them with the session cookie must still send the CSRF token; only
    # token-authenticated calls (Authorization header) skip it.
    for name, bp in app.blueprints.items():
        if bp.url_prefix and bp.url_prefix.startswith("/api/"):
            csrf.exempt(bp)

    @app.before_request
    def _api_csrf() -> None:
        if (
            request.path.startswith("/api/")
            and request.method not in SAFE_METHODS
            and "Authorization" not in request.headers
            and request.path != "/api/v1/security/login"
            and app.config.get("WTF_CSRF_ENABLED", True)
        ):
            csrf.protect()

    login_ep = "SecurityApi.login"
    if login_ep in app.view_functions:
        # One module-level callable, not a closure per app: Flask-Limiter keeps a limiter's route limits
        # in a set keyed by the view's name, so a new closure for each app added one more limit, and every
        # login counted once per app created in the process (the full test suite's 429 on the first try).
        app.view_functions[login_ep] = limiter.limit(_auth_rate_limit, methods=["POST"])(
            app.view_functions[login_ep]
        )

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "SAMEORIGIN")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if response.mimetype == "application/json":  # nothing in it runs: no nonce to make
            h.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
        elif not request.path.startswith("/swagger"):
            h.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{_csp_nonce()}'; "
                "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; "
                "base-uri 'self'; form-action 'self'",
            )
        if app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
