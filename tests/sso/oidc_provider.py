"""A real OpenID Connect provider for the single sign-on tests: node oidc-provider.

`scripts/test` installs it (`ensure_oidc_provider` in scripts/lib/setup.sh: `npm ci` of the
pinned version in tests/sso/provider). `OidcProvider` runs tests/sso/provider/provider.mjs on a
free port of 127.0.0.1 with one client (Lotsen, PKCE required, its redirect and post-log-out
addresses under the base URL given) and the accounts below; the provider prints its events
(ready, end-session, errors) as JSON lines, which `events` collects.

The `start_oidc_provider` fixture starts providers and stops them after the test;
`enable_sso(app, provider)` points an app at one; `OidcProvider.log_in` goes through the
provider's log-in pages (devInteractions: any password) with `requests`, for tests that drive
Lotsen with the Flask test client rather than a browser.
"""

import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from lotsen.accounts import oidc

PROVIDER_DIR = Path(__file__).parent / "provider"
CLIENT_ID = "lotsen-test-client"
CLIENT_SECRET = "lotsen-test-client-secret-0123456789"
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
CALLBACK_PATH = "/konto/sso/callback"
LOGGED_OUT_PATH = "/konto/sso/utloggad"
COORDINATORS_GROUP = "0b6f1c9e-lotsen-samordnare"
ADMINS_GROUP = "5d2a7f40-lotsen-admin"

# Logins on the provider's form and the claims each one gets.
ACCOUNTS = {
    "karin": {
        "email": "karin.lindqvist@kommun.example",
        "email_verified": True,
        "name": "Karin Lindqvist",
        "groups": [COORDINATORS_GROUP, "alla-anstallda"],
    },
    "erik": {
        "email": "erik.johansson@kommun.example",
        "email_verified": True,
        "name": "Erik Johansson",
        "groups": ["alla-anstallda"],
    },
    # An address the provider does not vouch for (email_verified false).
    "olle": {
        "email": "olle.okand@kommun.example",
        "email_verified": False,
        "name": "Olle Okänd",
        "groups": [COORDINATORS_GROUP],
    },
    # As Entra ID sends it: the object id in `oid`, no email_verified, app roles in `roles`.
    "entra": {
        "oid": "8c1f0a52-3b7e-4d61-9a0c-5e2f7b9d4c11",
        "email": "alva.admin@kommun.example",
        "name": "Alva Admin",
        "roles": ["Lotsen.Admin"],
        "groups": [ADMINS_GROUP],
    },
}
# OIDC_ROLE_MAP for the accounts above.
ROLE_MAP = {
    COORDINATORS_GROUP: ["coordinator", "official"],
    ADMINS_GROUP: "admin",
    "alla-anstallda": "official",
}


class OidcProvider:
    """One running provider process (start() … stop())."""

    def __init__(self, base_url: str, accounts: dict | None = None, conform: bool = False):
        base_url = base_url.rstrip("/")
        self.redirect_uri = base_url + CALLBACK_PATH
        self.post_logout_redirect_uri = base_url + LOGGED_OUT_PATH
        self.settings = {
            "client": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [self.redirect_uri],
                "post_logout_redirect_uris": [self.post_logout_redirect_uri],
            },
            "accounts": ACCOUNTS if accounts is None else accounts,
            "conform_id_token_claims": conform,
        }
        self.issuer: str | None = None
        self.events: list[dict] = []
        self.errors: list[str] = []
        self._ready = threading.Event()
        self._process: subprocess.Popen | None = None
        self._readers: list[threading.Thread] = []

    def start(self) -> "OidcProvider":
        node = shutil.which("node")
        if node is None:
            pytest.fail("Node.js is required for the single sign-on tests (apt-get install nodejs)")
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            pytest.fail(
                "oidc-provider is not installed in tests/sso/provider: run scripts/test, or "
                "`npm ci` in that folder"
            )
        environment = {**os.environ, "OIDC_TEST_PROVIDER": json.dumps(self.settings)}
        self._process = subprocess.Popen(
            [node, "provider.mjs"],
            cwd=PROVIDER_DIR,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._readers = [
            threading.Thread(target=self._read_events, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        if not self._ready.wait(START_TIMEOUT_S):
            self.stop()
            pytest.fail("the OpenID provider did not start: " + " ".join(self.errors)[-2000:])
        return self

    def _read_events(self) -> None:
        for line in self._process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                self.errors.append(line.strip())
                continue
            if event.get("event") == "ready":
                self.issuer = event["issuer"]
                self._ready.set()
            else:
                self.events.append(event)

    def _read_errors(self) -> None:
        for line in self._process.stderr:
            if "WARNING" not in line:  # oidc-provider's development-mode warnings
                self.errors.append(line.strip())

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(STOP_TIMEOUT_S)
        for reader in self._readers:
            reader.join(STOP_TIMEOUT_S)
        self._process.stdout.close()
        self._process.stderr.close()
        self._process = None

    def named(self, name: str) -> list[dict]:
        """The events of one kind the provider printed so far (e.g. "end_session")."""
        return [event for event in self.events if event["event"] == name]

    def app_settings(self) -> dict:
        """The configuration that points Lotsen at this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_TIMEOUT": 10,
        }

    def log_in(self, browser: requests.Session, authorize_url: str, login: str | None) -> str:
        """Follow the provider's pages from `authorize_url`, logging in as `login` when its
        log-in form asks, until it sends the browser back to Lotsen: that address."""
        url = authorize_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and 'name="login"' in response.text:
                if login is None:
                    raise AssertionError("the provider asked for a log-in")
                action = re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1)
                response = browser.post(
                    urljoin(url, action),
                    data={"prompt": "login", "login": login, "password": "valfritt"},
                    allow_redirects=False,
                    timeout=10,
                )
            assert response.status_code in (302, 303), (response.status_code, response.text[:500])
            url = urljoin(url, response.headers["Location"])
            if url.startswith(self.redirect_uri):
                return url
        raise AssertionError(f"the provider never sent the browser back (last: {url})")


@pytest.fixture
def start_oidc_provider():
    """start_oidc_provider(base_url, accounts=None, conform=False): a running provider whose
    client redirects to `base_url`; stopped after the test."""
    started: list[OidcProvider] = []

    def start(base_url: str, **kwargs) -> OidcProvider:
        provider = OidcProvider(base_url, **kwargs)
        started.append(provider)
        return provider.start()

    yield start
    for provider in started:
        provider.stop()
        assert not provider.named("server_error"), provider.named("server_error")


def enable_sso(app, provider: OidcProvider, **settings) -> None:
    """Point `app` at `provider` (what the environment would do before create_app)."""
    app.config.update(provider.app_settings(), **settings)
    oidc.install(app)
