"""Helpers for browser tests: logging in and moving through a page by keyboard."""

from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD

LOGIN_PATH = "/konto/logga-in"


def browser_login(page: Page, live_server, user, password: str = TEST_PASSWORD) -> None:
    """Log `user` in through the real login form and wait for the start page."""
    page.goto(live_server.url + LOGIN_PATH)
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    expect(page.locator(".user-menu summary")).to_have_text(user.name)


def focused(page: Page, selector: str) -> bool:
    """Whether the element that has keyboard focus matches `selector`."""
    return page.evaluate("s => document.activeElement?.matches(s) ?? false", selector)


def tab_to(page: Page, selector: str, max_presses: int = 40, key: str = "Tab") -> None:
    """Press Tab until the focused element matches `selector`; fail if it is never reached."""
    for _ in range(max_presses):
        page.keyboard.press(key)
        if focused(page, selector):
            return
    raise AssertionError(f"{selector!r} was not reached within {max_presses} presses of {key}")
