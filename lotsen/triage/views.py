"""Triage queue, assignment, notifications, absence and competence, routing rules."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Department, Role, User
from lotsen.cases.models import Case, Category
from lotsen.cases.queries import active_categories
from lotsen.domain_errors import StaleState
from lotsen.extensions import db
from lotsen.notifications import queries as notification_queries
from lotsen.notifications import services as notification_services
from lotsen.notifications.models import Notification
from lotsen.routing import bounded_int
from lotsen.timekeeping.queries import current_calendar
from lotsen.triage import (
    assignment,
    availability,
    queries,
    routing_rules,
    saved_filters,
    suggestions,
)
from lotsen.triage.forms import (
    AbsenceForm,
    AutoAssignForm,
    BulkReassignForm,
    CompetenceForm,
    ReassignForm,
    RoutingRuleForm,
    SavedFilterForm,
    lead_choices,
)
from lotsen.triage.models import Absence, RoutingRule
from lotsen.writes import button_write, committing, form_write, show_on_form

bp = Blueprint("triage", __name__, url_prefix="/fordelning")
coordinators = roles_required(Role.COORDINATOR, Role.ADMIN)
admins = roles_required(Role.ADMIN)
everyone = roles_required(*Role)
leads = roles_required(Role.OFFICIAL, Role.COORDINATOR)
case_readers = roles_required(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER)
self_or_coordinator = roles_required(Role.OFFICIAL, Role.COORDINATOR, Role.ADMIN)


@bp.app_template_global("working_duration")
def working_duration(minutes: int) -> str:
    """Working time for people: "3 h 20 min", or "2 arbetsdagar 3 h" beyond a working day."""
    minutes = abs(int(minutes))
    day = current_calendar().normal_day_minutes or 480
    days, rest = divmod(minutes, day)
    hours, mins = divmod(rest, 60)
    if days:
        text = ngettext("%(num)d arbetsdag", "%(num)d arbetsdagar", days)
        return text + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


@bp.app_template_global("assignment_how")
def assignment_how(how: str | None) -> str:
    return assignment.describe_how(how)


@bp.route("/filter", methods=["POST"])
@case_readers
def save_filter():
    form = SavedFilterForm(prefix="filter")
    back = url_for("cases.index") + "?" + saved_filters.clean_query(form.query.data or "")
    if form.validate_on_submit():
        with button_write() as saved:
            saved_filters.save_filter(current_user, form.name.data, form.query.data or "")
        if saved:
            flash(_("Filtret %(name)s är sparat.", name=form.name.data), "success")
    else:
        flash(_("Ge filtret ett namn (högst 80 tecken)."), "error")
    return redirect(back.rstrip("?"))


@bp.route("/filter/<int:filter_id>/ta-bort", methods=["POST"])
@case_readers
def delete_filter(filter_id):
    with button_write() as saved:
        if not saved_filters.delete_filter(current_user, filter_id):
            abort(404)
    if saved:
        flash(_("Filtret är borttaget."), "success")
    return redirect(url_for("cases.index"))


# --- The triage queue and assignment --------------------------------------------------------


@bp.route("/")
@coordinators
def queue():
    department_id = request.args.get("avdelning", type=bounded_int)
    page = queries.triage_page(
        request.args.get("after"), current_app.config["PAGE_SIZE"], department_id
    )
    officials = suggestions.officials()
    calendar = current_calendar()
    return render_template(
        "triage/queue.html",
        page=page,
        department_id=department_id,
        departments=queries.active_departments(),
        suggestions=suggestions.suggestions_for(page.items, officials),
        countdowns={case.id: queries.countdown(case, calendar) for case in page.items},
        leads=lead_choices(officials),
        officials=officials,
        view_counts=queries.cached_view_counts(current_user),
    )


def render_assign_page(case: Case, form: ReassignForm, officials, status=200):
    ranked = suggestions.rank(
        officials, case, queries.rules_for([case.category_id]).get(case.category_id)
    )
    return (
        render_template("triage/assign.html", case=case, form=form, ranked=ranked[:5]),
        status,
    )


@bp.route("/arende/<int:case_id>", methods=["GET", "POST"])
@coordinators
def assign(case_id):
    """Assign or reassign one case (from the triage queue, or the page of its own)."""
    case = db.get_or_404(Case, case_id)
    officials = suggestions.officials()
    form = ReassignForm(leads=lead_choices(officials))
    from_queue = request.form.get("from") == "queue"
    if request.method == "GET":
        form.version.data = str(case.version)
        suggestion = suggestions.suggest_lead(case, officials)
        form.lead.data = suggestion.official.id if suggestion and not case.lead_id else None
    elif form.validate_on_submit():
        lead = db.session.get(User, form.lead.data)
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        stale = StaleState(_("Ärendet ändrades samtidigt av någon annan. Försök igen."))
        with committing(stale) as saved:
            assignment.assign_case(case, lead, current_user, form.reason.data, "manual", version)
        if not saved and from_queue:
            flash(saved.error.message, "error")
            return redirect(url_for("triage.queue"))
        if not saved:
            # The reason typed stays in the form; after a conflict, the version now saved.
            show_on_form(form, saved.error, "reason")
            if saved.error is stale:
                form.version.data = str(db.get_or_404(Case, case_id).version)
        else:
            flash(
                _("%(name)s är lots för %(number)s.", name=lead.name, number=case.number),
                "success",
            )
            return redirect(
                url_for("triage.queue") if from_queue else url_for("cases.show", case_id=case.id)
            )
    elif from_queue:
        flash(_("Välj vem som ska bli lots för %(number)s.", number=case.number), "error")
        return redirect(url_for("triage.queue"))
    status = 400 if form.errors else 200
    return render_assign_page(db.get_or_404(Case, case_id), form, officials, status)


@bp.route("/omfordela", methods=["POST"])
@coordinators
def bulk_reassign():
    """Move the cases ticked in a case list to another lead, with a reason."""
    officials = suggestions.officials()
    form = BulkReassignForm(prefix="bulk", leads=lead_choices(officials))
    if form.validate_on_submit():
        lead = db.session.get(User, form.lead.data)
        with form_write(form, "case_ids") as saved:
            moved = assignment.bulk_reassign(
                form.case_ids.data, lead, current_user, form.reason.data
            )
        if saved:
            flash(
                ngettext(
                    "%(num)d ärende har flyttats till %(name)s.",
                    "%(num)d ärenden har flyttats till %(name)s.",
                    len(moved),
                    name=lead.name,
                ),
                "success",
            )
            return redirect(url_for("cases.index", scope="all"))
    if not form.case_ids.data:
        form.case_ids.errors = [*form.case_ids.errors, _("Markera minst ett ärende.")]
    cases = db.session.scalars(
        select(Case).where(Case.id.in_(form.case_ids.data or [])).order_by(Case.received_at)
    ).all()
    return render_template("triage/bulk.html", form=form, cases=cases), 400


# --- Notifications ----------------------------------------------------------------------


@bp.route("/notiser")
@everyone
def notifications():
    page = notification_queries.notifications_page(
        current_user, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "triage/notifications.html",
        page=page,
        view_counts=queries.cached_view_counts(current_user),
    )


@bp.route("/notiser/<int:notification_id>/last", methods=["POST"])
@everyone
def mark_read(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    with button_write():
        notification_services.mark_read(current_user, notification_id)
    if request.form.get("open") and notification.case_id:
        return redirect(url_for("cases.show", case_id=notification.case_id))
    return redirect(url_for("triage.notifications"))


@bp.route("/notiser/alla-lasta", methods=["POST"])
@everyone
def mark_all_read():
    with button_write() as saved:
        count = notification_services.mark_all_read(current_user)
    if saved:
        flash(
            ngettext(
                "%(num)d notis markerad som läst.", "%(num)d notiser markerade som lästa.", count
            ),
            "success",
        )
    return redirect(url_for("triage.notifications"))


# --- Availability: categories handled and absence -----------------------------------------


def may_manage(user: User) -> bool:
    return user.id == current_user.id or current_user.has_role(Role.COORDINATOR, Role.ADMIN)


def render_availability(user: User, competence_form=None, absence_form=None, status=200):
    categories = active_categories()
    if competence_form is None:
        competence_form = CompetenceForm(prefix="competence", categories=categories)
        competence_form.categories.data = queries.handled_category_ids(user)
    own = user.id == current_user.id
    return (
        render_template(
            "triage/availability.html",
            user=user,
            own=own,
            competence_form=competence_form,
            absence_form=absence_form or AbsenceForm(prefix="absence"),
            absences=queries.absences_of(user),
        ),
        status,
    )


def managed_user_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not may_manage(user):
        abort(404)  # another official's page: not theirs to see
    return user


def back_to(user: User):
    if user.id == current_user.id:
        return redirect(url_for("triage.my_availability"))
    return redirect(url_for("triage.official", user_id=user.id))


@bp.route("/franvaro")
@leads
def my_availability():
    return render_availability(current_user)


@bp.route("/personal")
@coordinators
def team():
    return render_template(
        "triage/team.html",
        officials=suggestions.officials(),
        absences=queries.current_and_coming_absences(),
    )


@bp.route("/personal/<int:user_id>")
@coordinators
def official(user_id):
    return render_availability(db.get_or_404(User, user_id))


@bp.route("/personal/<int:user_id>/kategorier", methods=["POST"])
@self_or_coordinator
def save_competence(user_id):
    user = managed_user_or_404(user_id)
    form = CompetenceForm(prefix="competence", categories=active_categories())
    if not form.validate_on_submit():
        return render_availability(user, competence_form=form, status=400)
    with form_write(form, "categories") as saved:
        availability.set_categories_handled(current_user, user, form.categories.data)
    if not saved:
        return render_availability(user, competence_form=form, status=400)
    flash(_("Kategorierna är sparade."), "success")
    return back_to(user)


@bp.route("/personal/<int:user_id>/franvaro", methods=["POST"])
@self_or_coordinator
def add_absence(user_id):
    user = managed_user_or_404(user_id)
    form = AbsenceForm(prefix="absence")
    if form.validate_on_submit():
        with form_write(form, "ends_on") as saved:
            availability.add_absence(
                current_user, user, form.starts_on.data, form.ends_on.data, form.note.data
            )
        if saved:
            flash(_("Frånvaron är sparad."), "success")
            return back_to(user)
    return render_availability(user, absence_form=form, status=400)


@bp.route("/franvaro/<int:absence_id>/ta-bort", methods=["POST"])
@self_or_coordinator
def delete_absence(absence_id):
    absence = db.get_or_404(Absence, absence_id)
    user = managed_user_or_404(absence.user_id)
    with button_write() as saved:
        availability.delete_absence(current_user, absence)
    if saved:
        flash(_("Frånvaron är borttagen."), "success")
    return back_to(user)


# --- Routing rules (admin) ------------------------------------------------------------------


@bp.route("/regler")
@admins
def routing():
    forms = {}
    for department, setting in queries.departments_with_auto_assignment():
        form = AutoAssignForm(prefix=f"auto-{department.id}")
        form.mode.data = setting.mode if setting is not None else "off"
        forms[department.id] = (department, form)
    return render_template(
        "triage/routing.html", rows=queries.routing_overview(), auto_forms=list(forms.values())
    )


@bp.route("/regler/<int:category_id>", methods=["GET", "POST"])
@admins
def edit_rule(category_id):
    category = db.get_or_404(Category, category_id)
    rule = db.session.get(RoutingRule, category_id)
    form = RoutingRuleForm(
        departments=queries.active_departments(), leads=queries.lead_candidates()
    )
    if request.method == "GET" and rule is not None:
        form.department.data = rule.department_id
        form.default_lead.data = rule.default_lead_id
        form.involved.data = [d.id for d in rule.involved_departments]
    if form.validate_on_submit():
        involved = db.session.scalars(
            select(Department).where(Department.id.in_(form.involved.data or []))
        ).all()
        lead = db.session.get(User, form.default_lead.data) if form.default_lead.data else None
        with form_write(form, "default_lead") as saved:
            routing_rules.save_routing_rule(
                current_user,
                category,
                db.session.get(Department, form.department.data),
                lead,
                involved,
            )
        if saved:
            flash(_("Fördelningsregeln för %(name)s är sparad.", name=category.name), "success")
            return redirect(url_for("triage.routing"))
    status = 400 if form.errors else 200
    return render_template("triage/rule_form.html", form=form, category=category), status


@bp.route("/regler/avdelning/<int:department_id>", methods=["POST"])
@admins
def set_auto_assignment(department_id):
    department = db.get_or_404(Department, department_id)
    form = AutoAssignForm(prefix=f"auto-{department.id}")
    if form.validate_on_submit():
        with button_write() as saved:
            routing_rules.set_auto_assignment(current_user, department, form.mode.data)
        if saved:
            flash(_("Fördelningen för %(name)s är sparad.", name=department.name), "success")
    else:
        flash(_("Välj ett sätt att fördela."), "error")
    return redirect(url_for("triage.routing"))
