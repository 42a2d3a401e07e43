"""Legacy packages (seed 001): choose the import option per resource, export, store with a checksum.

A package carries the app or flow and placeholders for what it depends on. Custom connectors,
connections, gateways and Dataverse (CDS) customizations do not travel in it: each is listed
with the manual step that recreates it in the target.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from coe_portal.core import audit
from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.errors import PowerPlatformError
from inventory.models import Connector

from ..choices import PackageStatus
from ..models import LegacyPackage

__all__ = ["MANUAL_STEPS", "ResourceChoice", "manual_steps", "package_choices", "request_package",
           "run_package_export", "tenant_client"]

TYPE_LABELS = {"Microsoft.PowerApps/apps": "App", "Microsoft.Flow/flows": "Flow",
               "Microsoft.PowerApps/apis": "Connector", "Microsoft.PowerApps/apis/connections": "Connection"}
OPTION_LABELS = {"New": "Create new", "Update": "Update", "Existing": "Use existing (pick it during import)"}
# seed 001, "Which resources can I migrate through packaging?"
MANUAL_STEPS = {
    "custom_connector": "Custom connectors are not exported with the package. Re-create (or update) the custom "
                        "connector in the target environment, then select it when you import the package.",
    "connection": "Connections and their credentials are not exported. Create the connection (with its credentials) "
                  "in the target environment and select it when you import the package.",
    "gateway": "Gateways only work in the default environment, so they are not migrated. Point the connection at a "
               "data source the target environment can reach, or keep the item in the default environment.",
    "cds": "Dataverse (CDS) customizations are not part of a package. Export the environment's default solution, "
           "import it in the target with the solution import wizard, then publish all customizations.",
}
# Connectors whose connections often go through an on-premises data gateway.
GATEWAY_CONNECTORS = {"shared_sql", "shared_filesystem", "shared_oracle", "shared_db2", "shared_sharepointonprem",
                      "shared_informix", "shared_mysql", "shared_postgresql", "shared_teradata"}
DATAVERSE = "shared_commondataserviceforapps"
FAILURES = (PowerPlatformError, OSError, ValueError, zipfile.BadZipFile)


@dataclass
class ResourceChoice:
    """A package resource as the form shows it: its options, the default, and why it may need a hand."""

    key: str
    name: str
    type: str
    connector: str = ""
    options: list = field(default_factory=list)  # [(value, label)]
    default: str = ""
    is_root: bool = False

    @property
    def configurable(self):
        return len(self.options) > 1


def _item_ref(item):
    kind = "app" if item._meta.model_name == "app" else "flow"
    return kind, item.app_id if kind == "app" else item.flow_id


def tenant_client():
    """The shared client; PowerPlatformError when no app registration is configured to call the tenant with."""
    if not settings.ENTRA_CLIENT_ID or not settings.ENTRA_TENANT_ID:
        raise PowerPlatformError("the portal has no Entra app registration to call the tenant with "
                                 "(ENTRA_TENANT_ID, ENTRA_CLIENT_ID)")
    return PowerPlatformClient.shared()


def package_choices(item, client=None):
    """The resources of the item's package with the import options the tenant allows for each."""
    client = client or tenant_client()
    kind, item_id = _item_ref(item)
    resources = client.list_package_resources(item.environment.env_id, kind, item_id)
    connectors = {r.connector_name: r.display_name for r in resources if r.type.lower().endswith("/apis")}
    choices = []
    for resource in resources:
        allowed = [value for value in ("New", "Update", "Existing") if value in resource.creation_types]
        default = "Update" if resource.is_root and "Update" in allowed else (resource.suggested or allowed[0]
                                                                                if allowed else "")
        name = resource.display_name
        if resource.type.lower().endswith("/connections"):
            name = f"{connectors.get(resource.connector_name, resource.connector_name)} connection ({name})"
        choices.append(ResourceChoice(resource.key, name, TYPE_LABELS.get(resource.type, resource.type),
                                      resource.connector_name, [(value, OPTION_LABELS[value]) for value in allowed],
                                      default, resource.is_root))
    order = {"App": 0, "Flow": 0, "Connector": 1, "Connection": 2}
    return sorted(choices, key=lambda choice: (not choice.is_root, order.get(choice.type, 3), choice.name))


def manual_steps(item, choices):
    """What must be recreated by hand in the target, one entry per resource: kind, name and the step."""
    connectors = {choice.connector for choice in choices if choice.connector}
    known = {c.connector_id: c for c in Connector.objects.filter(connector_id__in=connectors)}
    steps = []
    for choice in choices:
        connector = known.get(choice.connector)
        label = connector.display_name if connector and connector.display_name else choice.connector
        if choice.type == "Connector" and connector is not None and connector.is_custom:
            steps.append({"kind": "custom_connector", "name": label, "step": MANUAL_STEPS["custom_connector"]})
        elif choice.type == "Connection":
            steps.append({"kind": "connection", "name": f"{label} connection", "step": MANUAL_STEPS["connection"]})
            if choice.connector in GATEWAY_CONNECTORS:
                steps.append({"kind": "gateway", "name": f"{label} (on-premises data gateway)",
                              "step": MANUAL_STEPS["gateway"]})
    if DATAVERSE in connectors:
        steps.append({"kind": "cds", "name": "Dataverse tables and customizations", "step": MANUAL_STEPS["cds"]})
    return steps


def _validated(choices, wanted):
    chosen = {}
    for choice in choices:
        value = wanted.get(choice.key) or choice.default
        if value not in dict(choice.options):
            raise ValueError(f"{choice.name}: '{value}' is not an import option for this resource")
        chosen[choice.key] = value
    return chosen


def request_package(item, user, wanted, client=None):
    """Record a package export of `item` with the options `wanted` {resource key: option}; queue it on commit."""
    from ..tasks import export_legacy_package

    choices = package_choices(item, client)
    chosen = _validated(choices, wanted)
    kind, _ = _item_ref(item)
    with transaction.atomic():
        package = LegacyPackage.objects.create(
            **{kind: item}, item_name=item.display_name, creation_types=chosen, created_by=user,
            resources=[{"key": c.key, "name": c.name, "type": c.type, "option": chosen[c.key]} for c in choices],
            manual_steps=manual_steps(item, choices))
        audit.record(None, "package.request", obj=item, actor=user, package=str(package.code), options=chosen)
        transaction.on_commit(lambda: export_legacy_package.delay(package.pk))
    return package


def run_package_export(package_id, client=None):
    """Export the package (claimed once), store it, read it back and check its SHA-256; return the package."""
    if not LegacyPackage.objects.filter(pk=package_id, status=PackageStatus.PENDING).update(
            status=PackageStatus.RUNNING):
        return None
    package = LegacyPackage.objects.select_related("app__environment", "flow__environment").get(pk=package_id)
    item = package.item
    kind, item_id = _item_ref(item)
    try:
        content = (client or tenant_client()).export_package(
            item.environment.env_id, kind, item_id, display_name=item.display_name,
            creation_types=package.creation_types, description="Exported by the CoE portal for a migration")
        _store(package, content, f"{kind}-{item_id}-{package.code}.zip")
    except FAILURES as exc:
        LegacyPackage.objects.filter(pk=package_id).update(status=PackageStatus.FAILED, error=str(exc)[:2000],
                                                           finished=timezone.now())
        audit.record(None, "package.failed", obj=item, actor=package.created_by, package=str(package.code),
                     error=str(exc)[:300])
        return LegacyPackage.objects.get(pk=package_id)
    return package


def _store(package, content, name):
    digest = hashlib.sha256(content).hexdigest()
    package.file.save(name, ContentFile(content), save=False)
    with default_storage.open(package.file.name, "rb") as stored:  # what storage kept, not what we sent
        kept = stored.read()
    if hashlib.sha256(kept).hexdigest() != digest:
        raise ValueError("the stored package does not match its checksum")
    with zipfile.ZipFile(io.BytesIO(kept)) as archive:
        if archive.testzip() is not None or "manifest.json" not in archive.namelist():
            raise ValueError("the package is not a readable package")
    package.size, package.sha256, package.status = len(content), digest, PackageStatus.DONE
    package.finished = timezone.now()
    with transaction.atomic():  # the page sees "done" and the audit entry together
        package.save(update_fields=["file", "size", "sha256", "status", "finished"])
        audit.record(None, "package.exported", obj=package.item, actor=package.created_by,
                     package=str(package.code), sha256=digest, size=len(content))
