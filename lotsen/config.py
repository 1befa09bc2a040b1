"""Default settings. instance/config.py and environment variables override them."""

import json
import os
import secrets
from pathlib import Path


class DefaultConfig:
    # hide_parameters: a failed statement's error (and so the log) never shows the values sent,
    # which are often a submitter's name, e-mail address or message.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Remember me" keeps an official logged in for this many days; no log-in, remembered or
    # not, is accepted for longer (the log-in time is part of the session's server-side id).
    REMEMBER_COOKIE_DAYS = 30
    # A log-in without "remember me" is refused after this many hours even if its cookie is
    # copied and kept alive (the browser drops it when it closes anyway).
    SESSION_LIFETIME_HOURS = 12
    # Set to True behind HTTPS (PREFERRED_URL_SCHEME=https switches it on automatically).
    SESSION_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"

    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in each process instead (logged) rather than refusing every request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Every *_RATE_LIMIT setting can be given as an environment variable of the same name.
    LOGIN_RATE_LIMIT = "10 per minute"  # per client address (log-in and password reset)
    LOGIN_ACCOUNT_RATE_LIMIT = "20 per hour"  # per e-mail address typed, from any address
    # Non-admins looking up a full personnummer (company search, merge, visits): per official.
    PERSONAL_NUMBER_SEARCH_RATE_LIMIT = "20 per day"
    # Trusted proxies in front of the app (X-Forwarded-For/-Proto/-Host); 0 = none, believe
    # no such header. Behind the README's single TLS proxy: 1.
    PROXY_FIX_HOPS = 0

    # Single sign-on with OpenID Connect (lotsen/accounts/oidc.py, README "Single sign-on").
    # On when OIDC_ISSUER and OIDC_CLIENT_ID are set; the provider's settings are discovered at
    # <OIDC_ISSUER>/.well-known/openid-configuration (Entra ID:
    # https://login.microsoftonline.com/<tenant id>/v2.0).
    OIDC_ISSUER = None
    OIDC_CLIENT_ID = None
    OIDC_CLIENT_SECRET = None
    OIDC_SCOPES = "openid email profile"
    # The claim holding the e-mail address that finds an existing account at a first log-in,
    # and the name a new account gets. An address counts only when the provider marks it
    # verified (email_verified), or when OIDC_TRUST_EMAIL says the provider's addresses are
    # the municipality's own (Entra ID sends no email_verified).
    OIDC_EMAIL_CLAIM = "email"
    OIDC_NAME_CLAIM = "name"
    OIDC_TRUST_EMAIL = False
    # Create an account at the first log-in of someone unknown (with a usable e-mail address).
    OIDC_CREATE_USERS = False
    # The roles of an account created at log-in while OIDC_ROLE_MAP is empty.
    OIDC_DEFAULT_ROLES = ["official"]
    # Roles from the provider: the claims read (lists of group ids or app role names) and what
    # each value means in Lotsen, e.g. {"<group object id>": "coordinator", "Lotsen.Admin":
    # ["admin", "official"]}. When set, every log-in sets the account's roles from the claims,
    # and a log-in whose claims give no role is refused. Empty: roles are kept in Lotsen.
    OIDC_ROLE_CLAIMS = ["groups", "roles"]
    OIDC_ROLE_MAP = {}
    # Also ask the userinfo endpoint for claims the ID token lacks.
    OIDC_FETCH_USERINFO = False
    # Seconds for each call to the provider, and how long its discovered settings are kept.
    OIDC_TIMEOUT = 10
    OIDC_METADATA_MAX_AGE = 3600
    # False: only the BREAK_GLASS_ACCOUNTS (e-mail addresses) may log in with a password;
    # everyone else logs in with the municipality's account (single sign-on).
    PASSWORD_LOGIN_ENABLED = True
    BREAK_GLASS_ACCOUNTS = []

    PASSWORD_MIN_LENGTH = 12
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_RESET_MAX_AGE = 2 * 60 * 60

    MAIL_BACKEND = "smtp"  # "smtp" or "console"
    MAIL_SENDER = "Lotsgruppen <lotsgruppen@kommun.example>"
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 10
    MAIL_MAX_ATTEMPTS = 8
    # A sender's lease on the one message it is sending; keep it far above SMTP_TIMEOUT.
    MAIL_CLAIM_SECONDS = 120
    # `send-mail --loop` waits --interval seconds between passes, doubling after each pass that
    # met a database or SMTP outage, up to this.
    MAIL_MAX_BACKOFF_SECONDS = 300

    # Inbound e-mail (`flask lotsen fetch-mail`). The team's address: every mail about a case
    # gets Reply-To <local>+<the case's reply token>@<domain> from it (plus-addressing), so a
    # reply lands in its case. None: no Reply-To, and only threading headers and case numbers
    # match replies.
    INBOUND_ADDRESS = None
    # The mailboxes read, a list of dicts (or a JSON list in the environment): name, host, port,
    # security ("ssl", "starttls" or "none"), username, and password or oauth2 (a dict with
    # token_url, client_id, client_secret, scope: the client-credentials flow, e.g. Exchange
    # Online), folder (INBOX), processed_folder and failed_folder. See README "E-mail".
    INBOUND_MAILBOXES = []
    INBOUND_PROCESSED_FOLDER = "Lotsen/Behandlade"
    INBOUND_FAILED_FOLDER = "Lotsen/Misslyckade"
    # A mail larger than this is not processed (it goes to the failed folder); its source is
    # kept up to this size.
    INBOUND_MAX_BYTES = 30 * 1024 * 1024
    # A sender whose mail opened or joined cases this many times in the last hour is throttled.
    INBOUND_MAX_PER_SENDER_PER_HOUR = 20
    # Senders never processed (besides MAIL_SENDER, INBOUND_ADDRESS and the mailboxes' users).
    INBOUND_IGNORED_SENDERS = []
    # The category a case opened by e-mail gets (its name); None: the first active category.
    INBOUND_CATEGORY = None
    # fetch-mail --loop: seconds between polls (IDLE, where offered, wakes it earlier), and the
    # longest wait after connection or database failures.
    INBOUND_POLL_SECONDS = 60
    INBOUND_MAX_BACKOFF_SECONDS = 300
    IMAP_TIMEOUT = 30

    # Webhooks (`flask lotsen send-webhooks`). One delivery may take at most this many seconds
    # in all (connecting, sending, reading the answer's first WEBHOOK_MAX_RESPONSE_BYTES).
    WEBHOOK_TIMEOUT = 10
    WEBHOOK_MAX_RESPONSE_BYTES = 4096
    # Seconds to wait before each retry of a failed delivery: 1 min, 5 min, 30 min, 2 h, 5 h,
    # 10 h, 10 h; after the last one the delivery is failed (an admin can send it again).
    WEBHOOK_RETRY_SCHEDULE = (60, 300, 1800, 7200, 18000, 36000, 36000)
    # An endpoint is turned off (and the admins told) when this many attempts in a row failed
    # and the first of them is at least WEBHOOK_DISABLE_AFTER_HOURS old.
    WEBHOOK_DISABLE_AFTER_FAILURES = 20
    WEBHOOK_DISABLE_AFTER_HOURS = 24
    # A worker's lease on the one delivery it is sending; keep it far above WEBHOOK_TIMEOUT.
    WEBHOOK_CLAIM_SECONDS = 120
    WEBHOOK_MAX_BACKOFF_SECONDS = 300
    # Plain http:// only to localhost, unless this is on.
    WEBHOOK_ALLOW_HTTP = False
    # Endpoints on private, loopback or shared (CGNAT) addresses are refused unless this is on,
    # or the address is in one of WEBHOOK_ALLOWED_NETWORKS (e.g. ["10.20.0.0/16"]). Link-local
    # (cloud metadata), multicast and unspecified addresses are always refused.
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    WEBHOOK_ALLOWED_NETWORKS = []
    # A CA bundle for endpoints with certificates of a private CA (certificates are always
    # verified); None: the system's CAs.
    WEBHOOK_CA_FILE = None
    # After a secret is rotated the old one keeps signing (a second signature) this long.
    WEBHOOK_SECRET_OVERLAP_HOURS = 24
    # Delivered and failed deliveries, with their attempts, are removed after this many days.
    WEBHOOK_KEEP_DAYS = 90

    PAGE_SIZE = 25
    # Satisfaction survey: groups with fewer answers are hidden; NKI weights of the questions
    # (overall satisfaction, expectations met, closeness to the ideal); see survey/scoring.py.
    SURVEY_MIN_ANSWERS = 7
    SURVEY_NKI_WEIGHTS = (1, 1, 1)

    # Where the app is reached, for links in e-mail sent by commands outside a web request.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    STATUS_LINK_DAYS = 365
    # A reply e-mails the case's valid link again while it has this many days left, else a new
    # one (which revokes the older links once it is used).
    STATUS_LINK_REUSE_DAYS = 30
    # Förvaltningslagen 12 §: a request that a case be decided is to be decided (or refused)
    # within four weeks; lead and coordinators are reminded this many days before the day.
    DECISION_REQUEST_REMINDER_DAYS = 7
    PUBLIC_FORM_RATE_LIMIT = "10 per minute;60 per hour"
    # Office hours per weekday (0 = Monday), local time in Europe/Stockholm.
    OFFICE_HOURS = {weekday: [("08:00", "17:00")] for weekday in range(5)}
    # A closed or shortened day added in the admin pages recomputes the cases it touches at
    # once; above this many only the open ones (the rest: `flask lotsen recompute-figures`).
    CALENDAR_RECOMPUTE_LIMIT = 5000
    # A case is "at risk" once this share of a service target's working time is used.
    ESCALATION_AT_RISK_SHARE = 0.8

    # Register imports: uploads may be far larger than other requests (Bolagsverket ~1 GB).
    IMPORT_MAX_BYTES = 2 * 1024 * 1024 * 1024
    # Run an uploaded import in a thread of the web process (development); in production set
    # False and run `flask lotsen run-imports --loop` as a worker.
    IMPORTS_RUN_IN_PROCESS = True
    IMPORT_FOLDER = None  # uploaded register files; None means instance/imports
    # A running import whose last committed batch is older than this was killed: the admin's
    # import list shows it as interrupted, with a button to run it again.
    IMPORT_STALE_MINUTES = 15

    # Attachments. Office and LibreOffice documents are ZIP archives: reading one to check its
    # type may cost no more than this (a zip bomb is refused like any other bad file).
    UPLOAD_ARCHIVE_MAX_MEMBERS = 5000
    UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
    UPLOAD_ARCHIVE_MAX_RATIO = 200
    # Files kept from a form that failed validation: usable for this many seconds, then removed
    # by `flask lotsen clean-uploads`; one address (or official) may park at most this much.
    PENDING_UPLOAD_MAX_AGE = 24 * 60 * 60
    PENDING_UPLOAD_QUOTA_BYTES = 200 * 1024 * 1024
    # Virus scanning with ClamAV: set CLAMD_SOCKET (Unix socket) or CLAMD_HOST (TCP) to switch
    # it on. While clamd cannot answer, uploads are refused unless CLAMD_FAIL_OPEN is True.
    CLAMD_SOCKET = None
    CLAMD_HOST = None
    CLAMD_PORT = 3310
    CLAMD_TIMEOUT = 30
    CLAMD_FAIL_OPEN = False

    # Case search (lotsen.search). Sorting by relevance ranks this many of the newest matches,
    # so a common word costs the same however many cases there are.
    SEARCH_RANK_WINDOW = 500
    # Text taken from one PDF or Office attachment by `flask lotsen index-attachments`.
    SEARCH_ATTACHMENT_MAX_CHARS = 200_000
    SEARCH_ATTACHMENT_MAX_PAGES = 200


def as_bool(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


def as_json_list(value: str) -> list:
    parsed = json.loads(value)
    if not isinstance(parsed, list):
        raise ValueError("expected a JSON list")
    return parsed


def as_json_object(value: str) -> dict:
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed


# Environment variables read at start-up, with the type each one is converted to.
ENVIRONMENT_SETTINGS = {
    "DATABASE_URL": str,
    "IMPORT_STALE_MINUTES": int,
    "SECRET_KEY": str,
    "RATELIMIT_STORAGE_URI": str,
    "MAIL_BACKEND": str,
    "MAIL_SENDER": str,
    "SMTP_HOST": str,
    "SMTP_PORT": int,
    "SMTP_USERNAME": str,
    "SMTP_PASSWORD": str,
    "SMTP_STARTTLS": as_bool,
    "PREFERRED_URL_SCHEME": str,
    "SERVER_NAME": str,
    "PUBLIC_BASE_URL": str,
    "IMPORTS_RUN_IN_PROCESS": as_bool,
    "PROXY_FIX_HOPS": int,
    "REMEMBER_COOKIE_DAYS": int,
    "SESSION_LIFETIME_HOURS": int,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": as_bool,
    # Every rate limit, e.g. PUBLIC_FORM_RATE_LIMIT="10 per minute;60 per hour".
    **{name: str for name in dir(DefaultConfig) if name.endswith("_RATE_LIMIT")},
    "PENDING_UPLOAD_MAX_AGE": int,
    "PENDING_UPLOAD_QUOTA_BYTES": int,
    "CLAMD_SOCKET": str,
    "CLAMD_HOST": str,
    "CLAMD_PORT": int,
    "CLAMD_TIMEOUT": float,
    "CLAMD_FAIL_OPEN": as_bool,
    "SEARCH_RANK_WINDOW": int,
    "SEARCH_ATTACHMENT_MAX_CHARS": int,
    "SEARCH_ATTACHMENT_MAX_PAGES": int,
    "INBOUND_ADDRESS": str,
    "INBOUND_MAILBOXES": as_json_list,
    "INBOUND_PROCESSED_FOLDER": str,
    "INBOUND_FAILED_FOLDER": str,
    "INBOUND_MAX_BYTES": int,
    "INBOUND_MAX_PER_SENDER_PER_HOUR": int,
    "INBOUND_IGNORED_SENDERS": as_json_list,
    "INBOUND_CATEGORY": str,
    "INBOUND_POLL_SECONDS": float,
    "OIDC_ISSUER": str,
    "OIDC_CLIENT_ID": str,
    "OIDC_CLIENT_SECRET": str,
    "OIDC_SCOPES": str,
    "OIDC_EMAIL_CLAIM": str,
    "OIDC_NAME_CLAIM": str,
    "OIDC_TRUST_EMAIL": as_bool,
    "OIDC_CREATE_USERS": as_bool,
    "OIDC_DEFAULT_ROLES": as_json_list,
    "OIDC_ROLE_CLAIMS": as_json_list,
    "OIDC_ROLE_MAP": as_json_object,
    "OIDC_FETCH_USERINFO": as_bool,
    "OIDC_TIMEOUT": float,
    "OIDC_METADATA_MAX_AGE": int,
    "PASSWORD_LOGIN_ENABLED": as_bool,
    "BREAK_GLASS_ACCOUNTS": as_json_list,
    "WEBHOOK_TIMEOUT": float,
    "WEBHOOK_ALLOW_HTTP": as_bool,
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": as_bool,
    "WEBHOOK_ALLOWED_NETWORKS": as_json_list,
    "WEBHOOK_CA_FILE": str,
    "WEBHOOK_DISABLE_AFTER_FAILURES": int,
    "WEBHOOK_DISABLE_AFTER_HOURS": float,
    "WEBHOOK_KEEP_DAYS": int,
}


def settings_from_environment(environ=os.environ) -> dict:
    settings = {}
    for name, convert in ENVIRONMENT_SETTINGS.items():
        if environ.get(name):
            settings[name] = convert(environ[name])
    return settings


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver-less form the URL is given in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_or_create_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it atomically on first run (safe with many workers)."""
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()
