"""Fixtures of the security tests (shared with tests/api, defined in tests.api.helpers)."""
from tests.api.helpers import api, complaint, engine, live_url, tidy, tokens  # noqa: F401
