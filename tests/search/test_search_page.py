"""The search page (/sok) and the similar cases on a case page, through the web."""

import re

from lotsen.accounts.models import Role
from lotsen.extensions import db
from tests.factories import DepartmentFactory, UserFactory
from tests.search.helpers import a_case, answered, coordinator


def test_the_search_page_finds_a_word_and_links_the_case(client, login):
    case = a_case(subject="Fettavskiljare", question="Behöver restaurangen en fettavskiljare?")
    login(Role.COORDINATOR)
    page = client.get("/sok/?q=fettavskiljaren").get_data(as_text=True)
    assert f'href="/arenden/{case.id}"' in page
    assert "<mark>Fettavskiljare</mark>" in page


def test_the_search_page_without_words_and_without_hits(client, login):
    login(Role.OFFICIAL)
    assert "Skriv ett eller flera ord" in client.get("/sok/").get_data(as_text=True)
    page = client.get("/sok/?q=finnsinte").get_data(as_text=True)
    assert "Inga ärenden som du har tillgång till" in page


def test_a_snippet_never_shows_a_case_the_official_may_not_open(client, login):
    own, other = DepartmentFactory(), DepartmentFactory()
    official = UserFactory(roles=[Role.OFFICIAL])
    official.departments = [own]
    case = a_case(subject="Ombyggnad", question="Hemlig detalj: källarvåningen.")
    case.department_id = other.id
    db.session.commit()
    login(user=official)
    page = client.get("/sok/?q=källarvåningen").get_data(as_text=True)
    assert case.number not in page
    assert "källarvåning" not in page.replace("q=källarvåningen", "").split('value="')[0]
    assert "<mark>" not in page


def test_a_script_in_a_message_is_shown_as_text(client, login):
    a_case(subject="Hemsida", question="<script>alert('x')</script> gällande skyltning")
    login(Role.COORDINATOR)
    page = client.get("/sok/?q=skyltning").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_bad_filter_values_are_form_errors_not_failures(client, login):
    login(Role.COORDINATOR)
    hostile = ["q=a&status=bogus", "q=a&category=x9", "q=a&received_from=2024-13-45"]
    hostile += ["q=a&after=-5", "q=" + "x" * 500, "q=a&sort=evil", "q=a&lead=99999999999999"]
    for query in hostile:
        response = client.get("/sok/?" + query)
        assert response.status_code == 200, query
    page = client.get("/sok/?q=a&status=bogus").get_data(as_text=True)
    assert "Välj ett av alternativen i listan." in page
    page = client.get("/sok/?q=" + "x" * 500).get_data(as_text=True)
    assert "Skriv högst 200 tecken." in page


def test_a_personal_number_is_not_searched_here(client, login):
    login(Role.COORDINATOR)
    page = client.get("/sok/?q=19811218-9876").get_data(as_text=True)
    assert "Sök inte på personnummer här" in page


def test_only_officials_coordinators_and_managers_search(client, login):
    login(Role.ADMIN)
    assert client.get("/sok/?q=x").status_code == 403


def test_the_case_page_shows_similar_answered_cases_with_their_answer(client, login):
    official = coordinator()
    earlier = a_case(subject="Uteservering på trottoaren",
                     question="Får vi ställa bord för uteservering på trottoaren?")  # fmt: skip
    answered(earlier, official, "Ja, med polisens tillstånd och markupplåtelse från kommunen.")
    unanswered = a_case(subject="Uteservering", question="Uteservering på torget?")
    a_case(subject="Bygglov", question="Bygglov för garage.")
    current = a_case(subject="Uteservering", question="Vi vill ha uteservering vid trottoaren.")
    login(user=official)
    page = client.get(f"/arenden/{current.id}").get_data(as_text=True)
    section = page.split('id="similar-heading"')[1].split("</section>")[0]
    assert f'href="/arenden/{earlier.id}"' in section
    assert "markupplåtelse" in section
    assert f'href="/arenden/{unanswered.id}"' not in section
    assert f'href="/arenden/{current.id}"' not in section


def test_similar_cases_have_an_empty_state(client, login):
    case = a_case(subject="Ensamt ärende", question="Helt unik fråga om zeppelinare.")
    login(Role.COORDINATOR)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Inga liknande besvarade ärenden hittades." in page


def test_similar_cases_respect_access(client, login):
    own, other = DepartmentFactory(), DepartmentFactory()
    lead = UserFactory(roles=[Role.OFFICIAL])
    lead.departments = [own]
    db.session.commit()
    hidden = a_case(subject="Uteservering", question="Uteservering vid hamnen?")
    answered(hidden, coordinator(), "Svar om hamnen.")
    hidden.department_id = other.id
    current = a_case(subject="Uteservering", question="Uteservering vid hamnen?", lead=lead)
    db.session.commit()
    login(user=lead)
    page = client.get(f"/arenden/{current.id}").get_data(as_text=True)
    assert not re.search(rf'href="/arenden/{hidden.id}"', page)
    assert "Svar om hamnen" not in page
