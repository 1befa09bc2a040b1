"""The foundation in a real browser: keyboard-only use, language switch and axe-core checks."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from lotsen.accounts.models import Role
from lotsen.admin import services as admin
from lotsen.cases.models import Category
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage, OutboxStatus
from tests.browser.helpers import LOGIN_PATH, focused, tab_to
from tests.factories import TEST_PASSWORD, CategoryFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser


FOCUS_INDICATOR = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const rgb = (colour) => colour.match(/[\\d.]+/g).map(Number);
    const luminance = (colour) => {
        const [r, g, b] = rgb(colour).slice(0, 3).map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    // The outline is drawn around the element, over the background of its surroundings.
    let surround = element.parentElement;
    while (surround && rgb(getComputedStyle(surround).backgroundColor)[3] === 0) {
        surround = surround.parentElement;
    }
    const background = surround ? getComputedStyle(surround).backgroundColor : "rgb(255,255,255)";
    const [light, dark] = [luminance(style.outlineColor), luminance(background)]
        .sort((a, b) => b - a);
    return {
        element: element.outerHTML.slice(0, 80),
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        contrast: (light + 0.05) / (dark + 0.05),
    };
}"""


def assert_focus_visible(page: Page) -> None:
    """The focused element has an outline of at least 2px with 3:1 contrast (WCAG 1.4.11)."""
    indicator = page.evaluate(FOCUS_INDICATOR)
    assert indicator["style"] != "none" and indicator["width"] >= 2, indicator
    assert indicator["contrast"] >= 3, indicator


def make_team():
    """A small but realistic liaison team: departments, categories, officials and history."""
    bygg = DepartmentFactory(name="Bygglov", short_name="BYGG", email="bygglov@kommun.example")
    miljo = DepartmentFactory(name="Miljö och hälsa", short_name="MHS")
    DepartmentFactory(name="Gamla tekniska kontoret", short_name=None, active=False)
    admin_user = UserFactory(name="Alva Admin", roles=[Role.ADMIN, Role.OFFICIAL])
    official = UserFactory(name="Oskar Lindqvist", title="Bygglovshandläggare")
    official.departments = [bygg]
    coordinator = UserFactory(name="Maja Berg", roles=[Role.COORDINATOR, Role.OFFICIAL])
    coordinator.departments = [bygg, miljo]
    UserFactory(name="Karin Ek", title="Näringslivschef", roles=[Role.MANAGER])
    UserFactory(name="Per Sjö", active=False)
    CategoryFactory(name="Bygglov och lokaler")
    CategoryFactory(name="Livsmedel och servering", help_text="Registrering och tillsyn.")
    CategoryFactory(name="Upphandling", active=False)
    admin.save_department(admin_user, bygg, name="Bygglov", short_name="BN", active=True)
    admin.save_category(
        admin_user, None, name="Mark och lokaler", help_text="", sort_order=5, active=True
    )
    admin.save_settings(admin_user, {"team_phone": "0302-52 10 10"})
    db.session.add_all(
        [
            OutboxMessage(
                recipient="oskar.lindqvist@kommun.example",
                subject="Välkommen till Lotsen – välj ditt lösenord",
                body_text="Hej!",
                status=OutboxStatus.FAILED,
                attempts=8,
                last_error="ConnectionRefusedError: [Errno 111] Connection refused",
                created_at=utcnow() - timedelta(hours=3),
            ),
            OutboxMessage(
                recipient="maja.berg@kommun.example",
                subject="Återställ ditt lösenord i Lotsen",
                body_text="Hej!",
                status=OutboxStatus.FAILED,
                attempts=8,
                last_error="SMTPRecipientsRefused: {'maja.berg@kommun.example': (550, b'')}",
            ),
        ]
    )
    db.session.commit()
    return admin_user, coordinator, bygg


def log_in_by_keyboard(page: Page, user) -> None:
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link"), "the skip link is not the first Tab stop"
    expect(page.locator("a.skip-link")).to_be_in_viewport()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert focused(page, "main#main"), "the skip link did not move focus to <main>"

    page.keyboard.press("Tab")
    assert focused(page, "#email")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert focused(page, "#password")
    assert_focus_visible(page)
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Tab")
    assert focused(page, "#remember")
    page.keyboard.press("Tab")
    assert focused(page, "input[type=submit]")
    assert_focus_visible(page)
    page.keyboard.press("Enter")


def log_out_by_keyboard(page: Page) -> None:
    # The page carries the skip link's #main, so Tab starts in <main>: go back to the header.
    tab_to(page, ".user-menu summary", key="Shift+Tab")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("details.user-menu")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    assert focused(page, ".user-menu a[href$='/konto/losenord']")
    page.keyboard.press("Tab")
    assert focused(page, ".user-menu a[href$='/fordelning/franvaro']")
    page.keyboard.press("Tab")
    assert focused(page, ".user-menu button[type=submit]")
    assert_focus_visible(page)
    page.keyboard.press("Space")


def test_log_in_and_out_with_the_keyboard_only(app, live_server, page):
    user = UserFactory(name="Oskar Lindqvist")
    page.goto(live_server(LOGIN_PATH))

    log_in_by_keyboard(page, user)
    # The skip link's #main fragment is carried across the redirect, as browsers do.
    expect(page).to_have_url(re.compile(re.escape(live_server("/")) + "(#main)?$"))
    expect(page.locator("h1")).to_contain_text("Oskar Lindqvist")

    log_out_by_keyboard(page)
    expect(page).to_have_url(live_server(LOGIN_PATH))
    expect(page.locator(".flash-success")).to_have_text("Du är utloggad.")
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link"), "the skip link is not the first Tab stop after log-out"

    page.goto(live_server("/"))
    expect(page).to_have_url(live_server(LOGIN_PATH + "?next=/"))


def switch_language_by_keyboard(page: Page, language: str) -> None:
    tab_to(page, f"button[name=language][value={language}]")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_language_switch_works_by_keyboard(app, live_server, page, axe):
    page.goto(live_server(LOGIN_PATH))
    expect(page.locator("html")).to_have_attribute("lang", "sv")

    switch_language_by_keyboard(page, "en")
    expect(page).to_have_url(live_server(LOGIN_PATH))
    expect(page.locator("h1")).to_have_text("Log in to Lotsen")
    axe(page)

    switch_language_by_keyboard(page, "sv")
    expect(page.locator("h1")).to_have_text("Logga in i Lotsen")


def test_public_pages_have_no_accessibility_violations(app, live_server, page, axe):
    response = page.goto(live_server(LOGIN_PATH))
    # axe runs under the app's real policy (no inline scripts), not a relaxed one.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    axe(page)

    page.locator("#email").fill("inte-en-adress")
    page.locator("#email").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#email")).to_have_value("inte-en-adress")
    axe(page)

    page.goto(live_server("/konto/glomt-losenord"))
    expect(page.locator("h1")).to_have_text("Glömt lösenordet?")
    axe(page)

    response = page.goto(live_server("/finns-inte"))
    assert response.status == 404
    axe(page)


@pytest.mark.parametrize("role", list(Role))
def test_start_page_of_each_role_has_no_accessibility_violations(
    app, live_server, page, axe, browser_login, role
):
    department = DepartmentFactory(name="Bygglov")
    user = UserFactory(name="Maja Berg", title="Handläggare", roles=[role])
    user.departments = [department]
    db.session.commit()

    browser_login(page, live_server, user)
    expect(page.locator("h1")).to_have_text("Välkommen, Maja Berg")
    axe(page)


def test_change_password_page_has_no_accessibility_violations(
    app, live_server, page, axe, browser_login
):
    browser_login(page, live_server, UserFactory())
    page.goto(live_server("/konto/losenord"))
    axe(page)

    page.locator("#current_password").fill("fel")
    page.locator("#current_password").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page)


def test_admin_pages_have_no_accessibility_violations(app, live_server, page, axe, browser_login):
    admin_user, other, department = make_team()
    category = CategoryFactory(name="Livsmedel", help_text="Frågor om livsmedelsanläggningar.")
    browser_login(page, live_server, admin_user)

    for path, heading in [
        ("/admin/", "Administration"),
        ("/admin/anvandare", "Användare"),
        ("/admin/anvandare?status=all&sort=created", "Användare"),
        ("/admin/anvandare/ny", "Nytt konto"),
        (f"/admin/anvandare/{other.id}", "Maja Berg"),
        ("/admin/avdelningar", "Avdelningar"),
        ("/admin/avdelningar/ny", "Ny avdelning"),
        (f"/admin/avdelningar/{department.id}", "Bygglov"),
        ("/admin/kategorier", "Ärendekategorier"),
        ("/admin/kategorier/ny", "Ny kategori"),
        (f"/admin/kategorier/{category.id}", "Livsmedel"),
        ("/admin/installningar", "Inställningar"),
        ("/admin/logg", "Händelselogg"),
        ("/admin/e-post", "E-postkö"),
        ("/admin/finns-inte", "Sidan finns inte"),
    ]:
        page.goto(live_server(path))
        expect(page.locator("h1")).to_have_text(heading)
        axe(page)

    page.goto(live_server("/admin/anvandare/ny"))
    page.locator("#name").fill("Ny Person")
    page.locator("#name").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Ny Person")
    axe(page)


def test_admin_pages_reflow_on_a_narrow_screen(app, live_server, page, axe, browser_login):
    """WCAG 1.4.10: at 320 CSS px only a wide table may scroll sideways, never the whole page."""
    admin_user, other, _department = make_team()
    browser_login(page, live_server, admin_user)
    page.set_viewport_size({"width": 320, "height": 640})

    for path in [
        "/admin/anvandare",
        f"/admin/anvandare/{other.id}",
        "/admin/avdelningar",
        "/admin/kategorier",
        "/admin/logg",
        "/admin/e-post",
    ]:
        page.goto(live_server(path))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
        axe(page)


def test_every_tab_stop_shows_a_visible_focus_indicator(app, live_server, page, browser_login):
    admin_user, other, _department = make_team()
    browser_login(page, live_server, admin_user)
    page.goto(live_server(f"/admin/anvandare/{other.id}"))

    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        if focused(page, "body") or (seen and focused(page, "a.skip-link")):
            break
        assert_focus_visible(page)
        seen.append(page.evaluate("document.activeElement.outerHTML.slice(0, 60)"))
    assert len(seen) > 20, seen  # header, sidebar, form fields, buttons and footer were reached


def test_axe_check_reports_violations_with_their_rule_and_target(page, axe):
    page.set_content(
        '<!doctype html><html lang="sv"><head><title>Prov</title></head><body>'
        '<h1>Prov</h1><p style="color:#bbb">Svag text</p><input id="namnlos" type="text">'
        "</body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        axe(page)
    message = str(failure.value)
    assert "color-contrast" in message and "label" in message  # WCAG 2 AA and A
    assert "landmark-one-main" in message  # best practice
    assert "#namnlos" in message


def test_admin_sets_a_categorys_service_targets(app, live_server, page, axe, browser_login):
    category = CategoryFactory(name="Serveringstillstånd")
    browser_login(page, live_server, UserFactory(roles=[Role.ADMIN]))
    page.goto(live_server(f"/admin/kategorier/{category.id}"))

    page.get_by_label("Första svar inom (arbetstimmar)").fill("40")
    page.get_by_label("Färdigt svar inom (arbetsdagar)").fill("2")
    page.get_by_role("button", name="Spara").click()

    errors = page.locator("#target_first_response_hours-errors")
    expect(errors).to_contain_text("Första svar kan inte utlovas senare än ett färdigt svar")
    expect(page.get_by_label("Första svar inom (arbetstimmar)")).to_have_value("40")
    axe(page)
    page.get_by_label("Första svar inom (arbetstimmar)").fill("4")
    page.get_by_role("button", name="Spara").click()

    expect(page.get_by_text("Kategorin är sparad.")).to_be_visible()
    expect(
        page.get_by_text("Första svar inom 4 arbetstimmar, färdigt svar inom 2 arbetsdagar")
    ).to_be_visible()
    axe(page)
    db.session.rollback()  # end this thread's read transaction to see the server's write
    saved = db.session.get(Category, category.id)
    assert (saved.target_first_response_hours, saved.target_resolution_days) == (4, 2)
