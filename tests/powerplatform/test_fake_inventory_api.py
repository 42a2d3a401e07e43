"""The fake's inventory API (inventory-api.md §1) from outside: access, paging, quota, grammar, freshness."""

import copy
import math
import re
import uuid
from datetime import datetime

import pytest

from coe_portal.powerplatform.fake.api import InventoryOptions
from coe_portal.powerplatform.fake.inventory_rows import table_rows
from tests.powerplatform import fake_support
from tests.powerplatform.inventory_support import ADA, MAX, READ, connect, everything, query, where_type

fake, make_fake, tls_dir = fake_support.fake, fake_support.make_fake, fake_support.tls_dir

BY_ID = {"$type": "orderby", "FieldNamesAscDesc": {"id": "asc"}}
CANVAS = "microsoft.powerapps/canvasapps"


@pytest.fixture
def admin(make_fake):
    """A small tenant and Ada's delegated token: (tenant, servers, client, token)."""
    tenant, servers, client = make_fake()
    _, result = connect(servers)
    return tenant, servers, client, result["access_token"]


class TestAccess:
    def test_an_app_only_token_is_forbidden(self, fake):
        _, _, client = fake
        refused = query(client, client.token("ppapi"), [where_type(CANVAS)])
        assert refused.status_code == 403
        body = refused.json()
        assert body["code"] == "Forbidden" and body["innererror"]["code"] == "InsufficientDelegatedPermissions"

    def test_an_admins_delegated_token_gets_rows(self, admin):
        tenant, _, client, token = admin
        answer = query(client, token, [where_type(CANVAS), BY_ID])
        assert answer.status_code == 200, answer.text
        names = {row["name"] for row in answer.json()["data"]}
        assert names == {app.name for app in tenant.apps if app.kind != "custom_page"}

    def test_a_user_who_is_not_an_administrator_is_forbidden(self, admin):
        _, servers, client, token = admin
        _, maker = connect(servers, MAX)
        refused = query(client, maker["access_token"], [where_type(CANVAS)])
        assert refused.status_code == 403 and "innererror" not in refused.json()
        servers.provider.set_directory_roles(ADA, [])
        assert query(client, token, [where_type(CANVAS)]).status_code == 403
        servers.provider.set_directory_roles(ADA, ["Dynamics 365 Administrator"])
        assert query(client, token, [where_type(CANVAS)]).status_code == 200

    def test_a_default_scope_token_carries_only_what_was_consented(self, make_fake):
        _, servers, client = make_fake()
        servers.provider.grants.consented.clear()
        _, result = connect(servers, scopes=["https://api.powerplatform.com/.default"])
        refused = query(client, result["access_token"], [where_type(CANVAS)])
        assert refused.status_code == 403
        assert "ResourceQuery.Resources.Read" in refused.json()["innererror"]["message"]
        servers.provider.consent(servers.client_id, "https://api.powerplatform.com", "ResourceQuery.Resources.Read")
        _, result = connect(servers, scopes=["https://api.powerplatform.com/.default"])
        assert query(client, result["access_token"], [where_type(CANVAS)]).status_code == 200

    def test_msal_refreshes_silently_until_the_grant_is_revoked(self, admin):
        _, servers, client, _ = admin
        app, first = connect(servers)
        assert first["refresh_token"] and first["scope"] == READ
        account = app.get_accounts(username=ADA)[0]
        assert app.acquire_token_silent([READ], account=account)["token_source"] == "cache"
        refreshed = app.acquire_token_silent_with_error([READ], account=account, force_refresh=True)
        assert refreshed["token_source"] == "identity_provider"
        assert query(client, refreshed["access_token"], [where_type(CANVAS)]).status_code == 200
        servers.provider.revoke(ADA)
        failed = app.acquire_token_silent_with_error([READ], account=account, force_refresh=True)
        assert failed["error"] == "invalid_grant" and failed["error_codes"] == [50173]
        assert failed["error_description"].startswith("AADSTS50173: The provided grant has expired")
        _, again = connect(servers)  # the admin connects again: a new grant works
        assert app.acquire_token_by_refresh_token(again["refresh_token"], [READ])["access_token"]

    def test_api_version_is_required(self, admin):
        _, _, client, token = admin
        body = {"TableName": "PowerPlatformResources", "Clauses": [where_type(CANVAS)]}
        missing = client.post("ppapi", "/resourcequery/resources/query", token=token, json=body)
        assert missing.status_code == 400 and missing.json()["error"]["code"] == "MissingApiVersionParameter"


class TestPaging:
    def test_pages_ordered_by_id_reach_every_row_once(self, make_fake):
        tenant, servers, client = make_fake(environments=6, apps=1100, flows=1300)
        token = connect(servers)[1]["access_token"]
        rows, pages = everything(client, token, [BY_ID])
        expected = {row["id"] for row in table_rows(tenant, tenant.inventory.as_of())}
        assert len(pages) == math.ceil(len(expected) / 1000) > 1
        assert all(page["count"] == 1000 for page in pages[:-1])
        assert len(rows) == len({row["id"] for row in rows}) == len(expected) == pages[0]["totalRecords"]
        assert {row["id"] for row in rows} == expected
        assert all(page["resultTruncated"] == 1 for page in pages) and "skipToken" not in pages[-1]

    def test_ties_in_the_order_make_pages_overlap_and_miss_rows(self, make_fake):
        _, servers, client = make_fake(environments=6, apps=1100, flows=1300)
        token = connect(servers)[1]["access_token"]
        rows, pages = everything(client, token, [{"$type": "orderby", "FieldNamesAscDesc": {"type": "asc"}}])
        assert len(rows) == pages[0]["totalRecords"]
        assert len({row["id"] for row in rows}) < len(rows)

    def test_take_disables_paging(self, make_fake):
        _, servers, client = make_fake(environments=4, apps=900, flows=900)
        token = connect(servers)[1]["access_token"]
        page = query(client, token, [BY_ID, {"$type": "take", "TakeCount": 1500}], Top=1000).json()
        assert (page["totalRecords"], page["count"], page["resultTruncated"]) == (1500, 1000, 0)
        assert "skipToken" not in page

    def test_only_dynamic_columns_disable_paging(self, make_fake):
        _, servers, client = make_fake(environments=4, apps=900, flows=900)
        token = connect(servers)[1]["access_token"]
        dynamic = query(client, token, [BY_ID, {"$type": "project", "FieldList": ["properties"]}]).json()
        assert dynamic["resultTruncated"] == 0 and "skipToken" not in dynamic and dynamic["count"] == 1000
        named = query(client, token, [BY_ID, {"$type": "project", "FieldList": ["id", "properties"]}]).json()
        assert named["resultTruncated"] == 1 and named["skipToken"]

    def test_top_is_capped_and_a_foreign_skiptoken_is_refused(self, make_fake):
        _, servers, client = make_fake(environments=4, apps=900, flows=900)
        token = connect(servers)[1]["access_token"]
        first = query(client, token, [BY_ID], Top=5000).json()
        assert first["count"] == 1000
        other = query(client, token, [where_type(CANVAS), BY_ID], SkipToken=first["skipToken"])
        assert other.status_code == 400 and other.json()["error"]["details"][0]["code"] == "InvalidSkipToken"
        both = query(client, token, [BY_ID], Skip=10, SkipToken=first["skipToken"])
        assert both.status_code == 400
        skipped = query(client, token, [BY_ID], Skip=10, Top=5).json()
        assert [row["id"] for row in skipped["data"]] == [row["id"] for row in first["data"][10:15]]


class TestQuota:
    def test_quota_headers_count_down_then_429_with_retry_after(self, make_fake):
        _, servers, client = make_fake(inventory=InventoryOptions(quota_requests=3, quota_window=30))
        token = connect(servers)[1]["access_token"]
        answers = [query(client, token, [where_type(CANVAS)]) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["x-ms-user-quota-remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert all(re.fullmatch(r"\d\d:\d\d:\d\d", a.headers["x-ms-user-quota-resets-after"]) for a in answers)
        assert 1 <= int(answers[3].headers["Retry-After"]) <= 30
        assert answers[3].json()["error"]["code"] == "RateLimiting"

    def test_each_user_has_a_quota_of_their_own(self, make_fake):
        _, servers, client = make_fake(inventory=InventoryOptions(quota_requests=1, quota_window=30))
        servers.provider.set_directory_roles(MAX, ["Power Platform Administrator"])
        ada, other_admin = (connect(servers, upn)[1]["access_token"] for upn in (ADA, MAX))
        assert query(client, ada, [where_type(CANVAS)]).status_code == 200
        assert query(client, ada, [where_type(CANVAS)]).status_code == 429
        assert query(client, other_admin, [where_type(CANVAS)]).status_code == 200


def _names(client, token, kind=CANVAS):
    answer = query(client, token, [where_type(kind), BY_ID])
    assert answer.status_code == 200, answer.text
    return {row["name"]: row["properties"] for row in answer.json()["data"]}


class TestFreshness:
    def test_changes_show_only_after_the_lag(self, admin):
        tenant, _, client, token = admin
        app, gone = [a for a in tenant.apps if a.kind != "custom_page"][:2]
        flow = tenant.flows[0]
        before = app.display_name
        tenant.set_quarantine(app.env, app.name, True)
        tenant.touch(1.0)
        tenant.remove_app(gone.env, gone.name)
        tenant.stop_flow(flow.env, flow.name)
        tenant.clock.advance(seconds=14 * 60)
        stale = _names(client, token)
        assert stale[app.name]["displayName"] == before and not stale[app.name]["isQuarantined"]
        assert gone.name in stale
        tenant.clock.advance(seconds=61)
        fresh = _names(client, token)
        assert fresh[app.name]["displayName"] == app.display_name != before and fresh[app.name]["isQuarantined"]
        assert gone.name not in fresh

    def test_new_items_appear_and_removed_ones_go_after_the_lag_an_option_sets(self, make_fake):
        tenant, servers, client = make_fake(inventory=InventoryOptions(freshness_lag=60))
        token = connect(servers)[1]["access_token"]
        env = tenant.default_environment
        new = copy.copy(next(a for a in env.apps if a.kind == "canvas"))
        new.name, new.created = str(uuid.uuid4()), tenant.timestamp()  # as an import makes it
        env.add_app(new)
        agent = tenant.inventory.resources[0]
        tenant.inventory.remove(agent)
        assert new.name not in _names(client, token) and agent.name in _names(client, token, agent.type)
        tenant.clock.advance(seconds=61)
        assert new.name in _names(client, token) and agent.name not in _names(client, token, agent.type)
        tenant.inventory.options.freshness_lag = 0
        tenant.delete_app(env, new.name)
        assert new.name not in _names(client, token)

    def test_a_listing_keeps_its_moment_across_pages(self, make_fake):
        tenant, servers, client = make_fake(environments=4, apps=900, flows=100,
                                            inventory=InventoryOptions(freshness_lag=0))
        token = connect(servers)[1]["access_token"]
        clauses = [where_type(CANVAS), BY_ID]
        first = query(client, token, clauses, Top=500).json()
        last = max(row["id"] for row in table_rows(tenant, tenant.inventory.as_of(), [CANVAS]))
        app = next(a for a in tenant.apps if last.endswith(a.name))
        tenant.remove_app(app.env, app.name)
        second = query(client, token, clauses, Top=500, SkipToken=first["skipToken"]).json()
        assert second["data"][-1]["id"] == last
        assert last not in {row["id"] for row in query(client, token, clauses, Top=1000).json()["data"]}


class TestGrammar:
    def refused(self, admin, clauses, code, **body):
        _, _, client, token = admin
        answer = query(client, token, clauses, **body)
        assert answer.status_code == 400, answer.text
        detail = answer.json()["error"]["details"][0]
        assert detail["code"] == code, detail
        return detail["message"]

    def test_what_the_service_refuses(self, admin):
        type_second = {"FieldName": "type", "$type": "where", "Operator": "==", "Values": ["'x'"]}
        message = self.refused(admin, [type_second], "InvalidQuery")
        assert message == "KQLOM format is wrong or it cannot be null"
        self.refused(admin, [{"$type": "where", "FieldName": "type", "Operator": "==",
                              "Values": ["microsoft.powerapps/canvasapps"]}], "Operator_FailedToResolveEntity")
        self.refused(admin, [{"$type": "orderby", "FieldNamesAscDesc": {"properties.createdAt": "desc"}}],
                     "ExpressionKeyCantBeDynamic")
        self.refused(admin, [{"$type": "mvexpand", "FieldList": ["properties.powerPlatformConnectors"]}],
                     "InvalidQuery")
        on_array = {"$type": "where", "FieldName": "properties.powerPlatformConnectors", "Operator": "==",
                    "Values": ["'shared_office365'"]}
        self.refused(admin, [where_type(CANVAS), on_array], "InvalidQuery")

    def test_the_table_must_be_power_platform_resources(self, admin):
        _, _, client, token = admin
        assert query(client, token, [BY_ID], table="Resources").status_code == 400

    def test_project_names_paths_and_aliases(self, admin):
        _, _, client, token = admin
        clauses = [where_type(CANVAS), BY_ID, {"$type": "project", "FieldList": [
            "name", "properties.displayName", "environmentId = tostring(properties.environmentId)"]}]
        row = query(client, token, clauses).json()["data"][0]
        assert set(row) == {"name", "properties_displayName", "environmentId"}

    def test_an_incremental_query_finds_what_changed_after_a_moment(self, admin):
        tenant, _, client, token = admin
        cutoff = "2026-05-01T00:00:00Z"
        clauses = [where_type(CANVAS), {"$type": "extend", "FieldName": "modified",
                                        "Expression": "todatetime(properties.lastModifiedAt)"},
                   {"$type": "where", "FieldName": "modified", "Operator": ">", "Values": [f"datetime({cutoff})"]},
                   BY_ID]
        found = {row["name"] for row in query(client, token, clauses).json()["data"]}
        since = datetime.fromisoformat(cutoff).timestamp()
        assert found == {a.name for a in tenant.apps if a.modified > since and a.kind != "custom_page"} != set()

    def test_count_summarize_and_the_ppac_join(self, admin):
        tenant, _, client, token = admin
        counted = query(client, token, [where_type(CANVAS), {"$type": "count"}]).json()["data"]
        canvas = sum(a.kind != "custom_page" for a in tenant.apps)
        assert counted == [{"Count": canvas}]
        summary = query(client, token, [{"$type": "summarize", "SummarizeClauseExpression": {
            "OperatorName": "count", "OperatorFieldName": "resourceCount", "FieldList": ["type"]}}]).json()["data"]
        assert {row["type"]: row["resourceCount"] for row in summary}[CANVAS] == canvas
        environments = [{"$type": "where", "FieldName": "type", "Operator": "==",
                         "Values": ["'microsoft.powerplatform/environments'"]},
                        {"$type": "project", "FieldList": ["joinKey = tolower(name)",
                                                           "environmentName = properties.displayName"]}]
        join = {"$type": "join", "JoinKind": "leftouter",
                "RightTable": {"TableName": "PowerPlatformResources", "Clauses": environments},
                "LeftColumnName": "joinKey", "RightColumnName": "joinKey"}
        key = {"$type": "extend", "FieldName": "joinKey", "Expression": "tolower(tostring(properties.environmentId))"}
        clauses = [key, join, where_type(CANVAS), BY_ID]
        rows = query(client, token, clauses).json()["data"]
        names = {env.name: env.display_name for env in tenant.environments}
        assert rows and all(row["environmentName"] == names[row["properties"]["environmentId"]] for row in rows)

    def test_contains_goes_by_terms_so_punctuated_needles_match_nothing(self, admin):
        _, _, client, token = admin

        def count(operator, needle):
            used = {"$type": "extend", "FieldName": "used",
                    "Expression": "tostring(properties.powerPlatformConnectors)"}
            clauses = [where_type("microsoft.powerautomate/cloudflows"), used,
                       {"$type": "where", "FieldName": "used", "Operator": operator, "Values": [needle]},
                       {"$type": "count"}]
            return query(client, token, clauses).json()["data"][0]["Count"]

        assert count("has", "'shared_office365'") > 0
        assert count("contains", "'\"connectorId\":\"shared_office365\"'") == 0
