"""Solution calls under 429 storms, 5xx, resets, garbled bodies and expired tokens: retried, never doubled."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import ExportFailed, ImportBusy, RetriesExhausted
from coe_portal.powerplatform.fake.solution_store import APP, SolutionOptions
from tests.powerplatform import solution_support

# The shared fixture, registered in this module.
world = solution_support.world
FAST = {"poll_seconds": 0.02, "timeout": 30}


def move_app(world, app, name):
    """Create, add, export, bind and import one app; return the items the target reports."""
    client, org, target_org = world.client, world.org(world.source), world.org(world.target)
    solution_id = client.create_solution(org, name, name)
    client.add_app_to_solution(world.source.name, org, app.name, name, solution_id)
    content = client.export_solution(org, name, **FAST)
    chosen = world.connect_target(app.connectors, app.owner)
    bindings = {r.logical_name: chosen[r.connector_id] for r in client.solution_connection_references(org, name)}
    for _ in range(200):  # one import at a time per environment: wait for the other one, as the pipeline does
        try:
            client.import_solution(target_org, content, bindings, **FAST)
            break
        except ImportBusy:
            time.sleep(0.05)
    return client.solution_items(world.target.name, target_org, name)


@pytest.fixture
def storm(make_tenant):
    tenant, servers = make_tenant(seed=5, environments=4, apps=60, flows=120, throttle="tight")
    servers.context.solutions.options = SolutionOptions(polls=2, seconds=60)
    target = next(env for env in tenant.environments[1:] if env.dataverse)
    return solution_support.World(tenant, servers, PowerPlatformClient(max_concurrency=16),
                                  tenant.default_environment, target)


class TestThrottling:
    def test_moves_finish_through_a_429_storm(self, storm):
        apps = [a for a in storm.source.apps if a.live and not a.solution and a.kind == "canvas"
                and not any(c.is_custom for c in a.connectors)][:4]
        before = len([a for a in storm.target.apps if a.live])
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda pair: move_app(storm, pair[1], f"coe_storm_{pair[0]}"), enumerate(apps)))
        assert [[i.display_name for i in items] for items in results] == [[a.display_name] for a in apps]
        assert storm.servers.stats()["dataverse"]["throttled"] > 0
        assert storm.client.stats.throttled > 0
        assert len([a for a in storm.target.apps if a.live]) == before + len(apps)


class TestFaults:
    def test_server_errors_and_resets_are_retried_without_doubling_components(self, world):
        world.servers.faults.fail_next(r"/AddSolutionComponent$", status=503, times=2)
        world.servers.faults.reset_next(r"/makeSolutionAware$")
        world.servers.faults.fail_next(r"/asyncoperations\(", status=500)
        world.servers.faults.malformed_next(r"/DownloadSolutionExportData$")
        world.servers.faults.expire_next(r"/ImportSolutionAsync$")
        app = world.plain_app()
        items = move_app(world, app, "coe_faults")
        assert [i.display_name for i in items] == [app.display_name]
        state = world.store.org(world.source)
        solution = state.solution("coe_faults")
        assert [row["objectid"] for row in state.components_of(solution["solutionid"], APP)] == [app.name]
        assert world.servers.faults.injected["5xx"] == 3 and world.servers.faults.injected["reset"] == 1

    def test_a_dataverse_that_keeps_failing_is_reported_not_hung(self, world, settings):
        settings.POWERPLATFORM_MAX_ATTEMPTS, settings.POWERPLATFORM_BACKOFF_CAP = 3, 0.05
        client = PowerPlatformClient()
        world.servers.faults.fail_next(r"/solutions$", status=503, times=10)
        with pytest.raises(RetriesExhausted):
            client.create_solution(world.org(world.source), "coe_down", "Down")

    def test_an_export_that_never_finishes_times_out(self, world):
        world.store.options = SolutionOptions(polls=10_000, seconds=600)
        org = world.org(world.source)
        world.client.create_solution(org, "coe_slow", "Slow")
        with pytest.raises(ExportFailed, match="did not finish"):
            world.client.export_solution(org, "coe_slow", poll_seconds=0.02, timeout=0.3)
