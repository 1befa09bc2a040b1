"""The company list as export rows (lotsen.exports writes them as CSV or XLSX).

Personnummer are masked unless the viewer is an admin.
"""

from collections.abc import Iterable, Iterator

from lotsen.companies.models import Company
from lotsen.companies.services import display_org_number
from lotsen.companies.sni import sni_title

HEADERS = [
    "Organisationsnummer",
    "Namn",
    "Juridisk form",
    "Status",
    "Gatuadress",
    "Postnummer",
    "Postort",
    "Kommunkod",
    "SNI-kod",
    "Bransch",
    "Övriga SNI-koder",
    "Storleksklass",
    "Antal anställda",
    "Registreringsdatum",
    "Taggar",
    "Webbplats",
    "Reklamspärr",
]
STATUS_TEXT = {
    "active": "Aktivt",
    "deregistered": "Avregistrerat",
    "liquidation": "Under avveckling",
}


def company_row(company: Company, viewer) -> list:
    primary = company.primary_sni
    others = [code.code for code in company.sni_codes if not code.is_primary]
    return [
        display_org_number(company, viewer),
        company.name,
        company.legal_form,
        STATUS_TEXT.get(company.status, company.status),
        company.street_address,
        company.postal_code,
        company.town,
        company.municipality_code,
        primary.code if primary else None,
        sni_title(primary.code) if primary else None,
        ", ".join(others) or None,
        company.size_class,
        company.employee_count,
        company.registered_on,
        ", ".join(tag.name for tag in company.tags) or None,
        company.website,
        "ja" if company.advertising_blocked else "nej",
    ]


def export_rows(companies: Iterable[Company], viewer) -> Iterator[list]:
    """The header row, then one row per company (written by lotsen.exports)."""
    yield HEADERS
    for company in companies:
        yield company_row(company, viewer)
