"""Reading the team's mailboxes over IMAP (`flask lotsen fetch-mail`).

For each message in a mailbox's folder the worker fetches the source (without setting \\Seen),
processes it in one transaction (services.process_inbound_message), commits, and only then
moves it to the processed or failed folder. A worker killed at any point loses nothing (a
message leaves the folder only after its transaction committed) and does nothing twice (a
message processed but not yet moved is found again by its Message-ID and UID, and only moved).
"""

import contextlib
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lotsen.extensions import db
from lotsen.inbound.models import NEEDS_ATTENTION, InboundOutcome
from lotsen.inbound.services import process_inbound_message, record_failure
from lotsen.writes import will_write

log = logging.getLogger(__name__)

SECURITY_MODES = ("ssl", "starttls", "none")
# Failures of the connection or the server, not of one message: the worker backs off.
CONNECTION_ERRORS = (IMAPClientError, OSError, socket.timeout, ssl.SSLError)
FETCH_BATCH = 50
FETCH_GROUP_BYTES = 16 * 1024 * 1024
DRAIN_PASSES = 5


class MailboxSettingsError(ValueError):
    """INBOUND_MAILBOXES holds a mailbox that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class MailboxSettings:
    name: str
    host: str
    username: str
    port: int = 993
    security: str = "ssl"
    password: str | None = None
    # Client-credentials OAuth2 (Exchange Online): token_url, client_id, client_secret, scope.
    oauth2: dict | None = None
    folder: str = "INBOX"
    processed_folder: str = "Lotsen/Behandlade"
    failed_folder: str = "Lotsen/Misslyckade"
    # A CA bundle for a server with a private certificate; verification is never switched off.
    ca_file: str | None = None

    @classmethod
    def from_dict(cls, data: dict, config) -> "MailboxSettings":
        if not isinstance(data, dict):
            raise MailboxSettingsError("each mailbox must be a JSON object")
        missing = [key for key in ("host", "username") if not data.get(key)]
        if missing:
            raise MailboxSettingsError(f"mailbox without {', '.join(missing)}")
        security = data.get("security", "ssl")
        if security not in SECURITY_MODES:
            raise MailboxSettingsError(f"security must be one of {', '.join(SECURITY_MODES)}")
        oauth2 = data.get("oauth2")
        if oauth2 is not None and not all(
            oauth2.get(key) for key in ("token_url", "client_id", "client_secret", "scope")
        ):
            raise MailboxSettingsError("oauth2 needs token_url, client_id, client_secret and scope")
        if oauth2 is None and data.get("password") is None:
            raise MailboxSettingsError(f"mailbox {data['username']}: a password or oauth2")
        return cls(
            name=str(data.get("name") or data["username"])[:100],
            host=data["host"],
            username=data["username"],
            port=int(data.get("port") or (993 if security == "ssl" else 143)),
            security=security,
            password=data.get("password"),
            oauth2=oauth2,
            folder=data.get("folder") or "INBOX",
            processed_folder=data.get("processed_folder") or config["INBOUND_PROCESSED_FOLDER"],
            failed_folder=data.get("failed_folder") or config["INBOUND_FAILED_FOLDER"],
            ca_file=data.get("ca_file"),
        )


def configured_mailboxes(config=None) -> list[MailboxSettings]:
    config = config or current_app.config
    return [MailboxSettings.from_dict(item, config) for item in config["INBOUND_MAILBOXES"]]


def oauth2_access_token(settings: dict, timeout: float) -> str:
    """An access token by the client-credentials grant (Microsoft Entra ID for Exchange Online:
    token_url https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token, scope
    https://outlook.office365.com/.default)."""
    body = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": settings["client_id"],
            "client_secret": settings["client_secret"],
            "scope": settings["scope"],
        }
    ).encode()
    request = urllib.request.Request(settings["token_url"], data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read(100_000))
    except urllib.error.HTTPError as error:
        error.close()  # its response holds the connection open
        raise OSError(f"the OAuth2 token endpoint answered {error.code}") from None
    except ValueError as error:
        raise OSError("the OAuth2 token endpoint's answer is not JSON") from error
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not token:
        raise OSError("the OAuth2 token endpoint gave no access_token")
    return token


def connect(settings: MailboxSettings, timeout: float) -> IMAPClient:
    """Log in over IMAPS or STARTTLS (certificates verified), by password or XOAUTH2."""
    context = ssl.create_default_context(cafile=settings.ca_file)
    client = IMAPClient(
        settings.host,
        port=settings.port,
        ssl=settings.security == "ssl",
        ssl_context=context if settings.security == "ssl" else None,
        timeout=timeout,
    )
    try:
        if settings.security == "starttls":
            client.starttls(context)
        if settings.oauth2:
            client.oauth2_login(settings.username, oauth2_access_token(settings.oauth2, timeout))
        else:
            client.login(settings.username, settings.password)
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return client


@dataclass(frozen=True)
class Share:
    """Which of a folder's messages this worker takes: those whose UID is `part` modulo
    `parts` (1-based), so several workers can read one busy mailbox side by side without
    fetching the same mail (`fetch-mail --share 1/2` and `--share 2/2`)."""

    part: int = 1
    parts: int = 1

    @classmethod
    def parse(cls, text: str) -> "Share":
        part, slash, parts = text.partition("/")
        if not (slash and part.isdigit() and parts.isdigit()):
            raise ValueError("a share is K/N, for example 1/2")
        share = cls(int(part), int(parts))
        if not 1 <= share.part <= share.parts <= 64:
            raise ValueError("K/N needs 1 <= K <= N <= 64")
        return share

    def takes(self, uid: int) -> bool:
        return self.parts == 1 or uid % self.parts == self.part - 1


@dataclass
class PassResult:
    processed: int = 0
    failed: int = 0
    duplicates: int = 0
    outcomes: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.processed or self.failed or self.duplicates)

    def add(self, other: "PassResult") -> None:
        self.processed += other.processed
        self.failed += other.failed
        self.duplicates += other.duplicates
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count

    def count(self, outcome: str, duplicate: bool) -> None:
        if duplicate:
            self.duplicates += 1
        elif outcome in NEEDS_ATTENTION:
            self.failed += 1
        else:
            self.processed += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class MailboxReader:
    """One mailbox: a connection kept across passes, and the pass that empties its folder."""

    def __init__(
        self,
        settings: MailboxSettings,
        connector: Callable | None = None,
        share: "Share | None" = None,
    ):
        self.settings = settings
        self.client: IMAPClient | None = None
        self.connector = connector or connect
        self.delimiter = "/"
        self.share = share or Share()

    def open(self) -> IMAPClient:
        if self.client is None:
            timeout = current_app.config["IMAP_TIMEOUT"]
            self.client = self.connector(self.settings, timeout)
            folders = self.client.list_folders(directory="", pattern="")
            if folders and folders[0][1]:
                self.delimiter = folders[0][1].decode()
            for name in (self.settings.processed_folder, self.settings.failed_folder):
                folder = self.server_folder(name)
                if not self.client.folder_exists(folder):
                    self.client.create_folder(folder)
        return self.client

    def server_folder(self, name: str) -> str:
        return name.replace("/", self.delimiter)

    @property
    def supports_idle(self) -> bool:
        return self.client is not None and self.client.has_capability("IDLE")

    def run_pass(self, limit: int | None = None) -> PassResult:
        """Process every message in the folder (or `limit` of them), oldest first."""
        will_write()  # each message is read, then written: BEGIN IMMEDIATE on SQLite
        client = self.open()
        selected = client.select_folder(self.settings.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        uids = sorted(uid for uid in client.search(["NOT", "DELETED"]) if self.share.takes(uid))
        if limit is not None:
            uids = uids[:limit]
        result = PassResult()
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            sizes = {
                uid: int(info.get(b"RFC822.SIZE", 0))
                for uid, info in client.fetch(batch, ["RFC822.SIZE"]).items()
            }
            for group in self.groups([uid for uid in batch if uid in sizes], sizes):
                done = {}
                try:
                    for uid, (raw, cut) in self.fetch_sources(group, sizes).items():
                        outcome, duplicate = self.process_one(uid, uidvalidity, raw, cut)
                        result.count(outcome, duplicate)
                        done[uid] = outcome
                finally:
                    # After the commits, in one command per folder. A worker stopped before
                    # this line leaves saved mail in the folder: the next pass finds it by its
                    # Message-ID and UID and only moves it.
                    self.move_all(done)
        return result

    def drain(self) -> PassResult:
        """Pass after pass until one finds nothing (at most DRAIN_PASSES). Mail delivered while a
        pass ran may have been announced in the answer to one of its commands, and IDLE only
        announces what is new after it starts: without this it would wait for the next
        delivery or the poll interval."""
        total = PassResult()
        for _ in range(DRAIN_PASSES):
            result = self.run_pass()
            total.add(result)
            if not result:
                break
        return total

    @staticmethod
    def groups(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
        """The UIDs in runs fetched with one command each: at most FETCH_GROUP_BYTES together
        (a large mail alone), so memory stays bounded and small mail costs few round trips."""
        groups, current, total = [], [], 0
        for uid in uids:
            if current and total + sizes[uid] > FETCH_GROUP_BYTES:
                groups.append(current)
                current, total = [], 0
            current.append(uid)
            total += sizes[uid]
        return [*groups, current] if current else groups

    def fetch_sources(self, uids: list[int], sizes: dict[int, int]) -> dict:
        """{uid: (bytes, cut)} in UID order; a mail over INBOUND_MAX_BYTES is fetched only that
        far (and marked cut). A UID expunged meanwhile by someone else is left out."""
        limit = current_app.config["INBOUND_MAX_BYTES"]
        found = {}
        whole = [uid for uid in uids if sizes[uid] <= limit]
        if whole:
            for uid, data in self.client.fetch(whole, ["BODY.PEEK[]"]).items():
                if b"BODY[]" in data:
                    found[uid] = (data[b"BODY[]"], False)
        for uid in (uid for uid in uids if sizes[uid] > limit):
            for data in self.client.fetch([uid], [f"BODY.PEEK[]<0.{limit}>"]).values():
                part = next((v for k, v in data.items() if k.startswith(b"BODY[]")), None)
                if part is not None:
                    found[uid] = (part, True)
        return dict(sorted(found.items()))

    def process_one(self, uid: int, uidvalidity: int, raw: bytes, cut: bool) -> tuple[str, bool]:
        """Process and commit one message; returns (outcome, duplicate). A database outage
        propagates (the message stays where it is and is tried again)."""
        where = {"mailbox": self.settings.name, "uidvalidity": uidvalidity, "uid": uid}
        try:
            if cut:
                outcome = record_failure(raw, **where, reason="Larger than INBOUND_MAX_BYTES")
            else:
                outcome = process_inbound_message(raw, **where)
            result = outcome.record.outcome, outcome.duplicate
            db.session.commit()
            return result
        except IntegrityError:
            # Another worker recorded it between our look-up and our commit.
            db.session.rollback()
            outcome = record_failure(raw, **where, reason="concurrent delivery")
            result = outcome.record.outcome, outcome.duplicate
            db.session.commit()
            return result
        except SQLAlchemyError:
            db.session.rollback()
            raise
        except Exception as error:  # a bug met by one odd message must not stop the queue
            db.session.rollback()
            log.exception("Inbound mail UID %s in %s could not be processed", uid, where)
            outcome = record_failure(raw, **where, reason=f"{type(error).__name__}: {error}")
            db.session.commit()
            return InboundOutcome.FAILED, False

    def move_all(self, outcomes: dict[int, str]) -> None:
        """Out of the folder, after the commits: failed and throttled mail to the failed folder,
        the rest to the processed folder."""
        by_folder: dict[str, list[int]] = {}
        for uid, outcome in outcomes.items():
            failed = outcome in NEEDS_ATTENTION
            name = self.settings.failed_folder if failed else self.settings.processed_folder
            by_folder.setdefault(name, []).append(uid)
        for name, uids in by_folder.items():
            self.move(uids, self.server_folder(name))

    def move(self, uids: list[int], folder: str) -> None:
        if self.client.has_capability("MOVE"):
            self.client.move(uids, folder)
            return
        self.client.copy(uids, folder)
        self.client.add_flags(uids, [b"\\Deleted"])
        if self.client.has_capability("UIDPLUS"):
            self.client.uid_expunge(uids)
        else:
            self.client.expunge()

    def wait(self, seconds: float) -> None:
        """Wait for new mail: IDLE until the server reports some (or `seconds` pass)."""
        client = self.client
        client.idle()
        try:
            client.idle_check(timeout=seconds)
        finally:
            client.idle_done()

    def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            with contextlib.suppress(Exception):
                client.logout()
            with contextlib.suppress(Exception):
                client.shutdown()


def fetch_all(limit: int | None = None, share: Share | None = None) -> PassResult:
    """One pass over every configured mailbox."""
    total = PassResult()
    for settings in configured_mailboxes():
        reader = MailboxReader(settings, share=share)
        try:
            result = reader.run_pass(limit)
        finally:
            reader.close()
        total.add(result)
    return total


def run_worker(
    interval: float,
    max_passes: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[PassResult], None] | None = None,
    share: Share | None = None,
) -> None:
    """Fetch pass after pass until stopped. With one mailbox whose server offers IDLE it waits
    in IDLE (new mail is processed at once), else it polls every `interval` seconds. A server
    or database outage is logged once; the worker retries with a growing pause."""
    readers = [MailboxReader(settings, share=share) for settings in configured_mailboxes()]
    passes = failures = 0
    outage = None
    while True:
        problem = None
        for reader in readers:
            try:
                result = reader.drain()
                if report is not None and (result.processed or result.failed):
                    report(result)
            except SQLAlchemyError as error:
                with contextlib.suppress(SQLAlchemyError):
                    db.session.rollback()
                db.session.remove()
                problem = f"database unavailable ({type(error).__name__})"
            except CONNECTION_ERRORS as error:
                reader.close()
                problem = f"mailbox {reader.settings.name} unavailable ({error})"
        db.session.remove()
        passes += 1
        if max_passes is not None and passes >= max_passes:
            for reader in readers:
                reader.close()
            return
        if problem:
            failures += 1
            if problem != outage:
                log.warning("Mail fetcher: %s; retrying with backoff", problem)
            outage = problem
            limit = current_app.config["INBOUND_MAX_BACKOFF_SECONDS"]
            sleep(min(interval * 2 ** (failures - 1), limit))
            continue
        if outage:
            log.warning("Mail fetcher: working again")
        outage, failures = None, 0
        if len(readers) == 1 and readers[0].supports_idle:
            try:
                readers[0].wait(interval)
            except CONNECTION_ERRORS:
                readers[0].close()
        else:
            sleep(interval)
