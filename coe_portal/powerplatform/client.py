"""The Power Platform admin client: one method per call the portal makes."""

import time
from functools import cached_property, lru_cache

from django.conf import settings

from coe_portal.core.ratelimit import SlidingWindowLimit

from .auth import TokenProvider
from .errors import MalformedResponse
from .records import parse_app, parse_connector, parse_environment, parse_flow, parse_flow_detail, parse_user
from .session import CABundleSession
from .transport import AdaptiveConcurrency, Stats, Transport

__all__ = ["Page", "PowerPlatformClient"]

ADMIN_ENVIRONMENTS = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
POWERAPPS_ADMIN = "/providers/Microsoft.PowerApps/scopes/admin/environments"
FLOW_ADMIN = "/providers/Microsoft.ProcessSimple/scopes/admin/environments"
PAGE_SIZE = 250


class Page:
    """One page of a listing: the records parsed, the items that could not be, and what follows."""

    def __init__(self, records, malformed, next_url):
        self.records, self.malformed, self.next_url = records, malformed, next_url


class PowerPlatformClient:
    """Calls to BAP, Power Apps, Flow and Graph, sharing tokens, retries and the quota pacing."""

    def __init__(self, stats=None, max_concurrency=None):
        self.stats = stats or Stats()
        self.bases = {
            "bap": settings.POWERPLATFORM_BAP_URL.rstrip("/"),
            "powerapps": settings.POWERPLATFORM_POWERAPPS_URL.rstrip("/"),
            "flow": settings.POWERPLATFORM_FLOW_URL.rstrip("/"),
            "graph": settings.POWERPLATFORM_GRAPH_URL.rstrip("/"),
        }
        powerapps_scope = settings.POWERPLATFORM_POWERAPPS_SCOPE
        self.scopes = {"bap": powerapps_scope, "powerapps": powerapps_scope,
                       "flow": settings.POWERPLATFORM_FLOW_SCOPE, "graph": settings.POWERPLATFORM_GRAPH_SCOPE}
        self.max_concurrency = max_concurrency or settings.POWERPLATFORM_MAX_CONCURRENCY

    @classmethod
    def shared(cls):
        """The process's client: msal's token cache and the HTTPS connections outlive one task."""
        return _shared_client(settings.ENTRA_TENANT_ID, settings.ENTRA_CLIENT_ID, settings.ENTRA_AUTHORITY_HOST,
                              settings.POWERPLATFORM_BAP_URL, settings.POWERPLATFORM_POWERAPPS_URL,
                              settings.POWERPLATFORM_FLOW_URL, settings.POWERPLATFORM_GRAPH_URL,
                              settings.POWERPLATFORM_CA_BUNDLE, settings.POWERPLATFORM_MAX_CONCURRENCY,
                              settings.POWERPLATFORM_QUOTA_REQUESTS, settings.POWERPLATFORM_QUOTA_WINDOW,
                              settings.POWERPLATFORM_MAX_ATTEMPTS, settings.POWERPLATFORM_BACKOFF_CAP)

    @cached_property
    def transport(self):
        tokens = TokenProvider({base: self.scopes[family] for family, base in self.bases.items()})
        session = CABundleSession(settings.POWERPLATFORM_CA_BUNDLE, pool_size=self.max_concurrency * 2)
        return Transport(tokens, session, stats=self.stats, concurrency=AdaptiveConcurrency(self.max_concurrency),
                         pace=self._pace, max_attempts=settings.POWERPLATFORM_MAX_ATTEMPTS,
                         backoff_cap=settings.POWERPLATFORM_BACKOFF_CAP)

    @cached_property
    def _limits(self):
        return {family: SlidingWindowLimit(f"{settings.ENTRA_TENANT_ID}:{family}",
                                           settings.POWERPLATFORM_QUOTA_REQUESTS,
                                           settings.POWERPLATFORM_QUOTA_WINDOW * settings.POWERPLATFORM_QUOTA_MARGIN)
                for family in self.bases}

    def _pace(self, url):
        for family, base in self.bases.items():
            if url.startswith(base):
                self._limits[family].acquire()
                return

    # Listings, page by page, so a sync can checkpoint between pages

    def environments_url(self):
        return f"{self.bases['bap']}{ADMIN_ENVIRONMENTS}?api-version=2021-04-01&$expand=properties.capacity"

    def apps_url(self, env_id):
        return f"{self.bases['powerapps']}{POWERAPPS_ADMIN}/{env_id}/apps?api-version=2016-11-01&$top={PAGE_SIZE}"

    def flows_url(self, env_id):
        return f"{self.bases['flow']}{FLOW_ADMIN}/{env_id}/v2/flows?api-version=2016-11-01&$top={PAGE_SIZE}"

    def connectors_url(self, env_id):
        return (f"{self.bases['powerapps']}/providers/Microsoft.PowerApps/apis?api-version=2019-05-01"
                f"&showApisWithToS=true&$filter=environment eq '{env_id}'")

    def page(self, url, parse):
        """Fetch one page at `url` and parse each item with `parse`."""
        body = self.transport.request("GET", url)
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise MalformedResponse("page without a value list", url)
        records, malformed = [], []
        for item in body["value"]:
            try:
                records.append(parse(item, url))
            except (MalformedResponse, KeyError, TypeError, ValueError) as exc:
                malformed.append(f"{exc} in {str(item)[:120]}")
        return Page(records, malformed, body.get("nextLink") or body.get("@odata.nextLink"))

    def environment_page(self, url):
        return self.page(url, parse_environment)

    def app_page(self, url):
        return self.page(url, parse_app)

    def flow_page(self, url):
        return self.page(url, parse_flow)

    def connector_page(self, url):
        return self.page(url, parse_connector)

    def flow_detail(self, env_id, flow_id):
        url = f"{self.bases['flow']}{FLOW_ADMIN}/{env_id}/flows/{flow_id}?api-version=2016-11-01"
        return parse_flow_detail(self.transport.request("GET", url), url)

    def users(self, object_ids):
        """Resolve up to 1,000 object ids through Graph; deleted users are absent from the answer."""
        url = f"{self.bases['graph']}/v1.0/directoryObjects/getByIds"
        body = self.transport.request("POST", url, body={"ids": list(object_ids), "types": ["user"]})
        return [user for user in map(parse_user, (body or {}).get("value", [])) if user]

    # Governance actions

    def set_app_quarantine(self, env_id, app_id, quarantined):
        url = (f"{self.bases['powerapps']}{POWERAPPS_ADMIN}/{env_id}/apps/{app_id}/setAppQuarantineState"
               "?api-version=2021-02-01")
        status = "Quarantined" if quarantined else "Unquarantined"
        self.transport.request("POST", url, body={"quarantineStatus": status})

    def stop_flow(self, env_id, flow_id):
        self.transport.request("POST", f"{self.bases['flow']}{FLOW_ADMIN}/{env_id}/flows/{flow_id}/stop"
                                       "?api-version=2016-11-01", body={})

    def start_flow(self, env_id, flow_id):
        self.transport.request("POST", f"{self.bases['flow']}{FLOW_ADMIN}/{env_id}/flows/{flow_id}/start"
                                       "?api-version=2016-11-01", body={})

    def delete_app(self, env_id, app_id):
        """Delete an app (it waits in deletedApps for the retention period)."""
        self.transport.request("DELETE", f"{self.bases['powerapps']}{POWERAPPS_ADMIN}/{env_id}/apps/{app_id}"
                                         "?api-version=2016-11-01", expect_json=False)

    def delete_flow(self, env_id, flow_id):
        """Delete a flow (soft: restorable during the retention period)."""
        self.transport.request("DELETE", f"{self.bases['flow']}{FLOW_ADMIN}/{env_id}/flows/{flow_id}"
                                         "?api-version=2016-11-01", expect_json=False)

    def export_package(self, env_id, kind, item_id, display_name="", poll_seconds=1.0, timeout=600):
        """Export an app ("app") or flow ("flow") as a legacy package; return the .zip bytes.

        listPackageResources, exportPackage, poll the packaging operation (or take an inline
        result), then fetch the SAS link without a bearer token (power-platform-api.md, 13).
        """
        base = f"{self.bases['bap']}/providers/Microsoft.BusinessAppPlatform/environments/{env_id}"
        resource = (f"/providers/Microsoft.PowerApps/apps/{item_id}" if kind == "app"
                    else f"/providers/Microsoft.Flow/flows/{item_id}")
        listing = self.transport.request("POST", f"{base}/listPackageResources?api-version=2016-11-01",
                                         body={"baseResourceIds": [resource]}) or {}
        if listing.get("errors") or not listing.get("resources"):
            raise MalformedResponse(f"cannot package {resource}: {listing.get('errors')}", base)
        resources = listing["resources"]
        for entry in resources.values():
            if entry.get("id") == resource:
                entry["suggestedCreationType"] = "Update"
        body = {"includedResourceIds": [entry["id"] for entry in resources.values()], "resources": resources,
                "details": {"displayName": display_name or item_id, "description": "CoE portal backup",
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
        response = self.transport.session.get(properties["packageLink"]["value"], timeout=120)
        response.raise_for_status()
        return response.content


@lru_cache(maxsize=4)
def _shared_client(*configuration):
    # Keyed on the settings it is built from, so a changed configuration gets a new client.
    return PowerPlatformClient()
