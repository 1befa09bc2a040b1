"""Every page type fits a 375 px phone screen: no horizontal scroll, nothing cut off.

Also: after a failed submit focus lands on the error summary, and radio buttons and
checkboxes are targets of at least 24 × 24 px (WCAG 2.2 target size, minimum).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from playwright.sync_api import Page, expect

from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.visits import services as visits
from tests.cases.helpers import open_case_directly
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
UNBROKEN = "https://lerum.se/" + "byggochmiljo/" * 12 + "A" * 120
LONG_WORD = "Bygglovsansökningshandlingsförteckningskompletteringsbegäran" * 3


def phone_page(browser) -> Page:
    context = browser.new_context(locale="sv-SE", viewport=PHONE)
    context.set_default_timeout(5_000)
    return context.new_page()


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def widest_elements(page: Page) -> list[str]:
    """The innermost elements reaching past the right edge (to say what to fix)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5
                          && el.closest('.table-scroll, .visually-hidden') === null
                          && ![...el.children].some(
                              c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
            .slice(0, 4)
            .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                       + ' ' + Math.round(el.getBoundingClientRect().right))"""
    )


def seed():
    department = DepartmentFactory(name="Samhällsbyggnadsförvaltningen")
    category = CategoryFactory(name="Bygglov, marklov och rivningslov för verksamhetslokaler")
    everyone = UserFactory(
        name="Karin Lindqvist",
        roles=[Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER, Role.ADMIN],
    )
    everyone.departments.append(department)
    db.session.commit()
    case, token = open_case_directly(
        category,
        subject="Ombyggnad av " + LONG_WORD,
        description=f"Se {UNBROKEN} och {LONG_WORD}. Vad behöver vi söka?",
        company_name="Stenkullens Åkeri och Maskinuthyrning Aktiebolag",
    )
    with current_app.test_request_context():
        case = db.session.get(Case, case.id)
        cases.add_internal_note(case, everyone, f"Kolla {UNBROKEN}", [])
        db.session.commit()
    company = make_company(name="Stenkullens Åkeri och Maskinuthyrning Aktiebolag")
    visit = visits.save_visit(
        None,
        None,
        visits.VisitData(
            company=company,
            starts_at=datetime.now(UTC) - timedelta(days=3),
            purpose="Dialog om " + LONG_WORD,
        ),
    )
    visits.add_follow_up(None, visit, "Skicka " + UNBROKEN, everyone, date.today())
    db.session.commit()
    return everyone, case, token, company, visit


def test_every_page_type_fits_a_375px_screen(app, live_server, browser, browser_login):
    user, case, token, company, visit = seed()
    public_pages = ["/", "/fraga", f"/status/{token}", "/konto/logga-in"]
    official_pages = [
        "/",
        "/arenden/",
        f"/arenden/{case.id}",
        "/arenden/ny",
        "/fordelning/",
        f"/fordelning/arende/{case.id}",
        "/rapporter/",
        "/strategi/oversikt",
        "/foretag/",
        f"/foretag/{company.id}",
        "/besok/",
        f"/besok/{visit.id}",
        "/admin/",
        "/admin/anvandare",
        "/lotsmoten/",
        "/sok/?q=" + LONG_WORD,
        "/svarsmallar/",
        "/svarsmallar/ny",
        "/admin/inkommande-e-post",
    ]
    too_wide = {}
    page = phone_page(browser)
    for path in public_pages:
        page.goto(live_server(path))
        too_wide[path] = (horizontal_overflow(page), widest_elements(page))
    browser_login(page, live_server, user)
    for path in official_pages:
        page.goto(live_server(path))
        too_wide["(inloggad) " + path] = (horizontal_overflow(page), widest_elements(page))
    page.context.close()
    assert {path: found for path, found in too_wide.items() if found[0] > 0} == {}


def test_focus_moves_to_the_error_summary_after_a_failed_submit(app, live_server, browser):
    CategoryFactory(name="Livsmedel och servering")
    page = phone_page(browser)
    page.goto(live_server("/fraga"))
    page.locator("main form [type=submit]").last.click()
    expect(page.locator("#error-summary")).to_be_focused()
    page.context.close()


def test_radio_buttons_and_checkboxes_are_24px_targets(app, live_server, browser):
    CategoryFactory(name="Livsmedel och servering")
    page = phone_page(browser)
    page.goto(live_server("/fraga"))
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
            .filter(el => el.offsetParent !== null)
            .map(el => { const r = el.getBoundingClientRect();
                         return [el.name, Math.round(r.width), Math.round(r.height)]; })"""
    )
    assert sizes, "the form has radio buttons and checkboxes"
    assert [size for size in sizes if size[1] < 24 or size[2] < 24] == []
    page.context.close()
