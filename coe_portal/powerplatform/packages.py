"""Legacy packaging calls (power-platform-api.md, 13): list an item's package resources, export a package."""

import time
import uuid
from dataclasses import dataclass, field

from .errors import ImportFailed, MalformedResponse
from .http import HttpConnectionError

__all__ = ["PackageCalls", "PackageResource"]

PACKAGING = "/providers/Microsoft.BusinessAppPlatform/environments"


@dataclass
class PackageResource:
    """One resource of an item's package: the item itself, a connector or a connection."""

    key: str
    id: str
    name: str
    type: str  # Microsoft.PowerApps/apps, Microsoft.Flow/flows, Microsoft.PowerApps/apis[/connections], ...
    display_name: str
    creation_types: list = field(default_factory=list)  # what an import may do: New, Update, Existing
    suggested: str = ""
    is_root: bool = False
    depends_on: list = field(default_factory=list)

    @property
    def connector_name(self):
        """`shared_x` for a connector or a connection resource, else ""."""
        if "/apis/" not in self.id.lower():
            return ""
        return self.id.lower().split("/apis/", 1)[1].split("/", 1)[0]


def _resource_id(kind, item_id):
    if kind == "app":
        return f"/providers/Microsoft.PowerApps/apps/{item_id}"
    return f"/providers/Microsoft.Flow/flows/{item_id}"


class PackageCalls:
    """Legacy packaging calls of PowerPlatformClient (uses its `transport` and `bases`)."""

    def _package_listing(self, env_id, kind, item_id):
        base = f"{self.bases['bap']}{PACKAGING}/{env_id}"
        resource = _resource_id(kind, item_id)
        listing = self.transport.request("POST", f"{base}/listPackageResources?api-version=2016-11-01",
                                         body={"baseResourceIds": [resource]}) or {}
        if listing.get("errors") or not isinstance(listing.get("resources"), dict) or not listing["resources"]:
            raise MalformedResponse(f"cannot package {resource}: {listing.get('errors')}", base)
        return base, resource, listing["resources"]

    def list_package_resources(self, env_id, kind, item_id):
        """The resources an app ("app") or flow ("flow") package holds, with the import options of each."""
        _, resource, resources = self._package_listing(env_id, kind, item_id)
        return [PackageResource(
            key=key, id=entry.get("id") or "", name=entry.get("name") or "", type=entry.get("type") or "",
            display_name=(entry.get("details") or {}).get("displayName") or entry.get("name") or key,
            creation_types=[v.strip() for v in str(entry.get("creationType") or "").split(",") if v.strip()],
            suggested=entry.get("suggestedCreationType") or "",
            is_root=(entry.get("id") or "").lower() == resource.lower(),
            depends_on=list(entry.get("dependsOn") or [])) for key, entry in resources.items()]

    def export_package(self, env_id, kind, item_id, display_name="", poll_seconds=1.0, timeout=600,
                       creation_types=None, description="CoE portal backup"):
        """Export an app ("app") or flow ("flow") as a legacy package; return the .zip bytes.

        listPackageResources, exportPackage, poll the packaging operation (or take an inline
        result), then fetch the SAS link without a bearer token (power-platform-api.md, 13).

        Args:
            creation_types: {resource key: "New" | "Update" | "Existing"}, the import option per
                resource; by default the item is set to Update and the rest left as listed.
        """
        base, resource, resources = self._package_listing(env_id, kind, item_id)
        for key, entry in resources.items():
            if creation_types and key in creation_types:
                entry["suggestedCreationType"] = creation_types[key]
            elif not creation_types and entry.get("id") == resource:
                entry["suggestedCreationType"] = "Update"
        body = {"includedResourceIds": [entry["id"] for entry in resources.values()], "resources": resources,
                "details": {"displayName": display_name or item_id, "description": description,
                            "creator": "CoE portal", "sourceEnvironment": env_id}}
        operation = self.transport.request("POST", f"{base}/exportPackage?api-version=2016-11-01", body=body) or {}
        deadline = time.monotonic() + timeout
        while (operation.get("properties") or {}).get("status") not in ("Succeeded", "Failed"):
            if time.monotonic() > deadline or not operation.get("name"):
                raise MalformedResponse("the export did not finish", base)
            time.sleep(poll_seconds)
            operation = self.transport.request(
                "GET", f"{base}/packagingOperations/{operation['name']}?api-version=2016-11-01") or {}
        properties = operation["properties"]
        if properties["status"] == "Failed" or not (properties.get("packageLink") or {}).get("value"):
            raise MalformedResponse(f"the export failed: {properties}", base)
        # The link is pre-signed (its query is the credential): fetched as is, without our token.
        link = properties["packageLink"]["value"]
        response = self.transport.session.request("GET", link)
        if response.status_code != 200:
            raise MalformedResponse(f"the package download answered HTTP {response.status_code}", link)
        return response.content

    # Import (section 14)

    def import_package(self, env_id, zip_bytes, creation_types=None, connection_ids=None, existing_ids=None,
                       poll_seconds=1.0, timeout=600):
        """Import a legacy package into an environment; return {resource key: id of the app or flow made or updated}.

        Args:
            creation_types: {resource key: "New" | "Update"} for the app or flow (default: as exported).
            connection_ids: {resource key: connection id} for each connection (default: the one suggested).
            existing_ids: {resource key: id of the item to update} for resources imported as Update.
        Raises ImportFailed when the package is invalid for the environment or the import fails.
        """
        base = f"{self.bases['bap']}{PACKAGING}/{env_id}"
        link = self._upload_package(base, zip_bytes)
        listing = self._operation_result(base, "listImportParameters", {"packageLink": {"value": link}},
                                         poll_seconds, timeout)
        resources = listing.get("resources") or {}
        for key, entry in resources.items():
            if str(entry.get("type", "")).lower().endswith("/connections"):
                entry["selectedCreationType"] = "Existing"
                entry["id"] = (connection_ids or {}).get(key) or entry.get("suggestedId") or ""
            elif str(entry.get("type", "")).lower().endswith(("/apps", "/flows")):
                entry["selectedCreationType"] = (creation_types or {}).get(key) or entry.get(
                    "suggestedCreationType") or "New"
                if entry["selectedCreationType"] == "Update":
                    entry["id"] = (existing_ids or {}).get(key, "")
        body = {"details": listing.get("details") or {}, "packageLink": {"value": link}, "resources": resources}
        verdict = self.transport.request("POST", f"{base}/validateImportPackage?api-version=2016-11-01",
                                         body=body) or {}
        if verdict.get("status") == "Failed":
            raise ImportFailed("; ".join(e.get("message", "") for e in verdict.get("errors") or []), base)
        result = self._operation_result(base, "importPackage", body, poll_seconds, timeout)
        return {key: entry.get("id") for key, entry in (result.get("resources") or {}).items()
                if str(entry.get("type", "")).lower().endswith(("/apps", "/flows"))}

    def _upload_package(self, base, zip_bytes):
        """PUT the package into the storage BAP hands out; return the blob's SAS URL (its query is the credential)."""
        storage = self.transport.request("POST", f"{base}/generateResourceStorage?api-version=2016-11-01",
                                         body={}) or {}
        container, _, query = str(storage.get("sharedAccessSignature") or "").partition("?")
        if not container or not query:
            raise MalformedResponse("generateResourceStorage answered without a SAS URL", base)
        blob = f"{container}/package-{uuid.uuid4().hex}.zip?{query}"
        for attempt in range(3):
            try:
                answer = self.transport.session.request("PUT", blob, data=zip_bytes,
                                                        headers={"x-ms-blob-type": "BlockBlob"})
            except HttpConnectionError:
                answer = None
            if answer is not None and answer.status_code == 201:
                return blob
            time.sleep(0.5 * (attempt + 1))
        raise MalformedResponse("the package upload failed", container)

    def _operation_result(self, base, action, body, poll_seconds, timeout):
        """POST an action answered with 202 + Location, poll to the end; its properties, or ImportFailed."""
        headers = {}
        operation = self.transport.request("POST", f"{base}/{action}?api-version=2016-11-01", body=body,
                                           response_headers=headers) or {}
        location = headers.get("Location")
        deadline = time.monotonic() + timeout
        while (operation.get("properties") or {}).get("status") not in ("Succeeded", "Failed"):
            if not location or time.monotonic() > deadline:
                raise ImportFailed(f"{action} did not finish", base)
            time.sleep(poll_seconds)
            operation = self.transport.request("GET", location) or {}
        properties = operation["properties"]
        if properties["status"] == "Failed":
            raise ImportFailed(f"{action} failed: " + "; ".join(
                e.get("message", "") for e in properties.get("errors") or []), base)
        return properties
