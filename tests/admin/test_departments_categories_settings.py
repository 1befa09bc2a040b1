import pytest
from sqlalchemy import select

from lotsen.accounts.models import Department, Role
from lotsen.cases.models import Category
from lotsen.extensions import db
from tests.cases.helpers import mails_to, open_case_directly, submit_question
from tests.factories import CategoryFactory, DepartmentFactory
from tests.timekeeping.helpers import local, stored_figures


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
            "target_first_response_hours": "8",
            "target_resolution_days": "10",
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


TARGETS = {"target_first_response_hours": "8", "target_resolution_days": "10"}


def category_form(category, **changes) -> dict:
    data = {
        "name": category.name,
        "help_text": category.help_text or "",
        "sort_order": str(category.sort_order),
        "target_first_response_hours": str(category.target_first_response_hours),
        "target_resolution_days": str(category.target_resolution_days),
        "active": "y",
    }
    data.update(changes)
    return data


def test_category_targets_are_set_shown_and_audited(client, login):
    login(Role.ADMIN)
    category = CategoryFactory(name="Serveringstillstånd")
    form = client.get(f"/admin/kategorier/{category.id}").get_data(as_text=True)
    assert "Första svar inom (arbetstimmar)" in form
    assert "Färdigt svar inom (arbetsdagar)" in form

    response = client.submit(
        f"/admin/kategorier/{category.id}",
        category_form(category, target_first_response_hours="4", target_resolution_days="5"),
    )

    assert response.status_code == 302
    db.session.expire_all()
    category = db.session.get(Category, category.id)
    assert (category.target_first_response_hours, category.target_resolution_days) == (4, 5)
    listing = client.get("/admin/kategorier").get_data(as_text=True)
    assert "Första svar inom 4 arbetstimmar, färdigt svar inom 5 arbetsdagar" in listing
    history = client.get(f"/admin/kategorier/{category.id}").get_data(as_text=True)
    assert "8 → 4" in history and "10 → 5" in history


@pytest.mark.parametrize(
    ("hours", "days", "message"),
    [
        ("", "10", "Ange ett heltal."),
        ("åtta", "10", "Skriv ett heltal, till exempel 12."),
        ("0", "10", "Ange ett antal arbetstimmar mellan 1 och 400."),
        ("8", "0", "Ange ett antal arbetsdagar mellan 1 och 250."),
        ("8", "9999", "Ange ett antal arbetsdagar mellan 1 och 250."),
        ("40", "2", "Första svar kan inte utlovas senare än ett färdigt svar"),
    ],
)
def test_category_targets_are_validated_in_swedish_keeping_the_typed_values(
    client, login, hours, days, message
):
    login(Role.ADMIN)
    category = CategoryFactory(name="Bygglov", target_first_response_hours=8)

    page = client.submit(
        f"/admin/kategorier/{category.id}",
        category_form(category, target_first_response_hours=hours, target_resolution_days=days),
    ).get_data(as_text=True)

    assert message in page
    assert f'value="{hours}"' in page or (hours == "" and "target_first_response_hours" in page)
    assert f'value="{days}"' in page
    db.session.expire_all()
    assert db.session.get(Category, category.id).target_first_response_hours == 8


def test_changing_a_categorys_targets_recomputes_its_cases(client, login):
    category, other = CategoryFactory(name="Mark"), CategoryFactory(name="Övrigt")
    case, _token = open_case_directly(category, received_at=local(2026, 3, 2, 9))
    untouched, _token = open_case_directly(other, received_at=local(2026, 3, 2, 9))
    before = stored_figures(case).resolution_target_minutes
    assert stored_figures(case).resolution_due_at > local(2026, 3, 13, 0)
    other_before = stored_figures(untouched).resolution_target_minutes
    login(Role.ADMIN)

    page = client.submit(
        f"/admin/kategorier/{category.id}",
        category_form(category, target_resolution_days="5"),
        follow_redirects=True,
    ).get_data(as_text=True)

    db.session.expire_all()
    figures = stored_figures(case)
    assert 0 < figures.resolution_target_minutes < before  # 5 working days instead of 10
    assert figures.resolution_due_at < local(2026, 3, 10, 0)  # Monday + 5 working days
    assert stored_figures(untouched).resolution_target_minutes == other_before
    assert "tiderna för 1 ärenden är omräknade" in page


def test_above_the_limit_finished_cases_are_left_for_the_command(app, client, login):
    app.config["CALENDAR_RECOMPUTE_LIMIT"] = 1
    category = CategoryFactory(name="Mark")
    finished, _token = open_case_directly(category, received_at=local(2026, 3, 2, 9))
    db.session.get(type(finished), finished.id).status = "closed"
    open_case_directly(category, received_at=local(2026, 3, 3, 9))
    db.session.commit()
    before = stored_figures(finished).resolution_target_minutes
    login(Role.ADMIN)

    page = client.submit(
        f"/admin/kategorier/{category.id}",
        category_form(category, target_resolution_days="5"),
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "tiderna för 1 ärenden är omräknade" in page
    assert "1 avslutade ärenden får nya tider först när kommandot" in page
    db.session.expire_all()
    assert stored_figures(finished).resolution_target_minutes == before


def test_the_receipt_page_and_mail_promise_the_categorys_targets(app, client, login):
    category = CategoryFactory(name="Mark & lokaler")
    login(Role.ADMIN)
    client.submit(
        f"/admin/kategorier/{category.id}",
        category_form(category, target_first_response_hours="1", target_resolution_days="3"),
    )
    client.post("/logga-ut", data={"csrf_token": client.csrf_token("/")})

    submit_question(client, category)

    page = client.get("/fraga/tack").get_data(as_text=True)
    assert (
        "vi siktar på att svara dig inom 1 arbetstimme och att ärendet är löst inom 3 arbetsdagar"
    ) in page
    [receipt] = mails_to("lina@solrosen.example")
    # The stored body is the mail's Markdown source; the business owner reads its plain part.
    from lotsen.mail.rendering import html_to_text, markdown_to_html

    text = html_to_text(markdown_to_html(receipt.body_text))
    assert (
        "Vår servicegaranti för Mark & lokaler: vi siktar på att svara dig inom 1 arbetstimme"
        in text
    )
    assert "löst inom 3 arbetsdagar." in text
