"""Managers' dashboard, exports and the printable yearly report."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
)
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Department, User
from lotsen.cases.models import Category, Channel
from lotsen.exports import download
from lotsen.extensions import db
from lotsen.reports import exports, pdf, queries, targets
from lotsen.reports.forms import ReportFilterForm
from lotsen.reports.queries import REPORT_READER_ROLES
from lotsen.routing import bounded_int
from lotsen.timekeeping.calendar import local_today
from lotsen.urls import url_for_with_query

bp = Blueprint("reports", __name__, url_prefix="/rapporter")
managers = roles_required(*REPORT_READER_ROLES)


def int_or_none(value) -> int | None:
    return bounded_int(value)


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def filter_form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    form.validate()  # a bad date is reported next to its field and the default is used
    everything = [("", _("Alla"))]
    categories = db.session.scalars(select(Category).order_by(Category.name))
    form.category.choices = choices(everything + [(str(c.id), c.name) for c in categories])
    departments = db.session.scalars(select(Department).order_by(Department.name))
    form.department.choices = choices(everything + [(str(d.id), d.name) for d in departments])
    users = db.session.scalars(select(User).where(User.active).order_by(User.name))
    form.lead.choices = choices(everything + [(str(u.id), u.name) for u in users])
    form.channel.choices = choices(everything + [(c.value, c.label) for c in Channel])
    return form


def filters_from(form: ReportFilterForm) -> queries.ReportFilters:
    """The filters of a validated form; an invalid period (reported on the page, the typed
    values kept) gives the default period, never a guess at what was meant."""
    first, last = queries.default_period(local_today())
    if form.period_is_valid():
        first = form.date_from.data or first
        last = form.date_to.data or last
        if first > last:  # only one date was given and it lies past the other default
            first, last = (
                (first, date(first.year, 12, 31))
                if form.date_from.data
                else (
                    date(last.year, 1, 1),
                    last,
                )
            )
    return queries.ReportFilters(
        date_from=first,
        date_to=last,
        category_id=int_or_none(form.category.data),
        department_id=int_or_none(form.department.data),
        lead_id=int_or_none(form.lead.data),
        channel=form.channel.data if form.channel.data in set(Channel) else None,
    )


def report_context(filters: queries.ReportFilters) -> dict:
    summary, trend = queries.key_figures(filters)
    departments, categories = queries.tables(filters)
    return {
        "filters": filters,
        "summary": summary,
        "trend": trend,
        "departments": departments,
        "categories": categories,
    }


@bp.route("/")
@managers
def dashboard():
    form = filter_form()
    filters = filters_from(form)
    return render_template(
        "reports/dashboard.html",
        form=form,
        decision_requests=queries.decision_requests(local_today()),
        **report_context(filters),
    )


def requested_year() -> int:
    """The ?year= of a yearly report (this year by default); 404 for one out of range."""
    year = request.args.get("year", type=bounded_int) or local_today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def whole_year(year: int) -> queries.ReportFilters:
    return queries.ReportFilters(date(year, 1, 1), date(year, 12, 31))


@bp.route("/arsrapport")
@managers
def yearly_report():
    year = requested_year()
    context = report_context(whole_year(year))
    return render_template("reports/yearly.html", year=year, **context)


@bp.route("/arsrapport.pdf")
@managers
def yearly_report_pdf():
    year = requested_year()
    page = render_template(
        "reports/yearly.html", year=year, printing=True, **report_context(whole_year(year))
    )
    response = Response(pdf.html_to_pdf(page), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename=arsrapport-{year}.pdf"
    return response


@bp.route("/export/<name>.<fmt>")
@managers
def export(name: str, fmt: str):
    if name not in exports.EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    filters = filters_from(filter_form())
    rows = exports.EXPORTS[name](filters)
    return download(rows, fmt, f"lotsen-{name}-{filters.date_from}-{filters.date_to}", name)


@bp.app_template_filter("decimal")
def decimal_filter(value, digits: int = 1) -> str:
    """A number with `digits` decimals in the user's language; a dash when there is none."""
    if value is None:
        return "–"
    return format_decimal(round(value, digits), format="#,##0." + "0" * digits)


@bp.app_template_filter("percent")
def percent_filter(value) -> str:
    if value is None:
        return "–"
    return format_percent(value, format="#,##0 %")


@bp.app_template_global()
def report_export_url(name: str, fmt: str) -> str:
    """The export `name` in format `fmt`, with the dashboard's current filters."""
    return url_for_with_query("reports.export", request.args, name=name, fmt=fmt)


@bp.app_template_global()
def report_table_header() -> list[str]:
    """The headings of the department and category tables (the same in the exports)."""
    return exports.table_header()


@bp.app_template_global("target_alerts")
def target_alerts_global(case):
    """At-risk and breached service targets of `case`, for badges in the case pages."""
    return targets.target_alerts(case)


@bp.app_template_global("target_due_times")
def target_due_times_global(case):
    """Due times of the service targets of an open case, for the case list."""
    return targets.target_due_times(case)
