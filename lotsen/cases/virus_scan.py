"""Virus scanning of uploads by ClamAV's clamd, over its socket with the INSTREAM command.

Set CLAMD_SOCKET (a Unix socket path) or CLAMD_HOST (with CLAMD_PORT) to switch scanning on.
The bytes are streamed in chunks, each prefixed with its length as a 4-byte big-endian number,
and a zero-length chunk ends the stream; clamd answers `stream: OK` or
`stream: <signature> FOUND` (https://docs.clamav.net/manual/Usage/Scanning.html#clamd).
"""

import socket
import struct
from dataclasses import dataclass

CHUNK_BYTES = 64 * 1024
MAX_REPLY_BYTES = 4096


class ScannerUnavailable(Exception):
    """clamd could not be reached or did not give a verdict."""


@dataclass(frozen=True)
class ScanResult:
    infected: bool
    signature: str | None = None


def configured(config) -> bool:
    return bool(config.get("CLAMD_SOCKET") or config.get("CLAMD_HOST"))


def connect(config) -> socket.socket:
    timeout = config["CLAMD_TIMEOUT"]
    try:
        if config.get("CLAMD_SOCKET"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(config["CLAMD_SOCKET"])
            except OSError:
                sock.close()
                raise
            return sock
        return socket.create_connection(
            (config["CLAMD_HOST"], config["CLAMD_PORT"]), timeout=timeout
        )
    except OSError as error:
        raise ScannerUnavailable(f"cannot connect to clamd: {error}") from error


def read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY_BYTES:
        chunk = sock.recv(MAX_REPLY_BYTES)
        if not chunk:
            break
        reply += chunk
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan(data: bytes, config) -> ScanResult:
    """Scan bytes with clamd; raises ScannerUnavailable when there is no verdict."""
    view = memoryview(data)
    with connect(config) as sock:
        try:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(view), CHUNK_BYTES):
                chunk = view[start : start + CHUNK_BYTES]
                sock.sendall(struct.pack(">I", len(chunk)))
                sock.sendall(chunk)
            sock.sendall(struct.pack(">I", 0))
            reply = read_reply(sock)
        except OSError as error:
            raise ScannerUnavailable(f"clamd stopped answering: {error}") from error
    return parse_reply(reply)


def parse_reply(reply: str) -> ScanResult:
    verdict = reply.removeprefix("stream:").strip()
    if verdict == "OK":
        return ScanResult(infected=False)
    if verdict.endswith(" FOUND"):
        return ScanResult(infected=True, signature=verdict.removesuffix(" FOUND").strip())
    raise ScannerUnavailable(f"clamd gave no verdict: {reply or '(no answer)'}")


def ping(config) -> bool:
    """Whether clamd answers PING (used by tests and operators to check the connection)."""
    try:
        with connect(config) as sock:
            sock.sendall(b"zPING\0")
            return read_reply(sock) == "PONG"
    except (OSError, ScannerUnavailable):
        return False
