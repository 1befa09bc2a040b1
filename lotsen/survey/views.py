"""The business owner's survey (public, by token) and the results for managers."""

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request
from wtforms import SelectChoice

from lotsen.accounts.access import public, roles_required
from lotsen.db_types import utcnow
from lotsen.survey import services
from lotsen.survey.forms import ResultsFilterForm, SurveyForm
from lotsen.survey.models import FACTORS, NKI_QUESTIONS
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.writes import committing

bp = Blueprint("survey", __name__, url_prefix="/enkat")


def invitation_or_404(token: str):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        abort(404)
    return invitation


@bp.route("/<token>")
@public
def start(token):
    """The page the e-mail link opens: it records nothing, so mail scanners cannot answer."""
    invitation = invitation_or_404(token)
    return render_template("survey/start.html", invitation=invitation, token=token)


@bp.route("/<token>/fragor", methods=["GET", "POST"])
@public
def answer(token):
    invitation = invitation_or_404(token)
    if invitation.answered_at is not None:
        return render_template("survey/thanks.html", already=True)
    form = SurveyForm()
    if form.validate_on_submit():
        answers = {name: form[name].data for name in FACTORS + NKI_QUESTIONS}
        with committing() as saved:
            services.record_response(invitation, answers, form.comment.data or "")
        return render_template("survey/thanks.html", already=not saved)
    return render_template("survey/form.html", form=form, token=token)


@bp.route("/resultat")
@roles_required(*services.RESULT_READER_ROLES)
def results():
    this_year = utcnow().astimezone(STOCKHOLM).year
    form = ResultsFilterForm(formdata=request.args)
    years = range(this_year, this_year - 6, -1)
    form.year.choices = [SelectChoice(year, str(year)) for year in years]
    year = form.year.data if form.validate() else this_year
    form.year.data = year
    grouping = form.grouping.data if form.grouping.data in services.GROUPINGS else "category"
    start = datetime(year, 1, 1, tzinfo=STOCKHOLM)
    end = datetime(year + 1, 1, 1, tzinfo=STOCKHOLM)
    total, rows = services.survey_results(start, end, grouping)
    return render_template(
        "survey/results.html",
        form=form,
        total=total,
        rows=rows,
        factors=FACTORS,
        min_answers=current_app.config["SURVEY_MIN_ANSWERS"],
    )
