"""A maker exports a legacy package of their own app with chosen import options, downloads it, opens the data plan."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inventory.models import App, Maker
from tests.conftest import PASSWORD
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owned_app(make_synced_tenant, maker):
    make_synced_tenant(seed=5, environments=2, apps=12, flows=6)
    app = App.objects.filter(deleted_at__isnull=True, kind="canvas").order_by("display_name").first()
    Maker.objects.filter(pk=app.owner_id).update(email=maker.email)
    return app


def test_maker_exports_a_package_with_options_and_downloads_it(page, owned_app, celery_worker, tmp_path):
    sign_in(page, "bob", PASSWORD)
    page.goto(f"/inventory/apps/{owned_app.pk}/")
    page.get_by_role("link", name="Export a legacy package").click()
    expect(page.get_by_role("heading", name=f"Export a package: {owned_app.display_name}")).to_be_visible()
    expect(page.get_by_role("heading", name="Recreate by hand in the target")).to_be_visible()
    expect(page.locator(".manual-steps li[data-kind=connection]").first).to_contain_text("Create the connection")
    page.get_by_label(owned_app.display_name, exact=True).select_option("New")
    page.screenshot(path=str(tmp_path / "package-form.png"), full_page=True)
    page.get_by_role("button", name="Export the package").click()
    expect(page.get_by_role("status")).to_contain_text("The export has started")
    expect(page.locator("[data-status=done]")).to_be_visible(timeout=30_000)  # the status card polls itself
    sha = page.locator("#package-sha256").inner_text()
    page.screenshot(path=str(tmp_path / "package-done.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the package (.zip)").click()
    content = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(content).hexdigest() == sha
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))
    assert manifest["importOptions"][owned_app.app_id]["creationType"] == "New"
    page.go_back()
    page.goto(f"/migrations/dataplan/app/{owned_app.pk}/")
    expect(page.get_by_role("heading", name=f"Data migration plan: {owned_app.display_name}")).to_be_visible()
