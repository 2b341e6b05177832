"""Fixtures of the API tests (defined in tests.api.helpers, shared with tests/security)."""
from tests.api.helpers import api, complaint, engine, live_url, tidy, tokens  # noqa: F401
