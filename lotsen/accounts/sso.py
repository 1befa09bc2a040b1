"""Single sign-on: who a provider's log-in is in Lotsen, and what the provider says they may do.

The protocol (OpenID Connect, Authlib) lives in `accounts.oidc`; this module gets the validated
claims of the ID token and decides:

- **Who.** An account is found by the identity it was linked to at an earlier log-in: the issuer
  and the subject, which is Entra ID's `oid` claim (the person's object id in the tenant) when
  present, else `sub`. At a first log-in the e-mail address finds the account, but only an
  address the provider vouches for (`email_verified`) or, with OIDC_TRUST_EMAIL, any address
  from the provider. With OIDC_CREATE_USERS someone unknown gets a new account.
- **May they.** An inactive account is refused, whoever the provider says it is.
- **Roles.** With OIDC_ROLE_MAP, the values of the role claims (groups, app roles) give the
  account's roles at every log-in; a log-in that maps to no role is refused.

Log-ins, accounts created and roles changed are written to the audit log.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from lotsen.accounts.models import Role, User, UserIdentity, UserRole
from lotsen.accounts.services import (
    AccountError,
    find_user_by_email,
    new_session_nonce,
    normalise_email,
    user_snapshot,
)
from lotsen.audit.services import record
from lotsen.db_types import utcnow
from lotsen.extensions import db

log = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = 255
NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254
# Values read from one role claim (Entra ID sends at most 200 groups in a token).
ROLE_VALUES_MAX = 1000


class SsoError(AccountError):
    """A single sign-on log-in was refused; the message is for the person (Swedish)."""


@dataclass(frozen=True)
class SsoSettings:
    """The single sign-on settings of the configuration, checked (see lotsen/config.py)."""

    issuer: str
    email_claim: str = "email"
    name_claim: str = "name"
    trust_email: bool = False
    create_users: bool = False
    default_roles: frozenset[Role] = frozenset({Role.OFFICIAL})
    role_claims: tuple[str, ...] = ("groups", "roles")
    role_map: Mapping[str, frozenset[Role]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping) -> "SsoSettings":
        """The settings of a Flask config; ValueError names a setting that makes no sense."""
        issuer = (config.get("OIDC_ISSUER") or "").rstrip("/")
        if not issuer.startswith(("https://", "http://")):
            raise ValueError("OIDC_ISSUER must be the provider's https:// address")
        if not config.get("OIDC_CLIENT_ID"):
            raise ValueError("OIDC_CLIENT_ID is required when OIDC_ISSUER is set")
        role_map = {
            str(value): _roles(roles, f"OIDC_ROLE_MAP[{value!r}]")
            for value, roles in dict(config.get("OIDC_ROLE_MAP") or {}).items()
        }
        default_roles = _roles(config.get("OIDC_DEFAULT_ROLES") or [], "OIDC_DEFAULT_ROLES")
        if config.get("OIDC_CREATE_USERS") and not role_map and not default_roles:
            raise ValueError("OIDC_CREATE_USERS needs OIDC_DEFAULT_ROLES or OIDC_ROLE_MAP")
        return cls(
            issuer=issuer,
            email_claim=config.get("OIDC_EMAIL_CLAIM") or "email",
            name_claim=config.get("OIDC_NAME_CLAIM") or "name",
            trust_email=bool(config.get("OIDC_TRUST_EMAIL")),
            create_users=bool(config.get("OIDC_CREATE_USERS")),
            default_roles=default_roles,
            role_claims=tuple(str(name) for name in config.get("OIDC_ROLE_CLAIMS") or ()),
            role_map=role_map,
        )

    @property
    def maps_roles(self) -> bool:
        return bool(self.role_map)


def _roles(value, setting: str) -> frozenset[Role]:
    names = [value] if isinstance(value, str) else list(value)
    try:
        return frozenset(Role(str(name)) for name in names)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise ValueError(
            f"{setting}: {value!r} holds a role that is not one of {allowed}"
        ) from None


# --- What the claims say -------------------------------------------------------------------


def subject_of(claims: Mapping) -> str:
    """The provider's stable id of the person: Entra ID's `oid`, else `sub`."""
    for name in ("oid", "sub"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            if len(value) > SUBJECT_MAX_LENGTH:
                raise SsoError(_("Inloggningen gav ett ogiltigt användar-id."))
            return value
    raise SsoError(_("Inloggningen gav ett ogiltigt användar-id."))


def usable_email(claims: Mapping, settings: SsoSettings) -> str | None:
    """The e-mail address of the claims when it may find or name an account, else None: the
    provider must vouch for it (email_verified) unless its addresses are trusted."""
    value = claims.get(settings.email_claim)
    if not isinstance(value, str):
        return None
    email = normalise_email(value)
    if (
        not 3 <= len(email) <= EMAIL_MAX_LENGTH
        or "@" not in email
        or any(c.isspace() for c in email)
    ):
        return None
    verified = claims.get("email_verified")
    verified = verified is True or verified == "true"  # some providers send a string
    return email if verified or settings.trust_email else None


def display_name(claims: Mapping, settings: SsoSettings, email: str) -> str:
    name = claims.get(settings.name_claim)
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return " ".join(name.split())[:NAME_MAX_LENGTH] or email.split("@")[0][:NAME_MAX_LENGTH]


def claim_values(claims: Mapping, names: Iterable[str]) -> set[str]:
    """The values of the role claims (a list, or one string)."""
    values: set[str] = set()
    for name in names:
        value = claims.get(name)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            values.update(str(each) for each in value[:ROLE_VALUES_MAX] if isinstance(each, str))
    return values


def roles_from_claims(claims: Mapping, settings: SsoSettings) -> set[Role]:
    """The Lotsen roles the claims give through OIDC_ROLE_MAP."""
    roles: set[Role] = set()
    for value in claim_values(claims, settings.role_claims):
        roles.update(settings.role_map.get(value, ()))
    return roles


# --- Signing in ----------------------------------------------------------------------------


def identity_for(issuer: str, subject: str) -> UserIdentity | None:
    return db.session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )


def sign_in(claims: Mapping, settings: SsoSettings, id_token: str | None = None) -> UserIdentity:
    """The identity (and through it the account) that the validated `claims` log in as.

    Links the identity at a first log-in, creates the account when configured, sets roles from
    the claims when mapped, and records the log-in; raises SsoError when the person may not
    log in. The caller starts the session (accounts.sessions.start_session) and commits.
    """
    subject = subject_of(claims)
    identity = identity_for(settings.issuer, subject)
    mapped = roles_from_claims(claims, settings) if settings.maps_roles else None
    if identity is None:
        identity = _first_log_in(claims, settings, subject, mapped)
    user = identity.user
    if not user.active:
        log.info("single sign-on refused: account %s is deactivated", user.id)
        raise SsoError(_("Ditt konto i Lotsen är inaktiverat. Kontakta Lotsens administratör."))
    if mapped is not None:
        _set_roles_from_claims(user, mapped)
    now = utcnow()
    identity.last_login_at = now
    identity.id_token = id_token
    user.last_login_at = now
    record(user, "user.sso_login", user, f"Inloggning med kommunens konto: {user.email}")
    db.session.flush()
    return identity


def _first_log_in(
    claims: Mapping, settings: SsoSettings, subject: str, mapped: set[Role] | None
) -> UserIdentity:
    email = usable_email(claims, settings)
    user = find_user_by_email(email) if email else None
    if user is not None:
        if identity_of_user(user, settings.issuer) is not None:
            # The account already logs in as someone else at this provider: an address handed
            # on to another person must not open the first person's account.
            log.warning("single sign-on refused: account %s is linked to another subject", user.id)
            raise SsoError(
                _(
                    "Ditt konto i Lotsen är redan kopplat till ett annat konto hos kommunen. "
                    "Kontakta Lotsens administratör."
                )
            )
    elif email is not None and settings.create_users:
        if mapped is not None and not mapped:
            raise no_role_error()
        user = _create_user(claims, settings, email, mapped or set(settings.default_roles))
    elif email is None:
        raise SsoError(
            _(
                "Inloggningen gav ingen bekräftad e-postadress, så vi kan inte avgöra vilket "
                "konto i Lotsen som är ditt. Kontakta Lotsens administratör."
            )
        )
    else:
        raise SsoError(
            _(
                "Det finns inget konto i Lotsen för %(email)s. Kontakta Lotsens administratör.",
                email=email,
            )
        )
    identity = UserIdentity(user=user, issuer=settings.issuer, subject=subject)
    db.session.add(identity)
    db.session.flush()
    record(
        None,
        "user.sso_linked",
        user,
        f"Kontot kopplat till kommunens konto: {user.email}",
        {"issuer": settings.issuer, "subject": subject},
    )
    return identity


def identity_of_user(user: User, issuer: str) -> UserIdentity | None:
    return db.session.scalar(
        select(UserIdentity).where(UserIdentity.user_id == user.id, UserIdentity.issuer == issuer)
    )


def _create_user(claims: Mapping, settings: SsoSettings, email: str, roles: set[Role]) -> User:
    user = User(
        email=email,
        name=display_name(claims, settings, email),
        session_nonce=new_session_nonce(),
        active=True,
    )
    user.role_rows = [UserRole(role=role.value) for role in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    record(
        None,
        "user.created",
        user,
        f"Konto skapat vid första inloggningen med kommunens konto: {user.email}",
        user_snapshot(user),
    )
    return user


def no_role_error() -> SsoError:
    return SsoError(
        _(
            "Ditt konto hos kommunen ger ingen behörighet i Lotsen. Kontakta Lotsens "
            "administratör om du behöver komma åt Lotsen."
        )
    )


def _set_roles_from_claims(user: User, roles: set[Role]) -> None:
    if not roles:
        log.info("single sign-on refused: no role for account %s in the claims", user.id)
        raise no_role_error()
    before = sorted(user.roles)
    if set(before) == roles:
        return
    user.role_rows = [row for row in user.role_rows if Role(row.role) in roles]
    user.role_rows.extend(UserRole(role=role.value) for role in sorted(roles - user.roles))
    record(
        None,
        "user.roles_from_claims",
        user,
        f"Roller satta från kommunens konto: {user.email}",
        {"roles": [before, sorted(roles)]},
    )


def end_sso_session(user: User, identity_id: int | None) -> str | None:
    """At log-out: forget the ID token of the identity's latest log-in and return it (the hint
    the provider's end-session endpoint gets), or None."""
    if not isinstance(identity_id, int):
        return None
    identity = db.session.get(UserIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        return None
    id_token, identity.id_token = identity.id_token, None
    return id_token


def unlink_identities(actor: User | None, user: User) -> int:
    """Remove the links of `user` to the provider's accounts (its next single sign-on log-in is
    a first log-in again, found by e-mail). Returns how many there were."""
    identities = db.session.scalars(
        select(UserIdentity).where(UserIdentity.user_id == user.id)
    ).all()
    for identity in identities:
        db.session.delete(identity)
    if identities:
        record(
            actor,
            "user.sso_unlinked",
            user,
            f"Kopplingen till kommunens konto togs bort: {user.email}",
        )
    db.session.flush()
    return len(identities)
