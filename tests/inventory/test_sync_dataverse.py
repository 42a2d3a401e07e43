"""Copilot Studio bots and Power Pages sites, read from each environment's Dataverse org."""

import uuid

import pytest

from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import PowerPlatformError
from coe_portal.powerplatform.fake.model import DataverseRow
from inventory.choices import SyncStatus
from inventory.models import Bot, Connector, Environment, PagesSite
from tests.inventory.test_sync_faults import wait_finished
from tests.support.tenant import sync_now

pytestmark = pytest.mark.django_db(transaction=True)


def live_rows(tenant, table):
    return {row.row_id: row for env in tenant.environments for row in env.tables.get(table, []) if not row.removed}


def dataverse_env(tenant):
    return next(env for env in tenant.environments if env.dataverse and env.tables.get("bots"))


class TestBotsAndSites:
    def test_a_full_sync_lists_every_orgs_bots_and_sites(self, make_tenant):
        tenant, servers = make_tenant(environments=8, apps=40, flows=60, seed=5)
        bots, sites = live_rows(tenant, "bots"), live_rows(tenant, "powerpagesites")
        assert bots and sites, "the generated tenant should have both"
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert set(Bot.objects.values_list("bot_id", flat=True)) == set(bots)
        assert set(PagesSite.objects.values_list("site_id", flat=True)) == set(sites)
        assert run.counts["bots"]["created"] == len(bots) and run.counts["sites"]["created"] == len(sites)
        bot = Bot.objects.select_related("owner", "environment").get(bot_id=next(iter(bots)))
        fake = bots[bot.bot_id]
        assert bot.owner.entra_object_id == uuid.UUID(fake.owner.oid)
        assert bot.is_published == (fake.published is not None)
        assert bot.environment.env_id == next(e.name for e in tenant.environments if fake in e.tables["bots"])
        site = PagesSite.objects.get(site_id=next(iter(sites)))
        assert site.website_url == f"https://{sites[site.site_id].domain}"
        assert servers.stats()["dataverse"]["requests"] > 0

    def test_a_listing_longer_than_a_page_is_followed(self, make_tenant):
        tenant, servers = make_tenant(environments=3, apps=10, flows=10, seed=5)
        env = dataverse_env(tenant)
        maker = tenant.makers[0]
        extra = [DataverseRow(row_id=str(uuid.uuid4()), name=f"Bot {n}", owner=maker, created=tenant.now - 10,
                              modified=tenant.now - 5) for n in range(1100)]
        env.tables["bots"].extend(extra)
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert Bot.objects.filter(environment__env_id=env.name).count() == len(env.tables["bots"])
        # 500 rows a page: three pages for this org.
        assert run.tasks.filter(name="bots", key__startswith=f"bots:{Environment.objects.get(env_id=env.name).pk}:") \
            .count() == 3

    def test_a_removed_bot_is_marked_deleted_and_a_malformed_page_deletes_nothing(self, make_tenant):
        tenant, _ = make_tenant(environments=8, apps=40, flows=60, seed=5)
        sync_now()
        env = dataverse_env(tenant)
        gone = env.tables["bots"][0]
        gone.removed = True
        run = sync_now()
        assert run.counts["bots"]["deleted"] == 1
        deleted = Bot.objects.get(bot_id=gone.row_id)
        assert deleted.deleted_at is not None and deleted.deleted_run == run.pk
        # A row without an id spoils the listing: nothing more is marked deleted from it.
        env.tables["bots"][1].removed = True
        env.tables["bots"].append(DataverseRow(row_id="", name="Broken", owner=tenant.makers[0],
                                               created=tenant.now, modified=tenant.now))
        run = sync_now()
        assert run.status == SyncStatus.COMPLETED_WITH_ERRORS
        assert any("malformed" in error["error"] for error in run.errors)
        assert run.counts["bots"]["deleted"] == 0
        assert Bot.objects.get(bot_id=env.tables["bots"][1].row_id).deleted_at is None

    def test_incremental_syncs_leave_bots_and_sites_to_the_full_one(self, make_tenant):
        make_tenant(environments=8, apps=40, flows=60, seed=5)
        sync_now()
        run = sync_now("incremental")
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert not run.tasks.filter(name__in=["bots", "sites"]).exists()
        assert Bot.objects.filter(deleted_at__isnull=True).exists()

    def test_a_worker_syncs_them(self, make_tenant, celery_worker):
        from inventory.services import sync

        tenant, _ = make_tenant(environments=8, apps=40, flows=60, seed=5)
        run = wait_finished(sync.start_sync("full"))
        assert run.status == SyncStatus.COMPLETED, run.errors
        assert Bot.objects.count() == len(live_rows(tenant, "bots"))


class TestDataverseTokens:
    def test_no_token_goes_to_an_org_url_outside_the_pattern(self, make_tenant):
        make_tenant(environments=2, apps=5, flows=5)
        client = PowerPlatformClient()
        with pytest.raises(PowerPlatformError):
            client.dataverse_org("https://attacker.example/org1")
        with pytest.raises(PowerPlatformError):
            client.transport.tokens.scope_for("https://attacker.example/org1/api/data/v9.2/bots")


def test_connectors_first_met_in_a_usage_count_as_new(make_tenant):
    make_tenant()
    run = sync_now()
    assert run.counts["connectors"]["created"] == Connector.objects.count()
    assert run.counts["connectors"]["changed"] == 0
