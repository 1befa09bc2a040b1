import hashlib

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from lotsen.accounts import oidc, services, sso
from lotsen.accounts.access import public
from lotsen.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from lotsen.accounts.sessions import start_session
from lotsen.extensions import limiter
from lotsen.urls import safe_next_url
from lotsen.writes import button_write, committing, form_write

bp = Blueprint("accounts", __name__, url_prefix="/konto")


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def account_rate_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def account_key() -> str:
    """The account a log-in or reset is tried on, whatever address it comes from (hashed: the
    counters' keys hold no e-mail address)."""
    email = services.normalise_email(request.form.get("email", ""))[:254]
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


limit_per_address = limiter.limit(login_rate_limit, methods=["POST"])
limit_per_account = limiter.limit(account_rate_limit, key_func=account_key, methods=["POST"])
# Single sign-on's steps are GET requests, each costing calls to the provider.
limit_sso_per_address = limiter.limit(login_rate_limit)


@bp.route("/logga-in", methods=["GET", "POST"])
@public
@limit_per_address
@limit_per_account
def login():
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        with form_write(form, "password"):
            user = services.authenticate(form.email.data, form.password.data)
            if user is not None:
                start_session(user, remember=form.remember.data)
        if user is not None:
            return redirect(safe_next_url(request.args.get("next")))
        form.password.errors.append(_("Fel e-postadress eller lösenord."))
    return render_template(
        "accounts/login.html",
        form=form,
        sso=oidc.configured(),
        password_login=current_app.config["PASSWORD_LOGIN_ENABLED"],
        next_url=request.args.get("next"),
    )


# Where the session remembers a single sign-on log-in: the identity's id, and where to go after.
SSO_IDENTITY = "sso_identity"
SSO_NEXT = "sso_next"


@bp.route("/sso")
@public
@limit_sso_per_address
def sso_login():
    """The button "Logga in med kommunens konto": off to the provider's log-in page."""
    if not oidc.configured():
        abort(404)
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")))
    session[SSO_NEXT] = safe_next_url(request.args.get("next"))
    try:
        return oidc.authorization_redirect(url_for("accounts.sso_callback", _external=True))
    except sso.SsoError as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.login"))


@bp.route("/sso/callback")
@public
@limit_sso_per_address
def sso_callback():
    """The provider sends the browser back here with the code (or an error)."""
    if not oidc.configured():
        abort(404)
    with committing() as outcome:
        signed_in = oidc.complete_sign_in()
        identity = sso.sign_in(signed_in.claims, oidc.settings(), signed_in.id_token)
        start_session(identity.user)
    if not outcome:
        flash(outcome.error.message, "error")
        return redirect(url_for("accounts.login"))
    session[SSO_IDENTITY] = identity.id
    return redirect(session.pop(SSO_NEXT, None) or url_for("main.index"))


@bp.route("/logga-ut", methods=["POST"])
@public
def logout():
    identity_id = session.pop(SSO_IDENTITY, None)
    id_token = None
    if current_user.is_authenticated:
        with button_write():
            services.end_sessions(current_user)
            id_token = sso.end_sso_session(current_user, identity_id)
    logout_user()
    if identity_id is not None and oidc.configured():
        post_logout = url_for("accounts.sso_logged_out", _external=True)
        response = oidc.end_session_redirect(id_token, post_logout)
        if response is not None:
            return response  # the provider ends its session too, then sends the browser back
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/sso/utloggad")
@public
def sso_logged_out():
    """Back from the provider's end-session endpoint."""
    if not oidc.configured():
        abort(404)
    oidc.finish_log_out()
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/losenord", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with form_write(form, "new_password") as saved:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        if saved:
            start_session(current_user)  # the password change ended every session
            flash(_("Ditt lösenord är bytt."), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@public
@limit_per_address
@limit_per_account
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with form_write(form, "email") as saved:
            services.request_password_reset(form.email.data)
        if saved:
            flash(
                _(
                    "Om adressen hör till ett konto har vi skickat en länk för att välja nytt "
                    "lösenord. Kolla din inkorg."
                ),
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/nytt-losenord/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with form_write(form, "new_password") as saved:
            services.reset_password(user, form.new_password.data)
        if saved:
            flash(_("Ditt lösenord är sparat. Logga in med det nya lösenordet."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, user=user)
