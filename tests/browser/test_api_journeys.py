"""A maker makes an API token in the browser, uses it from a script, reads the API docs, and revokes it."""

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_maker_makes_a_token_uses_it_and_revokes_it(page, maker, live_server):
    sign_in(page, "bob", PASSWORD)
    page.goto("/me/")
    page.get_by_role("link", name="API token").click()
    page.get_by_label("What the token is for").fill("my report")
    page.get_by_role("button", name="Make token").click()
    key = page.get_by_label("New token").input_value()
    url = f"{live_server.url}/api/inventory/apps/"
    assert requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 200

    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Revoked")).to_be_visible()
    assert requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 401


def test_the_api_docs_render_under_the_content_security_policy(page, maker):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/api/docs/")
    expect(page.get_by_text("CoE Portal API").first).to_be_visible()
    expect(page.get_by_text("/api/inventory/apps/").first).to_be_visible()
    assert not [error for error in errors if "Content Security Policy" in error]
