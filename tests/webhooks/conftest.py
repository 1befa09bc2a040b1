"""A real receiving endpoint for the webhook tests: an HTTP server on 127.0.0.1, in a thread.

It verifies every request's signature with the Standard Webhooks reference library
(`standardwebhooks`), records what came and answers as the test scripts it: a list of statuses
to give in order (then `default_status`), or a `behaviour` that writes its own answer (slow,
dripping, redirecting, huge).
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int = 0

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Receiver:
    port: int = 0
    secrets: list[str] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    default_status: int = 204
    behaviour: object = None  # a callable(handler) that answers itself
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/lotsen") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def accepted(self) -> list[Received]:
        with self.lock:
            return [request for request in self.requests if request.accepted]

    def verify(self, body: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            return True
        return False

    def next_status(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else self.default_status


def handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            received = Received(self.path, headers, body, receiver.verify(body, headers))
            with receiver.lock:
                receiver.requests.append(received)
            if receiver.behaviour is not None:
                received.status = receiver.behaviour(self) or 0
                return
            received.status = receiver.next_status()
            self.send_response(received.status)
            answer = b"" if received.status == 204 else b'{"ok": false}'
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args):
            pass

    return Handler


@pytest.fixture
def receiver():
    """A running receiving endpoint; give it the endpoint's secret (`receiver.secrets`)."""
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(found))
    server.daemon_threads = True
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def webhook_settings(app):
    """Deliveries to the receiver on 127.0.0.1, retries at once, no minimum time to turn off."""
    app.config.update(
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True,
        WEBHOOK_RETRY_SCHEDULE=(0, 0, 0),
        WEBHOOK_TIMEOUT=5,
        WEBHOOK_DISABLE_AFTER_HOURS=0,
    )
    return app.config
