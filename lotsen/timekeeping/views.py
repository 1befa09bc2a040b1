"""Admin pages of the working calendar: office hours, extra closed days and shortened days."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.form_fields import ConfirmForm
from lotsen.routing import bounded_int
from lotsen.timekeeping import services
from lotsen.timekeeping.calendar import STOCKHOLM, swedish_holidays
from lotsen.timekeeping.forms import (
    WEEKDAY_NAMES,
    ClosedDayForm,
    OfficeHoursForm,
    ShortenedDayForm,
    spans_text,
)
from lotsen.timekeeping.models import ClosedDay, ShortenedDay
from lotsen.timekeeping.queries import (
    current_calendar,
    exceptions_in,
    office_hours_are_customised,
)
from lotsen.writes import button_write, form_write

bp = Blueprint("timekeeping", __name__, url_prefix="/admin/kalender")
admin_only = roles_required(Role.ADMIN)
YEARS = range(2000, 2101)


def this_year() -> int:
    return utcnow().astimezone(STOCKHOLM).year


def requested_year() -> int:
    year = request.args.get("ar", type=bounded_int)
    return year if year in YEARS else this_year()


def holiday_language() -> str:
    return "sv" if str(get_locale() or "sv") == "sv" else "en_US"


def flash_deferred(recomputed: services.Recomputed) -> None:
    if recomputed.deferred:
        flash(
            _(
                "%(count)s avslutade ärenden får nya tider först när kommandot "
                "flask lotsen recompute-figures har körts.",
                count=recomputed.deferred,
            ),
            "info",
        )


def year_url(day: date) -> str:
    return url_for("timekeeping.index", ar=day.year)


@bp.route("/")
@admin_only
def index():
    year = requested_year()
    return render_template(
        "timekeeping/index.html",
        year=year,
        years=YEARS,
        holidays=sorted(swedish_holidays(year, holiday_language()).items()),
        closed_days=exceptions_in(ClosedDay, year),
        shortened_days=exceptions_in(ShortenedDay, year),
        office_hours=current_calendar().office_hours,
        customised=office_hours_are_customised(),
        weekday_names=WEEKDAY_NAMES,
        spans_text=spans_text,
    )


@bp.route("/stangd-dag/ny", methods=["GET", "POST"])
@admin_only
def add_closed_day():
    form = ClosedDayForm()
    if form.validate_on_submit():
        with form_write(form) as saved:
            closed, recomputed = services.add_closed_day(
                current_user, form.day.data, form.reason.data
            )
        if saved:
            flash(_("Stängd dag %(day)s är tillagd.", day=closed.day.isoformat()), "success")
            flash_deferred(recomputed)
            return redirect(year_url(closed.day))
    return render_template("timekeeping/closed_day_form.html", form=form)


@bp.route("/kortad-dag/ny", methods=["GET", "POST"])
@admin_only
def add_shortened_day():
    form = ShortenedDayForm()
    if form.validate_on_submit():
        with form_write(form) as saved:
            shortened, recomputed = services.add_shortened_day(
                current_user, form.day.data, form.closes_at.data, form.reason.data
            )
        if saved:
            flash(_("Kortad dag %(day)s är tillagd.", day=shortened.day.isoformat()), "success")
            flash_deferred(recomputed)
            return redirect(year_url(shortened.day))
    return render_template("timekeeping/shortened_day_form.html", form=form)


def delete_exception(model, exception_id: int, message: str):
    """Delete a closed or shortened day (`message` is flashed with its date) and go back."""
    exception = db.session.get(model, exception_id)
    if exception is None:
        abort(404)
    day = exception.day
    if ConfirmForm().validate_on_submit():
        with button_write() as saved:
            recomputed = services.delete_exception(current_user, exception)
        if saved:
            flash(message % {"day": day.isoformat()}, "success")
            flash_deferred(recomputed)
    return redirect(year_url(day))


@bp.route("/stangd-dag/<int:exception_id>/ta-bort", methods=["POST"])
@admin_only
def delete_closed_day(exception_id):
    return delete_exception(ClosedDay, exception_id, _("Stängd dag %(day)s är borttagen."))


@bp.route("/kortad-dag/<int:exception_id>/ta-bort", methods=["POST"])
@admin_only
def delete_shortened_day(exception_id):
    return delete_exception(ShortenedDay, exception_id, _("Kortad dag %(day)s är borttagen."))


@bp.route("/kontorstider", methods=["GET", "POST"])
@admin_only
def office_hours():
    form = OfficeHoursForm()
    if request.method == "GET":
        form.fill(current_calendar().office_hours)
    if form.validate_on_submit():
        with form_write(form) as saved:
            changes = services.save_office_hours(current_user, form.hours())
        if saved:
            if changes:
                flash(_("Kontorstiderna är sparade."), "success")
            return redirect(url_for("timekeeping.index"))
    return render_template(
        "timekeeping/office_hours.html", form=form, customised=office_hours_are_customised()
    )
