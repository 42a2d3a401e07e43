"""Legacy packages against the fake tenant: options per resource, manual steps, export in a worker, pages."""

import hashlib
import io
import json
import time
import zipfile

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from inventory.models import App, Maker
from migrations_app.choices import PackageStatus
from migrations_app.models import LegacyPackage
from migrations_app.services import packages
from tests.support.tenant import sync_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(make_tenant):
    tenant, servers = make_tenant(seed=5)
    sync_now()
    return tenant, servers


def fake_app(tenant, custom):
    return next(a for a in tenant.default_environment.apps if a.live and a.kind == "canvas"
                and any(c.is_custom for c in a.connectors) == custom)


def wait_for(package, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        package.refresh_from_db()
        if package.is_finished:
            return package
        time.sleep(0.1)
    raise AssertionError(f"the package stayed {package.status}")


class TestChoicesAndManualSteps:
    def test_the_item_can_be_new_or_update_and_connections_use_existing_ones(self, synced):
        tenant, _ = synced
        source = fake_app(tenant, custom=True)
        app = App.objects.get(app_id=source.name)
        choices = packages.package_choices(app)
        root = choices[0]
        assert root.is_root and [value for value, _ in root.options] == ["New", "Update"] and root.default == "Update"
        connections = [c for c in choices if c.type == "Connection"]
        assert sorted(c.connector for c in connections) == sorted(c.name for c in source.connectors)
        assert all([value for value, _ in c.options] == ["Existing"] for c in connections)
        steps = packages.manual_steps(app, choices)
        custom = [c for c in source.connectors if c.is_custom]
        assert [s["name"] for s in steps if s["kind"] == "custom_connector"] == [c.display_name for c in custom]
        assert len([s for s in steps if s["kind"] == "connection"]) == len(source.connectors)
        assert all(s["step"] == packages.MANUAL_STEPS[s["kind"]] for s in steps)

    def test_an_option_a_resource_does_not_allow_is_refused_and_nothing_is_recorded(self, synced, coe_admin):
        tenant, _ = synced
        app = App.objects.get(app_id=fake_app(tenant, custom=False).name)
        connection = next(c for c in packages.package_choices(app) if c.type == "Connection")
        with pytest.raises(ValueError, match="is not an import option"):
            packages.request_package(app, coe_admin, {connection.key: "New"})
        assert not LegacyPackage.objects.exists()


class TestExport:
    def test_a_worker_exports_stores_and_checks_the_package(self, synced, celery_worker, coe_admin):
        tenant, _ = synced
        app = App.objects.get(app_id=fake_app(tenant, custom=False).name)
        root = packages.package_choices(app)[0]
        package = wait_for(packages.request_package(app, coe_admin, {root.key: "New"}))
        assert package.status == PackageStatus.DONE, package.error
        content = package.file.open("rb").read()
        assert hashlib.sha256(content).hexdigest() == package.sha256 and package.size == len(content)
        manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))
        assert manifest["importOptions"][root.key]["creationType"] == "New"
        assert {e.action for e in AuditEntry.objects.all()} >= {"package.request", "package.exported"}

    def test_a_refused_export_is_recorded_as_failed_and_runs_once(self, synced, coe_admin):
        tenant, servers = synced
        app = App.objects.get(app_id=fake_app(tenant, custom=False).name)
        package = LegacyPackage.objects.create(app=app, item_name=app.display_name, created_by=coe_admin)
        servers.faults.fail_next(r"/exportPackage$", status=400)
        failed = packages.run_package_export(package.pk)
        assert failed.status == PackageStatus.FAILED and "HTTP 400" in failed.error and not failed.file
        assert packages.run_package_export(package.pk) is None  # claimed once, not redone


class TestPages:
    def test_a_maker_exports_their_own_app_and_downloads_it(self, synced, client, maker, celery_worker):
        tenant, _ = synced
        app = App.objects.get(app_id=fake_app(tenant, custom=False).name)
        app.owner = Maker.objects.create(email=maker.email, display_name="Bob")
        app.save()
        client.force_login(maker)
        page = client.get(reverse("migrations_app:package-new", args=["app", app.pk]))
        assert page.status_code == 200 and b"Recreate by hand in the target" in page.content
        root = packages.package_choices(app)[0]
        answer = client.post(reverse("migrations_app:package-new", args=["app", app.pk]),
                             {f"option-{root.key}": "Update"})
        package = LegacyPackage.objects.get()
        assert answer.status_code == 302 and answer["Location"] == package.get_absolute_url()
        wait_for(package)
        download = client.get(reverse("migrations_app:package-download", args=[package.code]))
        assert download.status_code == 200
        assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == package.sha256

    def test_a_maker_cannot_open_another_makers_item(self, synced, client, maker):
        tenant, _ = synced
        app = App.objects.get(app_id=fake_app(tenant, custom=False).name)
        client.force_login(maker)
        assert client.get(reverse("migrations_app:package-new", args=["app", app.pk])).status_code == 404
        assert client.get(reverse("migrations_app:dataplan", args=["app", app.pk])).status_code == 404
