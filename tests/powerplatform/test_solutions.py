"""The client's solution calls against the fake tenant on loopback: create, add, export, import, read back."""

import base64
import io
import zipfile

import pytest

from coe_portal.powerplatform.errors import ExportFailed, ImportBusy, ImportFailed
from coe_portal.powerplatform.fake.solution_store import APP, CONNECTION_REFERENCE, FLOW
from tests.powerplatform import solution_support

# The shared fixture, registered in this module.
world = solution_support.world

FAST = {"poll_seconds": 0.02, "timeout": 20}


def put_app_in_solution(world, app, name="coe_move_1"):
    org = world.org(world.source)
    solution_id = world.client.create_solution(org, name, "Move 1")
    world.client.add_app_to_solution(world.source.name, org, app.name, name, solution_id)
    return org, solution_id


class TestPuttingItemsInASolution:
    def test_create_solution_is_idempotent_and_makes_the_publisher_once(self, world):
        org = world.org(world.source)
        first = world.client.create_solution(org, "coe_wave_1", "Wave 1", publisher_prefix="coe")
        again = world.client.create_solution(org, "coe_wave_1", "Wave 1 again", publisher_prefix="coe")
        state = world.store.org(world.source)
        assert first == again and state.solutions[first]["uniquename"] == "coe_wave_1"
        assert [p["customizationprefix"] for p in state.publishers.values()].count("coe") == 1
        assert state.publisher(state.solutions[first]["_publisherid_value"])["customizationprefix"] == "coe"

    def test_an_app_is_made_solution_aware_then_added_once(self, world):
        app = world.plain_app()
        org, solution_id = put_app_in_solution(world, app)
        world.client.add_app_to_solution(world.source.name, org, app.name, "coe_move_1", solution_id)
        state = world.store.org(world.source)
        assert app.solution and app.logical_name
        assert [row["objectid"] for row in state.components_of(solution_id, APP)] == [app.name]
        references = state.components_of(solution_id, CONNECTION_REFERENCE)
        assert len(references) == len(app.connectors)
        items = world.client.solution_items(world.source.name, org, "coe_move_1")
        assert [(i.kind, i.item_id, i.display_name) for i in items] == [("app", app.name, app.display_name)]
        assert f"/a/{app.name}" in items[0].open_url

    def test_flows_go_in_batches_of_twenty_and_again_changes_nothing(self, world):
        flows = world.plain_flows(25)
        org = world.org(world.source)
        solution_id = world.client.create_solution(org, "coe_flows", "Flows")
        before = world.servers.stats()["flow"]["requests"]
        mapped = world.client.add_flows_to_solution(world.source.name, org, [f.name for f in flows], solution_id)
        assert world.servers.stats()["flow"]["requests"] - before == 2  # 20 + 5
        assert all(flow.workflow_id and mapped[flow.name] == flow.workflow_id for flow in flows)
        components = world.store.org(world.source).components_of(solution_id, FLOW)
        world.client.add_flows_to_solution(world.source.name, org, [f.name for f in flows], solution_id)
        assert len(world.store.org(world.source).components_of(solution_id, FLOW)) == len(components) == 25
        items = world.client.solution_items(world.source.name, org, "coe_flows")
        assert sorted(i.item_id for i in items) == sorted(f.name for f in flows)

    def test_connection_references_and_missing_dependencies_are_reported(self, world):
        app = world.plain_app(custom=True)
        org, _ = put_app_in_solution(world, app, "coe_custom")
        references = world.client.solution_connection_references(org, "coe_custom")
        assert sorted(r.connector_id for r in references) == sorted(c.name for c in app.connectors)
        assert all(r.logical_name.startswith("coe_") and r.connection_id for r in references)
        missing = world.client.missing_dependencies(org, "coe_custom")
        custom = [c for c in app.connectors if c.is_custom]
        assert {m.dependent_id for m in missing} == {app.name} and len(missing) >= len(custom)
        assert any(f"custom connector '{custom[0].display_name}'" in m.description for m in missing)
        assert all(m.description.startswith(f"canvas app '{app.display_name}' needs") for m in missing)


    def test_a_model_driven_app_reports_the_custom_tables_it_needs(self, world):
        org = world.org(world.source)
        world.client.create_solution(org, "coe_model", "Model-driven")
        module = world.store.app_modules(world.source)[0]
        world.client._add_component(org, module["appmoduleid"], 80, "coe_model")
        missing = world.client.missing_dependencies(org, "coe_model")
        assert sorted(m.description for m in missing) == [
            f"model-driven app '{module['name']}' needs table '{table}', which the solution does not contain"
            for table in ("cr5f1_asset", "cr5f1_request")]
        assert {(m.required_type, m.dependent_type) for m in missing} == {(1, 80)}


    def test_a_filter_on_a_key_column_answers_the_rows_a_full_read_matches(self, world):
        apps = [a for a in world.source.apps if a.live and not a.solution and a.kind == "canvas"][:2]
        org, first = put_app_in_solution(world, apps[0], "coe_key_a")
        _, second = put_app_in_solution(world, apps[1], "coe_key_b")
        every = {table: world.client._rows(org, table) for table in ("canvasapps", "solutions", "solutioncomponents")}
        assert len(every["canvasapps"]) >= 2 and len(every["solutioncomponents"]) > 2

        def scanned(table, column, values):
            return [row for row in every[table] if str(row[column]).lower() in values]

        ids = [apps[0].name.upper(), apps[1].name, apps[1].name, "00000000-0000-0000-0000-000000000000"]
        found = world.client._rows(org, "canvasapps", " or ".join(f"canvasappid eq {i}" for i in ids))
        assert sorted(r["canvasappid"] for r in found) == sorted([apps[0].name, apps[1].name])  # once each
        assert found == scanned("canvasapps", "canvasappid", {i.lower() for i in ids})
        found = world.client._rows(org, "solutioncomponents", f"_solutionid_value eq {second}")
        assert found == scanned("solutioncomponents", "_solutionid_value", {second}) and found
        found = world.client._rows(org, "solutions", "uniquename eq 'COE_KEY_A' or uniquename eq 'coe_key_b'")
        assert [r["solutionid"] for r in found] == [first, second]
        references = [r["objectid"] for r in world.store.org(world.source).components_of(first, CONNECTION_REFERENCE)]
        every["connectionreferences"] = world.client._rows(org, "connectionreferences")
        found = world.client._rows(org, "connectionreferences", " or ".join(f"connectionreferenceid eq {i.upper()}"
                                                                             for i in references))
        assert found == scanned("connectionreferences", "connectionreferenceid", set(references)) and found
        both = world.client._rows(org, "solutions", f"uniquename eq 'coe_key_a' and solutionid eq {second}")
        assert both == []  # two columns: read in full, and no row has both


class TestExportAndImport:
    def test_an_app_moves_to_the_target_with_new_ids_and_bound_connections(self, world):
        app = world.plain_app()
        org, _ = put_app_in_solution(world, app)
        content = world.client.export_solution(org, "coe_move_1", **FAST)
        assert {"solution.xml", "customizations.xml"} <= set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        references = world.client.solution_connection_references(org, "coe_move_1")
        chosen = world.connect_target(app.connectors, app.owner)
        bindings = {r.logical_name: chosen[r.connector_id] for r in references}
        target_org = world.org(world.target)
        world.client.import_solution(target_org, content, bindings, **FAST)
        items = world.client.solution_items(world.target.name, target_org, "coe_move_1")
        assert len(items) == 1 and items[0].item_id != app.name and items[0].display_name == app.display_name
        moved = world.tenant.app(world.target, items[0].item_id)
        assert moved.owner is app.owner and [c.name for c in moved.connectors] == [c.name for c in app.connectors]
        assert f"/e/{world.target.name}/a/{moved.name}" in items[0].open_url
        bound = world.client.solution_connection_references(target_org, "coe_move_1")
        assert {r.connection_id for r in bound} == set(chosen.values())
        world.client.import_solution(target_org, content, bindings, **FAST)  # again: an update, no copy
        assert [a.display_name for a in world.target.apps if a.live].count(app.display_name) == 1
        assert world.tenant.app(world.source, app.name).live  # the source is untouched

    def test_flows_import_stopped_and_can_be_started(self, world):
        flows = world.plain_flows(3)
        org = world.org(world.source)
        solution_id = world.client.create_solution(org, "coe_flows", "Flows")
        world.client.add_flows_to_solution(world.source.name, org, [f.name for f in flows], solution_id)
        content = world.client.export_solution(org, "coe_flows", **FAST)
        connectors = {c.name: c for f in flows for c in f.connectors}
        chosen = world.connect_target(connectors.values(), flows[0].creator)
        bindings = {r.logical_name: chosen[r.connector_id]
                    for r in world.client.solution_connection_references(org, "coe_flows")}
        target_org = world.org(world.target)
        world.client.import_solution(target_org, content, bindings, **FAST)
        items = world.client.solution_items(world.target.name, target_org, "coe_flows")
        assert sorted(i.display_name for i in items) == sorted(f.display_name for f in flows)
        assert {i.state for i in items} == {"Stopped"}
        world.client.start_flow(world.target.name, items[0].item_id)
        again = world.client.solution_items(world.target.name, target_org, "coe_flows")
        assert {i.item_id: i.state for i in again}[items[0].item_id] == "Started"

    def test_a_missing_binding_fails_the_import_and_changes_nothing(self, world):
        app = world.plain_app()
        org, _ = put_app_in_solution(world, app)
        content = world.client.export_solution(org, "coe_move_1", **FAST)
        before = len(world.target.apps)
        with pytest.raises(ImportFailed, match="has no connection"):
            world.client.import_solution(world.org(world.target), content, {}, **FAST)
        with pytest.raises(ImportFailed, match="does not exist"):
            references = world.client.solution_connection_references(org, "coe_move_1")
            world.client.import_solution(world.org(world.target), content,
                                         {r.logical_name: "shared-nothing-here" for r in references}, **FAST)
        assert len(world.target.apps) == before

    def test_an_app_with_a_custom_connector_fails_until_the_connector_exists(self, world):
        app = world.plain_app(custom=True)
        org, _ = put_app_in_solution(world, app, "coe_custom")
        content = world.client.export_solution(org, "coe_custom", **FAST)
        references = world.client.solution_connection_references(org, "coe_custom")
        standard = [c for c in app.connectors if not c.is_custom]
        chosen = world.connect_target(standard, app.owner)
        bindings = {r.logical_name: chosen.get(r.connector_id, "none") for r in references}
        with pytest.raises(ImportFailed, match="custom connectors must be created there first|does not exist"):
            world.client.import_solution(world.org(world.target), content, bindings, **FAST)
        world.target.custom_connectors.extend(c for c in app.connectors if c.is_custom)  # recreated by hand
        chosen.update(world.connect_target([c for c in app.connectors if c.is_custom], app.owner))
        bindings = {r.logical_name: chosen[r.connector_id] for r in references}
        world.client.import_solution(world.org(world.target), content, bindings, **FAST)
        assert len(world.client.solution_items(world.target.name, world.org(world.target), "coe_custom")) == 1

    def test_a_failed_export_raises_with_the_operation_message(self, world):
        org, _ = put_app_in_solution(world, world.plain_app())
        world.store.fail_next("export", "Solution export failed: the solution is locked.")
        with pytest.raises(ExportFailed, match="the solution is locked"):
            world.client.export_solution(org, "coe_move_1", **FAST)
        assert world.client.export_solution(org, "coe_move_1", **FAST)[:2] == b"PK"

    def test_a_second_import_while_one_runs_is_refused_as_busy(self, world):
        app = world.plain_app()
        org, _ = put_app_in_solution(world, app)
        content = world.client.export_solution(org, "coe_move_1", **FAST)
        chosen = world.connect_target(app.connectors, app.owner)
        bindings = {r.logical_name: chosen[r.connector_id]
                    for r in world.client.solution_connection_references(org, "coe_move_1")}
        target_org = world.org(world.target)
        world.store.fail_next("import", "The import failed: a plug-in threw an error.")
        with pytest.raises(ImportFailed, match="plug-in"):
            world.client.import_solution(target_org, content, bindings, **FAST)
        world.client._post(target_org, "ImportSolutionAsync", {  # left running, unpolled
            "CustomizationFile": base64.b64encode(content).decode(), "ComponentParameters": []})
        with pytest.raises(ImportBusy, match="another \\[Import\\] running"):
            world.client.import_solution(target_org, content, bindings, **FAST)


class TestConnections:
    def test_non_default_environments_have_connections_and_the_filter_works(self, world):
        everything = world.client.connections(world.target.name)
        assert len(everything) == len([c for c in world.target.connection_list if not c.removed]) > 0
        sharepoint = world.client.connections(world.target.name, "/providers/Microsoft.PowerApps/apis/"
                                                                  "shared_sharepointonline")
        assert sharepoint and {c.connector_id for c in sharepoint} == {"shared_sharepointonline"}
        assert all(c.status in ("Connected", "Error") and c.created_by for c in everything)


@pytest.mark.django_db(transaction=True)
def test_an_imported_app_shows_in_the_next_inventory_sync(world):
    from inventory.models import App
    from tests.support.tenant import sync_now

    app = world.plain_app()
    org, _ = put_app_in_solution(world, app, "coe_synced")
    content = world.client.export_solution(org, "coe_synced", **FAST)
    chosen = world.connect_target(app.connectors, app.owner)
    bindings = {r.logical_name: chosen[r.connector_id]
                for r in world.client.solution_connection_references(org, "coe_synced")}
    world.client.import_solution(world.org(world.target), content, bindings, **FAST)
    [item] = world.client.solution_items(world.target.name, world.org(world.target), "coe_synced")
    sync_now()
    copy = App.objects.get(app_id=item.item_id)
    assert copy.environment.env_id == world.target.name and copy.is_solution_aware
    assert copy.display_name == app.display_name and copy.open_url == item.open_url
    assert App.objects.get(app_id=app.name).is_solution_aware  # the source is now solution-aware too
