"""Makers through the fake's Graph: what an answer does not say is unknown, and a disabled account orphans items."""

import pytest

from inventory.models import App, Flow, Maker
from inventory.services import recommendations
from tests.support.tenant import sync_now

pytestmark = pytest.mark.django_db(transaction=True)


class TestMakersFromGraph:
    def test_an_answer_without_departments_keeps_the_known_ones(self, make_tenant):
        tenant, servers = make_tenant()
        sync_now()
        known = dict(Maker.objects.exclude(department="").values_list("entra_object_id", "department"))
        assert len(known) > 10
        disabled = set(Maker.objects.filter(is_disabled=True).values_list("entra_object_id", flat=True))
        # Graph now answers with users' default properties only: no department, no accountEnabled.
        servers.context.options.graph_honours_select = False
        run = sync_now("incremental")
        assert run.tasks.filter(name="makers", done=True).exists()
        assert dict(Maker.objects.exclude(department="").values_list("entra_object_id", "department")) == known
        assert set(Maker.objects.filter(is_disabled=True).values_list("entra_object_id", flat=True)) == disabled

    def test_a_disabled_account_makes_its_items_orphaned(self, make_tenant):
        tenant, servers = make_tenant()
        owner = next(maker for maker in tenant.makers if maker.enabled and any(
            app.owner is maker for app in tenant.apps))
        owner.enabled = False
        sync_now()
        maker = Maker.objects.get(entra_object_id=owner.oid)
        assert maker.is_disabled is True and maker.is_orphaning
        recommendations.recompute()
        apps = App.objects.filter(owner=maker, deleted_at__isnull=True)
        assert apps.exists() and all("orphaned" in app.recommendation_reasons for app in apps)
        enabled = Maker.objects.filter(is_disabled=False).first()
        assert not any("orphaned" in reasons for reasons in Flow.objects.filter(creator=enabled).values_list(
            "recommendation_reasons", flat=True))
