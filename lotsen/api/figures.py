"""The managers' figures through the API: the dashboard (lotsen.reports.queries) and the
survey results above the n-threshold (lotsen.survey.services, SURVEY_MIN_ANSWERS)."""

from dataclasses import asdict
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from lotsen.api.blueprint import bp, requires
from lotsen.api.common import require_roles
from lotsen.api.schemas import FigureArgs, FiguresSchema, SurveyArgs, SurveyResultsSchema
from lotsen.domain_errors import DomainError
from lotsen.reports import queries
from lotsen.survey import services as survey
from lotsen.timekeeping.calendar import STOCKHOLM, local_today


def counts(row) -> dict:
    return {
        "received": row.received,
        "resolved": row.resolved,
        "open": row.open,
        "resolved_with_margin": row.resolved_with_margin,
        "within_target": row.within_target,
        "within_target_share": row.within_target_share,
    }


def present_group(row: queries.GroupRow) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        **counts(row),
        "handling_days": asdict(row.handling_days),
    }


def present_summary(summary: queries.Summary) -> dict:
    return {
        **counts(summary),
        "first_response_hours": asdict(summary.first_response_hours),
        "handling_hours": asdict(summary.handling_hours),
        "handling_days": asdict(summary.handling_days),
        "calendar_days": asdict(summary.calendar_days),
        "backlog": [
            {"age_days": label, "open": number, "lowest": lowest, "highest": highest}
            for label, number, lowest, highest in summary.backlog
        ],
    }


def present_month(month: queries.Month) -> dict:
    return {
        "month": month.first_day.strftime("%Y-%m"),
        "received": month.received,
        "resolved": month.resolved,
        "median_handling_days": month.median_handling_days,
        "p90_handling_days": month.p90_handling_days,
    }


@bp.route("/reports/figures", methods=["GET"])
@requires("reports:read")
@bp.arguments(FigureArgs, location="query")
@bp.response(200, FiguresSchema)
@bp.doc(
    operationId="getFigures",
    summary="The dashboard's key figures, per department and per category, for a period",
)
def figures(args):
    require_roles(queries.REPORT_READER_ROLES)
    first, last = queries.default_period(local_today())
    first, last = args.get("date_from") or first, args.get("date_to") or last
    if first > last:
        raise DomainError(_("Perioden slutar innan den börjar."), field="date_to")
    filters = queries.ReportFilters(
        date_from=first,
        date_to=last,
        category_id=args.get("category"),
        department_id=args.get("department"),
        lead_id=args.get("lead"),
        channel=args.get("channel"),
    )
    summary, trend = queries.key_figures(filters)
    departments, categories = queries.tables(filters)
    return {
        "date_from": first,
        "date_to": last,
        "summary": present_summary(summary),
        "by_department": [present_group(row) for row in departments],
        "by_category": [present_group(row) for row in categories],
        "trend": [present_month(month) for month in trend],
    }


def present_result(result: survey.GroupResult) -> dict:
    return {
        "name": result.name,
        "invited": result.invited,
        "answered": result.answered,
        "hidden": result.hidden,
        "nki": result.nki,
        "factors": dict(result.factors),
    }


@bp.route("/survey/results", methods=["GET"])
@requires("survey:read")
@bp.arguments(SurveyArgs, location="query")
@bp.response(200, SurveyResultsSchema)
@bp.doc(
    operationId="getSurveyResults",
    summary="NKI and service factors for a year; groups under the threshold are hidden",
)
def survey_results(args):
    require_roles(survey.RESULT_READER_ROLES)
    year = args.get("year") or local_today().year
    start = datetime(year, 1, 1, tzinfo=STOCKHOLM)
    end = datetime(year + 1, 1, 1, tzinfo=STOCKHOLM)
    total, groups = survey.survey_results(start, end, args["grouping"])
    return {
        "year": year,
        "grouping": args["grouping"],
        "min_answers": current_app.config["SURVEY_MIN_ANSWERS"],
        "total": present_result(total),
        "groups": [present_result(group) for group in groups],
    }
