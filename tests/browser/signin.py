"""Signing a browser in: through the login form the first time a user signs in with given context
options, then from the cookies that sign-in left (Playwright's storage state), which lands on the
same home page without the login page and its redirect. The form is used again whenever the saved
cookies no longer sign in (a test signed the user out or deactivated them)."""
from __future__ import annotations

from typing import Callable

PASSWORD = "Demo#2026Pass"

_saved: dict[tuple, dict] = {}  # (base, username, lang, context options) -> storage state after sign-in


def sign_in_page(browser, base: str, username: str, *, context: dict, timeout: int, lang: str | None = None,
                 setup: Callable | None = None):
    """A new context's page signed in as ``username`` on the home page (``/lang/<lang>`` chosen
    first when given); ``setup(page)`` runs before the first request (listeners)."""
    key = (base, username, lang, repr(sorted(context.items())))
    saved = _saved.get(key)
    ctx = browser.new_context(**context, **({"storage_state": saved} if saved else {}))
    page = ctx.new_page()
    page.set_default_timeout(timeout)
    if setup is not None:
        setup(page)
    if saved is not None:
        page.goto(f"{base}/")
        if "/login" not in page.url:
            return page
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"
    if lang is not None:
        page.goto(f"{base}/lang/{lang}")
    _saved[key] = ctx.storage_state()
    return page
