"""The fake tenant answers as Microsoft's services do: each covered endpoint against its recordings.

For an endpoint, the key paths of its recorded bodies (recordings.key_paths) set two bounds on
what the fake serves for the same request:
- every path all its recordings share must be in the fake's answer (the blocks a real answer
  always has), and
- every path in the fake's answer must be in some recording, or in DOCUMENTED with the
  documentation it follows.
Then the client's parser reads both, and each fact it gets from the recordings it must also get
from the fake. docs/fidelity.md lists the endpoints the portal calls that no recording covers.
"""

import dataclasses

import pytest

from coe_portal.powerplatform.policies import parse_policy
from coe_portal.powerplatform.records import (
    parse_app,
    parse_connector,
    parse_environment,
    parse_flow,
    parse_flow_detail,
    parse_user,
)

from .fake_support import BAP_ENVIRONMENTS, tls_dir  # noqa: F401  (a fixture)
from .recordings import key_paths, recorded, requires_recordings

pytestmark = requires_recordings

API = "power-platform-api.md"
# Keys the fake serves that no recording shows, each with the documentation that describes it.
DOCUMENTED = {
    "environments": {
        "properties.capacity": f"{API} §2: $expand=properties.capacity (also recorded in the single GET)",
        "properties.lastModifiedBy": f"{API} §2 environment shape",
        "properties.linkedEnvironmentMetadata.securityGroupId": f"{API} §2 linkedEnvironmentMetadata",
        "properties.linkedEnvironmentMetadata.type": f"{API} §2 linkedEnvironmentMetadata",
        "properties.retentionDetails.availableFromDateTime": f"{API} §2 retentionDetails",
    },
    "apps": {
        "properties.executionRestrictions.appQuarantineState": f"{API} §3: the quarantine state on every app",
        "properties.embeddedApp": f"{API} §3: SharePoint-form apps",
        "properties.lastModifiedBy.email": f"{API} §3: createdBy, lastModifiedBy, lastPublishedBy, same shape",
        "properties.lastPublishedBy.email": f"{API} §3: same shape as owner",
        "properties.executionRestrictions.dataLossPreventionEvaluationResult.violations[]":
            f"{API} §3: violations non-empty when the app is blocked by DLP",
        "properties.executionRestrictions.dataLossPreventionEvaluationResult.violationsByPolicy[]":
            f"{API} §3: violationsByPolicy",
    },
    "flows": {
        "properties.workflowEntityId": f"{API} §4: solution-aware flows name their Dataverse workflow",
        "properties.flowSuspensionTime": f"{API} §4: suspended flows",
    },
    "flow_detail": {
        "properties.workflowEntityId": f"{API} §4",
        "properties.licenseData": f"{API} §4 flow detail",
        "properties.isManaged": f"{API} §4 flow detail (and the v2 list recording)",
        "properties.flowSuspensionReason": f"{API} §4 (and the v2 list recording)",
        "properties.flowSuspensionTime": f"{API} §4: suspended flows",
        "properties.definitionSummary.triggers[]": "the definition summary of a connector trigger, as the "
                                                   "pnp_flow_get_expanded recording shows it",
    },
}


def _documented(kind, path):
    return any(path == key or path.startswith(key + ".") or path.startswith(key + "[]")
               for key in DOCUMENTED.get(kind, {}))


def _check_shape(kind, recordings, served):
    per_file = [set().union(*(key_paths(item) for item in items)) for items in recordings]
    shared, allowed = set.intersection(*per_file), set.union(*per_file)
    serving = set().union(*(key_paths(item) for item in served))
    missing = sorted(shared - serving)
    added = sorted(path for path in serving - allowed if not _documented(kind, path))
    assert not missing, f"{kind}: the fake leaves out what every recording has: {missing}"
    assert not added, f"{kind}: the fake adds what no recording shows and no documentation cites: {added}"


def _known_facts(records):
    """The record fields that carry a value in at least one record (None and "" are not known)."""
    return {name for record in records for name, value in dataclasses.asdict(record).items()
            if value not in (None, "", [], {})}


def _check_facts(parse, recordings, served, ignore=()):
    from_recordings = _known_facts(parse(item) for items in recordings for item in items)
    from_fake = _known_facts(parse(item) for item in served)
    lost = sorted(from_recordings - from_fake - set(ignore))
    assert not lost, f"the client gets these facts from the recordings but never from the fake: {lost}"


def _values(name):
    body = recorded(name)
    return body["value"] if isinstance(body, dict) and "value" in body else body if isinstance(body, list) else [body]


@pytest.fixture(scope="module")
def served(tls_dir):  # noqa: F811
    """The fake's answers to the portal's requests, over a tenant with every kind of item (read once)."""
    from coe_portal.powerplatform.fake.api import start_fake_tenant
    from coe_portal.powerplatform.fake.tenant import FakeTenant

    from .fake_support import CLIENT_ID, CLIENT_SECRET, NOW, FakeClient

    tenant = FakeTenant(seed=7, environments=8, apps=240, flows=360, now=NOW)
    servers = start_fake_tenant(tenant, tls_dir, CLIENT_ID, CLIENT_SECRET)
    client = FakeClient(servers)
    try:
        yield _collect(tenant, client)
    finally:
        servers.stop()


def _collect(tenant, client):
    answers = {}
    envs = client.get("bap", f"{BAP_ENVIRONMENTS}?api-version=2021-04-01&$expand=properties.capacity").json()
    answers["environments"] = envs["value"]
    names = [env["name"] for env in envs["value"]]
    answers["apps"] = [app for env in names for app in client.all_pages("powerapps", client.apps_path(env))[0]]
    answers["connectors"] = [item for env in names for item in client.get(
        "powerapps", "/providers/Microsoft.PowerApps/apis?api-version=2019-05-01&showApisWithToS=true"
        f"&$filter=environment eq '{env}'").json()["value"]]
    answers["flows"] = [flow for env in names for flow in client.all_pages("flow", client.flows_path(env))[0]]
    by_env = {}
    for flow in answers["flows"]:
        by_env.setdefault(flow["properties"]["environment"]["name"], []).append(flow["name"])
    answers["flow_detail"] = [client.get("flow", client.flow_path(env, flow)).json()
                              for env, flows in by_env.items() for flow in flows[:40]]
    policies = client.get("bap", "/providers/PowerPlatform.Governance/v2/policies").json()["value"]
    answers["policies"] = policies
    answers["policy"] = [client.get("bap", "/providers/PowerPlatform.Governance/v2/policies/"
                                           f"{policy['policyDefinition']['name']}").json() for policy in policies]
    oids = [maker.oid for maker in tenant.makers[:50]]
    answers["users"] = client.post("graph", "/v1.0/directoryObjects/getByIds",
                                   json={"ids": oids, "types": ["user"]}).json()["value"]
    answers["user"] = [client.get("graph", f"/v1.0/users/{oid}").json() for oid in oids[:3]]
    return answers


ENVIRONMENTS = ["tf_bap_environments_list.json", "tf_bap_environment_get_expand_capacity.json",
                "tf_bap_environment_get_managed.json", "pnp_bap_environments_admin.json"]
APPS = ["tf_powerapps_admin_apps.json", "pnp_powerapps_apps.json"]
CONNECTORS = ["tf_powerapps_connectors.json", "pnp_powerapps_custom_connectors.json"]
POLICY = ["tf_dlp_v2_policy_a1.json", "tf_dlp_v2_policy_a2.json"]


class TestTheFakeAnswersAsRecorded:
    def test_environments(self, served):
        recordings = [_values(name) for name in ENVIRONMENTS]
        _check_shape("environments", recordings, served["environments"])
        _check_facts(parse_environment, recordings, served["environments"])

    def test_apps(self, served):
        recordings = [_values(name) for name in APPS]
        _check_shape("apps", recordings, served["apps"])
        _check_facts(parse_app, recordings, served["apps"])

    def test_connectors(self, served):
        recordings = [_values(name) for name in CONNECTORS]
        _check_shape("connectors", recordings, served["connectors"])
        _check_facts(parse_connector, recordings, served["connectors"])

    def test_the_v2_flow_list(self, served):
        recordings = [_values("pnp_flow_admin_v2_flows.json")]
        _check_shape("flows", recordings, served["flows"])
        _check_facts(parse_flow, recordings, served["flows"])

    def test_a_flow_detail(self, served):
        recordings = [_values("pnp_flow_admin_get_2022.json")]
        _check_shape("flow_detail", recordings, served["flow_detail"])
        _check_facts(lambda item: parse_flow_detail(item), recordings, served["flow_detail"])

    def test_dlp_policies(self, served):
        _check_shape("policies", [_values("tf_dlp_v2_policies_list.json")], served["policies"])
        recordings = [_values(name) for name in POLICY]
        _check_shape("policy", recordings, served["policy"])
        _check_facts(parse_policy, recordings, served["policy"])

    def test_graph_users_by_id_answer_with_the_default_properties_only(self, served):
        users = [item for item in _values("pnp_graph_directory_objects_mixed.json")
                 if item.get("@odata.type") == "#microsoft.graph.user"]
        _check_shape("users", [users, _values("pnp_graph_user_get_member.json")], served["users"])
        assert not any("department" in user or "accountEnabled" in user for user in served["users"])
        _check_facts(parse_user, [users], served["users"])

    def test_a_graph_user(self, served):
        recordings = [_values("pnp_graph_user_get_member.json"), _values("pnp_graph_user_get_guest.json")]
        _check_shape("user", recordings, [{k: v for k, v in user.items() if k != "@odata.context"}
                                          for user in served["user"]])
