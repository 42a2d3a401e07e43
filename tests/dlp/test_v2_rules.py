"""DLP v2 rules beyond connector groups, from the tenant's policy body to the impact and its explanation.

Each policy here is a v2 body in the recorded shape (tf_dlp_v2_policy_a2: URL patterns,
connector action and endpoint configurations, virtual ids for the built-in HTTP connectors),
stored by the policy sync's own code; each item is a tenant body parsed and written as a sync
does. Each test failed before issue 17: the rule was dropped, or the ids did not meet.
"""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from coe_portal.powerplatform.policies import parse_policy
from coe_portal.powerplatform.records import parse_app, parse_flow_detail
from dlp.choices import ItemStatus
from dlp.models import ImpactItem
from dlp.services.explain import explain
from dlp.services.policies import _connector_ids, _store
from inventory.models import App, Connector, Environment, Flow
from inventory.services import sync_writes as writes

from .world import run_impact

pytestmark = pytest.mark.django_db
APIS = "/providers/Microsoft.PowerApps/apis"


def store_policy(groups, default="General", patterns=(("*", "Ignore"),), actions=None, endpoints=None):
    """A live policy stored from a v2 body: groups {classification: [connector id as the policy writes it]}."""
    body = {
        "policyDefinition": {
            "name": "11111111-1111-1111-1111-111111111111", "displayName": "Rules",
            "defaultConnectorsClassification": default, "environmentType": "AllEnvironments", "environments": [],
            "connectorGroups": [{"classification": group, "connectors": [{"id": c, "name": c} for c in ids]}
                                for group, ids in groups.items()],
            "lastModifiedTime": "2026-01-05T10:00:00.1234567+02:00", "etag": "e1"},
        "customConnectorUrlPatternsDefinition": {"rules": [
            {"order": order, "customConnectorRuleClassification": group, "pattern": pattern}
            for order, (pattern, group) in enumerate(patterns, start=1)]},
    }
    if actions or endpoints:
        body["connectorConfigurationsDefinition"] = {
            "connectorActionConfigurations": [
                {"connectorId": connector, "defaultConnectorActionRuleBehavior": default_behaviour,
                 "actionRules": [{"actionId": action, "behavior": behaviour} for action, behaviour in rules.items()]}
                for connector, (default_behaviour, rules) in (actions or {}).items()],
            "endpointConfigurations": [
                {"connectorId": connector, "endpointRules": [
                    {"order": order, "behavior": behaviour, "endPoint": endpoint}
                    for order, (endpoint, behaviour) in enumerate(rules, start=1)]}
                for connector, rules in (endpoints or {}).items()]}
    record = parse_policy(body)
    names = sorted({n for ids in record.groups.values() for n in ids})
    policy = _store(record, _connector_ids(names), {}, datetime(2026, 1, 5, tzinfo=UTC))
    assert policy.modified_time == datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)  # +02:00 kept
    return policy


@pytest.fixture
def env():
    return Environment.objects.create(env_id="Default-1", display_name="Default", is_default=True)


def sync_flow(env, name, trigger, actions, definition_actions=None):
    """A flow as the sync stores it from its detail GET."""
    body = {"name": name, "properties": {
        "definitionSummary": {"triggers": [trigger], "actions": actions},
        "definition": {"triggers": {}, "actions": definition_actions or {}},
        "connectionReferences": {ref["api"]["name"]: {"id": f"{APIS}/{ref['api']['name']}", "connectionName": "c1"}
                                 for ref in [trigger, *actions] if "api" in ref},
        "flowTriggerUri": "https://prod-01.westeurope.logic.azure.com/workflows/1/triggers/manual/run"}}
    detail = parse_flow_detail(body)
    flow = Flow.objects.create(flow_id=name, environment=env, display_name=name)
    writes.set_flow_details([detail], {name: flow.pk})
    writes.replace_usages("flow", {flow.pk: detail.connectors})
    return flow


def sync_app(env, name, references, database=False):
    body = {"name": name, "properties": {
        "displayName": name, "environment": {"name": env.env_id}, "usesPremiumApi": database,
        "connectionReferences": {f"ref-{c}": {"id": f"{APIS}/{c}", "displayName": c} for c in references},
        "databaseReferences": {"default.cds": {"databaseDetails": {"referenceType": "Environmental"},
                                               "dataSources": {"Accounts": {"entitySetName": "accounts"}}}}
        if database else {}}}
    record = parse_app(body)
    writes.merge_apps([record], env, None)
    app = App.objects.get(app_id=name)
    writes.replace_usages("app", {app.pk: record.connectors})
    return app


def status(item):
    key = {"app_id": item.pk} if isinstance(item, App) else {"flow_id": item.pk}
    row = ImpactItem.objects.filter(**key).first()
    return row.current if row else ItemStatus.OK


class TestCustomConnectorUrlPatterns:
    def test_the_first_pattern_the_host_matches_decides_the_group(self, env):
        ours = Connector.objects.create(connector_id="shared_orders-1", is_custom=True,
                                        host_url="https://api.contoso.com")
        theirs = Connector.objects.create(connector_id="shared_vendor-2", is_custom=True,
                                          host_url="https://api.vendor.example")
        mixed = sync_app(env, "orders-app", ["shared_orders-1", "shared_office365users"])
        fine = sync_app(env, "vendor-app", ["shared_vendor-2", "shared_office365users"])
        store_policy({"General": [f"{APIS}/shared_office365users"]},
                     patterns=[("https://*.contoso.com", "Confidential"), ("https://api.contoso.com", "Blocked"),
                               ("*", "General")])
        run_impact()
        assert status(mixed) == ItemStatus.BROKEN and status(fine) == ItemStatus.OK
        [why] = explain(None, [mixed.pk])[mixed.pk]
        assert (why.rule, why.business, why.non_business) == ("mixed", (ours.pk,), (
            Connector.objects.get(connector_id="shared_office365users").pk,))
        assert theirs.pk not in why.business


class TestBuiltInHttp:
    def test_a_policy_blocking_http_request_received_breaks_http_triggered_flows(self, env):
        triggered = sync_flow(env, "webhook", {"type": "Request", "kind": "Http"}, [])
        button = sync_flow(env, "button", {"type": "Request", "kind": "Button"}, [])
        store_policy({"Blocked": ["HttpRequestReceived"], "General": []})
        run_impact()
        assert status(triggered) == ItemStatus.BROKEN and status(button) == ItemStatus.OK
        triggered.refresh_from_db()
        button.refresh_from_db()
        assert triggered.trigger_url.startswith("https://") and button.trigger_url == ""
        [why] = explain(None, [-triggered.pk])[-triggered.pk]
        assert why.blocked == (Connector.objects.get(connector_id="request").pk,)


class TestNativeDataverse:
    def test_an_app_using_dataverse_only_through_database_references(self, env):
        app = sync_app(env, "cds-app", ["shared_twitter"], database=True)
        store_policy({"Confidential": [f"{APIS}/shared_commondataservice"], "General": [f"{APIS}/shared_twitter"]})
        run_impact()
        assert status(app) == ItemStatus.BROKEN
        app.refresh_from_db()
        assert app.uses_premium


class TestActionAndEndpointRules:
    def test_a_blocked_action_of_an_allowed_connector_is_named(self, env):
        sharepoint = {"name": "shared_sharepointonline"}
        deleting = sync_flow(env, "cleaner", {"type": "Recurrence"}, [
            {"type": "OpenApiConnection", "swaggerOperationId": "DeleteItem", "api": sharepoint}])
        reading = sync_flow(env, "reader", {"type": "Recurrence"}, [
            {"type": "OpenApiConnection", "swaggerOperationId": "GetItems", "api": sharepoint}])
        store_policy({"Confidential": [f"{APIS}/shared_sharepointonline"]}, default="Confidential",
                     actions={f"{APIS}/shared_sharepointonline": ("Allow", {"DeleteItem": "Block"})})
        run = run_impact()
        assert status(deleting) == ItemStatus.BROKEN and status(reading) == ItemStatus.OK
        [why] = explain(None, [-deleting.pk])[-deleting.pk]
        assert (why.rule, why.detail) == ("action", "DeleteItem")
        assert run.counts["connectors"] == {str(Connector.objects.get(connector_id="shared_sharepointonline").pk):
                                            [1, 0]}

    def test_an_endpoint_the_policy_denies_is_named_with_the_first_matching_rule(self, env):
        def http_to(uri):
            return {"HTTP": {"type": "Http", "inputs": {"method": "GET", "uri": uri}},
                    "Later": {"type": "If", "actions": {"Dynamic": {"type": "Http", "inputs": {"uri": "@{x}"}}}}}

        outside = sync_flow(env, "exporter", {"type": "Recurrence"}, [{"type": "Http"}],
                            http_to("https://hooks.slack.example/services/T0"))
        inside = sync_flow(env, "syncer", {"type": "Recurrence"}, [{"type": "Http"}],
                           http_to("https://api.contoso.example/v1/sync"))
        store_policy({"Confidential": ["Http"]}, default="Confidential",
                     endpoints={"Http": [("https://*.contoso.example", "Allow"), ("*", "Deny")]})
        run_impact()
        assert status(outside) == ItemStatus.BROKEN and status(inside) == ItemStatus.OK
        [why] = explain(None, [-outside.pk])[-outside.pk]
        assert (why.rule, why.detail) == ("endpoint", "https://hooks.slack.example/services/T0 (rule 2: * deny)")
        assert outside.usages.get().endpoints == ["https://hooks.slack.example/services/T0"]  # the expression is not


class TestPages:
    def test_the_policy_and_its_impact_name_the_rules(self, env, admin_client):
        sharepoint = {"name": "shared_sharepointonline"}
        sync_flow(env, "cleaner", {"type": "Recurrence"}, [
            {"type": "OpenApiConnection", "swaggerOperationId": "DeleteItem", "api": sharepoint}])
        policy = store_policy({"Confidential": [f"{APIS}/shared_sharepointonline"]}, default="Confidential",
                              patterns=[("https://*.contoso.com", "Confidential"), ("*", "Ignore")],
                              actions={f"{APIS}/shared_sharepointonline": ("Allow", {"DeleteItem": "Block"})},
                              endpoints={"Http": [("https://*.contoso.example", "Allow"), ("*", "Deny")]})
        run_impact()
        page = admin_client.get(policy.get_absolute_url()).content.decode()
        assert "https://*.contoso.com</code> → Business" in page and "DeleteItem block" in page
        assert "<code>http</code>: 1. <code>https://*.contoso.example</code> allow; 2. <code>*</code> deny" in page
        impact = admin_client.get(reverse("dlp:impact-items", args=[policy.pk])).content.decode()
        assert "action DeleteItem of" in impact and "is blocked (connector action rule)" in impact
