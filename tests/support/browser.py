"""Headless Chromium through Playwright, for the user journeys."""

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",  # the closed network refuses Chromium's own calls
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path():
    path = os.getenv("CHROMIUM_PATH", "/usr/bin/chromium")
    return path if os.path.exists(path) else shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        message = "Chromium not found: install it (apt-get install chromium) or set CHROMIUM_PATH"
        if os.getenv("CI", "").lower() == "true":
            pytest.fail(message)  # under CI a skipped browser test would hide a missing install
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # Chromium does not know the stand-in identity provider's test CA; the portal's own calls
    # to it verify the certificate through ENTRA_CA_BUNDLE.
    context = browser.new_context(base_url=live_server.url, ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username, password):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def go_to(page, link):
    """Open a page from the main menu as a person does: open the link's group first when it is in one."""
    nav = page.get_by_role("navigation", name="Main")
    target = nav.get_by_role("link", name=link, exact=True)
    if not target.is_visible():
        hidden = page.get_by_role("link", name=link, exact=True, include_hidden=True)
        nav.locator("li.menu").filter(has=hidden).locator("summary").click()
    target.click()


def open_filters(page):
    """Unfold a list's filters (they sit folded above the results, their summary naming those applied)."""
    page.locator("details.filter-panel > summary").click()
