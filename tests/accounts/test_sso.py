"""Single sign-on's rules, called directly: who the provider's claims log in as (identity, then
verified e-mail), accounts created at a first log-in, roles from group claims, refusals."""

import pytest
from sqlalchemy import select

from lotsen.accounts import services, sso
from lotsen.accounts.models import Role, User, UserIdentity
from lotsen.accounts.sso import SsoError, SsoSettings
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from tests.factories import UserFactory

ISSUER = "https://login.microsoftonline.com/3f1c2a9e-0000-4000-8000-000000000001/v2.0"
COORDINATORS = "0b6f1c9e-samordnare"
MANAGERS = "7a2d9e31-chefer"
EVERYONE = "alla-anstallda"
ROLE_MAP = {
    COORDINATORS: frozenset({Role.COORDINATOR, Role.OFFICIAL}),
    MANAGERS: frozenset({Role.MANAGER}),
    "Lotsen.Admin": frozenset({Role.ADMIN}),
}


def settings(**changes) -> SsoSettings:
    return SsoSettings(issuer=ISSUER, **changes)


def claims(sub="subject-1", email="karin@kommun.example", verified=True, **more) -> dict:
    values = {"iss": ISSUER, "sub": sub, "email": email, "name": "Karin Lindqvist", **more}
    if verified is not None:
        values["email_verified"] = verified
    return values


def actions(user) -> list[str]:
    return db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "users", AuditEvent.object_id == user.id)
        .order_by(AuditEvent.id)
    ).all()


def identities() -> list[tuple[int, str, str]]:
    rows = db.session.execute(
        select(UserIdentity.user_id, UserIdentity.issuer, UserIdentity.subject)
    )
    return sorted(tuple(row) for row in rows)


def test_a_first_log_in_finds_the_account_by_its_verified_email_and_links_it(app):
    user = UserFactory(email="karin@kommun.example", roles=[Role.COORDINATOR])
    identity = sso.sign_in(claims(email="Karin@Kommun.Example"), settings(), id_token="token-1")
    assert identity.user == user
    assert identities() == [(user.id, ISSUER, "subject-1")]
    assert identity.id_token == "token-1" and identity.last_login_at is not None
    assert user.last_login_at is not None
    assert actions(user) == ["user.sso_linked", "user.sso_login"]
    assert user.roles == {Role.COORDINATOR}  # no OIDC_ROLE_MAP: roles are kept in Lotsen


def test_a_linked_identity_logs_in_whatever_its_email_says_later(app):
    user = UserFactory(email="karin@kommun.example")
    sso.sign_in(claims(), settings())
    UserFactory(email="karin.ny@kommun.example")
    again = sso.sign_in(claims(email="karin.ny@kommun.example"), settings())
    assert again.user == user
    assert len(identities()) == 1


def test_entra_ids_oid_is_the_subject_when_the_token_has_one(app):
    user = UserFactory(email="karin@kommun.example")
    oid = "8c1f0a52-3b7e-4d61-9a0c-5e2f7b9d4c11"
    sso.sign_in(claims(sub="pairwise-for-this-app", oid=oid), settings())
    assert identities() == [(user.id, ISSUER, oid)]
    # The same person in another app registration has another sub, the same oid.
    assert sso.sign_in(claims(sub="another-sub", oid=oid), settings()).user == user


def test_the_same_subject_at_another_issuer_is_another_person(app):
    UserFactory(email="karin@kommun.example")
    sso.sign_in(claims(), settings())
    other = SsoSettings(issuer="https://idp.other.example")
    with pytest.raises(SsoError, match="Det finns inget konto i Lotsen för"):
        sso.sign_in(claims(email="okand@kommun.example"), other)


@pytest.mark.parametrize("verified", [False, None, "false", 1])
def test_an_email_the_provider_does_not_vouch_for_finds_no_account(app, verified):
    UserFactory(email="karin@kommun.example")
    with pytest.raises(SsoError, match="ingen bekräftad e-postadress"):
        sso.sign_in(claims(verified=verified), settings())
    assert identities() == []


def test_trusting_the_providers_addresses_matches_without_email_verified(app):
    user = UserFactory(email="karin@kommun.example")
    identity = sso.sign_in(claims(verified=None), settings(trust_email=True))
    assert identity.user == user


def test_a_string_true_counts_as_verified(app):
    user = UserFactory(email="karin@kommun.example")
    assert sso.sign_in(claims(verified="true"), settings()).user == user


def test_the_email_claim_is_configurable(app):
    user = UserFactory(email="karin@kommun.example")
    entra = claims(email=None, verified=None, preferred_username="KARIN@kommun.example")
    identity = sso.sign_in(entra, settings(email_claim="preferred_username", trust_email=True))
    assert identity.user == user


def test_an_account_linked_to_another_subject_is_not_taken_over_by_its_email(app):
    user = UserFactory(email="karin@kommun.example")
    sso.sign_in(claims(sub="the-first-karin"), settings())
    with pytest.raises(SsoError, match="redan kopplat till ett annat konto"):
        sso.sign_in(claims(sub="a-new-person-with-the-address"), settings())
    assert identities() == [(user.id, ISSUER, "the-first-karin")]


def test_after_unlinking_the_next_log_in_links_the_new_subject(app):
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory(email="karin@kommun.example")
    sso.sign_in(claims(sub="old-account"), settings())
    assert sso.unlink_identities(admin, user) == 1
    assert sso.sign_in(claims(sub="new-account"), settings()).user == user
    assert identities() == [(user.id, ISSUER, "new-account")]
    assert "user.sso_unlinked" in actions(user)


def test_someone_unknown_is_refused_when_accounts_are_not_created(app):
    with pytest.raises(SsoError, match="Det finns inget konto i Lotsen för karin@kommun.example"):
        sso.sign_in(claims(), settings())
    assert db.session.scalars(select(User)).all() == []


def test_an_account_is_created_at_the_first_log_in_with_the_default_role(app):
    identity = sso.sign_in(
        claims(name="  Karin   Lindqvist "), settings(create_users=True), id_token="t"
    )
    user = identity.user
    assert (user.email, user.name, user.roles) == (
        "karin@kommun.example",
        "Karin Lindqvist",
        {Role.OFFICIAL},
    )
    assert user.password_hash is None and user.active
    assert actions(user) == ["user.created", "user.sso_linked", "user.sso_login"]
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert created.actor_id is None and created.changes["roles"] == ["official"]
    # No "choose your password" mail: the account logs in with the municipality's account.
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_created_account_takes_its_roles_from_the_claims_when_they_are_mapped(app):
    identity = sso.sign_in(
        claims(groups=[COORDINATORS, EVERYONE]),
        settings(create_users=True, role_map=ROLE_MAP),
    )
    assert identity.user.roles == {Role.COORDINATOR, Role.OFFICIAL}


def test_a_created_account_without_a_name_claim_is_named_from_given_and_family_name(app):
    values = claims(given_name="Karin", family_name="Lindqvist")
    del values["name"]
    assert sso.sign_in(values, settings(create_users=True)).user.name == "Karin Lindqvist"
    values = claims(sub="s2", email="nils@kommun.example")
    del values["name"]
    assert sso.sign_in(values, settings(create_users=True)).user.name == "nils"


def test_no_account_is_created_from_an_unverified_address(app):
    with pytest.raises(SsoError, match="ingen bekräftad e-postadress"):
        sso.sign_in(claims(verified=False), settings(create_users=True))
    assert db.session.scalars(select(User)).all() == []


def test_roles_follow_the_group_claims_at_every_log_in(app):
    user = UserFactory(email="karin@kommun.example", roles=[Role.OFFICIAL])
    mapped = settings(role_map=ROLE_MAP)
    sso.sign_in(claims(groups=[COORDINATORS, "unknown-group"]), mapped)
    assert user.roles == {Role.COORDINATOR, Role.OFFICIAL}
    change = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.roles_from_claims")
    )
    assert change.changes == {"roles": [["official"], ["coordinator", "official"]]}
    assert change.actor_id is None

    sso.sign_in(claims(groups=[COORDINATORS]), mapped)  # unchanged: no new event
    assert actions(user).count("user.roles_from_claims") == 1

    sso.sign_in(claims(groups=[MANAGERS], roles=["Lotsen.Admin"]), mapped)
    assert user.roles == {Role.MANAGER, Role.ADMIN}
    assert actions(user).count("user.roles_from_claims") == 2


def test_a_single_string_claim_is_read_as_one_value(app):
    user = UserFactory(email="karin@kommun.example", roles=[Role.OFFICIAL])
    sso.sign_in(claims(roles="Lotsen.Admin"), settings(role_map=ROLE_MAP))
    assert user.roles == {Role.ADMIN}


def test_a_log_in_whose_claims_give_no_role_is_refused_and_changes_nothing(app):
    user = UserFactory(email="karin@kommun.example", roles=[Role.COORDINATOR])
    with pytest.raises(SsoError, match="ger ingen behörighet i Lotsen"):
        sso.sign_in(claims(groups=[EVERYONE]), settings(role_map=ROLE_MAP))
    db.session.rollback()
    assert user.roles == {Role.COORDINATOR}
    assert identities() == []
    with pytest.raises(SsoError, match="ger ingen behörighet i Lotsen"):
        sso.sign_in(
            claims(sub="x", email="ny@kommun.example"),
            settings(create_users=True, role_map=ROLE_MAP),
        )


def test_an_inactive_account_cannot_log_in_with_single_sign_on(app):
    user = UserFactory(email="karin@kommun.example")
    sso.sign_in(claims(), settings())
    admin = UserFactory(roles=[Role.ADMIN])
    services.set_user_active(admin, user, False)
    with pytest.raises(SsoError, match="inaktiverat"):
        sso.sign_in(claims(), settings())
    other = UserFactory(email="per@kommun.example", active=False)
    with pytest.raises(SsoError, match="inaktiverat"):
        sso.sign_in(claims(sub="per", email=other.email), settings())


@pytest.mark.parametrize("subject", ["", "   ", None, 42, "x" * 256])
def test_a_missing_or_odd_subject_is_refused(app, subject):
    UserFactory(email="karin@kommun.example")
    with pytest.raises(SsoError, match="ogiltigt användar-id"):
        sso.sign_in(claims(sub=subject), settings())


def test_odd_claim_values_are_ignored_not_trusted(app):
    UserFactory(email="karin@kommun.example", roles=[Role.OFFICIAL])
    odd = claims(groups={"not": "a list"}, roles=[1, None, {"x": 1}])
    with pytest.raises(SsoError, match="ger ingen behörighet"):
        sso.sign_in(odd, settings(role_map=ROLE_MAP))
    for email in ["inte en adress", "a b@kommun.example", 7, "@", "x" * 250 + "@k.se"]:
        assert sso.usable_email(claims(email=email), settings()) is None


def test_log_out_forgets_the_id_token_of_the_users_own_identity_only(app):
    karin = UserFactory(email="karin@kommun.example")
    erik = UserFactory(email="erik@kommun.example")
    identity = sso.sign_in(claims(), settings(), id_token="karins-token")
    assert sso.end_sso_session(erik, identity.id) is None
    assert sso.end_sso_session(karin, "1") is None
    assert sso.end_sso_session(karin, identity.id) == "karins-token"
    assert identity.id_token is None
    assert sso.end_sso_session(karin, identity.id) is None


def test_settings_from_the_configuration_are_checked(app):
    config = {
        "OIDC_ISSUER": ISSUER + "/",
        "OIDC_CLIENT_ID": "client",
        "OIDC_ROLE_MAP": {COORDINATORS: ["coordinator", "official"], MANAGERS: "manager"},
        "OIDC_DEFAULT_ROLES": ["official"],
        "OIDC_ROLE_CLAIMS": ["groups"],
    }
    checked = SsoSettings.from_config(config)
    assert checked.issuer == ISSUER
    assert checked.role_map[MANAGERS] == {Role.MANAGER}
    assert checked.role_claims == ("groups",)
    with pytest.raises(ValueError, match="OIDC_ROLE_MAP"):
        SsoSettings.from_config({**config, "OIDC_ROLE_MAP": {COORDINATORS: "superuser"}})
    with pytest.raises(ValueError, match="OIDC_CLIENT_ID"):
        SsoSettings.from_config({**config, "OIDC_CLIENT_ID": None})
    with pytest.raises(ValueError, match="OIDC_ISSUER"):
        SsoSettings.from_config({**config, "OIDC_ISSUER": "login.microsoftonline.com"})
    with pytest.raises(ValueError, match="OIDC_CREATE_USERS"):
        SsoSettings.from_config(
            {**config, "OIDC_CREATE_USERS": True, "OIDC_DEFAULT_ROLES": [], "OIDC_ROLE_MAP": {}}
        )


def test_the_cli_unlinks_an_account(app, runner):
    user = UserFactory(email="karin@kommun.example")
    sso.sign_in(claims(), settings())
    db.session.commit()
    result = runner.invoke(args=["lotsen", "unlink-sso", "Karin@kommun.example"])
    assert result.exit_code == 0, result.output
    assert "1 single sign-on link(s) removed" in result.output
    assert identities() == []
    assert "user.sso_unlinked" in actions(user)
    missing = runner.invoke(args=["lotsen", "unlink-sso", "ingen@kommun.example"])
    assert missing.exit_code != 0 and "No account" in missing.output
