"""Every recorded body through the sync's own parsing and writing, into PostgreSQL: no item fails, no fact is lost.

Issue 17's findings, each checked on what the recordings say: makers from Graph's default
answer (no department, no accountEnabled, a group and a device beside a user), DLP's virtual
HTTP ids, native Dataverse use and the premium flag, v2 rules beyond connector groups, trigger
URLs of flows that are not HTTP-triggered, times with seven digits and Z, rated capacity and
custom pages.
"""

from datetime import UTC, datetime

import pytest

from coe_portal.powerplatform.policies import parse_policy, policy_connector_id
from coe_portal.powerplatform.records import (
    BUILTIN_ACTIONS,
    parse_app,
    parse_connector,
    parse_environment,
    parse_flow,
    parse_flow_detail,
    parse_user,
)
from dlp.models import Policy
from dlp.services.policies import _connector_ids, _store
from inventory.models import App, Connector, Environment, Flow, Maker
from inventory.services import sync_writes as writes

from .recordings import recorded, requires_recordings

pytestmark = [requires_recordings, pytest.mark.django_db]
RUN = 1


def _values(name):
    body = recorded(name)
    return body["value"] if isinstance(body, dict) and "value" in body else body


def _parse_all(parse, items):
    """Parse every item as client.page does; any exception is a failed item."""
    return [parse(item) for item in items]


def _environment(env_id="00000000-0000-0000-0000-000000000001"):
    return Environment.objects.create(env_id=env_id, display_name="Recorded")


def _sync_apps(recording):
    """Parse a recorded app list and write it as sync_apps does; return the records."""
    env = _environment()
    records = _parse_all(parse_app, _values(recording))
    writes.merge_apps(records, env, RUN)
    ids = dict(App.objects.values_list("app_id", "pk"))
    writes.replace_usages("app", {ids[r.app_id]: r.connectors for r in records}, run_id=RUN)
    return records


class TestEnvironments:
    def test_times_keep_their_zone_and_rated_capacity_is_stored(self):
        records = _parse_all(parse_environment, _values("tf_bap_environments_list.json")
                             + [recorded("tf_bap_environment_get_expand_capacity.json"),
                                recorded("tf_bap_environment_get_managed.json")]
                             + _values("pnp_bap_environments_admin.json"))
        first = records[0]
        assert first.created_time == datetime(2023, 2, 15, 8, 2, 36, 179912, tzinfo=UTC)
        assert all(record.created_time.tzinfo is not None for record in records if record.created_time)
        unique = {record.env_id: record for record in records}
        writes.merge_environments(list(unique.values()), RUN)
        writes.merge_environments([parse_environment(recorded("tf_bap_environment_get_expand_capacity.json"))], RUN)
        capacity = Environment.objects.get(env_id="00000000-0000-0000-0000-000000000001")
        assert (capacity.capacity_database_mb, capacity.capacity_database_rated_mb) == (885.0391, 1024.0)
        assert capacity.capacity_used_mb == 1024.0 + 1187.142 + 0.0
        assert parse_environment(recorded("tf_bap_environment_get_managed.json")).is_managed


class TestApps:
    def test_custom_pages_native_dataverse_and_the_premium_flag(self):
        records = _sync_apps("tf_powerapps_admin_apps.json")
        app = App.objects.get(app_id=records[0].app_id)
        assert app.kind == "custom_page"
        assert app.uses_premium is True  # usesPremiumApi, although no connection reference is premium
        usage = app.usages.get()  # connectionReferences is empty: Dataverse only through databaseReferences
        assert (usage.connector.connector_id, usage.data_sources) == ("shared_commondataservice", ["Entities"])

    def test_classic_canvas_apps_with_their_references(self):
        _sync_apps("pnp_powerapps_apps.json")
        assert set(App.objects.values_list("kind", flat=True)) == {"canvas"}
        assert not App.objects.filter(uses_premium=True).exists()
        assert Connector.objects.filter(connector_id="shared_office365users").exists()
        owner = Maker.objects.get(entra_object_id="a86f34fb-fc0b-476f-b2d3-84b2648cc87a")
        assert owner.email == "john.doe@contoso.onmicrosoft.com"
        assert owner.is_disabled is None and owner.department == ""  # not said: unknown, nothing written


class TestFlows:
    def test_the_v2_list_and_a_recurrence_flow_without_a_trigger_url(self):
        env = _environment()
        records = _parse_all(parse_flow, _values("pnp_flow_admin_v2_flows.json"))
        writes.merge_flows(records, env, RUN)
        detail = parse_flow_detail(recorded("pnp_flow_admin_get_2022.json"))
        assert detail.trigger_kind == "Recurrence" and not detail.has_http_trigger
        assert detail.trigger_url == ""  # the service sends flowTriggerUri for a recurrence flow too
        by_name = {ref.connector_id: ref for ref in detail.connectors}
        assert by_name["shared_rss"].actions == ["ListFeedItems"]
        assert by_name["shared_flowpush"].actions == ["SendEmailNotification"]
        flow = Flow.objects.create(flow_id=detail.flow_id, environment=env, display_name="Digest")
        writes.set_flow_details([detail], {detail.flow_id: flow.pk})
        writes.replace_usages("flow", {flow.pk: detail.connectors}, run_id=RUN)
        flow.refresh_from_db()
        assert flow.trigger_url == "" and flow.usages.get(connector__connector_id="shared_rss").actions == [
            "ListFeedItems"]
        listed = Flow.objects.filter(flow_id__in=[r.flow_id for r in records], created_time__isnull=False)
        assert listed.count() == len(records) > 0


class TestConnectors:
    def test_custom_connectors_name_their_definition(self):
        env = _environment()
        records = _parse_all(parse_connector, _values("tf_powerapps_connectors.json")
                             + _values("pnp_powerapps_custom_connectors.json"))
        custom = [record for record in records if record.is_custom]
        assert len(custom) == 2 and all(record.swagger_url.startswith("https://") for record in custom)
        writes.merge_connectors(records, RUN, env)
        assert Connector.objects.filter(is_custom=True, environment=env).count() == 2


class TestPolicies:
    def test_virtual_http_ids_are_the_flow_usages_ids(self):
        virtual = [policy_connector_id(entry["id"]) for entry in _values("tf_governance_virtual_connectors.json")]
        assert virtual == ["http", "request"] and set(virtual) <= set(BUILTIN_ACTIONS)

    def test_rules_beyond_connector_groups_are_stored(self):
        records = [parse_policy(recorded(name)) for name in ("tf_dlp_v2_policy_a1.json", "tf_dlp_v2_policy_a2.json")]
        names = sorted({n for r in records for names in r.groups.values() for n in names})
        connector_ids = _connector_ids(names)
        for record in records:
            _store(record, connector_ids, {}, datetime(2026, 1, 1, tzinfo=UTC))
        a2 = Policy.objects.get(display_name="a2")
        assert a2.url_patterns == [{"order": 1, "pattern": "http://aaa.com", "group": "business"}]
        assert a2.custom_connector_group == ""  # "*" is Ignore: the default group
        blob = a2.action_rules["shared_azureblob"]
        assert blob["default"] == "Block" and blob["actions"]["DeleteFile_V2"] == "Allow"
        assert a2.endpoint_rules == {"shared_azureblob": [{"order": 1, "endpoint": "*", "behavior": "Deny"}]}
        assert a2.modified_time == datetime(2023, 10, 2, 7, 56, 43, 970036, tzinfo=UTC)
        assert Policy.objects.get(display_name="a1").action_rules == {}


class TestMakers:
    def test_graphs_default_answer_leaves_known_facts_alone_and_only_users_are_makers(self):
        answer = _values("pnp_graph_directory_objects_mixed.json")
        users = [user for user in map(parse_user, answer) if user]
        assert len(users) == 1 and len(answer) == 3  # the group and the device are not people
        user = users[0]
        maker = Maker.objects.create(entra_object_id=user.object_id, department="Finance", is_disabled=True)
        writes.update_makers(users, missing=set())
        maker.refresh_from_db()
        assert (maker.department, maker.is_disabled) == ("Finance", True)
        assert maker.display_name == user.display_name and maker.last_synced is not None

    def test_a_selected_answer_is_written_whole(self):
        member = recorded("pnp_graph_user_get_member.json")
        selected = {**{key: member[key] for key in ("id", "displayName", "mail", "userPrincipalName")},
                    "department": "Sales", "officeLocation": None, "accountEnabled": False}
        Maker.objects.create(entra_object_id=member["id"], department="Finance", location="Paris")
        writes.update_makers([parse_user(selected)], missing=set())
        maker = Maker.objects.get(entra_object_id=member["id"])
        assert (maker.department, maker.location, maker.is_disabled) == ("Sales", "", True)
        assert maker.user_principal_name == "aarifs@contoso.onmicrosoft.com" and maker.is_orphaning
