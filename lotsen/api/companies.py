"""The company registry through the API: the list's search, one company, create and update.

The search is the company list's own (lotsen.companies.queries.company_page); creating and
updating go through lotsen.companies.services, whose org-number checks and audit apply. A sole
trader's personnummer is masked unless the token has companies:personal and its account may see
personnummer in the UI; a search for a full personnummer by anyone else is counted and audited
as in the UI (lotsen.companies.services.look_up_personal_number).
"""

from flask.views import MethodView
from flask_babel import gettext as _

from lotsen.accounts.access import bearer_token_only
from lotsen.api.blueprint import actor, bp, current_token, requires
from lotsen.api.common import (
    found,
    page_body,
    refusal_problem,
    sees_personal_numbers,
    shown_org_number,
    write,
)
from lotsen.api.schemas import (
    CompanyCreateSchema,
    CompanyListArgs,
    CompanySchema,
    CompanyWriteSchema,
    links_by_id,
    page_of,
)
from lotsen.api.tokens import record_api_write
from lotsen.companies import queries, services
from lotsen.companies.models import Company
from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number
from lotsen.domain_errors import Conflict, NotAllowed
from lotsen.writes import committing

CompanyPage = page_of(CompanySchema, "CompanyPage")
COMPANY_LINKS = links_by_id("company_id", "getCompany", "updateCompany")


def present_company(company: Company) -> dict:
    return {
        "id": company.id,
        "org_number": shown_org_number(services.org_number_of(company)),
        "is_personal": company.is_personal,
        "name": company.name,
        "legal_form": company.legal_form,
        "street_address": company.street_address,
        "postal_code": company.postal_code,
        "town": company.town,
        "municipality_code": company.municipality_code,
        "registered_on": company.registered_on,
        "status": company.status,
        "deregistered_on": company.deregistered_on,
        "description": company.description,
        "website": company.website,
        "size_class": company.size_class,
        "employee_count": company.employee_count,
        "sni_codes": [code.code for code in company.sni_codes],
        "tags": [tag.name for tag in company.tags],
        "merged_into_id": company.merged_into_id,
        "updated_at": company.updated_at,
    }


def search_viewer():
    """Whom the list's search rules judge: the account when the token may see personnummer,
    else no one who may (a prefix then finds only legal persons, as for an official)."""
    return actor() if sees_personal_numbers() else None


def looked_up_personal_number(q: str) -> None:
    """A full personnummer searched for: counted and audited as in the UI (raises when the
    limit is reached)."""
    try:
        number = normalise_org_number(q.strip())
    except InvalidOrgNumber:
        return
    if number.is_personal:
        services.look_up_personal_number(actor(), number, "API: företagssök")


@bp.route("/companies", methods=["GET"])
@requires("companies:read")
@bp.arguments(CompanyListArgs, location="query")
@bp.response(200, CompanyPage)
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.doc(operationId="listCompanies", summary="Search the registry as the company list does")
def list_companies(args):
    filters = queries.CompanyFilters(
        q=args.get("q") or "",
        section=args.get("section") or "",
        size_class=args.get("size_class") or "",
        municipality=args.get("municipality") or "",
        tag=args.get("tag") or "",
        status=args.get("status") or "",
        sort=args["sort"],
    )
    if filters.q:
        with committing() as saved:  # the audit event of a personnummer looked up
            looked_up_personal_number(filters.q)
        if not saved:
            return refusal_problem(saved.error, 429)
    page = queries.company_page(filters, search_viewer(), args.get("cursor"), args["limit"])
    return page_body(page, present_company)


@requires("companies:read")
@bp.response(200, CompanySchema)
@bp.doc(operationId="getCompany", summary="One company (a merged one names the kept one)")
def get_company(company_id):
    return present_company(found(queries.load_company(company_id)))


def company_data(data: dict, company: Company | None = None) -> services.CompanyData:
    """The service's CompanyData: the company's values (an update) with the request's on top."""
    values = {}
    if company is not None:
        values = {name: getattr(company, name) for name in services.EDITABLE_COLUMNS}
        values["org_number"] = company.org_number
        values["sni_codes"] = [code.code for code in company.sni_codes]
        values["tags"] = [tag.name for tag in company.tags]
    values.update(data)
    for name in ("sni_codes", "tags"):
        values[name] = list(values.get(name) or [])
    values["advertising_blocked"] = bool(values.get("advertising_blocked"))
    values.setdefault("status", "active")
    values["status"] = values["status"] or "active"
    return services.CompanyData(**values)


def stored_form(raw: str | None) -> str | None:
    """An org number as stored (raw text when it is none: the service then refuses it)."""
    try:
        return normalise_org_number(raw or "").value
    except InvalidOrgNumber:
        return raw


def duplicate(error: services.DuplicateCompanyError):
    return refusal_problem(error, 409, existing_id=error.existing_id)


@bp.route("/companies", methods=["POST"])
@requires("companies:write")
@bp.arguments(CompanyCreateSchema)
@bp.response(201, CompanySchema)
@bp.alt_response(409, response="CONFLICT")
@bp.doc(
    operationId="createCompany",
    summary="Add a company typed in by hand (org number checked)",
    responses={201: {"links": COMPANY_LINKS}},
)
def create_company(data):
    try:
        with write():
            company = services.create_company(actor(), company_data(data))
            record_api_write(current_token(), "company_created", company, "Företag skapat")
    except services.DuplicateCompanyError as error:
        return duplicate(error)
    return present_company(found(queries.load_company(company.id)))


@requires("companies:write")
@bp.arguments(CompanyWriteSchema)
@bp.response(200, CompanySchema)
@bp.alt_response(409, response="CONFLICT")
@bp.doc(operationId="updateCompany", summary="Change the fields given; the rest stay")
def update_company(data, company_id):
    company = found(queries.load_company(company_id))
    if company.is_merged:
        raise Conflict(_("Företaget är sammanslaget med ett annat: ändra det i stället."))
    change_number = "org_number" in data and stored_form(data["org_number"]) != company.org_number
    if change_number and not sees_personal_numbers():
        raise NotAllowed(
            _("Bara en nyckel som får se personnummer kan ändra ett organisationsnummer."),
            field="org_number",
        )
    try:
        with write():
            changes = services.update_company(
                actor(), company, company_data(data, company), change_org_number=change_number
            )
            if changes:
                record_api_write(
                    current_token(),
                    "company_updated",
                    company,
                    "Företag ändrat",
                    {"fields": sorted(changes)},
                )
    except services.DuplicateCompanyError as error:
        return duplicate(error)
    return present_company(found(queries.load_company(company_id)))


@bp.route("/companies/<int:company_id>")
class OneCompany(MethodView):
    """One rule for both methods (see lotsen.api.cases.CaseMessages)."""

    decorators = [bearer_token_only]
    get = staticmethod(get_company)
    patch = staticmethod(update_company)
