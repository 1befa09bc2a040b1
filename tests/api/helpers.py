"""Issuing API tokens in tests and calling the API with them."""

from lotsen.accounts.models import Role
from lotsen.api import tokens
from lotsen.extensions import db
from tests.factories import UserFactory

ALL_SCOPES = list(tokens.SCOPES)


def issue(scopes=None, roles=(Role.COORDINATOR,), account=None, name="E-tjänsteplattformen"):
    """A committed token acting as `account` (else a new user with `roles`): (secret, token)."""
    account = account or UserFactory(roles=list(roles))
    admin = UserFactory(roles=[Role.ADMIN])
    if scopes is None:  # every scope the account may be given
        personal = account.has_role(Role.ADMIN)
        scopes = [scope for scope in ALL_SCOPES if personal or scope != tokens.PERSONAL_SCOPE]
    data = tokens.TokenData(name=name, account=account, scopes=list(scopes), lifetime_days=365)
    token, secret = tokens.issue_token(admin, data)
    db.session.commit()
    return secret, token


def bearer(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}
