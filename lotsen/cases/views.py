"""Officials' side of cases: list, register, read, reply, note, change status, edit."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Department, Role, User
from lotsen.cases import queries, services
from lotsen.cases.access import may_view_case, may_work_on_case
from lotsen.cases.attachments import collect_uploads, sign_pending
from lotsen.cases.forms import (
    CaseFilterForm,
    EditCaseForm,
    NoteForm,
    PublicReplyForm,
    RegisterCaseForm,
    StatusForm,
)
from lotsen.cases.models import Attachment, Case, CaseStatus, Category, Channel
from lotsen.cases.workflow import TransitionError, allowed_transitions
from lotsen.companies.orgnr import normalise_org_number
from lotsen.extensions import db
from lotsen.public.forms import submission_from
from lotsen.public.views import active_categories, send_attachment
from lotsen.reports.queries import AGE_BUCKETS
from lotsen.routing import bounded_int

bp = Blueprint("cases", __name__, url_prefix="/arenden")
readers = roles_required(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER)
workers = roles_required(Role.OFFICIAL, Role.COORDINATOR)


@bp.app_template_global("company_cases")
def company_cases_global(company) -> queries.CompanyCases | None:
    """The cases on a company's page (templates/companies/show.html), for those who read the
    case register; None for everyone else."""
    if not current_user.has_role(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER):
        return None
    return queries.company_cases(company.id, request.args.get("after"))


def find_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id, options=[queries.name_only(Case.lead)])
    if case is None:
        abort(404)
    return case


def get_case(case_id: int) -> Case:
    """The case to change; 403 unless the user may work on it (lotsen.cases.access)."""
    case = find_case(case_id)
    if not may_work_on_case(current_user, case):
        abort(403)
    return case


def changed_meanwhile() -> str:
    return _(
        "Någon annan ändrade ärendet samtidigt, så det du skrev är inte sparat. "
        "Texten finns kvar här: skicka igen."
    )


def int_or_none(value) -> int | None:
    return bounded_int(str(value)) if value else None


SCOPES = ("all", "mine", "department")


def scope_of(form: CaseFilterForm) -> str:
    return form.scope.data if form.scope.data in SCOPES else "all"


def valid(field):
    """What was chosen in a filter field, or None when it was rejected (see filter_form)."""
    return None if field.errors else field.data


def filters_from(form: CaseFilterForm) -> queries.CaseFilters:
    statuses = {"open", "all", "resolved", *CaseStatus}
    within = {"yes": True, "no": False}
    filters = queries.CaseFilters(
        search=form.q.data or "",
        status=form.status.data if form.status.data in statuses else "open",
        category_id=int_or_none(valid(form.category)),
        department_id=int_or_none(valid(form.department)),
        lead_id=int_or_none(valid(form.lead)),
        channel=form.channel.data if valid(form.channel) in set(Channel) else None,
        received_from=valid(form.received_from),
        received_to=valid(form.received_to),
        sort=form.sort.data if form.sort.data in queries.SORTS else "received_desc",
        without_department=valid(form.department) == "none",
        age_bucket=int_or_none(valid(form.age)),
        within_target=within.get(valid(form.within_target)),
        measured=valid(form.measured) or None,
    )
    scope = scope_of(form)
    if scope == "mine":
        filters.lead_id = current_user.id
    elif scope == "department":
        filters.department_ids = [d.id for d in current_user.departments]
    return filters


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


def reject_unknown(form: CaseFilterForm) -> None:
    """Swedish messages for filter values that are not among the choices or not a sensible
    date (a link edited by hand); filters_from then ignores them."""
    for field in (form.received_from, form.received_to):
        if field.errors:
            field.errors = [_("Skriv datumet som ÅÅÅÅ-MM-DD.")]
        elif field.data is not None and not EARLIEST <= field.data <= LATEST:
            field.errors = [_("Välj ett datum mellan 1970 och 2999.")]
    checked = (form.category, form.channel, form.lead, form.department)
    for field in (*checked, form.age, form.within_target, form.measured):
        known = {str(choice.value) for choice in field.choices}
        if field.data and field.data not in known:
            field.errors = [_("Välj ett av alternativen i listan.")]


def filter_form() -> CaseFilterForm:
    form = CaseFilterForm(request.args)
    form.validate()  # bad dates are reported next to the field and ignored
    everything = [("", _("Alla"))]
    form.scope.choices = choices(
        [
            ("all", _("Alla ärenden")),
            ("mine", _("Mina ärenden")),
            ("department", _("Min avdelnings kö")),
        ]
    )
    form.status.choices = choices(
        [("open", _("Alla öppna")), ("all", _("Alla")), ("resolved", _("Besvarade eller stängda"))]
        + [(s.value, s.label) for s in CaseStatus]
    )
    categories = db.session.scalars(select(Category).order_by(Category.name))
    form.category.choices = choices(everything + [(str(c.id), c.name) for c in categories])
    form.channel.choices = choices(everything + [(c.value, c.label) for c in Channel])
    users = db.session.scalars(select(User).where(User.active).order_by(User.name))
    form.lead.choices = choices(everything + [(str(u.id), u.name) for u in users])
    departments = db.session.scalars(select(Department).order_by(Department.name))
    form.department.choices = choices(
        everything + [("none", _("Utan avdelning"))] + [(str(d.id), d.name) for d in departments]
    )
    form.age.choices = choices(
        everything
        + [
            (str(index), _("%(age)s arbetsdagar", age=label))
            for index, (label, _lowest, _highest) in enumerate(AGE_BUCKETS)
        ]
    )
    form.within_target.choices = choices(
        everything
        + [
            ("yes", _("Besvarade inom servicegarantin")),
            ("no", _("Besvarade efter servicegarantin")),
        ]
    )
    form.measured.choices = choices(
        everything
        + [
            ("first_response", _("Har fått första svar")),
            ("handling", _("Har beräknad handläggningstid")),
        ]
    )
    form.sort.choices = choices(
        [
            ("received_desc", _("Senast inkomna först")),
            ("received_asc", _("Äldst först")),
            ("updated_desc", _("Senast ändrade först")),
        ]
    )
    reject_unknown(form)
    return form


@bp.route("/")
@readers
def index():
    form = filter_form()
    filters = filters_from(form)
    page = queries.case_page(filters, request.args.get("after"), current_app.config["PAGE_SIZE"])
    from lotsen.triage.views import case_list_extras

    return render_template(
        "cases/index.html",
        form=form,
        page=page,
        filters=filters,
        scope=scope_of(form),
        **case_list_extras(),
    )


@bp.route("/ny", methods=["GET", "POST"])
@workers
def register():
    form = RegisterCaseForm(categories=active_categories())
    if form.validate_on_submit():
        try:
            case, _token = services.open_case(
                submission_from(form, channel=Channel(form.channel.data)), created_by=current_user
            )
        except services.CaseError as error:
            form.category.errors = [*form.category.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Ärende %(number)s är registrerat.", number=case.number), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/register.html", form=form)


def reply_form(case: Case) -> PublicReplyForm:
    form = PublicReplyForm(prefix="reply")
    keep = [("", _("Behåll status (%(status)s)", status=case.status_enum.label))]
    targets = [CaseStatus.WAITING, CaseStatus.ANSWERED]
    form.then_status.choices = choices(
        keep + [(s.value, s.label) for s in targets if s in allowed_transitions(case.status)]
    )
    return form


def status_form(case: Case) -> StatusForm:
    form = StatusForm(prefix="status")
    form.status.choices = choices([(s.value, s.label) for s in allowed_transitions(case.status)])
    return form


def render_case(case: Case, **forms):
    forms.setdefault("reply_form", reply_form(case))
    forms.setdefault("note_form", NoteForm(prefix="note"))
    forms.setdefault("status_form", status_form(case))
    return render_template(
        "cases/show.html",
        case=case,
        timeline=queries.case_timeline(case),
        attachments=db.session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        ).all(),
        kept_files=forms.pop("kept_files", []),
        upload_errors=forms.pop("upload_errors", []),
        **forms,
    )


@bp.route("/<int:case_id>")
@readers
def show(case_id):
    case = find_case(case_id)
    if not may_view_case(current_user, case):
        # The policy lets every official see the case register's summary, nothing more.
        return render_template("cases/restricted.html", case=case), 403
    return render_case(case)


def handle_message_form(case: Case, form, save):
    """Validate a reply or note form with its files; save() is called with the files."""
    files, errors = collect_uploads(
        request.files.getlist(form.attachments.name), form.kept_uploads.data
    )
    if form.validate_on_submit() and not errors:
        try:
            save(files)
            db.session.commit()
        except (services.CaseError, TransitionError) as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, str(error)]
        except StaleDataError:
            db.session.rollback()
            form.body.errors = [*form.body.errors, changed_meanwhile()]
        else:
            return None
    form.kept_uploads.data = sign_pending(files) if files else ""
    return {"kept_files": files, "upload_errors": errors}


@bp.route("/<int:case_id>/svar", methods=["POST"])
@workers
def reply(case_id):
    case = get_case(case_id)
    form = reply_form(case)
    problem = handle_message_form(
        case,
        form,
        lambda files: services.post_public_reply(
            case, current_user, form.body.data, files, form.then_status.data or None
        ),
    )
    if problem is None:
        flash(_("Svaret är skickat till företagaren."), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_case(case, reply_form=form, **problem), 400


@bp.route("/<int:case_id>/anteckning", methods=["POST"])
@workers
def note(case_id):
    case = get_case(case_id)
    form = NoteForm(prefix="note")
    problem = handle_message_form(
        case,
        form,
        lambda files: services.add_internal_note(case, current_user, form.body.data, files),
    )
    if problem is None:
        flash(_("Anteckningen är sparad."), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_case(case, note_form=form, **problem), 400


@bp.route("/<int:case_id>/status", methods=["POST"])
@workers
def change_status(case_id):
    case = get_case(case_id)
    form = status_form(case)
    if form.validate_on_submit():
        try:
            services.set_status(case, current_user, form.status.data, form.reason.data)
            db.session.commit()
        except TransitionError as error:
            db.session.rollback()
            form.status.errors = [*form.status.errors, str(error)]
        except StaleDataError:
            db.session.rollback()
            form.status.errors = [*form.status.errors, changed_meanwhile()]
            form.status.choices = status_form(case).status.choices
        else:
            flash(_("Status ändrad till %(status)s.", status=case.status_enum.label), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_case(case, status_form=form), 400


def edit_values(form: EditCaseForm) -> dict:
    org_number = normalise_org_number(form.org_number.data).value if form.org_number.data else None
    return {
        "subject": form.subject.data,
        "category_id": form.category.data,
        "company_name": form.company_name.data or "",
        "org_number": org_number,
        "submitter_name": form.submitter_name.data,
        "submitter_email": form.submitter_email.data,
        "submitter_phone": form.submitter_phone.data or None,
        "preferred_contact": form.preferred_contact.data or "email",
        "channel": form.channel.data,
    }


@bp.route("/<int:case_id>/redigera", methods=["GET", "POST"])
@workers
def edit(case_id):
    case = get_case(case_id)
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    form = EditCaseForm(obj=case, categories=categories)
    del form.description
    if request.method == "GET":
        form.category.data = case.category_id
        form.version.data = str(case.version)
    conflict = False
    if form.validate_on_submit():
        version = bounded_int(form.version.data) or 0
        try:
            services.update_case(case, current_user, edit_values(form), version)
            db.session.commit()
        except services.EditConflict as error:
            db.session.rollback()
            conflict = True
            flash(str(error), "error")
        except StaleDataError:
            # Someone saved between our read and our write: the same as a version seen stale.
            db.session.rollback()
            conflict = True
            flash(services.edit_conflict_message(), "error")
        else:
            flash(_("Ärendet är sparat."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/edit.html", form=form, case=case, conflict=conflict)


@bp.route("/<int:case_id>/skapa-foretag", methods=["POST"])
@workers
def create_company(case_id):
    case = get_case(case_id)
    try:
        company = services.create_company_for_case(case, current_user)
    except services.CaseError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(name)s finns nu i företagsregistret och är kopplat till ärendet.",
                name=company.name,
            ),
            "success",
        )
    return redirect(url_for("cases.show", case_id=case.id))


@bp.route("/<int:case_id>/bilaga/<int:attachment_id>")
@readers
def attachment(case_id, attachment_id):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case_id:
        abort(404)
    if not may_view_case(current_user, find_case(case_id)):
        abort(403)
    return send_attachment(attachment)
