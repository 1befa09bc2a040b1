"""The delay notice page of a case, and the prompt on the case page."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.reports.delay.forms import DelayNoticeForm
from lotsen.reports.delay.services import (
    default_expected_date,
    delay_notice_due,
    may_send,
    send_delay_notice,
)
from lotsen.writes import form_write

bp = Blueprint("delay_notices", __name__, url_prefix="/arenden")


@bp.route("/<int:case_id>/forseningsbesked", methods=["GET", "POST"])
@roles_required(Role.OFFICIAL, Role.COORDINATOR)
def new(case_id: int):
    case = db.session.get(Case, case_id) or abort(404)
    if not may_send(case, current_user):
        abort(403)
    form = DelayNoticeForm()
    if not form.is_submitted():
        form.expected_date.data = default_expected_date(case)
    if form.validate_on_submit():
        with form_write(form, "reason") as saved:
            send_delay_notice(case, current_user, form.reason.data, form.expected_date.data)
        if saved:
            if cases.reaches_owner(case):
                flash(_("Förseningsbeskedet är skickat till företagaren."), "success")
            else:
                flash(*cases.reply_outcome(case))
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("reports/delay_notice.html", case=case, form=form)


@bp.app_template_global("delay_notice_due")
def delay_notice_due_global(case, user) -> bool:
    return delay_notice_due(case, user)
