"""The case page and the company page cost the same number of SQL statements however much a case
or a company holds: every relation is loaded in a fixed number of queries (no N+1), and users met
on the page (leads, authors, contributors) do not each cost their roles and departments."""

import re
from datetime import timedelta

from flask import current_app

from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.models import Case, CaseStatus
from lotsen.cases.workflow import change_status
from lotsen.extensions import db
from lotsen.team import contributions
from lotsen.timekeeping.calendar import local_today
from tests.cases.helpers import open_case_directly
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.team.helpers import led_case, make_team


def statements_for(client, count_queries, path: str) -> tuple[int, str]:
    with count_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries), response.get_data(as_text=True)


def official_in(department, name: str):
    user = UserFactory(name=name, roles=[Role.OFFICIAL])
    user.departments.append(department)
    db.session.commit()
    return user


def quiet_case(team_) -> Case:
    """A case with two contributions not yet answered, asked by its lead, and two messages
    from the company."""
    case = led_case(team_, subject="Ärende med 2 delsvar")
    today = local_today()
    with current_app.test_request_context():
        for number, department in enumerate((team_.building, team_.environment)):
            contributor = official_in(department, f"Delsvarare 2-{number}")
            contributions.request_contribution(
                team_.lead, case, contributor, f"Fråga {number}?", today + timedelta(days=7)
            )
        cases.add_message(case, None, cases.SUBMITTER, "Vi har skickat ritningarna nu.", [])
        db.session.commit()
    return case


def busy_case(team_, size: int = 20) -> Case:
    """A case with `size` contributions from as many officials (half of them answered),
    `size` internal notes by as many colleagues, a reply and status changes: `size` + 2
    messages and about 3 × `size` events by 2 × `size` + 1 different people."""
    case = led_case(team_, subject=f"Ärende med {size} delsvar")
    today = local_today()
    with current_app.test_request_context():
        for number in range(size):
            department = team_.building if number % 2 else team_.environment
            contributor = official_in(department, f"Delsvarare {size}-{number}")
            contribution = contributions.request_contribution(
                team_.lead, case, contributor, f"Fråga {number}?", today + timedelta(days=7)
            )
            if number % 2:
                contributions.complete_contribution(contributor, contribution, f"Svar {number}.")
            colleague = official_in(team_.business, f"Kollega {number}")
            cases.add_internal_note(case, colleague, f"Anteckning {number} om ärendet.")
        cases.post_public_reply(case, team_.lead, "Vi tittar på frågan.", (), CaseStatus.WAITING)
        change_status(case, CaseStatus.IN_PROGRESS, team_.lead)
        db.session.commit()
    return case


def test_case_page_statements_do_not_grow_with_events_messages_and_contributions(
    app, client, login, count_queries
):
    team_ = make_team()
    small, large = quiet_case(team_), busy_case(team_)
    login(user=team_.lead)
    client.get(f"/arenden/{small.id}")  # warm-up: caches filled once per process

    few, small_page = statements_for(client, count_queries, f"/arenden/{small.id}")
    many, large_page = statements_for(client, count_queries, f"/arenden/{large.id}")

    assert many == few
    assert "Delsvarare 20-19" in large_page and "Anteckning 19 om ärendet." in large_page
    assert large_page.count('class="badge contribution-') == 20
    assert small_page.count('class="badge contribution-') == 2


def test_case_page_statements_are_the_same_for_a_coordinator(app, client, login, count_queries):
    team_ = make_team()
    small, large = quiet_case(team_), busy_case(team_)
    login(user=team_.coordinator)
    client.get(f"/arenden/{small.id}")

    few, _page = statements_for(client, count_queries, f"/arenden/{small.id}")
    many, _page = statements_for(client, count_queries, f"/arenden/{large.id}")

    assert many == few


def company_with_cases(count: int, name: str):
    """A company with `count` cases, each led by a different official (one has no lead)."""
    company = make_company(name=name)
    category = CategoryFactory()
    department = DepartmentFactory()
    for number in range(count):
        case, _token = open_case_directly(
            category,
            org_number=company.org_number,
            company_name=company.name,
            subject=f"{name}: fråga {number}",
        )
        if number:
            case = db.session.get(Case, case.id)
            case.lead_id = official_in(department, f"Lots {name} {number}").id
            db.session.commit()
    return company


def test_company_page_statements_do_not_grow_with_its_cases(app, client, login, count_queries):
    one = company_with_cases(1, "Ettans Bygg AB")
    fifteen = company_with_cases(15, "Femtons Café AB")
    login(Role.OFFICIAL)
    client.get(f"/foretag/{one.id}")

    few, one_page = statements_for(client, count_queries, f"/foretag/{one.id}")
    many, fifteen_page = statements_for(client, count_queries, f"/foretag/{fifteen.id}")

    assert many == few
    assert "Ärenden (1)" in one_page and "Ärenden (15)" in fifteen_page
    assert fifteen_page.count("Femtons Café AB: fråga") == 15
    assert "Lots Femtons Café AB 14" in fifteen_page


def test_company_page_lists_its_cases_newest_first_twenty_at_a_time(app, client, login):
    company = company_with_cases(23, "Tjugotre Åkeri AB")
    other = company_with_cases(1, "Annat Företag AB")
    login(Role.OFFICIAL)

    first = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    numbers = re.findall(r"Tjugotre Åkeri AB: fråga (\d+)", first)
    assert numbers == [str(n) for n in range(22, 2, -1)]
    assert "Ärenden (23)" in first and "Annat Företag AB" not in first
    next_page = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")

    second = client.get(next_page).get_data(as_text=True)
    assert re.findall(r"Tjugotre Åkeri AB: fråga (\d+)", second) == ["2", "1", "0"]
    assert 'rel="next"' not in second
    assert other.id != company.id


def test_company_page_without_cases_says_where_they_will_appear(app, client, login):
    company = make_company(name="Tomma Bolaget AB")
    login(Role.OFFICIAL)
    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Ärenden och besök visas här" in page
    assert 'id="company-cases-heading"' not in page


def test_company_cases_are_shown_only_to_those_who_read_the_case_register(app, client, login):
    company = company_with_cases(2, "Registrets AB")
    login(Role.ADMIN)
    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Registrets AB: fråga" not in page
