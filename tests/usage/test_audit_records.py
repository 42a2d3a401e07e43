"""Audit records as usage-apis.md 1.4 describes them: both launch shapes, noise, odd records, repeats."""

import json
import uuid

import pytest

from coe_portal.powerplatform.errors import MalformedResponse
from coe_portal.powerplatform.usage import parse_audit_blob

APP = "0b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b"
USER = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


def unified(app=APP, record_id=None, when="2026-11-30T13:17:34", **extra):
    properties = [{"Name": "powerplatform.analytics.resource.type", "Value": "PowerApp"},
                  {"Name": "powerplatform.analytics.activity.name", "Value": "LaunchPowerApp"},
                  {"Name": "enduser.id", "Value": USER}]
    if app is not None:
        properties.append({"Name": "powerplatform.analytics.resource.power_app.id", "Value": app})
    return {"Id": record_id or str(uuid.uuid4()), "RecordType": 256, "CreationTime": when,
            "Operation": "LaunchPowerApp", "OrganizationId": str(uuid.uuid4()), "UserType": 2, "UserKey": USER,
            "UserId": "amber@contoso.example", "Workload": "PowerPlatform", "ResultStatus": "Succeeded",
            "EnvironmentId": str(uuid.uuid4()), "ClientIP": "203.0.113.9", "PropertyCollection": properties, **extra}


def legacy(app=APP, when="2026-11-30T08:00:00"):
    return {"Id": str(uuid.uuid4()), "RecordType": 45, "CreationTime": when, "Operation": "LaunchPowerApp",
            "Workload": "PowerApps", "AppName": f"/providers/Microsoft.PowerApps/apps/{app}", "UserKey": USER,
            "UserId": "amber@contoso.example", "ObjectId": app}


def test_both_shapes_are_launches_and_noise_is_not():
    noise = [{"Id": str(uuid.uuid4()), "RecordType": 15, "CreationTime": "2026-11-30T09:00:00",
              "Operation": "UserLoggedIn", "Workload": "AzureActiveDirectory"},
             {**unified(), "Operation": "DeletePowerApp"}]
    records, launches, without_app, malformed = parse_audit_blob(json.dumps([unified(), legacy(), *noise]).encode())
    assert (records, len(launches), without_app, malformed) == (4, 2, 0, 0)
    assert {launch.app_guid for launch in launches} == {APP}
    assert {launch.user_key for launch in launches} == {USER}
    assert [launch.at.isoformat() for launch in launches] == ["2026-11-30T13:17:34+00:00", "2026-11-30T08:00:00+00:00"]


def test_a_launch_without_its_app_id_is_counted_apart():
    _, launches, without_app, _ = parse_audit_blob(json.dumps([unified(app=None), unified()]).encode())
    assert len(launches) == 1 and without_app == 1


def test_one_odd_record_costs_itself_not_the_blob():
    odd = {**unified(), "UserKey": 12345}  # a number where a string belongs
    records, launches, _, malformed = parse_audit_blob(json.dumps([unified(), odd, legacy()]).encode())
    assert (records, len(launches), malformed) == (3, 2, 1)


def test_a_blob_that_is_not_an_array_is_refused():
    with pytest.raises(MalformedResponse):
        parse_audit_blob(b'{"error": "nope"}')
