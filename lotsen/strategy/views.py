"""The strategy pages: everyone on the team reads the programme, admins edit it."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.audit.queries import audit_history
from lotsen.db_types import utcnow
from lotsen.exports import download
from lotsen.extensions import db
from lotsen.programme.models import StrategyArea, StrategyGoal, StrategyTarget, SubGoal
from lotsen.strategy import exports, queries, services
from lotsen.strategy.forms import (
    AreaForm,
    DashboardFilterForm,
    GoalForm,
    SubGoalForm,
    TargetForm,
)
from lotsen.strategy.yearly import strategy_year
from lotsen.timekeeping.calendar import local_today
from lotsen.urls import url_for_with_query
from lotsen.writes import form_write

bp = Blueprint("strategy", __name__, url_prefix="/strategi")
readers = roles_required(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
admin_only = roles_required(Role.ADMIN)


def goal_or_404() -> StrategyGoal:
    goal = services.current_goal()
    if goal is None:
        abort(404)
    return goal


@bp.route("/")
@readers
def index():
    goal = db.session.scalar(
        select(StrategyGoal)
        .options(
            selectinload(StrategyGoal.sub_goals)
            .selectinload(SubGoal.areas)
            .selectinload(StrategyArea.actions),
            selectinload(StrategyGoal.targets),
        )
        .order_by(StrategyGoal.id)
        .limit(1)
    )
    return render_template("strategy/index.html", goal=goal)


@bp.route("/mal", methods=["GET", "POST"])
@admin_only
def edit_goal():
    goal = services.current_goal()
    form = GoalForm(obj=goal)
    if form.validate_on_submit():
        data = services.GoalData(name=form.name.data, description=form.description.data or "")
        with form_write(form, "name") as saved:
            services.save_goal(current_user, goal, data)
        if saved:
            return saved_redirect()
    history = audit_history("strategy_goals", goal.id) if goal else []
    return render_template("strategy/goal_form.html", form=form, goal=goal, history=history)


@bp.route("/delmal/ny", methods=["GET", "POST"], defaults={"sub_goal_id": None})
@bp.route("/delmal/<int:sub_goal_id>", methods=["GET", "POST"])
@admin_only
def edit_sub_goal(sub_goal_id):
    goal = goal_or_404()
    sub_goal = db.get_or_404(SubGoal, sub_goal_id) if sub_goal_id else None
    form = SubGoalForm(obj=sub_goal)
    if form.validate_on_submit():
        data = services.SubGoalData(
            name=form.name.data,
            description=form.description.data or "",
            sort_order=form.sort_order.data,
        )
        with form_write(form, "name") as saved:
            services.save_sub_goal(current_user, goal, sub_goal, data)
        if saved:
            return saved_redirect()
    history = audit_history("strategy_sub_goals", sub_goal.id) if sub_goal else []
    return render_template(
        "strategy/sub_goal_form.html", form=form, sub_goal=sub_goal, history=history
    )


@bp.route("/omraden/ny", methods=["GET", "POST"], defaults={"area_id": None})
@bp.route("/omraden/<int:area_id>", methods=["GET", "POST"])
@admin_only
def edit_area(area_id):
    goal = goal_or_404()
    area = db.get_or_404(StrategyArea, area_id) if area_id else None
    form = AreaForm(obj=area, sub_goal_choices=[(s.id, s.name) for s in goal.sub_goals])
    if request.method == "GET" and area is not None:
        form.actions.data = "\n".join(action.text for action in area.actions)
    if form.validate_on_submit():
        with form_write(form, "name") as saved:
            services.save_area(current_user, area, area_data_from(form))
        if saved:
            return saved_redirect()
    history = audit_history("strategy_areas", area.id) if area else []
    return render_template("strategy/area_form.html", form=form, area=area, history=history)


def area_data_from(form: AreaForm) -> services.AreaData:
    return services.AreaData(
        sub_goal=db.session.get(SubGoal, form.sub_goal_id.data),
        name=form.name.data,
        description=form.description.data or "",
        actions=form.actions.data or "",
        sort_order=form.sort_order.data,
    )


@bp.route("/matt/ny", methods=["GET", "POST"], defaults={"target_id": None})
@bp.route("/matt/<int:target_id>", methods=["GET", "POST"])
@admin_only
def edit_target(target_id):
    goal = goal_or_404()
    target = db.get_or_404(StrategyTarget, target_id) if target_id else None
    form = TargetForm(obj=target)
    if form.validate_on_submit():
        with form_write(form, "name") as saved:
            services.save_target(current_user, goal, target, target_data_from(form))
        if saved:
            return saved_redirect()
    history = audit_history("strategy_targets", target.id) if target else []
    return render_template("strategy/target_form.html", form=form, target=target, history=history)


def target_data_from(form: TargetForm) -> services.TargetData:
    return services.TargetData(
        key=form.key.data,
        name=form.name.data,
        baseline=form.baseline.data,
        baseline_year=form.baseline_year.data,
        target_value=form.target_value.data,
        target_year=form.target_year.data,
        unit=form.unit.data or "",
        sort_order=form.sort_order.data,
    )


def saved_redirect():
    flash(_("Ändringarna är sparade."), "success")
    return redirect(url_for("strategy.index"))


# --- The strategy dashboard -------------------------------------------------------------------

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def sensible(day: date | None) -> date | None:
    return day if day is not None and EARLIEST <= day <= LATEST else None


def dashboard_filters() -> tuple[DashboardFilterForm, queries.DashboardFilters]:
    """The period asked for; a bad or far-off date falls back to the default (and a bad one is
    reported next to its field)."""
    form = DashboardFilterForm(request.args)
    form.validate()
    default = queries.default_filters(local_today())
    filters = queries.DashboardFilters(
        sensible(form.date_from.data) or default.date_from,
        sensible(form.date_to.data) or default.date_to,
        form.grouping.data if form.grouping.data in queries.GROUPINGS else default.grouping,
    )
    # Show the period in use; a date typed wrongly stays as typed (next to its error).
    for field, day in ((form.date_from, filters.date_from), (form.date_to, filters.date_to)):
        if not field.errors:
            field.data, field.raw_data = day, []
    form.grouping.data = filters.grouping
    return form, filters


@bp.route("/oversikt")
@readers
def dashboard():
    form, filters = dashboard_filters()
    return render_template(
        "strategy/dashboard.html", form=form, **queries.dashboard(filters, utcnow())
    )


@bp.route("/oversikt/export/<name>.<fmt>")
@readers
def export(name: str, fmt: str):
    if name not in exports.EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    _form, filters = dashboard_filters()
    rows = exports.EXPORTS[name](filters, utcnow())
    return download(
        rows, fmt, f"lotsen-strategi-{name}-{filters.first_day}-{filters.last_day}", name
    )


@bp.app_template_global()
def strategy_export_url(name: str, fmt: str) -> str:
    """The dashboard table `name` as `fmt`, for the period shown."""
    return url_for_with_query("strategy.export", request.args, name=name, fmt=fmt)


@bp.app_template_global("strategy_year")
def strategy_year_global(year: int) -> dict:
    """The strategy figures of the yearly report (templates/strategy/_yearly_section.html)."""
    return strategy_year(year, utcnow())
