"""Sync through the real client and the fake tenant on loopback, into PostgreSQL."""

import pytest

from coe_portal.powerplatform.fake.render import custom_host
from inventory.choices import SyncStatus
from inventory.models import App, Connector, ConnectorUsage, Environment, Flow, Maker
from tests.support.tenant import sync_now

pytestmark = pytest.mark.django_db(transaction=True)


def tenant_counts(tenant):
    return {"environments": len(tenant.environments), "apps": len(tenant.apps), "flows": len(tenant.flows)}


def portal_counts():
    live = {"deleted_at__isnull": True}
    return {"environments": Environment.objects.filter(**live).count(), "apps": App.objects.filter(**live).count(),
            "flows": Flow.objects.filter(**live).count()}


class TestFullSync:
    def test_it_mirrors_the_tenant(self, make_tenant):
        tenant, servers = make_tenant()
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert portal_counts() == tenant_counts(tenant)
        assert run.counts["apps"]["created"] == len(tenant.apps)
        assert Environment.objects.get(is_default=True).env_id.startswith("Default-")
        # Flow connectors come from the detail calls; every flow has at least one.
        assert ConnectorUsage.objects.filter(flow__isnull=False).values("flow").distinct().count() == len(tenant.flows)
        assert ConnectorUsage.objects.filter(app__isnull=False).values("app").distinct().count() == len(tenant.apps)
        assert Connector.objects.filter(connector_id="shared_sharepointonline").exists()

    def test_custom_connectors_hosts_come_from_their_definitions(self, make_tenant):
        tenant, servers = make_tenant(environments=12)  # seed 3: four custom connectors in two environments
        sync_now()
        custom = {c.name: c for env in tenant.environments for c in env.custom_connectors}
        stored = dict(Connector.objects.filter(is_custom=True).values_list("connector_id", "host_url"))
        assert custom and {name: stored[name] for name in custom} == {
            name: "{}://{}".format(*custom_host(connector)) for name, connector in custom.items()}

    def test_it_resolves_makers_through_graph(self, make_tenant):
        make_tenant()
        sync_now()
        assert Maker.objects.exclude(department="").exists()
        owners = Maker.objects.filter(apps__isnull=False).distinct()
        assert owners.filter(email="").count() == 0
        # Makers the directory no longer knows: their items are orphaned.
        assert Maker.objects.filter(is_deleted_in_entra=True).exists()

    def test_a_second_sync_creates_no_duplicates(self, make_tenant):
        tenant, _ = make_tenant()
        sync_now()
        run = sync_now("incremental")
        assert portal_counts() == tenant_counts(tenant)
        assert run.counts["apps"]["created"] == 0 and run.counts["flows"]["changed"] == 0


class TestDeletion:
    def test_items_gone_from_a_complete_listing_are_marked_deleted_not_dropped(self, make_tenant):
        tenant, _ = make_tenant()
        sync_now()
        app, flow = tenant.apps[0], tenant.flows[0]
        tenant.remove_app(app.env, app.name)
        tenant.remove_flow(flow.env, flow.name)
        run = sync_now("incremental")
        assert run.status == SyncStatus.COMPLETED
        assert (run.counts["apps"]["deleted"], run.counts["flows"]["deleted"]) == (1, 1)
        gone = App.objects.get(deleted_run=run.pk)
        assert gone.app_id == app.name and gone.deleted_at is not None
        assert Flow.objects.get(deleted_run=run.pk).flow_id == flow.name
        assert portal_counts() == tenant_counts(tenant)

    def test_an_incomplete_listing_deletes_nothing(self, make_tenant, settings):
        settings.POWERPLATFORM_MAX_ATTEMPTS, settings.POWERPLATFORM_BACKOFF_CAP = 3, 0
        tenant, servers = make_tenant()
        sync_now()
        tenant.remove_app(tenant.apps[0].env, tenant.apps[0].name)
        servers.faults.fail_next(r"/apps", status=500, times=50)  # every retry of the app listings fails
        run = sync_now("incremental")
        assert run.status == SyncStatus.COMPLETED_WITH_ERRORS
        assert run.errors and not App.objects.filter(deleted_at__isnull=False).exists()


class TestImportedData:
    def test_a_maker_imported_by_email_is_adopted_not_duplicated(self, make_tenant):
        tenant, _ = make_tenant()
        sync_now()
        synced = App.objects.select_related("owner").get(app_id=tenant.apps[0].name).owner
        Maker.objects.filter(pk=synced.pk).delete()
        imported = Maker.objects.create(email=synced.email.upper(), display_name="From the CoE kit")
        sync_now("incremental")
        assert Maker.objects.filter(email__iexact=synced.email).count() == 1
        imported.refresh_from_db()
        assert str(imported.entra_object_id) == str(synced.entra_object_id)
        assert App.objects.get(app_id=tenant.apps[0].name).owner == imported
