"""The live server of the browser tests, for schemathesis (it commits: see tests/conftest.py)."""

from tests.browser.conftest import live_server  # noqa: F401
