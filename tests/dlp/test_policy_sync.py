"""Live policies and their exemptions synced from the fake tenant through the real client."""

import pytest

from dlp.models import Exemption, Policy
from dlp.services.policies import sync_policies
from inventory.models import App, Flow
from tests.support.tenant import sync_now


@pytest.mark.django_db(transaction=True)
def test_it_syncs_v2_policies_with_groups_scope_and_exemptions(make_tenant):
    tenant, _ = make_tenant(environments=4, apps=20, flows=20)
    sync_now()
    baseline = tenant.policies[0]
    first_app = App.objects.order_by("pk").first()
    first_flow = Flow.objects.order_by("pk").first()
    baseline.exempt_resources = [("app", first_app.environment.env_id, first_app.app_id),
                                 ("flow", first_flow.environment.env_id, first_flow.flow_id)]
    assert sync_policies() == 3
    live = {p.display_name: p for p in Policy.objects.filter(is_draft=False)}
    assert set(live) == {p.display_name for p in tenant.policies}
    for fake in tenant.policies:
        policy = live[fake.display_name]
        assert policy.scope == fake.scope
        assert sorted(policy.environments.values_list("env_id", flat=True)) == sorted(fake.environments)
        groups = {"business": "Confidential", "non_business": "General", "blocked": "Blocked"}
        stored = {(c.connector.connector_id, groups[c.group]) for c in policy.connectors.select_related("connector")}
        assert stored == {(name, group) for group, names in fake.groups.items() for name in names}
    exempt = Exemption.objects.filter(policy=live[baseline.display_name])
    assert {(e.app_id, e.flow_id) for e in exempt} == {(first_app.pk, None), (None, first_flow.pk)}

    tenant.policies.pop()
    assert sync_policies() == 2
    assert Policy.objects.filter(deleted_at__isnull=False).count() == 1
