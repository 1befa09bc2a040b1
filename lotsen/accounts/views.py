import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from lotsen.accounts import services
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
from lotsen.writes import button_write, form_write

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
    return render_template("accounts/login.html", form=form)


@bp.route("/logga-ut", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        with button_write():
            services.end_sessions(current_user)
    logout_user()
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
