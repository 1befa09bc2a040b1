"""API tokens: issue, list, revoke, authenticate. The admin pages and the API call these.

A token is `lotsen_` and 43 characters of a 256-bit random secret. Only the SHA-256 of the whole
token is stored (and its first characters, to recognise it), so a copy of the database opens
nothing. A token acts as one account (User): the UI's access rules judge that account (its roles
and departments), and the token's scopes narrow what the integration may call (lotsen.api.auth).
Issuing and revoking are audited on the token; every write through the API is audited naming the
integration (record_api_write).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from lotsen.accounts.models import User
from lotsen.api.models import ApiToken
from lotsen.audit.services import record
from lotsen.companies.services import may_see_personal_numbers
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db

TOKEN_PREFIX = "lotsen_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_TOKEN_LENGTH = 200  # anything longer is no token of ours (checked before hashing)
# last_used_at is written at most this often per token: a busy integration costs one UPDATE a
# minute, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
LIFETIMES_DAYS = (30, 90, 180, 365, 730)

# Every scope, with what it allows (shown on the admin's form and in the API reference).
SCOPES = {
    "cases:create": _l("Skapa ärenden som företagarens frågeformulär gör"),
    "cases:read": _l("Läsa ärenden och deras meddelanden"),
    "cases:write": _l("Skriva meddelanden och ändra status i ärenden"),
    "companies:read": _l("Söka och läsa företag"),
    "companies:write": _l("Skapa och ändra företag"),
    "companies:personal": _l("Se enskilda firmors personnummer i klartext"),
    "visits:read": _l("Läsa företagsbesök och uppföljningar"),
    "visits:write": _l("Planera besök och lägga till uppföljningar"),
    "reports:read": _l("Läsa nyckeltalen på chefernas översikt"),
    "survey:read": _l("Läsa enkätresultaten"),
}
PERSONAL_SCOPE = "companies:personal"


class TokenError(DomainError):
    """A rule about API tokens was broken; the message is for the admin (Swedish)."""


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass
class TokenData:
    """What the admin chooses when issuing a token."""

    name: str
    account: User | None
    scopes: list[str]
    lifetime_days: int


def issue_token(actor, data: TokenData) -> tuple[ApiToken, str]:
    """Issue a token for an integration; returns the row and the secret, which is shown once
    and never stored. Raises TokenError naming the form field."""
    name = " ".join((data.name or "").split())
    if not name:
        raise TokenError(_("Skriv integrationens namn."), field="name")
    if len(name) > 120:
        raise TokenError(_("Namnet får vara högst 120 tecken."), field="name")
    account = data.account
    if account is None or not account.active:
        raise TokenError(_("Välj ett aktivt konto som nyckeln agerar som."), field="account")
    scopes = [scope for scope in SCOPES if scope in set(data.scopes)]
    if not scopes or len(scopes) != len(set(data.scopes)):
        raise TokenError(_("Välj minst en behörighet i listan."), field="scopes")
    if PERSONAL_SCOPE in scopes and not may_see_personal_numbers(account):
        raise TokenError(
            _(
                "Bara ett konto som själv ser personnummer (en administratör) kan ge en nyckel "
                "rätt att se dem."
            ),
            field="scopes",
        )
    if data.lifetime_days not in LIFETIMES_DAYS:
        raise TokenError(_("Välj en giltighetstid i listan."), field="lifetime_days")
    secret = new_secret()
    now = utcnow()
    token = ApiToken(
        name=name,
        token_hash=hash_token(secret),
        token_prefix=secret[:SHOWN_PREFIX_LENGTH],
        scopes=scopes,
        account_id=account.id,
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
        expires_at=now + timedelta(days=data.lifetime_days),
    )
    db.session.add(token)
    db.session.flush()
    record(
        actor,
        "api_token.created",
        token,
        f"API-nyckel för {name} utfärdad (agerar som {account.name})",
        {"scopes": scopes, "account_id": account.id, "expires_at": token.expires_at.isoformat()},
    )
    return token, secret


def revoke_token(actor, token: ApiToken) -> bool:
    """Revoke `token` at once; False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id if actor is not None else None
    record(actor, "api_token.revoked", token, f"API-nyckel för {token.name} återkallad")
    return True


def tokens_for_listing() -> list[ApiToken]:
    """Every token, newest first, with its account (one query each: few tokens exist)."""
    return list(
        db.session.scalars(
            select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def accounts_to_act_as() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active).order_by(User.name, User.id)))


def valid_token(secret: str | None, now: datetime) -> ApiToken | None:
    """The valid token `secret` names (not revoked, not expired, its account active), or None;
    one statement (the account joined, its roles and departments loaded only when asked)."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.startswith(TOKEN_PREFIX):
        return None
    account = joinedload(ApiToken.account).options(
        lazyload(User.role_rows), lazyload(User.departments)
    )
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret)).options(account)
    )
    if token is None or not token.is_valid(now) or not token.account.active:
        return None
    return token


def authenticate(secret: str | None, now: datetime | None = None) -> ApiToken | None:
    """valid_token, its use noted (at most once a minute; the caller commits)."""
    now = now or utcnow()
    token = valid_token(secret, now)
    if token is not None:
        note_use(token, now)
    return token


def note_use(token: ApiToken, now: datetime) -> bool:
    """Set last_used_at unless it was set in the last minute (a conditional UPDATE: two
    requests at once write it once); True when it was written. The caller commits."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(token, "last_used_at", now)
    return True


def may_see_full_personal_numbers(token: ApiToken) -> bool:
    """The token's scope allows it and the account's own rule does (companies.services)."""
    return PERSONAL_SCOPE in token.scopes and may_see_personal_numbers(token.account)


def record_api_write(token: ApiToken, action: str, obj, summary: str, changes=None) -> None:
    """The audit event of a write made through the API: by the token's account, naming the
    integration and the token."""
    details = {"integration": token.name, "api_token_id": token.id, **(changes or {})}
    record(token.account, f"api.{action}", obj, f"{summary} (via API: {token.name})", details)
