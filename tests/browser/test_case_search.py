"""The case search in a real browser: type words, open a hit; similar cases on the case page;
the pages pass axe-core."""

import pytest
from playwright.sync_api import expect

from lotsen.accounts.models import Role
from tests.factories import UserFactory
from tests.search.helpers import a_case, answered

pytestmark = pytest.mark.browser


def test_an_official_searches_a_word_from_a_message_and_opens_the_case(
    app, live_server, page, axe, browser_login
):
    coordinator = UserFactory(roles=[Role.COORDINATOR], name="Karin Lindqvist")
    earlier = a_case(subject="Uteservering vid Torget",
                     question="Vi vill ha uteservering med ventilationen mot gatan.")  # fmt: skip
    answered(earlier, coordinator, "Ni behöver markupplåtelse från Trafik och gata.")
    current = a_case(subject="Uteservering", question="Uteservering vid torget i sommar?")
    browser_login(page, live_server, coordinator)
    page.goto(live_server("/"))
    page.locator(".main-nav").get_by_role("link", name="Sök", exact=True).click()
    expect(page.locator("h1")).to_have_text("Sök i ärenden")
    axe(page)
    page.get_by_label("Sökord").fill("ventilation")
    page.get_by_label("Sökord").press("Enter")
    hit = page.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("ventilationen")
    axe(page)
    hit.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(earlier.number)
    page.goto(live_server(f"/arenden/{current.id}"))
    similar = page.locator("section[aria-labelledby=similar-heading]")
    expect(similar.get_by_role("link")).to_have_text(f"{earlier.number}: {earlier.subject}")
    expect(similar).to_contain_text("markupplåtelse")
    axe(page)
    page.goto(live_server("/sok/?q=finnsinte&status=bogus"))
    expect(page.locator(".field-errors")).to_contain_text("Välj ett av alternativen")
    expect(page.get_by_label("Sökord")).to_have_value("finnsinte")
    axe(page)
