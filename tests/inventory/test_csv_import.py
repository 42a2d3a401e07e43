"""Import the CoE Starter Kit's CSVs into PostgreSQL: DLP impact CSVs and Dataverse table exports."""

import io
import json
import time
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from inventory.models import App, Connector, ConnectorUsage, Environment, Flow, Maker
from inventory.services.csv_import import CsvImportError, detect_format, import_csv

pytestmark = pytest.mark.django_db

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEFAULT_ENV = f"Default-{TENANT}"
SALES_ENV = "0c3b1c7e-4b7b-4c6e-9a8f-1f0e5b2d3a41"
APP_1 = "5d6a3c8e-1f2b-4c3d-8e9f-0a1b2c3d4e5f"
APP_2 = "6e7b4d9f-2a3c-4d4e-9f0a-1b2c3d4e5f60"
FLOW_1 = "7f8c5e0a-3b4d-4e5f-8a1b-2c3d4e5f6071"
ANN_OID = "a1b2c3d4-0000-4000-8000-000000000001"
BOB_OID = "a1b2c3d4-0000-4000-8000-000000000002"

DLP_APPS = (
    "AppName,AppOwner,AppOwnerEmail,AppConnections,AppID,AppEnvironmentID,AppLastLaunched\n"
    f'Expense tracker,Ann Lee,ANN@contoso.com,"shared_sql,SharePoint",{APP_1},{DEFAULT_ENV},2024-03-01T09:30:00Z\n'
    f'"Leave, requests",Bob Ray,bob@contoso.com,shared_office365users;Approvals,{APP_2},{SALES_ENV},\n'
)
DLP_FLOWS = (
    "FlowName,FlowOwner,FlowOwnerEMail,FlowConnections,FlowID,FlowEnvironmentID,FlowState\n"
    f'Notify approvers,Bob Ray,bob@contoso.com,"shared_approvals,shared_teams",{FLOW_1},{SALES_ENV},Suspended\n'
)


def run(text, filename="apps.csv"):
    return import_csv(io.BytesIO(text.encode("utf-8")), filename=filename)


def snapshot():
    """Every row the import could touch, so "nothing written" can be checked exactly."""
    return {model.__name__: sorted(model.objects.values_list(*fields))
            for model, fields in ((Environment, ("env_id", "display_name")), (App, ("app_id", "display_name")),
                                  (Flow, ("flow_id", "state")), (Maker, ("email", "display_name")),
                                  (Connector, ("connector_id",)), (ConnectorUsage, ("connector_id", "app_id")))}


def usages_of(item):
    return sorted(item.usages.values_list("connector__connector_id", flat=True))


class TestDetectFormat:
    @pytest.mark.parametrize("header, expected", [
        ("AppName,AppOwner,AppOwnerEmail,AppConnections,AppID,AppEnvironmentID,AppLastLaunched", "dlp_apps"),
        ("\ufeff appid ; APPNAME ; AppEnvironmentId ; appconnections", "dlp_apps"),
        ("FlowID,FlowName,FlowOwner,FlowOwnerEMail,FlowConnections,FlowEnvironmentID,FlowState", "dlp_flows"),
        ("admin_displayname,admin_appid,admin_appenvironmentid", "coe_apps"),
        ("admin_flowid;admin_displayname;admin_flowenvironment", "coe_flows"),
        ("ADMIN_ENVIRONMENTID,admin_displayname", "coe_environments"),
        ("admin_makerid,admin_displayname,admin_useremail", "coe_makers"),
        ("admin_displayname,admin_id,admin_tier", "coe_connectors"),
    ])
    def test_headers_are_recognised_whatever_their_order_case_delimiter_or_bom(self, header, expected):
        assert detect_format(header) == expected

    def test_the_plain_dlp_layout_is_told_apart_by_the_file_name(self):
        header = ["name", "owner", "owner email", "connections", "id", "environment id"]
        assert detect_format(header, "apps.csv") == "dlp_apps"
        assert detect_format(header, "flow.csv") == "dlp_flows"

    def test_an_unknown_header_is_refused(self):
        with pytest.raises(CsvImportError, match=r"^line 1: unrecognised header"):
            detect_format("a,b,c")


class TestDlpImport:
    def test_apps_become_inventory_rows_with_owners_environments_and_usages(self):
        ann = Maker.objects.create(entra_object_id=ANN_OID, email="ann@contoso.com", display_name="Ann Lee")
        result = run(DLP_APPS)
        assert result.format == "dlp_apps" and result.rows == 2
        assert result.counts["apps"] == {"created": 2, "updated": 0}
        assert result.counts["environments"] == {"created": 2, "updated": 0}
        assert result.counts["makers"] == {"created": 1, "updated": 0}
        expense, leave = App.objects.get(app_id=APP_1), App.objects.get(app_id=APP_2)
        assert expense.display_name == "Expense tracker" and expense.owner == ann  # e-mail matched ignoring case
        assert expense.last_launched_time == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
        assert expense.environment.env_id == DEFAULT_ENV and expense.environment.is_default
        assert expense.first_seen_run is None and expense.last_synced is None and expense.kind == "canvas"
        assert leave.display_name == "Leave, requests" and leave.last_launched_time is None
        assert leave.environment.display_name == SALES_ENV  # named by its id until a sync names it
        bob = leave.owner
        assert (bob.email, bob.display_name, bob.entra_object_id) == ("bob@contoso.com", "Bob Ray", None)
        assert usages_of(expense) == ["shared_sharepointonline", "shared_sql"]
        assert usages_of(leave) == ["shared_approvals", "shared_office365users"]
        assert Connector.objects.get(connector_id="shared_approvals").display_name == "Approvals"

    def test_flows_become_inventory_rows_with_creator_state_and_usages(self):
        result = run(DLP_FLOWS, "flow.csv")
        assert result.format == "dlp_flows" and result.counts["flows"] == {"created": 1, "updated": 0}
        flow = Flow.objects.get(flow_id=FLOW_1)
        assert (flow.display_name, flow.state, flow.creator.email) == ("Notify approvers", "Suspended",
                                                                        "bob@contoso.com")
        assert flow.environment.env_id == SALES_ENV and not flow.environment.is_default
        assert usages_of(flow) == ["shared_approvals", "shared_teams"]

    def test_importing_again_updates_instead_of_duplicating(self):
        run(DLP_APPS)
        before = snapshot()
        again = run(DLP_APPS)
        assert snapshot() == before
        assert again.counts["apps"] == {"created": 0, "updated": 2}
        assert again.counts["environments"]["created"] == again.counts["makers"]["created"] == 0
        assert again.counts["connectors"]["created"] == 0
        assert again.counts["usages"] == {"created": 4, "updated": 0, "deleted": 4}

    def test_a_synced_app_keeps_the_syncs_facts_and_usages_and_the_file_fills_only_gaps(self):
        # Issue 17, item 8: the DLP editor's apps.csv over a synced inventory replaced the synced usages
        # (connection ids, data sources) with ones made from names, and the sync's display name.
        env = Environment.objects.create(env_id=DEFAULT_ENV, display_name="Contoso (default)", is_default=True,
                                         first_seen_run=3)
        owner = Maker.objects.create(entra_object_id=ANN_OID, email="ann@contoso.com")
        app = App.objects.create(app_id=APP_1, environment=env, display_name="Old name", owner=owner,
                                 shared_users_count=40, first_seen_run=3, last_seen_run=5)
        other = App.objects.create(app_id=APP_2, environment=env, display_name="Imported once", owner=owner)
        sql = Connector.objects.create(connector_id="shared_sql")
        ConnectorUsage.objects.create(app=app, connector=sql, connection_id="conn-1", data_sources=["Orders"])
        text = ("AppName,AppOwner,AppOwnerEmail,AppConnections,AppID,AppEnvironmentID\n"
                f"New name,,,shared_teams,{APP_1.upper()},{DEFAULT_ENV.upper()}\n"
                f"Renamed,,,shared_teams,{APP_2},{DEFAULT_ENV}\n")
        result = run(text)
        assert result.counts["apps"] == {"created": 0, "updated": 2, "kept from the sync": 1}
        assert result.counts["usages"]["kept from the sync"] == 1
        assert result.counts["environments"]["created"] == 0
        app.refresh_from_db()
        assert (App.objects.count(), app.display_name, app.owner, app.shared_users_count) == (2, "Old name", owner, 40)
        assert (app.first_seen_run, app.last_seen_run, app.environment) == (3, 5, env)
        assert Environment.objects.get().display_name == "Contoso (default)"
        usage = app.usages.get()
        assert (usage.connector.connector_id, usage.connection_id, usage.data_sources) == (
            "shared_sql", "conn-1", ["Orders"])
        # An item no sync has seen takes the file's facts, usages included.
        other.refresh_from_db()
        assert other.display_name == "Renamed" and usages_of(other) == ["shared_teams"]

    def test_bom_semicolons_and_crlf_are_read(self):
        text = ("\ufeffAppName;AppOwner;AppOwnerEmail;AppConnections;AppID;AppEnvironmentID\r\n"
                f"Caf\u00e9 app;Ann;ann@contoso.com;shared_sql,shared_teams;{APP_1};{SALES_ENV}\r\n")
        result = run(text)
        assert result.counts["apps"]["created"] == 1
        app = App.objects.get(app_id=APP_1)
        assert app.display_name == "Caf\u00e9 app" and usages_of(app) == ["shared_sql", "shared_teams"]


class TestCoeExports:
    def test_environments(self):
        text = ("admin_environmentid,admin_environmentname,admin_displayname,admin_environmentsku,admin_region,"
                "admin_environmentcdsinstanceurl,admin_environmentcreatedon,admin_governanceprotectionlevel\n"
                f"{TENANT},{DEFAULT_ENV},Contoso (default),Default,europe,,2020-01-05T10:00:00Z,Basic\n"
                f"{SALES_ENV},{SALES_ENV},Sales,Production,unitedstates,https://sales.crm.dynamics.com/,"
                "2023-06-01 08:00:00,Standard\n")
        assert run(text, "admin_environment.csv").counts == {"environments": {"created": 2, "updated": 0}}
        default, sales = Environment.objects.get(env_id=DEFAULT_ENV), Environment.objects.get(env_id=SALES_ENV)
        assert (default.display_name, default.environment_type, default.is_default) == ("Contoso (default)",
                                                                                         "Default", True)
        assert (sales.environment_type, sales.region, sales.is_managed) == ("Production", "unitedstates", True)
        assert sales.dataverse_url == "https://sales.crm.dynamics.com/"
        assert sales.created_time == datetime(2023, 6, 1, 8, tzinfo=UTC)

    def test_makers_and_an_email_only_maker_gets_its_object_id(self):
        run(DLP_APPS)  # creates Ann and Bob by e-mail only
        text = ("admin_makerid,admin_displayname,admin_userprincipalname,admin_useremail,admin_department,"
                "admin_city,admin_country,admin_accountenabled\n"
                f"{ANN_OID},Ann Lee,ann@contoso.com,Ann@Contoso.com,Finance,Oslo,Norway,true\n"
                f"{BOB_OID},Bob Ray,bob.ray@contoso.com,,Sales,,,false\n")
        result = run(text, "admin_maker.csv")
        assert result.counts == {"makers": {"created": 1, "updated": 1}}
        ann = Maker.objects.get(entra_object_id=ANN_OID)
        assert ann.apps.get().app_id == APP_1  # the maker the DLP import made, now known by object id
        assert (ann.department, ann.location, ann.is_disabled) == ("Finance", "Oslo, Norway", False)
        bob = Maker.objects.get(entra_object_id=BOB_OID)
        assert (bob.user_principal_name, bob.is_disabled, bob.location) == ("bob.ray@contoso.com", True, "")
        # Bob's export has no e-mail, so the e-mail-only maker the DLP import made stays as it was.
        assert Maker.objects.filter(email="bob@contoso.com", entra_object_id=None).exists()

    def test_connectors(self):
        Connector.objects.create(connector_id="shared_sql", display_name="SQL Server", tier="premium")
        text = ("admin_id,admin_displayname,admin_publisher,admin_tier,admin_iscustomapi\n"
                "/providers/Microsoft.PowerApps/apis/shared_sql,SQL Server,,,false\n"
                "/providers/Microsoft.PowerApps/apis/shared_SharePointOnline,SharePoint,Microsoft,Standard,false\n"
                "shared_contoso-5fhr-5f1234,Contoso HR,Contoso,Custom,true\n")
        assert run(text, "admin_connector.csv").counts == {"connectors": {"created": 2, "updated": 1}}
        assert Connector.objects.get(connector_id="shared_sql").tier == "premium"  # a blank tier keeps it
        sharepoint = Connector.objects.get(connector_id="shared_sharepointonline")
        assert (sharepoint.display_name, sharepoint.publisher, sharepoint.tier) == ("SharePoint", "Microsoft",
                                                                                   "standard")
        assert Connector.objects.get(connector_id="shared_contoso-5fhr-5f1234").is_custom

    def test_apps(self):
        text = ("admin_appid,admin_displayname,admin_appenvironmentid,admin_appenvironmentdisplayname,"
                "admin_appowner,admin_appownerdisplayname,admin_powerappstype,admin_appcreatedon,"
                "admin_appmodifiedon,admin_appsharedusers,admin_appsharedgroups,admin_issolutionapp,"
                "admin_appisquarantined,admin_appconnections,admin_appdeleted\n"
                f"{APP_1},Expense tracker,{SALES_ENV},Sales,{ANN_OID},Ann Lee,Model Driven,2023-01-02T03:04:05Z,"
                f'2024-01-02T03:04:05Z,12,2,Yes,No,"shared_commondataserviceforapps",False\n'
                f"{APP_2},Form,{SALES_ENV},Sales,,,597910002,,,0,0,,,,False\n")
        result = run(text, "admin_app.csv")
        assert result.counts["apps"] == {"created": 2, "updated": 0}
        app = App.objects.get(app_id=APP_1)
        assert (app.kind, app.shared_users_count, app.shared_groups_count) == ("model_driven", 12, 2)
        assert app.is_solution_aware and app.quarantine_status == ""
        assert app.modified_time == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert app.environment.display_name == "Sales"
        assert str(app.owner.entra_object_id) == ANN_OID and app.owner.display_name == "Ann Lee"
        assert usages_of(app) == ["shared_commondataserviceforapps"]
        form = App.objects.get(app_id=APP_2)
        assert form.kind == "sharepoint_form" and form.owner is None and usages_of(form) == []

    def test_flows(self):
        text = ("admin_flowid;admin_displayname;admin_flowenvironmentid;admin_flowcreator;admin_flowcreatorupn;"
                "admin_flowmakerdisplayname;admin_flowstate;admin_flowsuspensionreason;admin_flowcreatedon;"
                "admin_issolutionflow;admin_flowconnections\n"
                f"{FLOW_1};Nightly export;{DEFAULT_ENV};{BOB_OID};bob@contoso.com;Bob Ray;Stopped;;"
                "1/31/2024 2:05 PM;false;shared_sharepointonline,shared_office365\n")
        result = run(text, "admin_flow.csv")
        assert result.counts["flows"] == {"created": 1, "updated": 0}
        flow = Flow.objects.get(flow_id=FLOW_1)
        assert (flow.state, flow.is_solution_aware) == ("Stopped", False)
        assert flow.created_time == datetime(2024, 1, 31, 14, 5, tzinfo=UTC)
        assert str(flow.creator.entra_object_id) == BOB_OID and flow.creator.user_principal_name == "bob@contoso.com"
        assert usages_of(flow) == ["shared_office365", "shared_sharepointonline"]


def test_a_lookup_column_with_the_tenant_guid_finds_the_default_environment():
    Environment.objects.create(env_id=DEFAULT_ENV, display_name="Contoso (default)", is_default=True)
    text = f"admin_appid,admin_displayname,_admin_appenvironment_value\n{APP_1},Expense tracker,{TENANT}\n"
    result = run(text, "admin_app.csv")
    assert result.counts["environments"]["created"] == 0
    assert App.objects.get().environment.env_id == DEFAULT_ENV


def test_a_header_only_file_imports_nothing():
    result = run("FlowID,FlowName,FlowEnvironmentID,FlowConnections\n\n", "flow.csv")
    assert (result.format, result.rows, result.counts["flows"]) == ("dlp_flows", 0, {"created": 0, "updated": 0})


def test_a_column_we_read_must_not_appear_twice():
    with pytest.raises(CsvImportError) as caught:
        run(f"AppID,AppName,AppEnvironmentID,AppConnections,appid\n{APP_1},A,{SALES_ENV},,{APP_2}\n")
    assert str(caught.value) == "line 1, column 5 (appid): duplicate column, also column 1"


HEADER = "AppName,AppOwner,AppOwnerEmail,AppConnections,AppID,AppEnvironmentID,AppLastLaunched\n"
GOOD_ROW = f"Fine app,Ann,ann@contoso.com,shared_sql,{APP_2},{SALES_ENV},\n"


@pytest.mark.parametrize("body, message", [
    ("AppName,AppConnections,AppID\nx,shared_sql," + APP_1 + "\n",
     "line 1: required column AppEnvironmentID is missing from the header (dlp_apps format)"),
    (HEADER + GOOD_ROW + f"Bad,Ann,ann@contoso.com,shared_sql,abc,{SALES_ENV},\n",
     "line 3, column 5 (AppID): 'abc' is not a GUID"),
    (HEADER + GOOD_ROW + f"Bad,Ann,ann@contoso.com,shared_sql,{APP_1},sales,\n",
     "line 3, column 6 (AppEnvironmentID): 'sales' is not an environment id (a GUID or Default-<GUID>)"),
    (HEADER + GOOD_ROW + f"Bad,Ann,ann@contoso.com,shared_sql,{APP_1},{SALES_ENV},31.12.2024\n",
     "line 3, column 7 (AppLastLaunched): '31.12.2024' is not a date and time (use ISO 8601, e.g. "
     "2024-01-31T14:05:00Z)"),
    (HEADER + GOOD_ROW + f'Bad,Ann,ann@contoso.com,"shared_sql,{APP_1},{SALES_ENV},\n',
     "line 3, column 4 (AppConnections): unbalanced quotes: a quoted value is opened but never closed"),
    (HEADER + GOOD_ROW + f'Bad,"Ann" Lee,ann@contoso.com,shared_sql,{APP_1},{SALES_ENV},\n',
     "line 3, column 2 (AppOwner): unbalanced quotes: ' ' follows the closing quote of the value opened here"),
    (HEADER + GOOD_ROW + f'Bad,"Ann,ann@contoso.com,shared_sql,{APP_1},{SALES_ENV},\n'
     f'Next,"Bob",bob@contoso.com,shared_sql,{APP_2},{SALES_ENV},\n',
     "line 3, column 2 (AppOwner): unbalanced quotes: 'B' follows the closing quote of the value opened here "
     "(1 line below)"),
    (HEADER + GOOD_ROW + f"Bad,Ann,shared_sql,{APP_1},{SALES_ENV},\n",
     "line 3, column 7 (AppLastLaunched): missing field: 6 fields where the header has 7"),
    (HEADER + GOOD_ROW + f"Bad,Ann,ann@contoso.com,shared_sql,{APP_1},{SALES_ENV},,extra\n",
     "line 3, column 8: unexpected extra field: 8 fields where the header has 7"),
    (HEADER + GOOD_ROW + f" ,Ann,ann@contoso.com,shared_sql,{APP_1},{SALES_ENV},\n",
     "line 3, column 1 (AppName): empty value in a required column"),
    (HEADER + GOOD_ROW + f'"Multi\nline",Ann,ann@contoso.com,shared_sql,{APP_1},{SALES_ENV},\n' + GOOD_ROW,
     f"line 5, column 5 (AppID): duplicate id '{APP_2}', first on line 2"),
    (HEADER + GOOD_ROW + f"Bad,Ann,not-an-address,shared_sql,{APP_1},{SALES_ENV},\n",
     "line 3, column 3 (AppOwnerEmail): 'not-an-address' is not an e-mail address"),
], ids=["missing-column", "bad-guid", "bad-environment", "bad-date", "unclosed-quote", "text-after-quote",
        "quote-closed-on-a-later-line", "too-few-fields", "too-many-fields", "empty-required", "duplicate-id",
        "bad-email"])
def test_a_malformed_file_names_line_and_column_and_writes_nothing(body, message):
    run(DLP_FLOWS, "flow.csv")
    before = snapshot()
    with pytest.raises(CsvImportError) as caught:
        run(body)
    assert str(caught.value) == message
    assert snapshot() == before


def test_bad_values_in_coe_exports_are_named_too():
    text = f"admin_flowid,admin_displayname,admin_flowenvironmentid,admin_flowstate\n{FLOW_1},F,{SALES_ENV},Off\n"
    with pytest.raises(CsvImportError, match=r"^line 2, column 4 \(admin_flowstate\): 'Off' is not a flow state"):
        run(text, "admin_flow.csv")
    assert not Flow.objects.exists()


def test_a_file_that_is_not_utf8_is_refused():
    data = (HEADER + GOOD_ROW).encode("utf-8") + "Caf\u00e9,,,,,,\n".encode("cp1252")
    with pytest.raises(CsvImportError, match=r"^line 3: not UTF-8 text \(byte 0xe9\)"):
        import_csv(io.BytesIO(data), "apps.csv")
    assert not App.objects.exists()


class TestCommand:
    def write(self, tmp_path, name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def test_it_imports_each_file_and_prints_counts(self, tmp_path):
        apps, flows = self.write(tmp_path, "apps.csv", DLP_APPS), self.write(tmp_path, "flow.csv", DLP_FLOWS)
        out = io.StringIO()
        call_command("import_inventory", apps, flows, stdout=out)
        lines = out.getvalue().splitlines()
        assert lines[0].startswith("apps.csv: dlp_apps, 2 rows in ") and "apps 2 created, 0 updated" in lines[0]
        assert lines[1].startswith("flow.csv: dlp_flows, 1 rows in ") and "flows 1 created, 0 updated" in lines[1]
        assert (App.objects.count(), Flow.objects.count()) == (2, 1)

    def test_json_output(self, tmp_path):
        out = io.StringIO()
        call_command("import_inventory", self.write(tmp_path, "apps.csv", DLP_APPS), "--json", stdout=out)
        [result] = json.loads(out.getvalue())
        assert result["format"] == "dlp_apps" and result["counts"]["apps"] == {"created": 2, "updated": 0}

    def test_a_bad_file_exits_1_after_keeping_the_files_before_it(self, tmp_path):
        flows = self.write(tmp_path, "flow.csv", DLP_FLOWS)
        bad = self.write(tmp_path, "apps.csv", HEADER + GOOD_ROW + f"Bad,Ann,x@y.z,shared_sql,abc,{SALES_ENV},\n")
        later = self.write(tmp_path, "later.csv", DLP_APPS)
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(SystemExit) as caught:
            call_command("import_inventory", flows, bad, later, stdout=out, stderr=err)
        assert caught.value.code == 1
        assert err.getvalue().strip() == f"{bad}: line 3, column 5 (AppID): 'abc' is not a GUID"
        assert "flows 1 created" in out.getvalue()
        assert (Flow.objects.count(), App.objects.count()) == (1, 0)

    def test_a_missing_file_exits_1(self, tmp_path):
        err = io.StringIO()
        with pytest.raises(SystemExit) as caught:
            call_command("import_inventory", str(tmp_path / "nope.csv"), stderr=err)
        assert caught.value.code == 1 and "nope.csv" in err.getvalue()


def test_twenty_thousand_rows_import_set_based(capsys):
    rows = [HEADER]
    for n in range(20_000):
        env = f"00000000-0000-4000-8000-{n % 200:012d}"
        rows.append(f"App {n},Maker {n % 2000},maker{n % 2000}@contoso.com,"
                    f'"shared_sql,shared_teams,shared_sharepointonline",00000000-0000-4000-9000-{n:012d},{env},'
                    "2024-05-01T12:00:00Z\n")
    text = "".join(rows)
    started = time.perf_counter()
    result = run(text)
    first = time.perf_counter() - started
    again = run(text)
    second = time.perf_counter() - started - first
    with capsys.disabled():
        print(f"\n20,000-row DLP apps import: {first:.2f} s new, {second:.2f} s again ({result.counts})")
    assert result.counts["apps"] == {"created": 20_000, "updated": 0}
    assert (result.counts["environments"]["created"], result.counts["makers"]["created"]) == (200, 2000)
    assert again.counts["apps"] == {"created": 0, "updated": 20_000} and again.counts["makers"]["created"] == 0
    assert (App.objects.count(), ConnectorUsage.objects.count()) == (20_000, 60_000)


def test_one_person_is_one_maker_whatever_the_case_of_their_address():
    # Issue 17, item 8: Graph writes Ann@Contoso.com, the DLP editor's file ANN@contoso.com.
    from coe_portal.powerplatform.records import UserRecord
    from inventory.services.sync_writes import merge_makers

    merge_makers([UserRecord(object_id=ANN_OID, display_name="Ann Lee", email="Ann@Contoso.com",
                             user_principal_name="Ann.Lee@Contoso.com")])
    result = run(DLP_APPS)
    ann = Maker.objects.get(entra_object_id=ANN_OID)
    assert (ann.email, ann.user_principal_name) == ("ann@contoso.com", "ann.lee@contoso.com")
    assert App.objects.get(app_id=APP_1).owner == ann
    assert Maker.objects.filter(email__iexact="ann@contoso.com").count() == 1
    assert Maker.objects.get(email="bob@contoso.com") and result.counts["makers"]["created"] == 1
