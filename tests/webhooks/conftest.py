"""A real receiving endpoint for the webhook tests: an HTTP server on 127.0.0.1, in a thread.

It verifies every request's signature with the Standard Webhooks reference library
(`standardwebhooks`), records what came and answers as the test scripts it: a list of statuses
to give in order (then `default_status`), or a `behaviour` that writes its own answer (slow,
dripping, redirecting, huge).
"""

import json
import ssl
import subprocess
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
    behaviour: object = None  # a callable(handler) that answers itself, through answer()
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ca_file: str | None = None

    def url(self, path: str = "/lotsen") -> str:
        if self.ca_file:
            return f"https://localhost:{self.port}{path}"
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
            self.received = received
            with receiver.lock:
                receiver.requests.append(received)
            if receiver.behaviour is not None:
                receiver.behaviour(self)  # it answers (see answer()), or never does
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


def serve(found: Receiver, tls: ssl.SSLContext | None = None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(found))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    return server, thread


def answer(handler, status: int, body: bytes = b"", headers=()) -> None:
    """A behaviour's answer; the status is recorded before the client can read it."""
    handler.received.status = status
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def receiver():
    """A running receiving endpoint; give it the endpoint's secret (`receiver.secrets`)."""
    found = Receiver()
    server, thread = serve(found)
    yield found
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def tls_receiver(tmp_path):
    """The receiving endpoint over HTTPS, with a certificate of its own (not trusted by the
    system) for localhost; `tls_receiver.ca_file` is that certificate."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    found = Receiver()
    found.ca_file = str(tmp_path / "cert.pem")
    server, thread = serve(found, tls)
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
