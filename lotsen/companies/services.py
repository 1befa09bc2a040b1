"""Rules and writes for the company registry: create, edit, contacts, tags, merge, masking.

Every change is audited with lotsen.audit.services.record() on the company, so that the
company page can show its history. Services flush; the caller commits.

Personal data: a sole trader's org number is a personnummer. It is shown masked to everyone
but admins (display_org_number), never put in URLs (company URLs use the id) and never written
to logs or to the audit trail in clear.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from lotsen.accounts.models import Role
from lotsen.audit.services import diff, record
from lotsen.companies.models import (
    REGISTER_FIELDS,
    SIZE_CLASSES,
    Company,
    CompanySniCode,
    CompanyStatus,
    Contact,
    PersonalNumberSearch,
    Tag,
    name_sort_key,
)
from lotsen.companies.orgnr import InvalidOrgNumber, OrgNumber, normalise_org_number
from lotsen.companies.phone import InvalidPhoneNumber, normalise_phone
from lotsen.companies.sni import SNI_VERSION, normalise_sni_code, sni_section
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.rate_limits import hit


class CompanyError(DomainError):
    """A rule about companies was broken; the message is for the user (Swedish)."""


class DuplicateCompanyError(CompanyError):
    """The org number (and registration suffix) already belongs to another company."""

    def __init__(self, message: str, existing_id: int):
        super().__init__(message, field="org_number")
        self.existing_id = existing_id


# --- Personal data ---------------------------------------------------------------------------


def may_see_personal_numbers(user) -> bool:
    """Only admins see a sole trader's full personnummer."""
    return bool(user is not None and user.is_authenticated and user.has_role(Role.ADMIN))


def org_number_of(company: Company) -> OrgNumber:
    return OrgNumber(company.org_number, company.is_personal)


def display_org_number(company: Company, viewer) -> str:
    """ "556012-5790" for everyone; a personnummer in full for admins, else "19810101-XXXX"."""
    number = org_number_of(company)
    return number.formatted if may_see_personal_numbers(viewer) else number.masked


# A search for a personnummer stays usable (list pages, exports) this long after it was made.
PERSONAL_NUMBER_SEARCH_LIFETIME = timedelta(hours=12)


def look_up_personal_number(viewer, number: OrgNumber, purpose: str) -> None:
    """Let a non-admin look up one full personnummer: counted against
    PERSONAL_NUMBER_SEARCH_RATE_LIMIT per official and audited (the number masked, the
    companies found by id), so that the hidden digits of a masked number cannot be found by
    trying the thousand possible endings. Admins see full numbers anyway: nothing to do."""
    if may_see_personal_numbers(viewer):
        return
    if not hit("PERSONAL_NUMBER_SEARCH_RATE_LIMIT", str(viewer.id)):
        raise CompanyError(
            _(
                "Du har sökt på många personnummer på kort tid. Försök igen senare, eller be "
                "en administratör om hjälp."
            ),
            field="q",
        )
    found = db.session.scalars(
        select(Company.id).where(Company.org_number == number.value).order_by(Company.id)
    ).all()
    record(
        viewer,
        "company.personal_number_searched",
        viewer,
        f"Sökte på personnummer {number.masked} ({purpose}): {len(found)} träffar",
        {"company_ids": list(found), "purpose": purpose},
    )


def personal_number_in(text: str) -> OrgNumber | None:
    """The full personnummer a search text asks for (alone, or as the text's only digits)."""
    digits = re.sub(r"[^0-9]", "", text or "")
    if len(digits) not in (10, 12):
        return None
    for candidate in (text.strip(), digits):
        try:
            number = normalise_org_number(candidate)
        except InvalidOrgNumber:
            continue
        return number if number.is_personal else None
    return None


def save_personal_number_search(viewer, text: str, purpose: str = "företagssök") -> str:
    """Keep a search `text` holding a personnummer on the server and return the random token
    a list's URL carries instead. A full personnummer is checked and audited first
    (look_up_personal_number)."""
    number = personal_number_in(text)
    if number is not None:
        look_up_personal_number(viewer, number, purpose)
    db.session.execute(
        delete(PersonalNumberSearch).where(
            PersonalNumberSearch.created_at < utcnow() - PERSONAL_NUMBER_SEARCH_LIFETIME
        )
    )
    token = secrets.token_urlsafe(16)
    db.session.add(PersonalNumberSearch(token=token, user_id=viewer.id, query=text.strip()[:200]))
    db.session.flush()
    return token


def saved_personal_number_search(viewer, token: str) -> str | None:
    """The search text of `viewer`'s own recent search `token`, or None."""
    return db.session.scalar(
        select(PersonalNumberSearch.query).where(
            PersonalNumberSearch.token == token[:32],
            PersonalNumberSearch.user_id == viewer.id,
            PersonalNumberSearch.created_at >= utcnow() - PERSONAL_NUMBER_SEARCH_LIFETIME,
        )
    )


# --- Companies ---------------------------------------------------------------------------------


@dataclass
class CompanyData:
    """What a person may type about a company (the create and edit forms)."""

    org_number: str
    name: str
    legal_form: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    town: str | None = None
    municipality_code: str | None = None
    registered_on: date | None = None
    status: str = CompanyStatus.ACTIVE
    deregistered_on: date | None = None
    deregistration_reason: str | None = None
    description: str | None = None
    website: str | None = None
    notes: str | None = None
    size_class: str | None = None
    employee_count: int | None = None
    employee_count_on: date | None = None
    employee_count_source: str | None = None
    advertising_blocked: bool = False
    sni_codes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


# Plain columns copied from CompanyData (org number, SNI codes and tags are handled apart).
EDITABLE_COLUMNS = (
    "name",
    "legal_form",
    "street_address",
    "postal_code",
    "town",
    "municipality_code",
    "registered_on",
    "status",
    "deregistered_on",
    "deregistration_reason",
    "description",
    "website",
    "notes",
    "size_class",
    "employee_count",
    "employee_count_on",
    "employee_count_source",
    "advertising_blocked",
)
# Values a new company has anyway: typing them does not make the field "edited by hand".
DEFAULT_VALUES = {"status": CompanyStatus.ACTIVE, "advertising_blocked": False}


def find_company(org_number: str, registration_suffix: int = 0) -> Company | None:
    return db.session.scalar(
        select(Company).where(
            Company.org_number == org_number,
            Company.registration_suffix == registration_suffix,
        )
    )


def parse_org_number(raw: str) -> OrgNumber:
    try:
        return normalise_org_number(raw)
    except InvalidOrgNumber as error:
        raise CompanyError(str(error), field="org_number") from None


def create_company(actor, data: CompanyData) -> Company:
    """Create a company typed in by hand. Raises CompanyError / DuplicateCompanyError."""
    number = parse_org_number(data.org_number)
    ensure_unique(number, 0, except_id=None)
    values = clean_values(data)
    company = Company(
        org_number=number.value,
        is_personal=number.is_personal,
        registration_suffix=0,
        source="manual",
        former_names=[],
        sni_codes=[],
        tags=[],
    )
    apply_values(company, values)
    replace_sni_codes(company, values["sni_codes"])
    company.tags = tags_named(values["tags"])
    company.manually_edited_fields = sorted(
        name
        for name in REGISTER_FIELDS
        if values.get(name) not in (None, "", []) and values.get(name) != DEFAULT_VALUES.get(name)
    )
    db.session.add(company)
    db.session.flush()
    facts = {name: value for name, value in snapshot(company).items() if value not in (None, "")}
    record(actor, "companies.created", company, f"Företag {company.name} skapat", facts)
    return company


def update_company(actor, company: Company, data: CompanyData, *, change_org_number=False) -> dict:
    """Save an edit. Fields changed here are marked as edited by hand, so imports keep them.

    The org number changes only when `change_org_number` is set (admins; see the views).
    Returns the audited changes ({field: [old, new]}).
    """
    before = snapshot(company)
    if change_org_number:
        number = parse_org_number(data.org_number)
        ensure_unique(number, company.registration_suffix, except_id=company.id)
        company.org_number, company.is_personal = number.value, number.is_personal
    values = clean_values(data)
    apply_values(company, values)
    if [code.code for code in company.sni_codes] != values["sni_codes"]:
        replace_sni_codes(company, values["sni_codes"])
    company.tags = tags_named(values["tags"])
    db.session.flush()
    changes = diff(before, snapshot(company))
    edited = {name for name in changes if name in REGISTER_FIELDS}
    if edited:
        company.manually_edited_fields = sorted(set(company.manually_edited_fields) | edited)
    if changes:
        record(actor, "companies.updated", company, f"Företag {company.name} ändrat", changes)
    return changes


def ensure_unique(number: OrgNumber, suffix: int, except_id: int | None) -> None:
    existing = find_company(number.value, suffix)
    if existing is not None and existing.id != except_id:
        raise DuplicateCompanyError(
            _("Det finns redan ett företag med det organisationsnumret i Lotsen."), existing.id
        )


def clean_values(data: CompanyData) -> dict:
    """Check and tidy what was typed; raises CompanyError naming the field."""
    values = {name: getattr(data, name) for name in EDITABLE_COLUMNS}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = " ".join(value.split()) if name not in TEXT_AREAS else value.strip()
            values[name] = values[name] or None
    if not values["name"]:
        raise CompanyError(_("Fyll i företagets namn."), field="name")
    values["postal_code"] = clean_postal_code(values["postal_code"])
    values["municipality_code"] = clean_municipality_code(values["municipality_code"])
    values["website"] = clean_website(values["website"])
    check_choices(values)
    if values["status"] != CompanyStatus.DEREGISTERED:
        values["deregistered_on"] = values["deregistration_reason"] = None
    if values["employee_count"] is not None and values["employee_count"] < 0:
        raise CompanyError(_("Antalet anställda kan inte vara negativt."), "employee_count")
    values["sni_codes"] = clean_sni_codes(data.sni_codes)
    values["tags"] = [tag for tag in dict.fromkeys(normalise_tag(t) for t in data.tags) if tag]
    return values


TEXT_AREAS = {"description", "notes"}


def check_choices(values: dict) -> None:
    if values["status"] not in set(CompanyStatus):
        raise CompanyError(_("Välj en status i listan."), field="status")
    if values["size_class"] is not None and values["size_class"] not in SIZE_CLASSES:
        raise CompanyError(_("Välj en storleksklass i listan."), field="size_class")


def clean_postal_code(raw: str | None) -> str | None:
    if raw is None:
        return None
    digits = raw.replace(" ", "")
    if not re.fullmatch(r"[1-9][0-9]{4}", digits):
        raise CompanyError(_("Ett postnummer har fem siffror, till exempel 443 30."), "postal_code")
    return digits


def clean_municipality_code(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not re.fullmatch(r"[0-2][0-9]{3}", raw):
        raise CompanyError(
            _("En kommunkod har fyra siffror, till exempel 1441 för Lerum."), "municipality_code"
        )
    return raw


def clean_website(raw: str | None) -> str | None:
    if raw is None:
        return None
    url = raw if re.match(r"^https?://", raw, re.IGNORECASE) else "https://" + raw
    parts = urlsplit(url)
    if not parts.hostname or "." not in parts.hostname or " " in url:
        raise CompanyError(
            _("Skriv webbadressen som www.exempel.se eller https://www.exempel.se."), "website"
        )
    return url


def clean_sni_codes(raw_codes: list[str]) -> list[str]:
    codes = []
    for raw in raw_codes:
        if not raw.strip():
            continue
        code = normalise_sni_code(raw)
        if code is None or not code.isdigit():
            raise CompanyError(
                _(
                    "%(code)s är ingen SNI 2007-kod. Skriv fem siffror, till exempel 56100.",
                    code=raw.strip()[:20],
                ),
                field="sni_codes",
            )
        if code not in codes:
            codes.append(code)
    return codes


def apply_values(company: Company, values: dict) -> None:
    for name in EDITABLE_COLUMNS:
        setattr(company, name, values[name])
    company.sort_name = name_sort_key(company.name)


def replace_sni_codes(company: Company, codes: list[str]) -> None:
    if company.sni_codes:
        # Delete the old rows first: a flush inserts before it deletes, and (company, position)
        # is unique.
        company.sni_codes = []
        db.session.flush()
    company.sni_codes = [
        CompanySniCode(
            code=code,
            sni_version=SNI_VERSION,
            section=sni_section(code),
            is_primary=position == 0,
            position=position,
        )
        for position, code in enumerate(codes)
    ]


def snapshot(company: Company) -> dict:
    """The audited view of a company: JSON-safe, the personnummer masked."""
    values = {name: getattr(company, name) for name in EDITABLE_COLUMNS}
    for name, value in values.items():
        if isinstance(value, date):
            values[name] = value.isoformat()
    values["org_number"] = org_number_of(company).masked
    values["sni_codes"] = ", ".join(code.code for code in company.sni_codes)
    values["tags"] = ", ".join(tag.name for tag in company.tags)
    return values


# --- Tags --------------------------------------------------------------------------------------


def normalise_tag(raw: str) -> str:
    return " ".join(raw.split()).lower()[:60]


def tags_named(names: list[str]) -> list[Tag]:
    """The tags with these names, created when missing."""
    if not names:
        return []
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
            existing[name] = tag
        tags.append(tag)
    return tags


def all_tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def split_list(text: str | None) -> list[str]:
    """'56100, 56300;  ' -> ['56100', '56300'] (comma, semicolon or new line)."""
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


# --- Contacts ----------------------------------------------------------------------------------


@dataclass
class ContactData:
    name: str
    data_basis: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None


CONTACT_FIELDS = ("name", "role", "email", "phone", "data_basis")
# Shown in the history only as "changed": the history outlives the contact.
PRIVATE_CONTACT_FIELDS = {"email", "phone"}


def clean_contact(data: ContactData) -> dict:
    values = {name: (getattr(data, name) or "").strip() or None for name in CONTACT_FIELDS}
    if not values["name"]:
        raise CompanyError(_("Fyll i kontaktpersonens namn."), field="name")
    if not values["data_basis"]:
        raise CompanyError(
            _("Skriv varför vi behöver spara uppgifterna om personen."), field="data_basis"
        )
    if values["email"]:
        try:
            values["email"] = validate_email(values["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            raise CompanyError(
                _("Skriv en giltig e-postadress, till exempel namn@foretag.se."), field="email"
            ) from None
    if values["phone"]:
        try:
            values["phone"] = normalise_phone(values["phone"])
        except InvalidPhoneNumber as error:
            raise CompanyError(str(error), field="phone") from None
    return values


def contact_changes(before: dict, after: dict) -> dict:
    changes = diff(before, after)
    for name in PRIVATE_CONTACT_FIELDS & set(changes):
        changes[name] = _("ändrad")
    return changes


def add_contact(actor, company: Company, data: ContactData) -> Contact:
    """Add a contact person to a company."""
    values = clean_contact(data)
    contact = Contact(company=company, **values)
    db.session.add(contact)
    db.session.flush()
    changes = contact_changes({}, values)
    record(actor, "contacts.created", company, f"Kontaktperson {contact.name} tillagd", changes)
    return contact


def update_contact(actor, contact: Contact, data: ContactData) -> dict:
    """Save changes to a contact person."""
    before = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    values = clean_contact(data)
    for name, value in values.items():
        setattr(contact, name, value)
    db.session.flush()
    changes = contact_changes(before, values)
    if changes:
        summary = f"Kontaktperson {contact.name} ändrad"
        record(actor, "contacts.updated", contact.company, summary, changes)
    return changes


def delete_contact(actor, contact: Contact) -> None:
    """Remove a contact person (the history keeps only the name)."""
    company = contact.company
    record(actor, "contacts.deleted", company, f"Kontaktperson {contact.name} borttagen")
    db.session.delete(contact)
    db.session.flush()


# --- Merging duplicates ------------------------------------------------------------------------

# Facts the kept company takes over from the duplicate when it has none of its own.
FILLED_FROM_DUPLICATE = (
    "legal_form",
    "street_address",
    "postal_code",
    "town",
    "municipality_code",
    "registered_on",
    "description",
    "website",
    "size_class",
    "employee_count",
    "employee_count_on",
    "employee_count_source",
)


def may_merge(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ADMIN, Role.COORDINATOR))


def merge_companies(actor, keep: Company, duplicate: Company) -> Company:
    """Fold `duplicate` into `keep`: contacts, tags, SNI codes, empty facts and notes move over;
    the duplicate stays (with its history) marked as merged, and its page leads to `keep`."""
    if keep.id == duplicate.id:
        raise CompanyError(_("Ett företag kan inte slås ihop med sig självt."), field="other")
    if keep.is_merged or duplicate.is_merged:
        raise CompanyError(_("Företaget är redan sammanslaget med ett annat."), field="other")
    before = snapshot(keep)
    for contact in list(duplicate.contacts):
        contact.company = keep
    keep.tags = keep.tags + [tag for tag in duplicate.tags if tag not in keep.tags]
    merge_sni_codes(keep, duplicate)
    for name in FILLED_FROM_DUPLICATE:
        if getattr(keep, name) in (None, "") and getattr(duplicate, name) not in (None, ""):
            setattr(keep, name, getattr(duplicate, name))
    if duplicate.notes:
        keep.notes = "\n\n".join(note for note in (keep.notes, duplicate.notes) if note)
    duplicate.merged_into_id = keep.id
    db.session.flush()
    number = org_number_of(duplicate).masked
    changes = diff(before, snapshot(keep))
    record(
        actor,
        "companies.merged",
        keep,
        f"Dubbletten {duplicate.name} ({number}) inlagd här",
        changes,
    )
    record(
        actor,
        "companies.merged_away",
        duplicate,
        f"Sammanslaget med {keep.name} ({org_number_of(keep).masked})",
    )
    return keep


def merge_sni_codes(keep: Company, duplicate: Company) -> None:
    codes = [code.code for code in keep.sni_codes]
    extra = [code.code for code in duplicate.sni_codes if code.code not in codes]
    if extra:
        replace_sni_codes(keep, codes + extra)


def find_merge_candidate(text: str, keep: Company, viewer=None) -> Company | None:
    """The company meant by `text`: an org number, a Lotsen id or a pasted company address.
    A full personnummer is a look-up like a search (look_up_personal_number)."""
    text = (text or "").strip()
    match = re.search(r"/foretag/(\d+)", text) or re.fullmatch(r"#?(\d{1,9})", text)
    if match:
        return db.session.get(Company, int(match.group(1)))
    try:
        number = normalise_org_number(text)
    except InvalidOrgNumber:
        return None
    if number.is_personal:
        look_up_personal_number(viewer, number, "sammanslagning")
    return db.session.scalar(
        select(Company)
        .where(Company.org_number == number.value, Company.id != keep.id)
        .order_by(Company.merged_into_id.is_not(None), Company.registration_suffix)
        .limit(1)
    )


def resolve_merged(company: Company) -> Company:
    """Follow merged_into links to the company that lives on."""
    seen = set()
    while company.merged_into is not None and company.id not in seen:
        seen.add(company.id)
        company = company.merged_into
    return company


def count_companies() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Company).where(Company.merged_into_id.is_(None))
    )
