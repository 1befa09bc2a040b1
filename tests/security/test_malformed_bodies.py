"""A malformed chunked body answers 400, never 500 (issue 13, point 21), through a real server."""

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from werkzeug.serving import make_server

import lotsen

MALFORMED = [
    b"ZZZ\r\nabc\r\n0\r\n\r\n",  # chunk size not hexadecimal
    b"5\r\nabc\r\n0\r\n\r\n",  # chunk shorter than announced
    b"3\r\nabcXY0\r\n\r\n",  # no CRLF after the chunk
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["werkzeug", "gunicorn"])
def served(request, app, tmp_path):
    if request.param == "werkzeug":
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.server_port
        server.shutdown()
        thread.join()
        return
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PYTHONPATH": os.path.dirname(os.path.dirname(lotsen.__file__)),  # this checkout's
    }
    process = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "lotsen:create_app()",
        ],
        env=environment,
        cwd=str(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)


def status_of(port: int, path: str, body: bytes) -> int:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head + body)
        conn.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


@pytest.mark.parametrize("body", MALFORMED)
@pytest.mark.commits  # served by a server thread or gunicorn processes
def test_malformed_chunked_bodies_answer_400(app, served, body):
    for path in ("/fraga", "/konto/logga-in", "/status/ny-lank"):
        assert status_of(served, path, body) == 400, path
