"""A private Dovecot IMAP server for the inbound mail tests and the benchmark.

It runs from a config in a temporary folder, on free localhost ports (plain IMAP with
STARTTLS, and IMAPS) with a self-signed certificate, a passwd-file with one test user and
Maildir storage, as the unprivileged user `nobody` when started by root (else as whoever starts
it). The system's Dovecot service is neither used nor touched.
"""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "lotsgruppen@kommun.example"
PASSWORD = "test-password-imap"
# Accounts made at start, one empty mailbox per test (Dovecot re-reads a changed passwd-file, but
# only when its modification time moves on, which may take a second).
SPARE_USERS = 2000

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = lotsen-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth2_mechanisms}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
# A throw-away test server: no fsync (a production server keeps the default).
mail_fsync = never
mail_uid = {uid}
mail_gid = {gid}
mail_plugins =
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth2_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0600
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
  imap_idle_notify_interval = 1 secs
}}
"""


# XOAUTH2 (as Exchange Online offers it): Dovecot asks the token issuer whether a bearer token is
# active and whose it is (RFC 7662 introspection), instead of checking a password.
OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""
OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {introspection_url}
username_attribute = username
active_attribute = active
active_value = true
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dovecot:
    root: Path
    port: int
    ssl_port: int
    process: subprocess.Popen
    # The mailbox in use: each test takes a new, empty one (new_user).
    user: str = USER
    users: int = 0

    def new_user(self) -> str:
        """Switch to the next account (all made at start): a new, empty mailbox."""
        self.users += 1
        if self.users > SPARE_USERS:
            raise RuntimeError("no spare test mailboxes left")
        self.user = f"box{self.users}@kommun.example"
        return self.user

    @property
    def ca_file(self) -> str:
        return str(self.root / "cert.pem")

    def mailbox_settings(self, security: str = "starttls", **extra) -> dict:
        return {
            "name": "lotsgruppen",
            "host": "localhost",
            "port": self.ssl_port if security == "ssl" else self.port,
            "security": security,
            "username": self.user,
            "password": PASSWORD,
            "ca_file": self.ca_file,
            **extra,
        }

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        try:
            client.login(self.user, PASSWORD)
        except BaseException:
            client.shutdown()
            raise
        return client

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages into a folder, as a mail server's delivery would (IMAP APPEND)."""
        with self.client() as client:
            for raw in messages:
                client.append(folder, raw)

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return client.search(["NOT", "DELETED"])

    def count(self, folder: str = "INBOX") -> int:
        return len(self.uids(folder))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def make_certificate(root: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def start_dovecot(root: Path, oauth2_introspection_url: str | None = None) -> Dovecot:
    """Start a Dovecot of our own in `root` (a new folder in a folder made for it, outside any
    folder private to root) and wait until it answers. With `oauth2_introspection_url` it also
    takes XOAUTH2 log-ins, whose bearer tokens it checks at that URL."""
    if not os.path.exists(DOVECOT):
        raise RuntimeError("Dovecot is not installed (scripts/test installs dovecot-imapd)")
    root.mkdir(parents=True, exist_ok=True)
    account = pwd.getpwnam("nobody") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(exist_ok=True)
    make_certificate(root)
    users = [USER] + [f"box{n}@kommun.example" for n in range(1, SPARE_USERS + 1)]
    (root / "passwd").write_text("".join(f"{user}:{{PLAIN}}{PASSWORD}::::::\n" for user in users))
    port, ssl_port = free_port(), free_port()
    group = account.pw_gid
    if oauth2_introspection_url:
        (root / "oauth2.conf.ext").write_text(
            OAUTH2_CONFIG.format(introspection_url=oauth2_introspection_url)
        )
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=port,
            ssl_port=ssl_port,
            user=account.pw_name,
            group=grp.getgrgid(account.pw_gid).gr_name,
            uid=account.pw_uid,
            gid=group,
            oauth2_mechanisms=" xoauth2 oauthbearer" if oauth2_introspection_url else "",
            oauth2_passdb=OAUTH2_PASSDB.format(root=root) if oauth2_introspection_url else "",
        )
    )
    if os.getuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)
        # The folder above ours (made for it) must let the unprivileged user through.
        os.chmod(root.parent, 0o711)
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it logs to dovecot.log
        user=account.pw_uid if os.getuid() == 0 else None,
        group=account.pw_gid if os.getuid() == 0 else None,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot stopped: {log[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return Dovecot(root=root, port=port, ssl_port=ssl_port, process=process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("Dovecot did not start within 20 s")
