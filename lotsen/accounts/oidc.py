"""Single sign-on with OpenID Connect: Authlib's Flask client, set up from the configuration.

The authorization code flow with PKCE (S256). Authlib keeps the state, the nonce and the code
verifier in the session until the provider sends the browser back; it then checks the state,
exchanges the code (with the client secret and the verifier) and validates the ID token: its
signature against the provider's published keys, issuer, audience, expiry and nonce. The
provider's endpoints come from discovery (`<OIDC_ISSUER>/.well-known/openid-configuration`),
kept for OIDC_METADATA_MAX_AGE seconds; a discovery document naming another issuer is refused.

What the claims mean for Lotsen (which account, which roles) is `accounts.sso`'s business.
"""

import contextlib
import logging
import time
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from flask import Flask, current_app, request
from flask_babel import gettext as _
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from lotsen.accounts.sso import SsoError, SsoSettings
from lotsen.security import origin_of

log = logging.getLogger(__name__)

EXTENSION = "lotsen.oidc"
CLIENT_NAME = "lotsen"
# What talking to the provider may raise: the network, its answers, the token's checks.
PROVIDER_ERRORS = (requests.RequestException, AuthlibBaseError, JoseError, ValueError, RuntimeError)


@dataclass
class Sso:
    """One app's single sign-on: Authlib's registry and the checked settings."""

    oauth: OAuth
    settings: SsoSettings


@dataclass
class SignIn:
    """A completed log-in at the provider: the ID token's validated claims and the token."""

    claims: dict
    id_token: str | None


def install(app: Flask) -> None:
    """Set up single sign-on when OIDC_ISSUER is configured; a setting that makes no sense
    stops the app from starting (ValueError naming it)."""
    config = app.config
    if not config.get("OIDC_ISSUER"):
        return
    settings = SsoSettings.from_config(config)
    scopes = str(config["OIDC_SCOPES"]).split()
    if "openid" not in scopes:
        raise ValueError("OIDC_SCOPES must include openid")
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": " ".join(scopes),
            "code_challenge_method": "S256",
            "default_timeout": config["OIDC_TIMEOUT"],
        },
    )
    app.extensions[EXTENSION] = Sso(oauth, settings)


def configured() -> bool:
    return EXTENSION in current_app.extensions


def settings() -> SsoSettings:
    return current_app.extensions[EXTENSION].settings


def _client() -> FlaskOAuth2App:
    client = current_app.extensions[EXTENSION].oauth.create_client(CLIENT_NAME)
    loaded_at = client.server_metadata.get("_loaded_at")
    if loaded_at and time.time() - loaded_at > current_app.config["OIDC_METADATA_MAX_AGE"]:
        client.server_metadata = {}  # discovered again (new endpoints, new keys)
    return client


def unavailable() -> SsoError:
    return SsoError(_("Kommunens inloggning svarar inte just nu. Försök igen om en stund."))


def failed() -> SsoError:
    return SsoError(_("Inloggningen med kommunens konto gick inte att slutföra. Försök igen."))


def _metadata(client: FlaskOAuth2App) -> dict:
    """The provider's discovered settings; SsoError when it cannot be reached or names
    another issuer than the one configured."""
    try:
        metadata = client.load_server_metadata()
    except PROVIDER_ERRORS:
        log.warning("single sign-on: discovery at %s failed", settings().issuer, exc_info=True)
        raise unavailable() from None
    if str(metadata.get("issuer", "")).rstrip("/") != settings().issuer:
        client.server_metadata = {}
        log.error(
            "single sign-on: the discovery document names the issuer %r, not OIDC_ISSUER %r",
            metadata.get("issuer"),
            settings().issuer,
        )
        raise failed()
    return metadata


def authorization_redirect(redirect_uri: str) -> Response:
    """Send the browser to the provider's log-in (state, nonce and PKCE kept in the session)."""
    client = _client()
    _metadata(client)
    try:
        return client.authorize_redirect(redirect_uri)
    except PROVIDER_ERRORS:
        log.warning("single sign-on: could not start the log-in", exc_info=True)
        raise unavailable() from None


def complete_sign_in() -> SignIn:
    """Finish the log-in the provider sent the browser back from (this request): check the
    state, exchange the code, validate the ID token. SsoError says why it failed."""
    client = _client()
    args = request.args
    if args.get("error"):
        log.info(
            "single sign-on: the provider answered %s: %s",
            args.get("error")[:100],
            args.get("error_description", "")[:300],
        )
        raise SsoError(_("Inloggningen hos kommunen avbröts eller nekades."))
    issuer = args.get("iss")
    if issuer is not None and issuer.rstrip("/") != settings().issuer:  # RFC 9207
        log.warning("single sign-on: a response from the issuer %r was refused", issuer[:300])
        raise failed()
    _metadata(client)
    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise SsoError(
            _(
                "Inloggningen gick inte att slutföra: den hade tagit för lång tid eller "
                "startades i en annan flik. Försök igen."
            )
        ) from None
    except PROVIDER_ERRORS:
        log.warning("single sign-on: the code exchange or the ID token failed", exc_info=True)
        raise failed() from None
    claims = token.get("userinfo")
    if not claims:
        log.warning("single sign-on: the provider sent no ID token")
        raise failed()
    claims = dict(claims)
    if current_app.config["OIDC_FETCH_USERINFO"]:
        claims = _with_userinfo(client, token, claims)
    return SignIn(claims=claims, id_token=token.get("id_token"))


def _with_userinfo(client: FlaskOAuth2App, token: dict, claims: dict) -> dict:
    """The ID token's claims completed by the userinfo endpoint's (which must be about the
    same person); the ID token's own values win."""
    try:
        info = dict(client.userinfo(token=token))
    except PROVIDER_ERRORS:
        log.warning("single sign-on: the userinfo endpoint failed", exc_info=True)
        raise unavailable() from None
    if info.get("sub") != claims.get("sub"):
        log.error("single sign-on: userinfo is about another subject than the ID token")
        raise failed()
    return {**info, **claims}


def end_session_redirect(id_token: str | None, post_logout_redirect_uri: str) -> Response | None:
    """The redirect to the provider's end-session endpoint (RP-initiated log-out, with the ID
    token as hint where there is one), or None when the provider offers none or cannot be
    reached (the local log-out has happened anyway)."""
    client = _client()
    try:
        metadata = _metadata(client)
    except SsoError:
        return None
    end_session = metadata.get("end_session_endpoint")
    if not end_session:
        return None
    if origin_of(end_session) != origin_of(settings().issuer):
        # The Content-Security-Policy lets the log-out form lead to the issuer's origin only.
        log.warning("single sign-on: end_session_endpoint %r is not at the issuer", end_session)
        return None
    return client.logout_redirect(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=client.client_id,
    )


def finish_log_out() -> None:
    """The provider sent the browser back after its log-out: forget the log-out's state."""
    # A missing or stale state changes nothing: the log-out has happened anyway.
    with contextlib.suppress(AuthlibBaseError):
        _client().validate_logout_response()
