"""One HTTP POST of a webhook: to a checked address, within a deadline, reading a bounded answer.

- The host is resolved once and every address checked (addresses.py); the connection goes to
  the first of those addresses that answers, with the host name in the Host header and in TLS
  (SNI and certificate check), so an address checked is the address used.
- The whole exchange (connecting, TLS, sending, the status line, headers and the first
  `max_bytes` of the body) must end within `timeout` seconds: a watchdog shuts the socket down
  when the time is up, so a server that drips its answer a byte at a time cannot hold a worker.
- Redirects are not followed (a 3xx is a failed attempt, naming where it pointed); no proxy
  from the environment is used.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from lotsen.webhooks.addresses import AddressPolicy, Target, UnsafeUrl, resolve

USER_AGENT = "Lotsen-Webhooks/1.0"
MAX_EXCERPT_CHARS = 1000


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str
    location: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class DeliveryError(Exception):
    """The request did not get an answer (refused address, connection, TLS, timeout …)."""


class Watchdog:
    """Shuts the connection's socket down once the deadline has passed."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.fired = False
        self.sock: socket.socket | None = None
        self.timer = threading.Timer(seconds, self.fire)
        self.timer.daemon = True

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.001)

    def fire(self) -> None:
        self.fired = True
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> "Watchdog":
        self.timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.timer.cancel()


def open_socket(addresses: list[str], port: int, watchdog: Watchdog) -> socket.socket:
    """A connection to the first of the checked `addresses` that answers (as a browser tries
    a name's addresses in turn), within the deadline."""
    error: OSError | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=watchdog.remaining())
        except OSError as failure:
            error = failure
            if watchdog.fired or isinstance(failure, TimeoutError):
                break
            continue
        watchdog.sock = sock
        if watchdog.fired:  # the deadline passed while connecting
            watchdog.fire()
        return sock
    raise error or OSError("no address to connect to")


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, addresses: list[str], watchdog: Watchdog):
        super().__init__(target.host, target.port, timeout=watchdog.remaining())
        self.addresses, self.watchdog = addresses, watchdog

    def connect(self) -> None:
        self.sock = open_socket(self.addresses, self.port, self.watchdog)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, addresses: list[str], watchdog: Watchdog, context):
        super().__init__(target.host, target.port, timeout=watchdog.remaining(), context=context)
        self.addresses, self.watchdog, self.tls = addresses, watchdog, context

    def connect(self) -> None:
        self.sock = open_socket(self.addresses, self.port, self.watchdog)  # closed if TLS fails
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def printable(data: bytes) -> str:
    """The answer's start as text, without control characters (PostgreSQL stores no NUL)."""
    text = data.decode("utf-8", "replace")
    return "".join(
        char for char in text if char in "\n\t" or (ord(char) >= 32 and ord(char) != 127)
    )[:MAX_EXCERPT_CHARS]


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    *,
    policy: AddressPolicy,
    timeout: float,
    max_bytes: int,
    ca_file: str | None = None,
) -> Response:
    """POST `body` to `target`; the endpoint's answer, or DeliveryError saying why none came."""
    with Watchdog(timeout) as watchdog:
        try:
            addresses = resolve(target.host, target.port)
            policy.check(addresses)
        except UnsafeUrl as error:
            detail = str(error).partition(": ")[2]
            if error.code == "unresolvable":
                raise DeliveryError(f"DNS lookup failed: {detail}"[:500]) from error
            raise DeliveryError(f"Address refused: {detail}") from error
        checked = [str(address) for address in addresses]
        if target.scheme == "https":
            connection = PinnedHTTPSConnection(target, checked, watchdog, tls_context(ca_file))
        else:
            connection = PinnedHTTPConnection(target, checked, watchdog)
        try:
            connection.request(
                "POST",
                target.request_path,
                body=body,
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Connection": "close",
                },
            )
            answer = connection.getresponse()
            if watchdog.fired:  # the headers were cut off: the status says nothing
                raise TimeoutError
            location = answer.getheader("Location")
            return Response(answer.status, read_start(answer, max_bytes), location)
        except (OSError, http.client.HTTPException, ValueError) as error:
            if watchdog.fired or isinstance(error, TimeoutError):
                raise DeliveryError(f"Timed out after {timeout:g} s") from error
            raise DeliveryError(describe(error)) from error
        finally:
            connection.close()


def read_start(answer: http.client.HTTPResponse, max_bytes: int) -> str:
    """Up to `max_bytes` of the body, as far as it comes before the deadline: the status is
    the answer; the body only helps an admin see why an endpoint refused."""
    chunks, size = [], 0
    try:
        while size < max_bytes:
            chunk = answer.read1(max_bytes - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, http.client.HTTPException, ValueError):
        pass
    return printable(b"".join(chunks))


def describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:500] if text else type(error).__name__
