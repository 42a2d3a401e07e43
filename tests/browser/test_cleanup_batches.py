"""Clean-up of many items: a delete-only batch from a CSV of ids, and bulk quarantine/stop from the lists."""

import pytest
from playwright.sync_api import expect

from coe_portal.core.models import JobRun
from inventory.models import App, CleanupCase, Flow
from tests.conftest import PASSWORD
from tests.support.browser import go_to, open_filters, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UNKNOWN = "0badc0de-0000-4000-8000-000000000001"


@pytest.fixture
def synced_tenant(make_synced_tenant):
    return make_synced_tenant(environments=2, apps=6, flows=6)[0]


def csv_file(text):
    return {"name": "leavers.csv", "mimeType": "text/csv", "buffer": text.encode()}


def test_admin_deletes_a_batch_from_a_csv_after_preview_and_typed_count(page, synced_tenant, coe_admin,
                                                                        celery_worker):
    app = App.objects.filter(deleted_at__isnull=True).select_related("environment").first()
    flow = Flow.objects.filter(deleted_at__isnull=True).first()
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Clean-up")
    page.get_by_role("link", name="Delete only, from a CSV of ids…").click()
    # A malformed file is refused whole, naming where.
    page.get_by_label("CSV of ids").set_input_files(csv_file(f"id\n{app.app_id}\nnot-an-id\n"))
    page.get_by_label("Reason for deleting without a backup").fill("Test items of a leaver")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("line 3, column 1 (id)")
    assert not JobRun.objects.exists()
    page.get_by_label("CSV of ids").set_input_files(csv_file(
        f"id,environment id\n{app.app_id},{app.environment.env_id}\n{flow.flow_id},\n{UNKNOWN},\n"))
    page.get_by_label("Reason for deleting without a backup").fill("Test items of a leaver")
    page.get_by_role("button", name="Preview").click()
    summary = page.locator("[data-summary]")
    expect(summary).to_contain_text("2 items will be deleted without a backup.")
    expect(summary).to_contain_text("1 unknown id.")
    expect(page.get_by_role("cell", name=app.display_name)).to_be_visible()
    expect(page.get_by_role("cell", name=UNKNOWN)).to_be_visible()
    page.get_by_label("Type DELETE 2 to delete 2 items").fill("DELETE 3")
    page.get_by_role("button", name="Delete without backup").click()
    expect(page.get_by_role("status")).to_contain_text("Nothing was deleted: type DELETE 2 exactly")
    assert not CleanupCase.objects.exists()
    page.get_by_label("Type DELETE 2 to delete 2 items").fill("DELETE 2")
    page.get_by_role("button", name="Delete without backup").click()
    # The progress bar polls (HTMX) until the job is done; no reload.
    expect(page.locator("[data-status]")).to_have_text("Completed", timeout=60_000)
    expect(page.locator("[data-outcome]")).to_have_text("2 deleted, 0 failed.")
    expect(page.locator("[data-progress]")).to_have_text("2 of 2 items")
    assert synced_tenant.app(app.environment.env_id, app.app_id) is None
    assert synced_tenant.flow(flow.environment.env_id, flow.flow_id) is None


def test_admin_quarantines_checked_apps_and_stops_every_filtered_flow(page, synced_tenant, coe_admin,
                                                                      celery_worker):
    apps = list(App.objects.filter(deleted_at__isnull=True).order_by("display_name")[:2])
    sign_in(page, "alice", PASSWORD)
    go_to(page, "Apps")
    for app in apps:
        page.locator(f'input[name="pk"][value="{app.pk}"]').check()  # names repeat across environments
    page.get_by_label("Quarantine with a grace period").select_option("selected")
    page.get_by_role("button", name="Quarantine and ask the owners").click()
    expect(page.locator("[data-status]")).to_have_text("Completed", timeout=60_000)
    expect(page.locator("[data-progress]")).to_have_text("2 of 2 items")
    expect(page.locator("[data-outcome]")).to_have_text("2 waiting for their owners, 0 failed.")
    assert all(synced_tenant.app(app.environment.env_id, app.app_id).quarantined for app in apps)
    assert set(CleanupCase.objects.values_list("stage", flat=True)) == {"waiting"}

    environment = Flow.objects.filter(deleted_at__isnull=True).first().environment
    flows = list(Flow.objects.filter(deleted_at__isnull=True, environment=environment))
    go_to(page, "Flows")
    open_filters(page)
    page.get_by_role("combobox", name="Environment", exact=True).select_option(str(environment.pk))
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text(f"{len(flows)} result")).to_be_visible()
    page.get_by_label("Stop with a grace period").select_option("all")
    page.get_by_role("button", name="Stop and ask the owners").click()
    expect(page.locator("[data-status]")).to_have_text("Completed", timeout=60_000)
    expect(page.locator("[data-progress]")).to_have_text(f"{len(flows)} of {len(flows)} items")
    assert all(synced_tenant.flow(environment.env_id, flow.flow_id).state == "Stopped" for flow in flows)
    others = Flow.objects.filter(deleted_at__isnull=True).exclude(environment=environment)
    assert all(synced_tenant.flow(f.environment.env_id, f.flow_id).state != "Stopped" for f in others)
    # The clean-up page shows both jobs with their progress.
    go_to(page, "Clean-up")
    expect(page.get_by_role("heading", name="Bulk quarantine and stop")).to_have_count(2)
