"""API tokens: issued hashed with scopes and expiry, authenticated, noted, revoked, audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.api import tokens
from lotsen.api.models import ApiToken
from lotsen.audit.models import AuditEvent
from lotsen.db_types import utcnow
from lotsen.extensions import db
from tests.api.helpers import issue
from tests.factories import UserFactory


def test_a_token_is_stored_as_a_hash_and_shown_once(app):
    secret, token = issue(["cases:read"])
    assert secret.startswith("lotsen_") and len(secret) >= 45
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == tokens.hash_token(secret) and secret not in stored.token_hash
    assert stored.token_prefix == secret[: tokens.SHOWN_PREFIX_LENGTH]
    assert stored.scopes == ["cases:read"]
    assert timedelta(days=364) < stored.expires_at - stored.created_at <= timedelta(days=365)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.created"))
    assert secret not in str(event.one().changes)


def test_authenticate_finds_only_valid_tokens(app):
    secret, token = issue(["cases:read"])
    assert tokens.authenticate(secret).id == token.id
    for wrong in (None, "", "lotsen_", secret + "x", "Bearer " + secret, "x" * 5000):
        assert tokens.authenticate(wrong) is None
    assert tokens.authenticate(secret, now=token.expires_at + timedelta(seconds=1)) is None
    tokens.revoke_token(None, token)
    db.session.commit()
    assert tokens.authenticate(secret) is None


def test_a_token_stops_working_when_its_account_is_deactivated(app):
    secret, token = issue(["cases:read"])
    token.account.active = False
    db.session.commit()
    assert tokens.authenticate(secret) is None


def test_last_used_is_written_at_most_once_a_minute(app, count_queries):
    secret, token = issue(["cases:read"])
    start = utcnow()
    tokens.authenticate(secret, now=start)
    db.session.commit()
    with count_queries() as queries:
        tokens.authenticate(secret, now=start + timedelta(seconds=30))
    assert "UPDATE" not in queries.kinds()
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == start
    with count_queries() as queries:
        tokens.authenticate(secret, now=start + timedelta(seconds=61))
    assert queries.kinds().count("UPDATE") == 1


def test_issuing_refuses_what_the_rules_refuse(app):
    admin = UserFactory(roles=[Role.ADMIN])
    official = UserFactory(roles=[Role.OFFICIAL])
    inactive = UserFactory(roles=[Role.OFFICIAL], active=False)

    def refused(field, **values):
        data = dict(name="Intranätet", account=official, scopes=["cases:read"], lifetime_days=90)
        data.update(values)
        with pytest.raises(tokens.TokenError) as refusal:
            tokens.issue_token(admin, tokens.TokenData(**data))
        assert refusal.value.field == field

    refused("name", name="   ")
    refused("name", name="x" * 121)
    refused("account", account=None)
    refused("account", account=inactive)
    refused("scopes", scopes=[])
    refused("scopes", scopes=["cases:read", "admin:everything"])
    refused("lifetime_days", lifetime_days=10_000)
    # Seeing personnummer is an admin's right in the UI: only an admin's token gets the scope.
    refused("scopes", scopes=["companies:read", "companies:personal"])
    token, _secret = tokens.issue_token(
        admin,
        tokens.TokenData("Registret", admin, ["companies:read", "companies:personal"], 30),
    )
    assert tokens.may_see_full_personal_numbers(token)


def test_revoking_is_audited_once(app):
    secret, token = issue(["cases:read"])
    admin = UserFactory(roles=[Role.ADMIN])
    assert tokens.revoke_token(admin, token) is True
    assert tokens.revoke_token(admin, token) is False
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "api_tokens")
    ).all()
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]
