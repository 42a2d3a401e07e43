"""The rows the fake inventory API serves (inventory-api.md §2, §3.4): every kind, the legacy ids, the quirks."""

import pytest

from coe_portal.powerplatform.fake.inventory import NULL_GUID
from tests.powerplatform import fake_support
from tests.powerplatform.fake_support import FLOW_ADMIN
from tests.powerplatform.inventory_support import connect, everything

fake, make_fake, tls_dir = fake_support.fake, fake_support.make_fake, fake_support.tls_dir



@pytest.fixture(scope="module")
def table(tls_dir):
    """Every row of a mid-sized tenant, listed once for the module: (tenant, servers, client, {type: [rows]})."""
    from coe_portal.powerplatform.fake.api import start_fake_tenant
    from coe_portal.powerplatform.fake.tenant import FakeTenant

    tenant = FakeTenant(seed=5, environments=8, apps=400, flows=600, now=fake_support.NOW)
    servers = start_fake_tenant(tenant, tls_dir, fake_support.CLIENT_ID, fake_support.CLIENT_SECRET)
    client = fake_support.FakeClient(servers)
    rows, _ = everything(client, connect(servers)[1]["access_token"],
                         [{"$type": "orderby", "FieldNamesAscDesc": {"id": "asc"}}])
    by_type = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    yield tenant, servers, client, by_type
    servers.stop()


def props(rows):
    return [row["properties"] for row in rows]


class TestIds:
    def test_canvas_apps_are_the_power_apps_apps_less_custom_pages(self, table):
        tenant, _, client, by_type = table
        listed = set()
        for env in tenant.environments:
            items, _ = client.all_pages("powerapps", client.apps_path(env.name))
            listed |= {item["name"] for item in items if item["appType"] != "CustomCanvasPage"}
        assert {row["name"] for row in by_type["microsoft.powerapps/canvasapps"]} == listed

    def test_cloud_flows_are_the_flow_apis_flows_with_their_workflow_ids(self, table):
        tenant, _, client, by_type = table
        listed = {}
        for env in tenant.environments:
            items, _ = client.all_pages("flow", f"{FLOW_ADMIN}/{env.name}/v2/flows?api-version=2016-11-01")
            listed.update({item["name"]: item["properties"]["workflowEntityId"] for item in items})
        rows = by_type["microsoft.powerautomate/cloudflows"]
        assert {row["name"]: row["properties"].get("workflowEntityId") for row in rows} == listed

    def test_agents_of_copilot_studio_are_the_dataverse_bots(self, table):
        tenant, _, client, by_type = table
        bots = set()
        for env in tenant.environments:
            if env.dataverse:
                answer = client.dataverse(env, "bots?$select=botid")
                bots |= {bot["botid"] for bot in answer.json()["value"]}
        studio = [row for row in by_type["microsoft.copilotstudio/agents"]
                  if row["properties"]["createdIn"] == "Copilot Studio"]
        assert {row["name"] for row in studio} == {row["properties"]["botId"] for row in studio} == bots

    def test_ids_are_arm_paths_under_the_environment(self, table):
        _, _, _, by_type = table
        app = by_type["microsoft.powerapps/canvasapps"][0]
        env = app["properties"]["environmentId"]
        assert app["id"] == (f"/providers/Microsoft.PowerPlatform/environments/{env}"
                             f"/providers/Microsoft.PowerApps/canvasApps/{app['name']}")
        environment = by_type["microsoft.powerplatform/environments"][0]
        assert environment["id"] == f"/providers/Microsoft.PowerPlatform/environments/{environment['name']}"


class TestKinds:
    def test_every_documented_type_is_listed(self, table):
        *_, by_type = table
        assert set(by_type) == {
            "microsoft.powerapps/canvasapps", "microsoft.powerapps/modeldrivenapps", "microsoft.powerapps/codeapps",
            "microsoft.powerapps/apps", "microsoft.powerautomate/cloudflows", "microsoft.powerautomate/agentflows",
            "microsoft.powerautomate/m365agentflows", "microsoft.copilotstudio/agents",
            "microsoft.powerplatform/environments", "microsoft.powerplatform/environmentgroups",
            "microsoft.powerplatformconnector/connectors"}

    def test_apps_carry_their_kinds_fields(self, table):
        *_, by_type = table
        shared = {"displayName", "createdAt", "createdBy", "ownerId", "environmentId", "lastModifiedAt",
                  "lastModifiedBy", "isQuarantined"}
        for model_driven in props(by_type["microsoft.powerapps/modeldrivenapps"]):
            assert shared | {"appModuleId", "logicalName"} <= set(model_driven)
        code_apps = props(by_type["microsoft.powerapps/codeapps"])
        assert all(shared <= set(p) and p["subType"] in ("byocApp", "vibeApp") for p in code_apps)
        assert not any("powerPlatformConnectors" in p for p in code_apps)  # §2.4: code apps emit none
        for builder in props(by_type["microsoft.powerapps/apps"]):
            assert builder["subType"] == "appBuilderApp" and "powerPlatformConnectors" not in builder
            assert builder["connectors"][0]["connectorId"].startswith("/providers/Microsoft.PowerApps/apis/shared_")

    def test_flows_of_every_kind_carry_owner_environment_and_connectors(self, table):
        *_, by_type = table
        for kind in ("cloudflows", "agentflows", "m365agentflows"):
            for flow in props(by_type[f"microsoft.powerautomate/{kind}"]):
                assert {"ownerId", "environmentId", "lastModifiedAt", "lastModifiedBy",
                        "powerPlatformConnectors"} <= set(flow)
        assert all(p["workflowEntityId"] for p in props(by_type["microsoft.powerautomate/agentflows"]))

    def test_agents_carry_channels_authentication_orchestration_publishing_and_quarantine(self, table):
        *_, by_type = table
        agents = props(by_type["microsoft.copilotstudio/agents"])
        assert all(set(p["channels"]) <= {"Teams", "Microsoft 365 Copilot", "SharePoint", "Direct Line",
                                          "Direct Line Channels", "Dynamics 365", "Facebook", "WhatsApp"}
                   for p in agents)
        assert {p["authentication"] for p in agents} <= {"None", "Microsoft Entra", "Generic OAuth 2.0"}
        assert {p["orchestration"] for p in agents} == {"Classic", "Generative"}
        assert any("lastPublishedAt" in p for p in agents) and any("lastPublishedAt" not in p for p in agents)
        quarantined = [p for p in agents if p["isQuarantined"]]
        assert all("quarantinedAt" in p for p in quarantined)
        lite = [p for p in agents if p["createdIn"] == "Copilot Studio Lite"]
        assert lite and all(p["isManaged"] is None and "botId" not in p for p in lite)
        assert not any("lastModifiedAt" in p for p in agents)  # §2.6: non-functional for agents

    def test_environments_name_their_group(self, table):
        *_, by_type = table
        groups = {row["name"]: row for row in by_type["microsoft.powerplatform/environmentgroups"]}
        assert all({"description", "lastModifiedAt"} <= set(g["properties"]) for g in groups.values())
        grouped = [p for p in props(by_type["microsoft.powerplatform/environments"]) if "environmentGroupId" in p]
        assert grouped and all(groups[p["environmentGroupId"]]["properties"]["displayName"] == p["environmentGroup"]
                               for p in grouped)
        types = {p["environmentType"] for p in props(by_type["microsoft.powerplatform/environments"])}
        assert "Default" in types and "Teams" not in types


class TestQuirks:
    def test_connector_ids_come_in_three_forms_and_tabular_ones_without_operations(self, table):
        *_, by_type = table
        used = [usage for kind in ("microsoft.powerapps/canvasapps", "microsoft.powerautomate/cloudflows")
                for p in props(by_type[kind]) for usage in p["powerPlatformConnectors"]]
        ids = {usage["connectorId"] for usage in used}
        assert "commondataserviceforapps" in ids and "shared_office365" in ids
        assert all(usage["operations"] == [] for usage in used if usage["connectorId"] == "shared_sharepointonline")
        assert any("operations" not in usage for usage in used)

    def test_flow_triggers_come_as_strings_and_as_objects(self, table):
        *_, by_type = table
        flows = props(by_type["microsoft.powerautomate/cloudflows"])
        strings = [p for p in flows if isinstance(p["trigger"], str)]
        objects = [p for p in flows if isinstance(p["trigger"], dict)]
        assert strings and objects
        assert all("triggerOperation" in p and "status" not in p for p in strings)
        assert all({"operationId", "connectorId", "connectorDisplayName", "operationDisplayName"} == set(p["trigger"])
                   and p["status"] in ("Activated", "Started", "Stopped", "Suspended") for p in objects)
        assert any(p["trigger"] == "" for p in strings) and any(p["trigger"] for p in strings)

    def test_platform_provisioned_items_have_null_guid_creators(self, table):
        *_, by_type = table
        agents = props(by_type["microsoft.copilotstudio/agents"])
        assert sum(p["createdBy"] == NULL_GUID for p in agents) > len(agents) / 2
        system = [p for p in props(by_type["microsoft.powerapps/modeldrivenapps"])
                  if p["createdBy"].startswith("00000000-0000-0000-0000-")]
        assert system and all(p["ownerId"] == p["createdBy"] for p in system)

    def test_connectors_of_the_catalogue_have_no_tenant_or_location(self, table):
        *_, by_type = table
        for row in by_type["microsoft.powerplatformconnector/connectors"]:
            assert "tenantId" not in row and "location" not in row
            assert {"connectorId", "publisher", "tier", "operations"} <= set(row["properties"])

    def test_arm_columns_are_present_but_empty(self, table):
        *_, by_type = table
        row = by_type["microsoft.powerautomate/cloudflows"][0]
        assert row["resourceGroup"] == row["subscriptionId"] == "" and row["sku"] is None and row["tags"] is None
