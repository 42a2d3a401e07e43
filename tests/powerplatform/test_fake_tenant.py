"""The fake tenant seen from outside: generated data, JSON shapes, paging and token checks."""

import json
import socket
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import msal
from cryptography.hazmat.primitives.asymmetric import rsa

from coe_portal.powerplatform.fake.render import app_item
from coe_portal.powerplatform.fake.render_flow import flow_detail, flow_item
from coe_portal.powerplatform.fake.tenant import FakeTenant
from coe_portal.powerplatform.session import CABundleSession
from tests.powerplatform import fake_support
from tests.powerplatform.fake_support import BAP_ENVIRONMENTS, NOW

# The shared fixtures, registered in this module.
fake, make_fake, tls_dir = fake_support.fake, fake_support.make_fake, fake_support.tls_dir

DOCUMENTED_APP_PROPERTIES = {
    "appVersion", "lastDraftVersion", "lifeCycleId", "status", "displayName", "description", "createdTime",
    "lastModifiedTime", "lastPublishTime", "owner", "createdBy", "lastModifiedBy", "lastPublishedBy",
    "sharedUsersCount", "sharedGroupsCount", "appOpenUri", "appPlayUri", "environment", "connectionReferences",
    "databaseReferences", "almMode", "executionRestrictions", "appPlanClassification", "usesPremiumApi",
    "usesCustomApi", "usesOnPremiseGateway", "isFeaturedApp", "isHeroApp", "bypassConsent", "embeddedApp",
}


def fingerprint(tenant):
    """Everything generated, as comparable data (rendered JSON included)."""
    envs = [(e.name, e.display_name, e.sku, e.location, e.dataverse and e.dataverse["instanceUrl"])
            for e in tenant.environments]
    by_name = {e.name: e for e in tenant.environments}
    apps = [app_item(tenant, app, by_name[app.env]) for app in tenant.apps]
    flows = [flow_item(tenant, flow, by_name[flow.env]) for flow in tenant.flows]
    details = [json.dumps(flow_detail(tenant, flow, by_name[flow.env])) for flow in tenant.flows[:20]]
    makers = [(m.oid, m.mail, m.department, m.enabled, m.deleted) for m in tenant.makers]
    return tenant.tenant_id, envs, apps, flows, details, makers


class TestGeneration:
    def test_the_same_seed_gives_the_same_tenant(self):
        first = FakeTenant(seed=11, environments=6, apps=80, flows=160, now=NOW)
        second = FakeTenant(seed=11, environments=6, apps=80, flows=160, now=NOW)
        other = FakeTenant(seed=12, environments=6, apps=80, flows=160, now=NOW)
        assert fingerprint(first) == fingerprint(second)
        assert fingerprint(first)[0] != fingerprint(other)[0]

    def test_the_mix_looks_like_a_real_tenant(self):
        tenant = FakeTenant(seed=2, environments=30, apps=3000, flows=6000, now=NOW)
        default = tenant.default_environment
        assert default.name == f"Default-{tenant.tenant_id}" and default.sku == "Default" and default.is_default
        assert 0.6 < len(default.apps) / 3000 < 0.8 and 0.6 < len(default.flows) / 6000 < 0.8
        assert {env.sku for env in tenant.environments[1:]} <= {"Production", "Sandbox", "Developer", "Trial", "Teams"}
        assert any(not env.apps and not env.flows for env in tenant.environments[1:])
        assert 0.4 < sum(1 for env in tenant.environments if env.dataverse) / 30 < 0.9
        assert len(tenant.makers) == max(20, 9000 // 6)
        assert 0.01 < sum(m.deleted for m in tenant.makers) / len(tenant.makers) < 0.06
        assert 0.02 < sum(not m.enabled for m in tenant.makers) / len(tenant.makers) < 0.09
        kinds = [app.kind for app in tenant.apps]
        assert 0.8 < kinds.count("canvas") / 3000 < 0.92
        assert kinds.count("sharepoint_form") and kinds.count("component_library")
        states = [flow.state for flow in tenant.flows]
        assert 0.75 < states.count("Started") / 6000 < 0.85 and states.count("Suspended")
        stale = sum(app.modified < tenant.now - 365 * 86400 for app in tenant.apps)
        assert 0.18 < stale / 3000 < 0.32
        assert any(app.shared_users >= 100 for app in tenant.apps)
        assert any(env.custom_connectors for env in tenant.environments)
        assert {flow.trigger for flow in tenant.flows} == {"recurrence", "connector", "http", "button"}

    def test_generating_the_bench_tenant(self, capsys):
        started = time.perf_counter()
        tenant = FakeTenant(seed=1, environments=500, apps=20_000, flows=40_000)
        seconds = time.perf_counter() - started
        with capsys.disabled():
            print(f"\ngenerated 500 environments / 20,000 apps / 40,000 flows in {seconds:.2f} s")
        assert (len(tenant.environments), len(tenant.apps), len(tenant.flows)) == (500, 20_000, 40_000)


class TestTokens:
    def test_msal_gets_tokens_the_api_accepts(self, fake):
        tenant, servers, client = fake
        app = msal.ConfidentialClientApplication(
            servers.client_id, client_credential=servers.client_secret, instance_discovery=False,
            authority=f"{servers.urls['authority_host']}/{servers.tenant_id}",
            http_client=CABundleSession(str(servers.ca_path)))
        token = app.acquire_token_for_client(scopes=["https://service.flow.microsoft.com//.default"])["access_token"]
        answer = client.get("flow", client.flows_path(tenant.default_environment.name), token=token)
        assert answer.status_code == 200 and answer.json()["value"]

    def test_a_token_for_another_audience_is_refused(self, fake):
        _, _, client = fake
        path = f"{BAP_ENVIRONMENTS}?api-version=2021-04-01"
        refused = client.get("bap", path, token=client.token("flow"))
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
        assert client.get("bap", path, token=client.token("powerapps")).status_code == 200

    def test_missing_forged_and_expired_tokens_are_refused(self, fake):
        _, servers, client = fake
        path = client.url("bap", f"{BAP_ENVIRONMENTS}?api-version=2021-04-01")
        missing = client.session.get(path, verify=client.ca, timeout=10)
        assert missing.status_code == 401 and missing.json()["error"]["code"] == "InvalidAuthenticationToken"
        now = int(time.time())
        claims = {"aud": "https://service.powerapps.com", "oid": "x", "iat": now, "exp": now + 600}
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = client.get("bap", path, token=jwt.encode(claims, stranger, algorithm="RS256"))
        assert forged.json()["error"]["code"] == "InvalidAuthenticationToken"
        stale = jwt.encode({**claims, "exp": now - 10}, servers.provider.key, algorithm="RS256")
        expired = client.get("bap", path, token=stale)
        assert expired.status_code == 401 and expired.json()["error"]["code"] == "ExpiredAuthenticationToken"

    def test_api_version_is_required_on_arm_style_routes_only(self, fake):
        tenant, _, client = fake
        missing = client.get("bap", BAP_ENVIRONMENTS)
        assert missing.status_code == 400 and missing.json()["error"]["code"] == "MissingApiVersionParameter"
        env = tenant.default_environment.name
        assert client.get("powerapps", f"/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps"
                          ).status_code == 400
        assert client.get("bap", "/providers/PowerPlatform.Governance/v1/policies").status_code == 200

    def test_paths_match_case_insensitively_and_unknown_paths_are_404(self, fake):
        _, _, client = fake
        shouting = BAP_ENVIRONMENTS.upper() + "?api-version=2021-04-01"
        assert client.get("bap", shouting).status_code == 200
        unknown = client.get("bap", "/providers/Nothing/here?api-version=1")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"]

    def test_connections_are_kept_alive(self, fake):
        tenant, servers, client = fake
        for _ in range(5):
            assert client.get("flow", client.flows_path(tenant.default_environment.name)).status_code == 200
        manager = client.session.get_adapter(servers.urls["flow"]).poolmanager
        port = int(servers.urls["flow"].rsplit(":", 1)[1])
        pools = [manager.pools[key] for key in manager.pools.keys() if manager.pools[key].port == port]
        assert [(pool.num_connections, pool.num_requests) for pool in pools] == [(1, 5)]


class TestPorts:
    def test_base_port_puts_the_servers_on_consecutive_ports(self, make_fake):
        base = free_port_run(5)
        _, servers, client = make_fake(base_port=base)
        ports = [int(servers.urls[name].rsplit(":", 1)[1])
                 for name in ("authority_host", "bap", "powerapps", "flow", "graph")]
        assert ports == list(range(base, base + 5))
        assert client.get("bap", f"{BAP_ENVIRONMENTS}?api-version=2021-04-01").status_code == 200


def free_port_run(count):
    """A first port of `count` consecutive free loopback ports."""
    for base in range(42_000, 60_000, 97):
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise AssertionError("no run of free ports")


class TestPaging:
    def test_apps_page_with_absolute_next_links_until_the_last_page(self, fake):
        tenant, servers, client = fake
        env = tenant.default_environment
        items, pages = client.all_pages("powerapps", client.apps_path(env.name, top=7))
        assert [item["name"] for item in items] == [app.name for app in env.apps if app.live]
        assert all(len(page["value"]) == 7 for page in pages[:-1]) and "nextLink" not in pages[-1]
        link = urlsplit(pages[0]["nextLink"])
        assert pages[0]["nextLink"].startswith(servers.urls["powerapps"])
        query = parse_qs(link.query)
        assert query["api-version"] == ["2016-11-01"] and query["$top"] == ["7"] and query["$skiptoken"]

    def test_top_is_capped_and_flows_default_to_fifty(self, make_fake):
        tenant, _, client = make_fake(environments=1, apps=300, flows=120)
        env = tenant.default_environment.name
        assert len(client.get("powerapps", client.apps_path(env, top=1000)).json()["value"]) == 250
        assert len(client.get("flow", client.flows_path(env)).json()["value"]) == 50
        assert len(client.get("flow", client.flows_path(env, top=500)).json()["value"]) == 120

    def test_a_skiptoken_the_server_did_not_make_is_refused(self, fake):
        tenant, _, client = fake
        path = client.apps_path(tenant.default_environment.name) + "&$skiptoken=MTAuZm9yZ2Vk"
        refused = client.get("powerapps", path)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidSkipToken"

    def test_next_links_keep_the_filter_and_the_default_alias_works(self, fake):
        tenant, _, client = fake
        path = ("/providers/Microsoft.PowerApps/apis?api-version=2019-05-01&$top=4"
                "&$filter=environment eq '~Default'")
        items, pages = client.all_pages("powerapps", path)
        assert len(pages) > 2
        assert parse_qs(urlsplit(pages[0]["nextLink"]).query)["$filter"] == ["environment eq '~Default'"]
        assert len(items) == len({item["name"] for item in items}) == 19 + len(
            tenant.default_environment.custom_connectors)

    def test_environments_page_and_expand_capacity(self, fake):
        tenant, servers, client = fake
        items, pages = client.all_pages("bap", f"{BAP_ENVIRONMENTS}?api-version=2021-04-01&$top=3"
                                               "&$expand=properties.capacity,permissions")
        assert [item["name"] for item in items] == [env.name for env in tenant.environments] and len(pages) == 2
        default = items[0]["properties"]
        assert default["isDefault"] and default["environmentSku"] == "Default"
        # The org URL points at the fake's Dataverse server, at the org's domain name.
        linked = default["linkedEnvironmentMetadata"]
        assert linked["instanceUrl"] == f"{servers.urls['dataverse']}/{linked['domainName']}/"
        assert {entry["capacityType"] for entry in default["capacity"]} >= {"Database", "File", "Log"}
        plain = client.get("bap", f"{BAP_ENVIRONMENTS}/{tenant.environments[0].name}?api-version=2021-04-01")
        assert "capacity" not in plain.json()["properties"]
        assert client.get("bap", f"{BAP_ENVIRONMENTS}/nope?api-version=2021-04-01").status_code == 404


class TestShapes:
    def test_app_items_carry_the_quirks(self, fake):
        tenant, _, client = fake
        items, _ = client.all_pages("powerapps", client.apps_path(tenant.default_environment.name))
        for item in items:
            props = item["properties"]
            assert props["owner"]["email"] and props["owner"]["userPrincipalName"]
            references = props["connectionReferences"].values()
            # Dataverse used natively is a database reference, not a connection reference (recorded).
            assert 1 <= len(references) + len(props["databaseReferences"]) <= 4
            assert all(ref["id"] == ref["id"].lower() and ref["apiTier"] in ("Standard", "Premium")
                       for ref in references)
            assert props["executionRestrictions"]["appQuarantineState"]["quarantineStatus"] == "Unquarantined"
            assert not {"lastLaunchedTime", "launchCount", "activeUsers"} & set(props)
        extra = set().union(*(item["properties"] for item in items)) - DOCUMENTED_APP_PROPERTIES
        assert extra, "items should carry undocumented fields"
        assert any(item["properties"]["almMode"] == "Solution" for item in items) or len(items) < 30

    def test_the_v2_flow_list_is_light_and_the_detail_is_full(self, fake):
        tenant, _, client = fake
        env = tenant.default_environment.name
        items, _ = client.all_pages("flow", client.flows_path(env, top=250))
        for item in items:
            props = item["properties"]
            assert not {"connectionReferences", "definition"} & set(props)
            assert props["definitionSummary"] == {"triggers": [], "actions": []}  # recorded: empty in the list
            assert props["creator"]["objectId"] and "email" not in props["creator"]
        detail = client.get("flow", client.flow_path(env, items[0]["name"])).json()["properties"]
        assert detail["definitionSummary"]["triggers"] and detail["connectionReferences"]
        assert all(ref["id"].startswith("/providers/Microsoft.PowerApps/apis/shared_")
                   for ref in detail["connectionReferences"].values())
        again = client.get("flow", client.flow_path(env, items[0]["name"])).json()["properties"]
        assert again == detail

    def test_http_triggers_and_http_actions_show_in_details(self, make_fake):
        tenant, _, client = make_fake(environments=1, apps=0, flows=150)
        env = tenant.default_environment.name
        http_flow = next(flow for flow in tenant.flows if flow.trigger == "http")
        detail = client.get("flow", client.flow_path(env, http_flow.name)).json()["properties"]
        assert detail["definitionSummary"]["triggers"][0] == {"type": "Request", "kind": "Http", "metadata": {}}
        assert detail["flowTriggerUri"].startswith("https://")
        acting = next(flow for flow in tenant.flows if flow.http_action)
        summary = client.get("flow", client.flow_path(env, acting.name)).json()["properties"]["definitionSummary"]
        assert "Http" in {action["type"] for action in summary["actions"]}

    def test_connectors_include_custom_ones_with_created_by_as_a_json_string(self, make_fake):
        tenant, _, client = make_fake(environments=20, apps=40, flows=40)
        env = next(env for env in tenant.environments if env.custom_connectors)
        path = (f"/providers/Microsoft.PowerApps/apis?api-version=2019-05-01&showApisWithToS=true"
                f"&$filter=environment eq '{env.name}'")
        items, _ = client.all_pages("powerapps", path)
        names = {item["name"] for item in items}
        assert {"shared_sharepointonline", "shared_webcontents", "shared_twitter"} <= names
        custom = [item for item in items if item["properties"]["isCustomApi"]]
        assert len(custom) == len(env.custom_connectors)
        creator = json.loads(custom[0]["properties"]["metadata"]["createdBy"])
        assert creator["id"] == env.custom_connectors[0].created_by.oid
        only_custom, _ = client.all_pages("powerapps", path + " and IsCustomApi eq 'True'")
        assert {item["name"] for item in only_custom} == {c.name for c in env.custom_connectors}
        admin, _ = client.all_pages(
            "powerapps", f"/providers/Microsoft.PowerApps/scopes/admin/environments/{env.name}/apis"
                         "?api-version=2017-05-01")
        assert len(admin) == len(env.custom_connectors)

    def test_connections_list_per_environment_and_per_connector(self, fake):
        tenant, _, client = fake
        env = tenant.default_environment
        base = f"/providers/Microsoft.PowerApps/scopes/admin/environments/{env.name}"
        items, _ = client.all_pages("powerapps", f"{base}/connections?api-version=2016-11-01")
        assert len(items) == len(env.connection_list)
        assert all(item["properties"]["createdBy"]["email"] for item in items)
        sharepoint, _ = client.all_pages(
            "powerapps", f"{base}/apis/shared_sharepointonline/connections?api-version=2016-11-01")
        assert sharepoint and {i["properties"]["apiId"] for i in sharepoint} == {
            "/providers/Microsoft.PowerApps/apis/shared_sharepointonline"}

    def test_dlp_policies_in_the_v1_and_v2_shapes(self, fake):
        tenant, _, client = fake
        governance = "/providers/PowerPlatform.Governance"
        v1 = client.get("bap", f"{governance}/v1/policies").json()["value"]
        assert {p["environmentType"] for p in v1} == {"AllEnvironments", "ExceptEnvironments", "OnlyEnvironments"}
        baseline = next(p for p in v1 if p["environmentType"] == "AllEnvironments")
        groups = {g["classification"]: {c["id"].rsplit("/", 1)[-1] for c in g["connectors"]}
                  for g in baseline["connectorGroups"]}
        assert {"shared_sharepointonline", "shared_office365", "shared_teams"} <= groups["Confidential"]
        assert "shared_twitter" in groups["Blocked"] and baseline["defaultConnectorsClassification"] == "General"
        v2 = client.get("bap", f"{governance}/v2/policies").json()["value"]
        assert all("connectorGroups" not in p["policyDefinition"] for p in v2)
        one = client.get("bap", f"{governance}/v2/policies/{v2[0]['policyDefinition']['name']}").json()
        assert one["policyDefinition"]["connectorGroups"]
        assert client.get("bap", f"{governance}/v2/policies/missing").status_code == 404

    def test_an_unknown_environment_is_access_denied(self, fake):
        _, _, client = fake
        for family, path in (("powerapps", client.apps_path("nowhere")), ("flow", client.flows_path("nowhere"))):
            denied = client.get(family, path)
            assert denied.status_code == 403 and denied.json()["error"]["code"] == "EnvironmentAccessDenied"
