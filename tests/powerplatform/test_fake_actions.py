"""Governance actions against the fake (quarantine, stop/start, delete, restore), tenant changes, Graph."""

import pytest

from tests.powerplatform import fake_support

# The shared fixtures, registered in this module.
fake, make_fake, tls_dir = fake_support.fake, fake_support.make_fake, fake_support.tls_dir


def app_in_list(client, env, name):
    items, _ = client.all_pages("powerapps", client.apps_path(env))
    return next((item for item in items if item["name"] == name), None)


def flow_in_list(client, env, name, extra=""):
    items, _ = client.all_pages("flow", client.flows_path(env, top=250, extra=extra))
    return next((item for item in items if item["name"] == name), None)


def quarantine_status(item):
    return item["properties"]["executionRestrictions"]["appQuarantineState"]["quarantineStatus"]


class TestApps:
    @pytest.mark.parametrize("body", [{"quarantineStatus": "Quarantined"}, {"QuarantineStatus": "quarantined"}])
    def test_quarantine_shows_in_later_listings(self, fake, body):
        tenant, _, client = fake
        env, app = tenant.default_environment.name, tenant.default_environment.apps[0].name
        path = client.app_path(env, app, "/setAppQuarantineState", "2021-02-01")
        assert client.post("powerapps", path, json=body).status_code == 200
        assert quarantine_status(app_in_list(client, env, app)) == "Quarantined"
        state = client.get("powerapps", client.app_path(env, app, "/getAppQuarantineState", "2021-02-01"))
        assert state.json() == {"quarantineStatus": "Quarantined"}
        assert client.post("powerapps", path, json={"quarantineStatus": "Unquarantined"}).status_code == 200
        assert quarantine_status(client.get("powerapps", client.app_path(env, app)).json()) == "Unquarantined"

    def test_quarantine_refuses_bad_bodies_and_missing_apps(self, fake):
        tenant, _, client = fake
        env, app = tenant.default_environment.name, tenant.default_environment.apps[0].name
        bad = client.post("powerapps", client.app_path(env, app, "/setAppQuarantineState", "2021-02-01"),
                          json={"quarantineStatus": "Maybe"})
        assert bad.status_code == 400
        missing = client.post("powerapps", client.app_path(env, "0000", "/setAppQuarantineState", "2021-02-01"),
                              json={"quarantineStatus": "Quarantined"})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "AppNotFound"
        assert client.get("powerapps", client.app_path(env, "0000")).json()["error"]["code"] == "AppNotFound"

    def test_delete_app_then_missing_app_answers_403(self, fake):
        tenant, _, client = fake
        env, app = tenant.default_environment.name, tenant.default_environment.apps[1].name
        before = len(tenant.apps)
        deleted = client.delete("powerapps", client.app_path(env, app))
        assert deleted.status_code == 200 and deleted.content == b""
        assert app_in_list(client, env, app) is None and len(tenant.apps) == before - 1
        again = client.delete("powerapps", client.app_path(env, app))
        assert again.status_code == 403
        bin_items, _ = client.all_pages(
            "powerapps", f"/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/deletedApps"
                         "?api-version=2017-06-01")
        assert [item["name"] for item in bin_items] == [app]


class TestFlows:
    def test_stop_and_start_change_the_state_in_lists_and_details(self, fake):
        tenant, _, client = fake
        env = tenant.default_environment.name
        flow = next(f for f in tenant.default_environment.flows if f.state == "Started")
        before = flow.modified
        assert client.post("flow", client.flow_path(env, flow.name, "/stop"), json={}).status_code == 200
        assert flow_in_list(client, env, flow.name)["properties"]["state"] == "Stopped"
        assert client.get("flow", client.flow_path(env, flow.name)).json()["properties"]["state"] == "Stopped"
        assert flow.modified > before
        assert client.post("flow", client.flow_path(env, flow.name, "/start")).status_code == 200
        assert flow_in_list(client, env, flow.name)["properties"]["state"] == "Started"

    @pytest.mark.parametrize("method,suffix", [("GET", ""), ("POST", "/stop"), ("POST", "/start")])
    def test_a_missing_flow_looks_like_an_authorization_failure(self, fake, method, suffix):
        tenant, _, client = fake
        answer = client.call(method, "flow", client.flow_path(tenant.default_environment.name, "f0f0", suffix))
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "ConnectionAuthorizationFailed"
        assert "shared_logicflows" in answer.json()["error"]["message"]

    def test_delete_is_200_then_204_and_restore_brings_the_flow_back_stopped(self, fake):
        tenant, _, client = fake
        env = tenant.default_environment.name
        flow = next(f for f in tenant.default_environment.flows if f.state == "Started")
        assert client.delete("flow", client.flow_path(env, flow.name)).status_code == 200
        assert client.delete("flow", client.flow_path(env, flow.name)).status_code == 204
        assert flow_in_list(client, env, flow.name) is None
        soft = flow_in_list(client, env, flow.name, extra="&include=softDeletedFlows")
        assert soft["properties"]["state"] == "Deleted"
        assert client.get("flow", client.flow_path(env, flow.name)).status_code == 403
        assert client.post("flow", client.flow_path(env, flow.name, "/restore")).status_code == 200
        assert flow_in_list(client, env, flow.name)["properties"]["state"] == "Stopped"

    def test_soft_deleted_flows_age_out_as_the_clock_moves(self, fake):
        tenant, _, client = fake
        env = tenant.default_environment.name
        flow = tenant.default_environment.flows[0]
        client.delete("flow", client.flow_path(env, flow.name))
        tenant.clock.advance(days=tenant.flow_retention_days + 1)
        assert flow_in_list(client, env, flow.name, extra="&include=softDeletedFlows") is None
        assert client.post("flow", client.flow_path(env, flow.name, "/restore")).status_code == 403


class TestTenantChanges:
    def test_touch_renames_and_bumps_modified_time_of_a_fraction(self, make_fake):
        tenant, _, client = make_fake(environments=2, apps=200, flows=400)
        env = tenant.default_environment
        before = {item["name"]: item["properties"]["lastModifiedTime"]
                  for item in client.all_pages("flow", client.flows_path(env.name, top=250))[0]}
        apps, flows = tenant.touch(0.1, seed=4)
        assert 5 <= len(apps) <= 40 and 10 <= len(flows) <= 80
        assert tenant.touch(0.1, seed=4) and [f.name for f in tenant.touch(0.1, seed=4)[1]] == [f.name for f in flows]
        after = {item["name"]: item["properties"]["lastModifiedTime"]
                 for item in client.all_pages("flow", client.flows_path(env.name, top=250))[0]}
        changed = {name for name in before if before[name] != after[name]}
        assert changed == {flow.name for flow in flows if flow.env == env.name}

    def test_removed_items_vanish_from_listings(self, fake):
        tenant, _, client = fake
        env = tenant.default_environment
        app, flow = env.apps[2], env.flows[2]
        counts = len(tenant.apps), len(tenant.flows)
        assert tenant.remove_app(app.env, app.name) and tenant.remove_flow(flow.env, flow.name)
        assert (len(tenant.apps), len(tenant.flows)) == (counts[0] - 1, counts[1] - 1)
        assert app_in_list(client, env.name, app.name) is None
        assert flow_in_list(client, env.name, flow.name, extra="&include=softDeletedFlows") is None
        assert not tenant.remove_app(app.env, app.name)


class TestGraph:
    def test_get_by_ids_leaves_deleted_users_out(self, make_fake):
        tenant, _, client = make_fake(environments=1, apps=300, flows=300)
        makers = tenant.makers
        answer = client.post("graph", "/v1.0/directoryObjects/getByIds?$select=id,displayName,mail,userPrincipalName,"
                                      "department,officeLocation,accountEnabled",
                             json={"ids": [m.oid for m in makers], "types": ["user"]})
        assert answer.status_code == 200
        users = {user["id"]: user for user in answer.json()["value"]}
        assert set(users) == {m.oid for m in makers if not m.deleted} and len(users) < len(makers)
        disabled = next(m for m in makers if not m.enabled and not m.deleted)
        user = users[disabled.oid]
        assert user["accountEnabled"] is False
        assert {"displayName", "mail", "userPrincipalName", "department", "officeLocation"} <= set(user)
        # Without $select, a user's default properties only (recorded): no department, no accountEnabled.
        plain = client.post("graph", "/v1.0/directoryObjects/getByIds", json={"ids": [disabled.oid]}).json()
        assert not {"department", "accountEnabled"} & set(plain["value"][0])

    def test_get_by_ids_takes_at_most_a_thousand_ids(self, fake):
        _, _, client = fake
        answer = client.post("graph", "/v1.0/directoryObjects/getByIds", json={"ids": ["x"] * 1001})
        assert answer.status_code == 400

    def test_one_user_by_id(self, make_fake):
        tenant, _, client = make_fake(environments=1, apps=300, flows=300)
        alive = next(m for m in tenant.makers if not m.deleted)
        answer = client.get("graph", f"/v1.0/users/{alive.oid}?$select=mail,userPrincipalName,displayName")
        assert answer.status_code == 200
        assert {k: v for k, v in answer.json().items() if not k.startswith("@")} == {
            "id": alive.oid, "mail": alive.mail, "userPrincipalName": alive.upn, "displayName": alive.display_name}
        gone = next(m for m in tenant.makers if m.deleted)
        assert client.get("graph", f"/v1.0/users/{gone.oid}").status_code == 404
