from sqlalchemy import select

from lotsen.accounts.models import Department, Role
from lotsen.cases.models import Category
from lotsen.extensions import db
from tests.factories import CategoryFactory, DepartmentFactory


def test_departments_are_created_edited_and_listed_with_member_counts(client, login):
    login(Role.ADMIN)
    response = client.submit(
        "/admin/avdelningar/ny",
        {
            "name": "Miljö och hälsa",
            "short_name": "MHS",
            "email": "miljo@kommun.example",
            "active": "y",
        },
    )
    assert response.status_code == 302
    department = db.session.scalar(select(Department).where(Department.name == "Miljö och hälsa"))
    client.submit(
        f"/admin/avdelningar/{department.id}",
        {"name": "Miljö- och hälsoskydd", "short_name": "MHS", "email": ""},
    )
    db.session.expire_all()
    department = db.session.get(Department, department.id)
    assert department.name == "Miljö- och hälsoskydd" and department.active is False
    listing = client.get("/admin/avdelningar").get_data(as_text=True)
    assert "Miljö- och hälsoskydd" in listing and "Inaktiv" in listing
    history = client.get(f"/admin/avdelningar/{department.id}").get_data(as_text=True)
    assert "Miljö och hälsa → Miljö- och hälsoskydd" in history


def test_department_names_are_unique_regardless_of_case(client, login):
    login(Role.ADMIN)
    DepartmentFactory(name="Bygglov")
    page = client.submit("/admin/avdelningar/ny", {"name": "bygglov"}).get_data(as_text=True)
    assert "Det finns redan en avdelning med det namnet." in page
    assert 'value="bygglov"' in page


def test_categories_have_help_text_and_order(client, login):
    login(Role.ADMIN)
    CategoryFactory(name="Övrigt", sort_order=90)
    response = client.submit(
        "/admin/kategorier/ny",
        {
            "name": "Livsmedel och servering",
            "help_text": "Registrering av livsmedelsanläggning.",
            "sort_order": "0",
            "active": "y",
        },
    )
    assert response.status_code == 302
    category = db.session.scalar(select(Category).where(Category.name == "Livsmedel och servering"))
    assert category.sort_order == 0 and category.help_text.startswith("Registrering")
    listing = client.get("/admin/kategorier").get_data(as_text=True)
    assert listing.index("Livsmedel och servering") < listing.index("Övrigt")


def test_category_sort_order_must_be_a_number(client, login):
    login(Role.ADMIN)
    page = client.submit(
        "/admin/kategorier/ny", {"name": "Bygglov", "sort_order": "först"}
    ).get_data(as_text=True)
    assert 'value="Bygglov"' in page
    assert "heltal" in page


def test_settings_are_saved_and_audited(client, login):
    login(Role.ADMIN)
    response = client.submit(
        "/admin/installningar",
        {
            "organisation_name": "Alingsås kommun",
            "team_name": "Företagslotsen",
            "team_email": "foretagslotsen@alingsas.example",
            "team_phone": "0322-61 60 00",
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/installningar").get_data(as_text=True)
    assert 'value="Alingsås kommun"' in page
    log = client.get("/admin/logg").get_data(as_text=True)
    assert "Inställningar ändrade" in log


def test_invalid_settings_keep_the_typed_values(client, login):
    login(Role.ADMIN)
    page = client.submit(
        "/admin/installningar",
        {"organisation_name": "Alingsås kommun", "team_name": "", "team_email": "fel"},
    ).get_data(as_text=True)
    assert 'value="Alingsås kommun"' in page
    assert "Fyll i namnet." in page
