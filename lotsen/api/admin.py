"""The admin's pages for API tokens: issue (the secret is shown once), list, revoke."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role, User
from lotsen.api import tokens
from lotsen.api.forms import TokenForm
from lotsen.api.models import ApiToken
from lotsen.audit.queries import audit_history
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.form_fields import ConfirmForm
from lotsen.writes import button_write, form_write

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-nycklar")
admin_only = roles_required(Role.ADMIN)


@bp.route("/")
@admin_only
def index():
    return render_template(
        "api/tokens.html", tokens=tokens.tokens_for_listing(), now=utcnow(), scopes=tokens.SCOPES
    )


@bp.route("/ny", methods=["GET", "POST"])
@admin_only
def create():
    form = TokenForm(accounts=tokens.accounts_to_act_as())
    if form.validate_on_submit():
        data = tokens.TokenData(
            name=form.name.data,
            account=db.session.get(User, form.account.data) if form.account.data else None,
            scopes=list(form.scopes.data or []),
            lifetime_days=form.lifetime_days.data,
        )
        with form_write(form, "name") as saved:
            token, secret = tokens.issue_token(current_user, data)
        if saved:
            # Shown once, in this response only: never in a redirect, a flash or the session.
            return render_template("api/token_created.html", token=token, secret=secret)
    return render_template("api/token_form.html", form=form, scopes=tokens.SCOPES)


@bp.route("/<int:token_id>")
@admin_only
def show(token_id):
    token = db.session.get(ApiToken, token_id) or abort(404)
    return render_template(
        "api/token.html",
        token=token,
        now=utcnow(),
        scopes=tokens.SCOPES,
        history=audit_history("api_tokens", token.id),
        confirm=ConfirmForm(),
    )


@bp.route("/<int:token_id>/aterkalla", methods=["POST"])
@admin_only
def revoke(token_id):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        with button_write() as saved:
            revoked = tokens.revoke_token(current_user, token)
        if saved and revoked:
            flash(
                _("Nyckeln för %(name)s är återkallad och fungerar inte längre.", name=token.name),
                "success",
            )
    return redirect(url_for("api_tokens.show", token_id=token_id))
