"""A small OAuth2 authorisation server for the XOAUTH2 tests, standing in for Microsoft Entra ID.

It issues access tokens by the client-credentials grant (`POST /token`, as Lotsen's worker asks
Entra ID for a token for Exchange Online) and answers Dovecot's token introspection
(`POST /introspect`, RFC 7662): a token it issued is active for the mailbox it was issued for.
"""

import json
import secrets
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "lotsen-imap"
CLIENT_SECRET = "client-secret-for-tests"
SCOPE = "https://outlook.office365.com/.default"


@dataclass
class TokenIssuer:
    server: ThreadingHTTPServer
    # token -> the mailbox (user name) it opens
    tokens: dict[str, str] = field(default_factory=dict)
    # the mailbox the next token is issued for
    mailbox: str = ""
    token_requests: int = 0
    introspections: int = 0

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self, **changes) -> dict:
        """The `oauth2` part of a mailbox's settings, as for Exchange Online."""
        return {
            "token_url": f"{self.url}/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": SCOPE,
            **changes,
        }

    def revoke_all(self) -> None:
        self.tokens.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_token_issuer() -> TokenIssuer:
    issuer: TokenIssuer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), 10_000)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if self.path == "/token":
                self.token(form)
            elif self.path == "/introspect":
                self.introspect(form)
            else:
                self.answer(404, {"error": "not_found"})

        def token(self, form: dict) -> None:
            issuer.token_requests += 1
            if (
                form.get("grant_type") != "client_credentials"
                or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or form.get("scope") != SCOPE
            ):
                self.answer(401, {"error": "invalid_client"})
                return
            token = secrets.token_urlsafe(32)
            issuer.tokens[token] = issuer.mailbox
            self.answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3599})

        def introspect(self, form: dict) -> None:
            issuer.introspections += 1
            mailbox = issuer.tokens.get(form.get("token", ""))
            if mailbox is None:
                self.answer(200, {"active": "false"})
            else:
                self.answer(200, {"active": "true", "username": mailbox})

        def answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = TokenIssuer(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return issuer
