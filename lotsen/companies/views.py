"""Screens of the company registry: list and search, company page, forms, merge, imports.

Company URLs carry the numeric id, never the org number (a sole trader's is a personnummer).
A search for a personnummer is posted, kept on the server (companies.services) and referred to by
a random token that only its official can use.
"""

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.companies import exports, importer, queries, services
from lotsen.companies.forms import (
    RUN_STATUS_LABELS,
    SIZE_CLASS_LABELS,
    STATUS_LABELS,
    CompanyForm,
    ContactForm,
    ImportForm,
    MergeForm,
)
from lotsen.companies.models import Company, Contact, ImportRun
from lotsen.companies.orgnr import (
    LEGAL_FORMS,
    InvalidOrgNumber,
    is_personal_number,
    normalise_org_number,
)
from lotsen.companies.phone import format_phone
from lotsen.companies.sni import SECTIONS, sni_title
from lotsen.db_types import utcnow
from lotsen.exports import download
from lotsen.extensions import db
from lotsen.pagination import Page
from lotsen.writes import button_write, committing, form_write

bp = Blueprint("companies", __name__, url_prefix="/foretag")
admin_only = roles_required(Role.ADMIN)


@bp.app_template_global()
def org_number_for(company: Company) -> str:
    return services.display_org_number(company, current_user)


@bp.app_template_filter("phone")
def phone_filter(stored: str | None) -> str:
    return format_phone(stored)


def run_interrupted(run: ImportRun) -> bool:
    return run.is_interrupted(utcnow(), importer.stale_after())


@bp.context_processor
def labels():
    return {
        "status_labels": STATUS_LABELS,
        "run_status_labels": RUN_STATUS_LABELS,
        "run_interrupted": run_interrupted,
        "size_class_labels": SIZE_CLASS_LABELS,
        "legal_forms": LEGAL_FORMS,
        "sni_title": sni_title,
        "sections": SECTIONS,
    }


def section_letters() -> set[str]:
    return {letter for letter, _title in SECTIONS}


def get_company_or_404(company_id: int) -> Company:
    company = queries.load_company(company_id)
    if company is None:
        abort(404)
    return company


# --- List, search and export -------------------------------------------------------------------


def list_args() -> dict:
    """The query arguments of the list, with a saved personnummer search put back as `q`."""
    args = request.args.to_dict()
    key = args.pop("sq", None)
    if key:
        args["q"] = services.saved_personal_number_search(current_user, key) or ""
    return args


def url_args(filters: queries.CompanyFilters) -> dict:
    """Filters as URL arguments; a personnummer is replaced by the token of the search kept on
    the server (the current one, or a new, checked and audited one)."""
    args = filters.as_args()
    if filters.q and is_personal_number(filters.q):
        args.pop("q")
        args["sq"] = request.args.get("sq") or services.save_personal_number_search(
            current_user, filters.q
        )
    return args


def new_search(filters: queries.CompanyFilters):
    """Redirect to the list for a search just typed (a personnummer goes to the server); a
    refused personnummer search shows no companies at all, with the reason."""
    with committing() as saved:
        args = url_args(filters)
    if not saved:
        nothing = Page(items=[], next_cursor=None, is_first=True)
        return render_list(filters, nothing, search_error=saved.error.message), 429
    return redirect(url_for("companies.index", **args))


def render_list(filters: queries.CompanyFilters, page: Page, **context):
    return render_template(
        "companies/index.html",
        page=page,
        filters=filters,
        tags=services.all_tags(),
        **context,
    )


@bp.route("/", methods=["GET", "POST"])
def index():
    if request.method == "POST":  # the search form: see url_args()
        return new_search(queries.CompanyFilters.from_args(request.form, section_letters()))
    filters = queries.CompanyFilters.from_args(list_args(), section_letters())
    if filters.q and is_personal_number(filters.q) and not request.args.get("sq"):
        return new_search(filters)
    page = queries.company_page(
        filters, current_user, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    return render_list(
        filters,
        page,
        export_args=url_args(filters),
        create_org_number=creatable_org_number(filters.q, page),
    )


def creatable_org_number(q: str, page) -> str | None:
    """A legal person's number searched for and not found: offered on the create form."""
    if page.items or not q or is_personal_number(q):
        return None
    try:
        return normalise_org_number(q).value
    except InvalidOrgNumber:
        return None


@bp.route("/export.<any(csv, xlsx):kind>")
def export(kind):
    filters = queries.CompanyFilters.from_args(list_args(), section_letters())
    viewer = current_user._get_current_object()
    rows = exports.export_rows(queries.iterate_companies(filters, viewer), viewer)
    return download(rows, kind, f"foretag-{date.today().isoformat()}", _("Företag"))


# --- Company page and forms --------------------------------------------------------------------


@bp.route("/<int:company_id>")
def show(company_id):
    company = get_company_or_404(company_id)
    if company.is_merged:
        kept = services.resolve_merged(company)
        flash(_("%(name)s är sammanslaget med det här företaget.", name=company.name), "info")
        return redirect(url_for("companies.show", company_id=kept.id))
    return render_template(
        "companies/show.html",
        company=company,
        history=queries.company_history(company),
        may_merge=services.may_merge(current_user),
    )


def company_data(form: CompanyForm, company: Company | None = None) -> services.CompanyData:
    org_number = form.org_number.data if "org_number" in form else company.org_number
    return services.CompanyData(
        org_number=org_number,
        name=form.name.data,
        legal_form=form.legal_form.data or None,
        street_address=form.street_address.data,
        postal_code=form.postal_code.data,
        town=form.town.data,
        municipality_code=form.municipality_code.data,
        registered_on=form.registered_on.data,
        status=form.status.data,
        deregistered_on=form.deregistered_on.data,
        deregistration_reason=form.deregistration_reason.data,
        description=form.description.data,
        website=form.website.data,
        notes=form.notes.data,
        size_class=form.size_class.data or None,
        employee_count=form.employee_count.data,
        employee_count_on=form.employee_count_on.data,
        employee_count_source=form.employee_count_source.data,
        advertising_blocked=form.advertising_blocked.data,
        sni_codes=services.split_list(form.sni_codes.data),
        tags=services.split_list(form.tags.data),
    )


@bp.route("/ny", methods=["GET", "POST"])
def create():
    form = CompanyForm()
    orgnr = request.args.get("orgnr", "") if request.method == "GET" else ""
    if orgnr and not is_personal_number(orgnr):
        form.org_number.data = orgnr[:20]
    duplicate = None
    if form.validate_on_submit():
        with form_write(form) as saved:
            company = services.create_company(current_user, company_data(form))
        if isinstance(saved.error, services.DuplicateCompanyError):
            duplicate = db.session.get(Company, saved.error.existing_id)
        if saved:
            flash(_("Företaget %(name)s är sparat.", name=company.name), "success")
            return redirect(url_for("companies.show", company_id=company.id))
    return render_template("companies/form.html", form=form, company=None, duplicate=duplicate)


def fill_edit_form(form: CompanyForm, company: Company) -> None:
    if "org_number" in form:
        form.org_number.data = services.org_number_of(company).formatted
    form.sni_codes.data = ", ".join(code.code for code in company.sni_codes)
    form.tags.data = ", ".join(tag.name for tag in company.tags)
    form.legal_form.data = company.legal_form or ""
    form.size_class.data = company.size_class or ""


@bp.route("/<int:company_id>/andra", methods=["GET", "POST"])
def edit(company_id):
    company = get_company_or_404(company_id)
    if company.is_merged:
        return redirect(url_for("companies.show", company_id=company.id))
    form = CompanyForm(obj=company if request.method == "GET" else None)
    may_change_number = services.may_see_personal_numbers(current_user)
    if not may_change_number:
        del form.org_number
    if request.method == "GET":
        fill_edit_form(form, company)
    duplicate = None
    if form.validate_on_submit():
        with form_write(form) as saved:
            services.update_company(
                current_user,
                company,
                company_data(form, company),
                change_org_number=may_change_number,
            )
        if isinstance(saved.error, services.DuplicateCompanyError):
            duplicate = db.session.get(Company, saved.error.existing_id)
        if saved:
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("companies.show", company_id=company.id))
    return render_template("companies/form.html", form=form, company=company, duplicate=duplicate)


# --- Contacts ----------------------------------------------------------------------------------


def contact_data(form: ContactForm) -> services.ContactData:
    return services.ContactData(
        name=form.name.data,
        role=form.role.data,
        email=form.email.data,
        phone=form.phone.data,
        data_basis=form.data_basis.data,
    )


def get_contact_or_404(company: Company, contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.company_id != company.id:
        abort(404)
    return contact


@bp.route("/<int:company_id>/kontakter/ny", methods=["GET", "POST"], defaults={"contact_id": None})
@bp.route("/<int:company_id>/kontakter/<int:contact_id>", methods=["GET", "POST"])
def edit_contact(company_id, contact_id):
    company = get_company_or_404(company_id)
    contact = get_contact_or_404(company, contact_id) if contact_id else None
    form = ContactForm(obj=contact)
    if request.method == "GET" and contact and contact.phone:
        form.phone.data = format_phone(contact.phone)
    if form.validate_on_submit():
        with form_write(form) as saved:
            if contact is None:
                services.add_contact(current_user, company, contact_data(form))
            else:
                services.update_contact(current_user, contact, contact_data(form))
        if saved:
            flash(_("Kontaktpersonen är sparad."), "success")
            return redirect(url_for("companies.show", company_id=company.id, _anchor="contacts"))
    return render_template(
        "companies/contact_form.html", form=form, company=company, contact=contact
    )


@bp.route("/<int:company_id>/kontakter/<int:contact_id>/ta-bort", methods=["POST"])
def delete_contact(company_id, contact_id):
    company = get_company_or_404(company_id)
    contact = get_contact_or_404(company, contact_id)
    with button_write() as saved:
        services.delete_contact(current_user, contact)
    if saved:
        flash(_("Kontaktpersonen är borttagen."), "success")
    return redirect(url_for("companies.show", company_id=company.id, _anchor="contacts"))


# --- Merging duplicates ------------------------------------------------------------------------


@bp.route("/<int:company_id>/sammanfoga", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def merge(company_id):
    keep = get_company_or_404(company_id)
    if keep.is_merged:
        return redirect(url_for("companies.show", company_id=keep.id))
    form = MergeForm()
    duplicate = None
    merged = False
    if form.validate_on_submit():
        # Committed unless refused: with it the audit event of a personnummer looked up.
        with form_write(form, "other") as saved:
            duplicate = services.find_merge_candidate(form.other.data, keep, current_user)
            if duplicate is None or duplicate.id == keep.id or duplicate.is_merged:
                form.other.errors = [_("Hittar inget annat företag med det numret eller id:t.")]
                duplicate = None
            elif request.form.get("confirm") == "1" and form.duplicate_id.data == str(duplicate.id):
                services.merge_companies(current_user, keep, duplicate)
                merged = True
            else:
                form.duplicate_id.data = str(duplicate.id)
        if not saved:
            duplicate = None
        elif merged:
            flash(_("Företagen är sammanslagna."), "success")
            return redirect(url_for("companies.show", company_id=keep.id))
    return render_template("companies/merge.html", form=form, keep=keep, duplicate=duplicate)


# --- Imports (admins) --------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def imports():
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    form = ImportForm()
    if form.validate_on_submit():
        with form_write(form, "file") as saved:
            run = importer.queue_upload(
                current_user,
                form.file.data,
                form.format.data,
                only_postcodes=services.split_list(form.only_postcodes.data),
                only_towns=services.split_list(form.only_towns.data),
            )
        if saved:
            if current_app.config["IMPORTS_RUN_IN_PROCESS"]:
                importer.start_in_background(current_app._get_current_object(), run.id)
            flash(_("Filen är uppladdad och läses in."), "success")
            return redirect(url_for("companies.import_run", run_id=run.id))
    return render_template("companies/imports.html", form=form, runs=importer.recent_runs())


@bp.route("/import/<int:run_id>")
@admin_only
def import_run(run_id):
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    return render_template("companies/import_run.html", run=run)


@bp.route("/import/<int:run_id>/fortsatt", methods=["POST"])
@admin_only
def resume_import(run_id):
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    with button_write() as saved:
        resumed = importer.resume_run(current_user, run)
    if saved and not resumed:
        flash(_("Inläsningen pågår eller är redan klar och kan inte startas igen."), "error")
    if not (saved and resumed):
        return redirect(url_for("companies.import_run", run_id=run_id))
    if current_app.config["IMPORTS_RUN_IN_PROCESS"]:
        importer.start_in_background(current_app._get_current_object(), run_id)
    flash(_("Inläsningen av samma fil är startad igen."), "success")
    return redirect(url_for("companies.import_run", run_id=run_id))


@bp.route("/import/<int:run_id>/avvisade-rader.csv")
@admin_only
def import_rejects(run_id):
    run = db.session.get(ImportRun, run_id)
    path = importer.reject_file_of(run) if run is not None else None
    if path is None:
        abort(404)
    return send_file(
        path, mimetype="text/csv", as_attachment=True, download_name=f"avvisade-rader-{run.id}.csv"
    )
