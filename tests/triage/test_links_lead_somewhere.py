"""Every link on the triage pages leads somewhere the viewer may go (no link to a 403).

The administrator distributes cases but does not read them (lotsen.cases.access): the queue
shows them the case number without a link to the case page.
"""

import re
from datetime import UTC, date, datetime

import pytest

from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.visits import services as visits
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, UserFactory
from tests.triage.helpers import new_case

HREF = re.compile(r'href="(/[^"#]*)')


def internal_links(html: str) -> set[str]:
    return {
        link.replace("&amp;", "&")
        for link in HREF.findall(html)
        if not link.startswith(("/static/", "/konto/logga-ut"))
    }


def broken_links(client, url: str) -> dict[str, int]:
    page = client.get(url)
    assert page.status_code == 200, url
    statuses = {link: client.get(link).status_code for link in internal_links(page.text)}
    return {link: status for link, status in statuses.items() if status in (403, 404, 500)}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
def test_the_triage_queue_links_only_to_pages_the_viewer_may_open(client, login, role):
    case = new_case(CategoryFactory(name="Livsmedel och servering"))
    login(role)

    assert broken_links(client, "/fordelning/") == {}
    assert broken_links(client, f"/fordelning/arende/{case.id}") == {}
    queue = client.get("/fordelning/").text
    assert case.number in queue
    assert (f'href="/arenden/{case.id}"' in queue) is (role == Role.COORDINATOR)


def test_an_admin_sees_a_follow_up_case_number_without_a_dead_link(client, login):
    owner = UserFactory()
    company = make_company(name="Floda Trä AB")
    visit = visits.save_visit(
        None,
        None,
        visits.VisitData(
            company=company, starts_at=datetime(2026, 6, 1, 8, tzinfo=UTC), purpose="Besök"
        ),
    )
    follow_up = visits.add_follow_up(None, visit, "Hitta lokal", owner, date(2026, 7, 1))
    db.session.commit()
    case = new_case(CategoryFactory())
    follow_up.case_id = case.id
    db.session.commit()
    login(Role.ADMIN)

    page = client.get(f"/besok/{visit.id}").text
    assert case.number in page and f'href="/arenden/{case.id}"' not in page
