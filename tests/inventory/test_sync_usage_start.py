"""The Sync page starts usage syncs (admins only, audited) and loads the usage sources' panel."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from inventory.models import SyncRun

pytestmark = pytest.mark.django_db


class TestSyncUsageStart:
    def test_it_offers_both_usage_syncs_and_the_sources_panel(self, admin_client):
        html = admin_client.get(reverse("inventory:sync-list")).content.decode()
        assert "Sync usage now: app launches" in html
        assert "Sync usage now: runs and conversations" in html
        assert reverse("usage:sources") in html

    @pytest.mark.parametrize("kind", ["usage_audit", "usage_runs"])
    def test_it_starts_a_usage_sync_and_audits_it(self, admin_client, django_capture_on_commit_callbacks, kind):
        with django_capture_on_commit_callbacks(execute=False):
            response = admin_client.post(reverse("inventory:sync-start"), {"kind": kind})
        run = SyncRun.objects.get()
        assert run.kind == kind
        assert response["Location"] == reverse("inventory:sync-run", args=[run.pk])
        assert AuditEntry.objects.get(action="sync.start").details == {"kind": kind}

    def test_it_shows_a_running_usage_sync_instead_of_its_button(self, admin_client):
        run = SyncRun.objects.create(kind="usage_runs", status="running")
        html = admin_client.get(reverse("inventory:sync-list")).content.decode()
        assert "Sync usage now: runs and conversations" not in html
        assert reverse("inventory:sync-run", args=[run.pk]) in html
        assert "Sync changes now" in html  # the inventory's own sync is another family

    def test_it_refuses_a_manager(self, client, manager):
        client.force_login(manager)
        assert client.post(reverse("inventory:sync-start"), {"kind": "usage_runs"}).status_code == 403
        assert not SyncRun.objects.exists()
