"""Company visits: the visit plan, visit pages, topics and follow-ups."""

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import User
from lotsen.audit.queries import audit_history
from lotsen.cases.access import may_create_case
from lotsen.cases.queries import active_categories
from lotsen.companies.models import Company
from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number
from lotsen.companies.services import CompanyError, find_company, look_up_personal_number
from lotsen.companies.sni import SECTIONS
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.pagination import paginate
from lotsen.programme.models import StrategyArea
from lotsen.programme.queries import all_areas
from lotsen.visits import services
from lotsen.visits.forms import ConfirmForm, FollowUpCaseForm, FollowUpForm, TopicForm, VisitForm
from lotsen.visits.models import FollowUp, Visit
from lotsen.writes import button_write, committing, form_write, show_on_form

bp = Blueprint("visits", __name__, url_prefix="/besok")
team = roles_required(*services.VISIT_ROLES)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@bp.app_template_global()
def company_visits(company_id: int) -> list[Visit]:
    """The visits shown on a company's timeline."""
    return services.company_visits(company_id)


@bp.app_template_global()
def case_origin(case) -> FollowUp | None:
    """The visit follow-up a case came from, for the link back on the case page."""
    return services.case_origin(case.id)


@bp.route("/")
@team
def index():
    now = utcnow()
    page = paginate(
        select(Visit).options(selectinload(Visit.company)),
        Visit.starts_at,
        Visit.id,
        request.args.get("after"),
        current_app.config["PAGE_SIZE"],
        descending=True,
    )
    size_class, section = suggestion_filters()
    return render_template(
        "visits/index.html",
        upcoming=services.upcoming_visits(now),
        suggestions=services.visit_suggestions(now, size_class=size_class, section=section),
        size_classes=services.TEN_OR_MORE,
        sections=SECTIONS,
        size_class=size_class,
        section=section,
        page=page,
    )


def suggestion_filters() -> tuple[str | None, str | None]:
    """The size class and SNI section the suggestions are narrowed to (unknown ones ignored)."""
    size_class = request.args.get("size_class") or None
    section = request.args.get("section") or None
    if size_class not in services.TEN_OR_MORE:
        size_class = None
    if section not in {letter for letter, _title in SECTIONS}:
        section = None
    return size_class, section


def team_choices() -> list[tuple[int, str]]:
    users = db.session.scalars(select(User).where(User.active).order_by(User.name, User.id))
    return [(user.id, user.name) for user in users]


def visit_form(visit: Visit | None = None) -> VisitForm:
    form = VisitForm(obj=visit, participant_choices=team_choices())
    if request.method == "GET" and visit is not None:
        form.company_id.data = str(visit.company_id)
        form.starts_at.data = visit.starts_at.astimezone(STOCKHOLM).replace(tzinfo=None)
        form.participants.data = [user.id for user in visit.participants]
    return form


def chosen_company(form: VisitForm) -> Company | None:
    """The company picked by id (hidden field) or typed as an org number; sets field errors."""
    if company_id_of(form) is not None:
        company = db.session.get(Company, company_id_of(form))
        if company is not None and not company.is_merged:
            return company
    if not form.org_number.data:
        form.org_number.errors = [_("Fyll i organisationsnumret.")]
        return None
    try:
        number = normalise_org_number(form.org_number.data)
    except InvalidOrgNumber:
        number = None
    try:
        if number is not None and number.is_personal:
            look_up_personal_number(current_user, number, "besök")  # audited, rate-limited
    except CompanyError as error:
        form.org_number.errors = [str(error)]
        return None
    company = find_company(number.value) if number is not None else None
    if company is None:
        form.org_number.errors = [_("Det finns inget företag med det organisationsnumret.")]
    return company


def visit_data_from(form: VisitForm):
    company = chosen_company(form)
    if company is None:
        return None
    participants = list(
        db.session.scalars(select(User).where(User.id.in_(form.participants.data or [])))
    )
    return services.VisitData(
        company=company,
        starts_at=form.starts_at.data.replace(tzinfo=STOCKHOLM),
        purpose=form.purpose.data,
        participants=participants,
        guests=form.guests.data or "",
        notes=form.notes.data or "",
        needs=list(form.needs.data or []),
        employees_now=form.employees_now.data,
        employees_in_three_years=form.employees_in_three_years.data,
    )


@bp.route("/nytt", methods=["GET", "POST"], defaults={"visit_id": None})
@bp.route("/<int:visit_id>/redigera", methods=["GET", "POST"])
@team
def edit(visit_id):
    visit = db.get_or_404(Visit, visit_id) if visit_id else None
    form = visit_form(visit)
    if request.method == "GET" and visit is None:
        form.company_id.data = request.args.get("company_id", "")[:12]
    if form.validate_on_submit():
        # Committed even without a company: the audit event of a personnummer looked up.
        with form_write(form) as saved:
            data = visit_data_from(form)
            if data is not None:
                visit = services.save_visit(current_user, visit, data)
        if saved and data is not None:
            flash(_("Besöket är sparat."), "success")
            return redirect(url_for("visits.show", visit_id=visit.id))
    company = known_company(form)
    return render_template("visits/form.html", form=form, visit=visit, company=company)


def known_company(form: VisitForm) -> Company | None:
    company_id = company_id_of(form)
    return db.session.get(Company, company_id) if company_id is not None else None


def company_id_of(form: VisitForm) -> int | None:
    value = str(form.company_id.data or "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def area_choices():
    return [(area.id, area.name) for area in all_areas()]


def lead_choices() -> list[tuple[int, str]]:
    """Who may lead a case: the active officials and coordinators, by name."""
    users = db.session.scalars(select(User).where(User.active).order_by(User.name, User.id))
    return [(user.id, user.name) for user in users if may_create_case(user)]


def follow_up_case_form(follow_up: FollowUp, categories, leads) -> FollowUpCaseForm:
    form = FollowUpCaseForm(
        prefix=f"f{follow_up.id}", category_choices=categories, lead_choices=leads
    )
    if not form.is_submitted() and follow_up.owner_id in {value for value, _label in leads}:
        form.lead_id.data = follow_up.owner_id
    return form


def page_forms(visit: Visit) -> dict:
    case_forms = {}
    if may_create_case(current_user):
        categories = [(c.id, c.name) for c in active_categories()]
        leads = lead_choices()
        case_forms = {
            f.id: follow_up_case_form(f, categories, leads)
            for f in visit.follow_ups
            if f.case_id is None
        }
    return {
        "topic_form": TopicForm(area_choices=area_choices()),
        "follow_up_form": FollowUpForm(owner_choices=team_choices()),
        "case_forms": case_forms,
        "done_form": ConfirmForm(),
    }


def render_visit(visit: Visit, status: int = 200, **forms):
    context = page_forms(visit)
    context["case_forms"].update(forms.pop("case_forms", {}))
    context |= forms
    history = audit_history("visits", visit.id)
    page = render_template("visits/show.html", visit=visit, history=history, **context)
    return page, status


@bp.route("/<int:visit_id>")
@team
def show(visit_id):
    visit = services.visit_with_details(visit_id) or abort(404)
    return render_visit(visit)


@bp.route("/<int:visit_id>/amnen", methods=["POST"])
@team
def add_topic(visit_id):
    visit = db.get_or_404(Visit, visit_id)
    form = TopicForm(area_choices=area_choices())
    if not form.validate_on_submit():
        return render_visit(visit, topic_form=form)
    areas = db.session.scalars(select(StrategyArea).where(StrategyArea.id.in_(form.areas.data)))
    tags = (form.tags.data or "").split(",")
    with form_write(form, "text") as saved:
        services.add_topic(current_user, visit, form.text.data, list(areas), tags)
    if not saved:
        return render_visit(visit, topic_form=form)
    flash(_("Ämnet är tillagt."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id, _anchor="topics-heading"))


@bp.route("/<int:visit_id>/uppfoljningar", methods=["POST"])
@team
def add_follow_up(visit_id):
    visit = db.get_or_404(Visit, visit_id)
    form = FollowUpForm(owner_choices=team_choices())
    if not form.validate_on_submit():
        return render_visit(visit, follow_up_form=form)
    owner = db.session.get(User, form.owner_id.data)
    with form_write(form, "text") as saved:
        services.add_follow_up(current_user, visit, form.text.data, owner, form.due_on.data)
    if not saved:
        return render_visit(visit, follow_up_form=form)
    flash(_("Uppföljningen är tillagd."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id, _anchor="follow-ups-heading"))


@bp.route("/uppfoljningar/<int:follow_up_id>/arende", methods=["POST"])
@team
def follow_up_to_case(follow_up_id):
    follow_up = db.get_or_404(FollowUp, follow_up_id)
    if not may_create_case(current_user):
        abort(403)
    categories = [(c.id, c.name) for c in active_categories()]
    form = follow_up_case_form(follow_up, categories, lead_choices())
    if form.validate_on_submit():
        lead = db.session.get(User, form.lead_id.data) if form.lead_id.data else None
        with committing() as saved:
            case = services.follow_up_to_case(current_user, follow_up, form.category_id.data, lead)
        if not saved and saved.error.field in ("category_id", "lead_id"):
            show_on_form(form, saved.error)
        elif not saved:
            flash(saved.error.message, "error")
            return redirect(url_for("visits.show", visit_id=follow_up.visit_id))
        else:
            flash(
                _("Ärende %(number)s är skapat från uppföljningen.", number=case.number), "success"
            )
            return redirect(url_for("visits.show", visit_id=follow_up.visit_id))
    visit = services.visit_with_details(follow_up.visit_id)
    return render_visit(visit, status=400, case_forms={follow_up.id: form})


@bp.route("/uppfoljningar/<int:follow_up_id>/klar", methods=["POST"])
@team
def complete_follow_up(follow_up_id):
    follow_up = db.get_or_404(FollowUp, follow_up_id)
    if ConfirmForm().validate_on_submit():
        with button_write() as saved:
            services.complete_follow_up(current_user, follow_up)
        if saved:
            flash(_("Uppföljningen är markerad som klar."), "success")
    return redirect(url_for("visits.show", visit_id=follow_up.visit_id))
