"""Real processes for the fault tests: a private PostgreSQL cluster, gunicorn, mail workers, SMTP.

The cluster is made with initdb in a temporary directory on a free port (as the `postgres` user
when the tests run as root, because initdb refuses root), so the machine's own PostgreSQL is
never touched and the tests may stop and restart it at will.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("LOTSEN_PG_BIN", "/usr/lib/postgresql/15/bin"))
MESSAGE_NUMBER = re.compile(r"lotsen-(\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class PrivatePostgres:
    """A PostgreSQL cluster of our own: initdb, start, restart, stop."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="lotsen-faults-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.directory, "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [*self.as_user, str(PG_BIN / tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        log = str(self.directory / "server.log")
        self.run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", "-l", log,
                 "-o", options, *extra)  # fmt: skip

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "immediate")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def private_postgres():
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


class CountingInbox:
    """An aiosmtpd handler counting deliveries per outbox message and per recipient."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.by_message = Counter()
        self.by_recipient = Counter()
        self.total = 0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        content = envelope.content.decode("utf-8", "replace")
        header = re.search(r"^Message-ID:\s*(.+)$", content, re.MULTILINE | re.IGNORECASE)
        number = MESSAGE_NUMBER.search(header.group(1)) if header else None
        self.by_message[number.group(1) if number else content] += 1
        for recipient in envelope.rcpt_tos:
            self.by_recipient[recipient.lower()] += 1
        self.total += 1
        return "250 Message accepted for delivery"

    @property
    def duplicates(self) -> dict:
        return {key: count for key, count in self.by_message.items() if count > 1}


def app_spec(config: dict) -> str:
    """`module:factory(args)` for gunicorn and `flask --app`: the factory with a literal dict."""
    return f"lotsen:create_app({config!r})"


class Processes:
    """Child processes started by a test, each stopped at the end (by its own pid)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.log = log
        process.name = name
        self.started.append(process)
        return process

    def gunicorn(self, name: str, config: dict, workers: int = 2) -> tuple[subprocess.Popen, int]:
        port = free_port()
        command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                   "--timeout", "30", "--graceful-timeout", "5", app_spec(config)]  # fmt: skip
        process = self.start(name, command)
        wait_for(lambda: healthy(port), 60, f"{name} to answer")
        return process, port

    def send_mail(self, name: str, config: dict) -> subprocess.Popen:
        command = [str(BIN / "flask"), "--app", app_spec(config), "lotsen", "send-mail",
                   "--loop", "--interval", "0.3"]  # fmt: skip
        return self.start(name, command)

    def log_of(self, process) -> str:
        return (self.directory / f"{process.name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            process.log.close()


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path)
    yield started
    started.stop_all()
