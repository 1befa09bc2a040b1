"""Förvaltningslagen 11 §: telling the company that its case will be late (förseningsbesked).

The notice also tells the company of its right under 12 § to ask for a decision once the case
is six months old; such a request is recorded on the case (cases.services.record_decision_request).

When a case will clearly miss its resolution target, its lead is prompted on the case page to
send the company a delay notice: a public reply from a template with the reason and a new
expected date, logged as a CaseEvent of kind "delay_notice".
"""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from lotsen.accounts.access import roles_required
from lotsen.accounts.forms import strip
from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.models import Case, CaseEvent
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.reports.targets import resolution_missed
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.writes import form_write

DELAY_NOTICE = "delay_notice"
bp = Blueprint("delay_notices", __name__, url_prefix="/arenden")


def local_today() -> date:
    return utcnow().astimezone(STOCKHOLM).date()


class DelayNoticeForm(FlaskForm):
    reason = TextAreaField(
        _l("Skäl till förseningen"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv skälet till förseningen.")), Length(max=2000)],
        description=_l("Skrivs in i meddelandet till företagaren. Skriv begripligt och kort."),
    )
    expected_date = DateField(
        _l("Nytt beräknat datum för beslut eller svar"),
        validators=[DataRequired(message=_l("Skriv datumet som ÅÅÅÅ-MM-DD."))],
    )
    submit = SubmitField(_l("Skicka förseningsbesked"))

    def validate_expected_date(self, field):
        if field.data and field.data <= local_today():
            raise ValidationError(_("Välj ett datum efter i dag."))


def notice_sent(case: Case) -> bool:
    return (
        db.session.scalar(
            select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.kind == DELAY_NOTICE)
        )
        is not None
    )


def delay_notice_due(case: Case, user) -> bool:
    """Prompt the lead when the resolution target is missed or clearly will be, until sent."""
    if user is None or not user.is_authenticated or case.lead_id != user.id:
        return False
    return resolution_missed(case) and not notice_sent(case)


def notice_text(case: Case, reason: str, expected: date) -> str:
    return render_template(
        "reports/delay_notice.txt", case=case, reason=reason, expected=expected.isoformat()
    )


def send_delay_notice(case: Case, author, reason: str, expected: date):
    """Send the delay notice as a public reply and log it. Flushes; the caller commits.

    Raises CaseError (Swedish message) when the case cannot take a reply.
    """
    message = cases.post_public_reply(case, author, notice_text(case, reason, expected))
    cases.record_event(
        case,
        author,
        "official",
        DELAY_NOTICE,
        reason=reason,
        details={"expected": expected.isoformat()},
    )
    db.session.flush()
    return message


def default_expected_date(case: Case) -> date:
    due = case.figures.resolution_due_at if case.figures else None
    start = max(due.astimezone(STOCKHOLM).date() if due else local_today(), local_today())
    return start + timedelta(days=14)


def may_send(case: Case) -> bool:
    return case.lead_id == current_user.id or current_user.has_role(Role.COORDINATOR)


@bp.route("/<int:case_id>/forseningsbesked", methods=["GET", "POST"])
@roles_required(Role.OFFICIAL, Role.COORDINATOR)
def new(case_id: int):
    case = db.session.get(Case, case_id) or abort(404)
    if not may_send(case):
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
