"""Legacy package import through the real client against the fake: upload, parameters, validate, import, update."""

import pytest

from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import ApiError, ImportFailed

FAST = {"poll_seconds": 0.02, "timeout": 20}


@pytest.fixture
def moved(make_tenant):
    tenant, servers = make_tenant(seed=5)
    source = tenant.default_environment
    target = tenant.environments[1]
    app = next(a for a in source.apps if a.live and a.kind == "canvas" and not any(c.is_custom for c in a.connectors))
    client = PowerPlatformClient()
    content = client.export_package(source.name, "app", app.name, display_name=app.display_name,
                                    creation_types={app.name: "New"}, **FAST)
    return tenant, servers, client, app, target, content


class TestImportPackage:
    def test_a_package_creates_the_app_in_the_target_bound_to_existing_connections(self, moved):
        tenant, _, client, app, target, content = moved
        chosen = {f"connection-{c.name}": tenant.add_connection(target, c.name, app.owner).name
                  for c in app.connectors}
        made = client.import_package(target.name, content, connection_ids=chosen, **FAST)
        new_id = made[app.name]
        copy = tenant.app(target, new_id)
        assert new_id != app.name and copy.display_name == app.display_name
        assert [c.name for c in copy.connectors] == [c.name for c in app.connectors]
        again = client.import_package(target.name, content, creation_types={app.name: "Update"},
                                      existing_ids={app.name: new_id}, connection_ids=chosen, **FAST)
        assert again == {app.name: new_id}
        assert [a.display_name for a in target.apps if a.live].count(app.display_name) == 1

    def test_a_connection_missing_in_the_target_fails_validation(self, moved):
        tenant, _, client, app, target, content = moved
        before = len(target.apps)
        with pytest.raises(ImportFailed, match="choose an existing connection"):
            client.import_package(target.name, content,
                                  connection_ids={f"connection-{c.name}": "nope" for c in app.connectors}, **FAST)
        assert len(target.apps) == before

    def test_an_upload_refused_by_storage_is_reported(self, moved):
        _, servers, client, app, target, content = moved
        servers.faults.fail_next(r"/generateResourceStorage$", status=403)
        with pytest.raises(ApiError, match="HTTP 403"):
            client.import_package(target.name, content, **FAST)
