"""The company screens: list and search, company page, forms, merge, exports, masking."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.companies import services
from lotsen.companies.models import Company
from lotsen.extensions import db
from tests.companies.helpers import (
    PERSONAL_DIGITS,
    PERSONAL_MASKED,
    PERSONAL_NUMBER,
    make_company,
    org_number,
)

PERSONAL_FORMS = (PERSONAL_DIGITS, PERSONAL_NUMBER, PERSONAL_DIGITS[2:], "810101-1230")


def assert_no_personnummer(text: str) -> None:
    for form in PERSONAL_FORMS:
        assert form not in text


@pytest.fixture
def sole_trader(app):
    company = make_company(
        org_number=PERSONAL_NUMBER, name="Salong Hårfint", town="Alingsås", sni_codes=["96021"]
    )
    services.add_contact(
        None,
        company,
        services.ContactData(name="Lisa Ek", phone="070-123 45 67", data_basis="Ägare"),
    )
    db.session.commit()
    return company


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/foretag/")
    assert response.status_code == 302
    assert "/konto/logga-in" in response.headers["Location"]


def test_navigation_has_companies_for_officials(client, login):
    login(Role.OFFICIAL)
    assert 'href="/foretag/"' in client.get("/").get_data(as_text=True)


def test_list_masks_personnummer_for_officials_and_shows_it_to_admins(client, login, sole_trader):
    login(Role.OFFICIAL)
    page = client.get("/foretag/").get_data(as_text=True)
    assert "Salong Hårfint" in page and PERSONAL_MASKED in page
    assert_no_personnummer(page)
    assert f"/foretag/{sole_trader.id}" in page
    admin_client = client.application.test_client()
    from tests.factories import TEST_PASSWORD, UserFactory

    admin = UserFactory(roles=[Role.ADMIN])
    admin_client.submit("/konto/logga-in", {"email": admin.email, "password": TEST_PASSWORD})
    assert PERSONAL_NUMBER in admin_client.get("/foretag/").get_data(as_text=True)


def test_search_for_a_personnummer_keeps_it_out_of_the_url(client, login, sole_trader):
    login(Role.OFFICIAL)
    response = client.submit("/foretag/", {"q": PERSONAL_NUMBER, "sort": "name"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert_no_personnummer(location)
    assert "sq=" in location
    page = client.get(location).get_data(as_text=True)
    assert "Salong Hårfint" in page
    # What the official typed stays in the search box, and nowhere else (links, pager, table).
    assert f'name="q" value="{PERSONAL_NUMBER}"' in page
    assert_no_personnummer(page.replace(f'name="q" value="{PERSONAL_NUMBER}"', ""))


def test_personnummer_typed_into_the_url_is_moved_to_the_session(client, login, sole_trader):
    login(Role.OFFICIAL)
    response = client.get(f"/foretag/?q={PERSONAL_DIGITS}")
    assert response.status_code == 302
    assert_no_personnummer(response.headers["Location"])


def test_search_for_a_name_redirects_to_a_plain_url(client, login, sole_trader):
    login(Role.OFFICIAL)
    response = client.submit("/foretag/", {"q": "hårfint", "status": "active"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Salong Hårfint" in page
    assert 'value="hårfint"' in page


def test_unknown_org_number_offers_to_create_it(client, login, app):
    login(Role.OFFICIAL)
    page = client.get("/foretag/?q=556012-5790").get_data(as_text=True)
    assert "Inget företag matchar" in page
    assert "/foretag/ny?orgnr=5560125790" in page
    form = client.get("/foretag/ny?orgnr=5560125790").get_data(as_text=True)
    assert 'value="5560125790"' in form


@pytest.mark.parametrize(
    "query",
    [
        "?after=garbage",
        "?after=WyJ4Il0&sort=registered",
        "?q=" + "x" * 5000,
        "?q=%27%22%3B--&section=%00",
        "?q=((((&sort=town",
        "?sq=unknown",
        "?municipality=abcd&size_class=zzz&tag=nope",
    ],
)
def test_odd_list_arguments_never_fail(client, login, app, query):
    login(Role.OFFICIAL)
    make_company(name="Kafé Lerum")
    assert client.get("/foretag/" + query).status_code == 200


def test_list_page_query_count_does_not_grow_with_companies(client, login, app, count_queries):
    login(Role.OFFICIAL)
    client.get("/foretag/")

    def queries_for_list() -> int:
        with count_queries() as queries:
            assert client.get("/foretag/").status_code == 200
        return len(queries)

    make_company(sni_codes=["56100"], tags=["kafé"])
    few = queries_for_list()
    for number in range(20):
        company = make_company(
            name=f"Företag {number}",
            sni_codes=["56100", "56300"],
            tags=[f"t{number}", "kafé"],
            commit=False,
        )
        services.add_contact(None, company, services.ContactData(name="A", data_basis="x"))
    db.session.commit()
    assert queries_for_list() == few
    # Session user, roles, departments, one navigation-counts query, the page, its SNI codes and
    # tags, and the tag filter's choices.
    assert few <= 9


def test_company_page_shows_facts_codes_contacts_timeline_and_history(client, login, sole_trader):
    login(Role.OFFICIAL)
    page = client.get(f"/foretag/{sole_trader.id}").get_data(as_text=True)
    assert "<h1>Salong Hårfint</h1>" in page
    assert "Hårvård" in page  # SNI title of 96021
    assert "Lisa Ek" in page and "070-123 45 67" in page
    assert "Ärenden och besök visas här" in page
    assert "Ändringshistorik" in page and "Företag Salong Hårfint skapat" in page
    assert PERSONAL_MASKED in page
    assert_no_personnummer(page)


def test_missing_company_is_404(client, login, app):
    login(Role.OFFICIAL)
    assert client.get("/foretag/999999").status_code == 404
    assert client.get("/foretag/999999/andra").status_code == 404


def test_create_company_through_the_form(client, login, app):
    login(Role.OFFICIAL)
    response = client.submit(
        "/foretag/ny",
        {
            "org_number": "556012-5790",
            "name": "Lerums Bygg AB",
            "status": "active",
            "postal_code": "443 30",
            "town": "Lerum",
            "sni_codes": "41200",
            "tags": "bygg",
        },
    )
    assert response.status_code == 302
    company = db.session.scalar(select(Company))
    assert response.headers["Location"].endswith(f"/foretag/{company.id}")
    assert company.postal_code == "44330"


def test_form_errors_are_in_swedish_and_keep_what_was_typed(client, login, app):
    login(Role.OFFICIAL)
    response = client.submit(
        "/foretag/ny",
        {
            "org_number": "556012-5791",
            "name": "Kafé Stinsen",
            "status": "active",
            "postal_code": "443",
            "registered_on": "igår",
            "town": "Floda",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "kontrollsiffran stämmer inte" in page
    assert "ÅÅÅÅ-MM-DD" in page
    assert 'value="556012-5791"' in page and 'value="Kafé Stinsen"' in page
    assert 'value="Floda"' in page and 'value="igår"' in page
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_service_errors_keep_what_was_typed(client, login, app):
    login(Role.OFFICIAL)
    page = client.submit(
        "/foretag/ny",
        {
            "org_number": "556012-5790",
            "name": "Kafé Stinsen",
            "status": "active",
            "postal_code": "443",
            "sni_codes": "56100, 12345",
        },
    ).get_data(as_text=True)
    assert "12345 är ingen SNI 2007-kod" in page or "fem siffror" in page
    assert 'value="56100, 12345"' in page


def test_duplicate_org_number_links_to_the_existing_company(client, login, app):
    existing = make_company(org_number="556012-5790", name="Lerums Bygg AB")
    login(Role.OFFICIAL)
    page = client.submit(
        "/foretag/ny", {"org_number": "5560125790", "name": "Lerums Bygg", "status": "active"}
    ).get_data(as_text=True)
    assert "Organisationsnumret finns redan i Lotsen" in page
    assert f'href="/foretag/{existing.id}"' in page
    assert 'value="Lerums Bygg"' in page


def test_officials_edit_without_seeing_or_changing_the_personnummer(client, login, sole_trader):
    login(Role.OFFICIAL)
    page = client.get(f"/foretag/{sole_trader.id}/andra").get_data(as_text=True)
    assert 'name="org_number"' not in page
    assert PERSONAL_MASKED in page
    assert_no_personnummer(page)
    response = client.submit(
        f"/foretag/{sole_trader.id}/andra",
        {
            "org_number": "5560125790",
            "name": "Salong Hårfint Lerum",
            "status": "active",
            "sni_codes": "96021",
            "town": "Lerum",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    company = db.session.get(Company, sole_trader.id)
    assert company.org_number == PERSONAL_DIGITS
    assert company.name == "Salong Hårfint Lerum"
    assert {"name", "town"} <= set(company.manually_edited_fields)
    history = client.get(f"/foretag/{sole_trader.id}").get_data(as_text=True)
    assert "Salong Hårfint Lerum" in history and "Alingsås" in history


def test_admins_may_correct_the_org_number(client, login, app):
    company = make_company(org_number="556012-5790", name="Lerums Bygg AB")
    login(Role.ADMIN)
    page = client.get(f"/foretag/{company.id}/andra").get_data(as_text=True)
    assert 'value="556012-5790"' in page
    new_number = org_number()
    client.submit(
        f"/foretag/{company.id}/andra",
        {"org_number": new_number, "name": "Lerums Bygg AB", "status": "active"},
    )
    db.session.expire_all()
    assert db.session.get(Company, company.id).org_number == new_number.replace("-", "")


def test_contact_form_validates_and_keeps_input(client, login, sole_trader):
    login(Role.OFFICIAL)
    url = f"/foretag/{sole_trader.id}/kontakter/ny"
    page = client.submit(
        url, {"name": "Per Ek", "email": "per@", "phone": "12", "data_basis": "Ägare"}
    ).get_data(as_text=True)
    assert "giltig e-postadress" in page
    assert 'value="per@"' in page and 'value="Per Ek"' in page
    response = client.submit(
        url,
        {
            "name": "Per Ek",
            "email": "per@exempel.se",
            "phone": "+46 70 765 43 21",
            "data_basis": "Ägare",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/foretag/{sole_trader.id}").get_data(as_text=True)
    assert "070-765 43 21" in page


def test_contact_of_another_company_is_404(client, login, sole_trader):
    other = make_company()
    contact = sole_trader.contacts[0]
    login(Role.OFFICIAL)
    assert client.get(f"/foretag/{other.id}/kontakter/{contact.id}").status_code == 404


def test_contacts_can_be_removed(client, login, sole_trader):
    contact_id = sole_trader.contacts[0].id
    login(Role.OFFICIAL)
    url = f"/foretag/{sole_trader.id}/kontakter/{contact_id}/ta-bort"
    response = client.submit(url, page_url=f"/foretag/{sole_trader.id}/kontakter/{contact_id}")
    assert response.status_code == 302
    assert (
        "Lisa Ek"
        not in client.get(f"/foretag/{sole_trader.id}#contacts")
        .get_data(as_text=True)
        .split("Ändringshistorik")[0]
    )


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.MANAGER])
def test_merge_screen_is_for_admins_and_coordinators(client, login, app, role):
    company = make_company()
    login(role)
    assert client.get(f"/foretag/{company.id}/sammanfoga").status_code == 403
    assert "Slå ihop" not in client.get(f"/foretag/{company.id}").get_data(as_text=True)


def test_coordinator_merges_in_two_steps_and_the_duplicate_leads_to_the_kept(client, login, app):
    keep = make_company(name="Lerums Bygg AB")
    duplicate = make_company(org_number="556012-5790", name="Lerums Bygg", town="Lerum")
    login(Role.COORDINATOR)
    url = f"/foretag/{keep.id}/sammanfoga"
    page = client.submit(url, {"other": "556012-5790"}).get_data(as_text=True)
    assert "Jämförelse" in page and "Lerums Bygg" in page
    assert db.session.get(Company, duplicate.id).merged_into_id is None
    response = client.submit(
        url, {"other": str(duplicate.id), "duplicate_id": str(duplicate.id), "confirm": "1"}
    )
    assert response.status_code == 302
    response = client.get(f"/foretag/{duplicate.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/foretag/{keep.id}")
    db.session.expire_all()
    assert db.session.get(Company, keep.id).town == "Lerum"


def test_merge_with_an_unknown_company_explains(client, login, app):
    keep = make_company()
    login(Role.ADMIN)
    page = client.submit(f"/foretag/{keep.id}/sammanfoga", {"other": "inget"}).get_data(
        as_text=True
    )
    assert "Hittar inget annat företag" in page


# --- Exports ------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_export_of_the_filtered_list(client, login, sole_trader):
    make_company(
        org_number="556012-5790", name='=HYPERLINK("x")', town="Lerum", sni_codes=["41200"]
    )
    make_company(name="Kafé Floda", town="Floda")
    login(Role.OFFICIAL)
    response = client.get("/foretag/export.csv?q=lerum")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:3] == ["Organisationsnummer", "Namn", "Juridisk form"]
    assert rows == [
        [
            "556012-5790",
            '\'=HYPERLINK("x")',
            "",
            "Aktivt",
            "",
            "",
            "Lerum",
            "",
            "41200",
            "Byggande av bostadshus och andra byggnader",
            "",
            "",
            "",
            "",
            "",
            "",
            "nej",
        ]
    ]


def test_exports_mask_personnummer_for_officials(client, login, sole_trader):
    login(Role.OFFICIAL)
    text = client.get("/foretag/export.csv").get_data(as_text=True)
    assert PERSONAL_MASKED in text
    assert_no_personnummer(text)
    response = client.get("/foretag/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][0] == PERSONAL_MASKED
    assert_no_personnummer(str(values))


def test_exports_show_personnummer_to_admins(client, login, sole_trader):
    login(Role.ADMIN)
    assert PERSONAL_NUMBER in client.get("/foretag/export.csv").get_data(as_text=True)


def test_xlsx_export_contents(client, login, app):
    make_company(
        name="Café Ängen",
        town="Alingsås",
        sni_codes=["56100", "56300"],
        tags=["kafé"],
        size_class="1-4",
        employee_count=3,
    )
    login(Role.OFFICIAL)
    response = client.get("/foretag/export.xlsx?tag=kaf%C3%A9")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    header, row = [list(r) for r in sheet.iter_rows(values_only=True)]
    data = dict(zip(header, row, strict=True))
    assert data["Namn"] == "Café Ängen"
    assert data["SNI-kod"] == "56100" and data["Övriga SNI-koder"] == "56300"
    assert data["Bransch"] == "Restaurangverksamhet"
    assert data["Antal anställda"] == 3 and data["Taggar"] == "kafé"


def test_export_of_a_saved_personnummer_search(client, login, sole_trader):
    make_company(name="Annat AB")
    login(Role.OFFICIAL)
    location = client.submit("/foretag/", {"q": PERSONAL_NUMBER}).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    export_url = re.search(r'href="(/foretag/export\.csv[^"]*)"', page).group(1)
    assert_no_personnummer(export_url)
    header, *rows = csv_rows(client.get(export_url.replace("&amp;", "&")))
    assert [row[1] for row in rows] == ["Salong Hårfint"]
