"""Officials' side of cases: list, register, read, reply, note, change status, edit."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Department, Role, User
from lotsen.cases import queries, services
from lotsen.cases.access import (
    CASE_CREATOR_ROLES,
    CASE_READER_ROLES,
    CASE_WORKER_ROLES,
    may_create_case,
    may_view_case,
    may_work_on_case,
)
from lotsen.cases.attachments import collect_uploads, send_attachment, sign_pending
from lotsen.cases.forms import (
    CaseFilterForm,
    DecisionRefusalForm,
    DecisionRequestForm,
    EditCaseForm,
    NoteForm,
    PublicReplyForm,
    RegisterCaseForm,
    StatusForm,
    submission_from,
)
from lotsen.cases.models import Attachment, Case, CaseStatus, Category, Channel
from lotsen.cases.queries import AGE_BUCKETS, active_categories
from lotsen.cases.signals import answers, case_list_shown
from lotsen.cases.workflow import allowed_transitions, reply_status_choices
from lotsen.companies import services as company_services
from lotsen.companies.orgnr import mask_personal_numbers, normalise_org_number
from lotsen.domain_errors import Conflict, StaleState
from lotsen.extensions import db
from lotsen.routing import bounded_int
from lotsen.timekeeping.calendar import local_today
from lotsen.writes import button_write, form_write

bp = Blueprint("cases", __name__, url_prefix="/arenden")
readers = roles_required(*CASE_READER_ROLES)
workers = roles_required(*CASE_WORKER_ROLES)


bp.add_app_template_global(may_create_case, "may_create_case")


@bp.app_template_global("may_open_case")
def may_open_case(case) -> bool:
    """Whether a link to `case` leads the viewer to its page (not to a 403): the one rule for
    every case link shown to someone who may not read every case (lotsen.cases.access)."""
    return may_view_case(current_user, case)


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


def filter_args() -> MultiDict:
    """The list's query arguments, with a search kept on the server (`sq`) put back as `q`."""
    args = MultiDict(request.args)
    key = args.pop("sq", None)
    if key:
        args["q"] = company_services.saved_personal_number_search(current_user, key) or ""
    return args


def holds_personal_number(text: str | None) -> bool:
    return bool(text) and mask_personal_numbers(text) != text


def new_search(values):
    """Redirect to the list for the filters in `values`; a search text holding a personnummer
    is kept on the server (checked and audited) and the URL carries a token instead."""
    args = {
        field.name: values.get(field.name)
        for field in CaseFilterForm(formdata=None)
        if values.get(field.name)
    }
    if holds_personal_number(args.get("q")):
        with button_write():
            args["sq"] = company_services.save_personal_number_search(
                current_user, args.pop("q"), purpose="ärendesök"
            )
    return redirect(url_for("cases.index", **args))


def filter_form() -> CaseFilterForm:
    form = CaseFilterForm(filter_args())
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


@bp.route("/", methods=["GET", "POST"])
@readers
def index():
    if request.method == "POST" or holds_personal_number(request.args.get("q")):
        return new_search(request.form if request.method == "POST" else request.args)
    form = filter_form()
    filters = filters_from(form)
    page = queries.case_page(filters, request.args.get("after"), current_app.config["PAGE_SIZE"])
    extras = {}
    for answer in answers(case_list_shown, current_user._get_current_object()):
        extras.update(answer)
    return render_template(
        "cases/index.html",
        form=form,
        page=page,
        filters=filters,
        scope=scope_of(form),
        **extras,
    )


@bp.route("/ny", methods=["GET", "POST"])
@roles_required(*CASE_CREATOR_ROLES)
def register():
    form = RegisterCaseForm(categories=active_categories())
    if form.validate_on_submit():
        with form_write(form, "category") as saved:
            case, _token = services.open_case(
                submission_from(form, channel=Channel(form.channel.data)), created_by=current_user
            )
        if saved:
            flash(_("Ärende %(number)s är registrerat.", number=case.number), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/register.html", form=form)


def reply_form(case: Case) -> PublicReplyForm:
    form = PublicReplyForm(prefix="reply")
    form.then_status.choices = choices(reply_status_choices(case))
    provider = saved_replies()
    offered = provider.offered(case) if provider is not None else []
    if offered:
        form.saved_reply.choices = [SelectChoice("", _("Välj en svarsmall …")), *choices(offered)]
    return form


def saved_replies():
    """The saved-reply provider, if installed: lotsen.replies (a work domain, which cases may not
    import) registers it in app.extensions at start-up."""
    return current_app.extensions.get("lotsen_saved_replies")


def insert_saved_reply(case: Case, form: PublicReplyForm) -> dict:
    """ "Infoga": add the chosen saved reply, filled in from the case, after what was typed; the
    files chosen are kept for the real send. Nothing is sent or saved."""
    files, errors = collect_uploads(
        request.files.getlist(form.attachments.name), form.kept_uploads.data
    )
    form.kept_uploads.data = sign_pending(files) if files else ""
    provider = saved_replies()
    try:
        form.body.data = provider.insert(case, form.saved_reply.data, form.body.data)
    except ValueError as error:
        form.saved_reply.errors = [*form.saved_reply.errors, str(error)]
    return {"kept_files": files, "upload_errors": errors}


def status_form(case: Case) -> StatusForm:
    form = StatusForm(prefix="status")
    form.status.choices = choices([(s.value, s.label) for s in allowed_transitions(case.status)])
    return form


def decision_request_form() -> DecisionRequestForm:
    form = DecisionRequestForm(prefix="decision")
    if not form.is_submitted():
        form.received_on.data = local_today()
    return form


def render_case(case: Case, **forms):
    forms.setdefault("reply_form", reply_form(case))
    forms.setdefault("decision_form", decision_request_form())
    forms.setdefault("refusal_form", DecisionRefusalForm(prefix="refusal"))
    forms.setdefault("note_form", NoteForm(prefix="note"))
    forms.setdefault("status_form", status_form(case))
    return render_template(
        "cases/show.html",
        case=case,
        timeline=queries.case_timeline(case),
        attachments=db.session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        ).all(),
        today=local_today(),
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
        with form_write(form, "body", stale=changed_meanwhile()) as saved:
            save(files)
        if saved:
            return None
    form.kept_uploads.data = sign_pending(files) if files else ""
    return {"kept_files": files, "upload_errors": errors}


@bp.route("/<int:case_id>/svar", methods=["POST"])
@workers
def reply(case_id):
    case = get_case(case_id)
    form = reply_form(case)
    if form.insert_saved_reply.data and saved_replies() is not None:
        return render_case(case, reply_form=form, **insert_saved_reply(case, form))
    problem = handle_message_form(
        case,
        form,
        lambda files: services.post_public_reply(
            case, current_user, form.body.data, files, form.then_status.data or None
        ),
    )
    if problem is None:
        flash(*services.reply_outcome(case))
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
        field = "message" if form.status.data == CaseStatus.WAITING else "status"
        stale = StaleState(changed_meanwhile(), field="status")
        with form_write(form, field, stale=stale) as saved:
            sent = services.set_status(
                case, current_user, form.status.data, form.reason.data, form.message.data
            )
        if saved.error is stale:
            form.status.choices = status_form(case).status.choices
        if saved:
            flash(_("Status ändrad till %(status)s.", status=case.status_enum.label), "success")
            if sent is not None:
                flash(*services.reply_outcome(case))
            return redirect(url_for("cases.show", case_id=case.id))
    return render_case(case, status_form=form), 400


@bp.route("/<int:case_id>/begaran-om-avgorande", methods=["POST"])
@workers
def decision_request(case_id):
    """Record a company's request that the case be decided (förvaltningslagen 12 §)."""
    case = get_case(case_id)
    form = decision_request_form()
    if form.validate_on_submit():
        with form_write(form, "received_on") as saved:
            due_on = services.record_decision_request(
                case, current_user, form.received_on.data, local_today()
            )
        if not saved and case.decision_due_on is not None:  # the form is not shown: say it on top
            flash(saved.error.message, "error")
        if saved:
            flash(
                _("Begäran är registrerad. Ärendet ska avgöras senast %(day)s.", day=due_on),
                "success",
            )
            return redirect(url_for("cases.show", case_id=case.id, _anchor="decision-heading"))
    elif form.received_on.errors:  # WTForms' own message for a date it cannot read
        form.received_on.errors = [_("Skriv datumet som ÅÅÅÅ-MM-DD.")]
    return render_case(case, decision_form=form), 400


@bp.route("/<int:case_id>/begaran-om-avgorande/avslag", methods=["POST"])
@workers
def refuse_decision_request(case_id):
    case = get_case(case_id)
    form = DecisionRefusalForm(prefix="refusal")
    if form.validate_on_submit():
        with form_write(form, "reason") as saved:
            services.refuse_decision_request(case, current_user, form.reason.data)
        if not saved and case.decision_due_on is None:  # no request pending: the form is hidden
            flash(saved.error.message, "error")
        if saved:
            flash(_("Begäran om avgörande är avslagen."), "success")
            flash(*services.reply_outcome(case))
            return redirect(url_for("cases.show", case_id=case.id))
    return render_case(case, refusal_form=form), 400


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


def hidden_personal_number(case: Case) -> str | None:
    """The masked form the edit form shows instead of the case's personnummer, for everyone
    but admins; None when there is nothing to hide."""
    if not case.org_number or company_services.may_see_personal_numbers(current_user):
        return None
    number = company_services.personal_number_in(case.org_number)
    return number.masked if number is not None else None


@bp.route("/<int:case_id>/redigera", methods=["GET", "POST"])
@workers
def edit(case_id):
    case = get_case(case_id)
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    form = EditCaseForm(obj=case, categories=categories)
    del form.description
    masked = hidden_personal_number(case)
    if request.method == "GET":
        form.category.data = case.category_id
        form.version.data = str(case.version)
    elif masked and form.org_number.data == masked:
        form.org_number.data = case.org_number  # left as shown: the number is unchanged
    conflict = False
    if form.validate_on_submit():
        version = bounded_int(form.version.data) or 0
        # Someone saving between our read and our write is the same as a version seen stale.
        with form_write(form, stale=services.edit_conflict_message()) as saved:
            services.update_case(case, current_user, edit_values(form), version)
        conflict = isinstance(saved.error, Conflict)
        if saved:
            flash(_("Ärendet är sparat."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    if masked and form.org_number.data == case.org_number:
        form.org_number.data = masked  # what was typed is shown again, the stored number never
    return render_template("cases/edit.html", form=form, case=case, conflict=conflict)


@bp.route("/<int:case_id>/skapa-foretag", methods=["POST"])
@workers
def create_company(case_id):
    case = get_case(case_id)
    with button_write() as saved:
        company = services.create_company_for_case(case, current_user)
    if saved:
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
