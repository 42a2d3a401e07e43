"""The Power Platform admin client: one method per call the portal makes."""

import re
import threading
from functools import cached_property, lru_cache

from django.conf import settings

from .auth import TokenProvider
from .errors import ApiError, MalformedResponse, PowerPlatformError
from .http import PooledHttp
from .metadata import MetadataCalls
from .packages import PackageCalls
from .quota import QuotaStock
from .records import (
    parse_app,
    parse_bot,
    parse_connector,
    parse_environment,
    parse_flow,
    parse_flow_detail,
    parse_site,
    parse_user,
)
from .solutions import SolutionCalls
from .transport import AdaptiveConcurrency, Stats, Transport
from .usage import UsageCalls

__all__ = ["Page", "PowerPlatformClient"]

ADMIN_ENVIRONMENTS = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
POWERAPPS_ADMIN = "/providers/Microsoft.PowerApps/scopes/admin/environments"
FLOW_ADMIN = "/providers/Microsoft.ProcessSimple/scopes/admin/environments"
PAGE_SIZE = 250
DATAVERSE_API = "/api/data/v9.2"
DATAVERSE_PAGE_SIZE = 500
# Dataverse rows name their owner by systemuser id; the expanded owner carries the Entra object id.
DATAVERSE_OWNER = "$expand=owninguser($select=azureactivedirectoryobjectid)"
BOT_COLUMNS = "botid,name,statecode,publishedon,createdon,modifiedon"
SITE_COLUMNS = "powerpagesiteid,name,primarydomainname,statecode,createdon,modifiedon"
# getByIds answers with a user's default properties only ("Only a subset of user properties are
# returned by default in v1.0": Graph's directoryObject getByIds page); accountEnabled and department
# come when $select names them, as Microsoft's Entra PowerShell (Get-EntraDirectoryObject -Property) asks.
GRAPH_USER_FIELDS = "id,displayName,mail,userPrincipalName,department,officeLocation,accountEnabled"


class Page:
    """One page of a listing: the records parsed, the items that could not be, and what follows."""

    def __init__(self, records, malformed, next_url):
        self.records, self.malformed, self.next_url = records, malformed, next_url


class PowerPlatformClient(PackageCalls, SolutionCalls, MetadataCalls, UsageCalls):
    """Calls to BAP, Power Apps, Flow, Graph, the audit feed and the Power Platform API, sharing tokens,
    retries and the quota pacing."""

    def __init__(self, stats=None, max_concurrency=None):
        self.stats = stats or Stats()
        self.bases = {
            "bap": settings.POWERPLATFORM_BAP_URL.rstrip("/"),
            "powerapps": settings.POWERPLATFORM_POWERAPPS_URL.rstrip("/"),
            "flow": settings.POWERPLATFORM_FLOW_URL.rstrip("/"),
            "graph": settings.POWERPLATFORM_GRAPH_URL.rstrip("/"),
            "manage": settings.POWERPLATFORM_MANAGE_URL.rstrip("/"),
            "ppapi": settings.POWERPLATFORM_API_URL.rstrip("/"),
        }
        powerapps_scope = settings.POWERPLATFORM_POWERAPPS_SCOPE
        self.scopes = {"bap": powerapps_scope, "powerapps": powerapps_scope,
                       "flow": settings.POWERPLATFORM_FLOW_SCOPE, "graph": settings.POWERPLATFORM_GRAPH_SCOPE,
                       "manage": settings.POWERPLATFORM_MANAGE_SCOPE, "ppapi": settings.POWERPLATFORM_API_SCOPE}
        self.tenant_id = settings.ENTRA_TENANT_ID
        self.max_concurrency = max_concurrency or settings.POWERPLATFORM_MAX_CONCURRENCY
        self._dataverse_limits = {}  # org base URL -> its quota (Dataverse limits apply per org)
        self._workflow_names = {}  # org base URL -> {workflow id: flow name} (usage.UsageCalls)
        self._dataverse_lock, self._build_lock = threading.Lock(), threading.Lock()
        self._transport = None

    @classmethod
    def shared(cls):
        """The process's client: msal's token cache and the HTTPS connections outlive one task."""
        return _shared_client(settings.ENTRA_TENANT_ID, settings.ENTRA_CLIENT_ID, settings.ENTRA_AUTHORITY_HOST,
                              settings.POWERPLATFORM_BAP_URL, settings.POWERPLATFORM_POWERAPPS_URL,
                              settings.POWERPLATFORM_FLOW_URL, settings.POWERPLATFORM_GRAPH_URL,
                              settings.POWERPLATFORM_MANAGE_URL, settings.POWERPLATFORM_API_URL,
                              settings.POWERPLATFORM_CA_BUNDLE, settings.POWERPLATFORM_MAX_CONCURRENCY,
                              settings.POWERPLATFORM_QUOTA_REQUESTS, settings.POWERPLATFORM_QUOTA_WINDOW,
                              settings.POWERPLATFORM_MAX_ATTEMPTS, settings.POWERPLATFORM_BACKOFF_CAP,
                              settings.POWERPLATFORM_DATAVERSE_URL_PATTERN, settings.POWERPLATFORM_QUOTA_BATCH)

    @property
    def transport(self):
        """Built once, on first use, under a lock: threads share its tokens, connections and concurrency
        (functools.cached_property stopped locking in Python 3.12, and a second copy would not know the
        Dataverse orgs registered on the first)."""
        if self._transport is None:
            with self._build_lock:
                if self._transport is None:
                    tokens = TokenProvider({base: self.scopes[family] for family, base in self.bases.items()})
                    http = PooledHttp(settings.POWERPLATFORM_CA_BUNDLE, pool_size=self.max_concurrency * 2)
                    self._transport = Transport(
                        tokens, http, stats=self.stats, concurrency=AdaptiveConcurrency(self.max_concurrency),
                        pace=self._pace, max_attempts=settings.POWERPLATFORM_MAX_ATTEMPTS,
                        backoff_cap=settings.POWERPLATFORM_BACKOFF_CAP)
        return self._transport

    @cached_property
    def _limits(self):
        return {family: self._quota(family) for family in self.bases}

    @staticmethod
    def _quota(name):
        window = settings.POWERPLATFORM_QUOTA_WINDOW
        margin = window * (settings.POWERPLATFORM_QUOTA_MARGIN - 1)
        # Slots are taken a few at a time; one kept longer than half the margin is dropped unused.
        return QuotaStock(f"{settings.ENTRA_TENANT_ID}:{name}", settings.POWERPLATFORM_QUOTA_REQUESTS,
                          window + margin, batch=settings.POWERPLATFORM_QUOTA_BATCH, max_age=min(0.25, margin / 2))

    def _pace(self, url, background=False):
        for family, base in self.bases.items():
            if url.startswith(base):
                limit = self._limits[family]
                # Background calls leave a share of the window free, for the listing pages they follow.
                limit.acquire(reserve=round(limit.limit * settings.POWERPLATFORM_QUOTA_RESERVE) if background else 0)
                return
        for base, limit in list(self._dataverse_limits.items()):
            if url.startswith(base):
                limit.acquire()
                return

    def dataverse_org(self, dataverse_url):
        """Accept the org at `dataverse_url` (from the environment listing) for tokens and pacing; return its base.

        A token goes only to an org URL matching POWERPLATFORM_DATAVERSE_URL_PATTERN.
        """
        base = dataverse_url.rstrip("/")
        if not re.match(settings.POWERPLATFORM_DATAVERSE_URL_PATTERN, base, re.IGNORECASE):
            raise PowerPlatformError("not a Dataverse org URL this portal sends tokens to", base)
        with self._dataverse_lock:
            if f"{base}/" not in self._dataverse_limits:
                self.transport.tokens.add_base(f"{base}/", f"{base}/.default")
                self._dataverse_limits[f"{base}/"] = self._quota(f"dataverse:{base}")
        return base

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

    def bots_url(self, dataverse_url):
        base = self.dataverse_org(dataverse_url)
        return f"{base}{DATAVERSE_API}/bots?$select={BOT_COLUMNS}&{DATAVERSE_OWNER}"

    def sites_url(self, dataverse_url):
        base = self.dataverse_org(dataverse_url)
        return f"{base}{DATAVERSE_API}/powerpagesites?$select={SITE_COLUMNS}&{DATAVERSE_OWNER}"

    def page(self, url, parse, headers=None):
        """Fetch one page at `url` and parse each item with `parse`."""
        body = self.transport.request("GET", url, headers=headers)
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

    def bot_page(self, url):
        """One page of a Dataverse org's Copilot Studio bots (`url` from bots_url or a nextLink)."""
        return self.page(url, parse_bot, headers={"Prefer": f"odata.maxpagesize={DATAVERSE_PAGE_SIZE}"})

    def site_page(self, url):
        """One page of a Dataverse org's Power Pages sites (`url` from sites_url or a nextLink)."""
        return self.page(url, parse_site, headers={"Prefer": f"odata.maxpagesize={DATAVERSE_PAGE_SIZE}"})

    def flow_detail(self, env_id, flow_id):
        url = f"{self.bases['flow']}{FLOW_ADMIN}/{env_id}/flows/{flow_id}?api-version=2016-11-01"
        return parse_flow_detail(self.transport.request("GET", url, background=True), url)

    def users(self, object_ids):
        """Resolve up to 1,000 object ids through Graph; deleted users are absent from the answer.

        Only user objects are kept (parse_user): an id that names a group or a device is not a maker.
        """
        url = f"{self.bases['graph']}/v1.0/directoryObjects/getByIds?$select={GRAPH_USER_FIELDS}"
        body = self.transport.request("POST", url, body={"ids": list(object_ids), "types": ["user"]})
        return [user for user in map(parse_user, (body or {}).get("value", [])) if user]

    def connector_host(self, swagger_url):
        """The scheme and host a custom connector's definition names ("https://api.contoso.com"), "" for none.

        DLP's custom connector URL patterns match this host. The definition is the connector's
        `apiDefinitions.originalSwaggerUrl`, a SAS link (what Microsoft's paconn downloads): it is
        fetched without a bearer token.
        """
        response = self.transport.session.request("GET", swagger_url)
        if response.status_code >= 400:
            raise ApiError(response.status_code, "SwaggerUnavailable", "the connector's definition", swagger_url)
        try:
            swagger = response.json()
        except ValueError:
            raise MalformedResponse("a connector definition that is not JSON", swagger_url) from None
        host = swagger.get("host") if isinstance(swagger, dict) else None
        schemes = swagger.get("schemes") if isinstance(swagger, dict) else None
        scheme = schemes[0] if isinstance(schemes, list) and schemes else "https"
        return f"{scheme}://{host}".lower() if isinstance(host, str) and host else ""

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
        """Delete an app (it waits in deletedApps for the retention period).

        Returns True when it was deleted now, False when the tenant no longer had it. The service
        answers 403 both for a missing app and for a refused delete: a GET of the app tells them
        apart (AppNotFound: already gone); a refusal is raised.
        """
        try:
            self.transport.request("DELETE", f"{self.bases['powerapps']}{POWERAPPS_ADMIN}/{env_id}/apps/{app_id}"
                                             "?api-version=2016-11-01", expect_json=False)
        except ApiError as exc:
            if exc.status not in (403, 404) or self.app_exists(env_id, app_id):
                raise
            return False
        return True

    def app_exists(self, env_id, app_id):
        """Whether the environment still has the app (False on 404 AppNotFound)."""
        try:
            self.transport.request("GET", f"{self.bases['powerapps']}{POWERAPPS_ADMIN}/{env_id}/apps/{app_id}"
                                          "?api-version=2016-11-01")
        except ApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def delete_flow(self, env_id, flow_id):
        """Delete a flow (soft: restorable during the retention period); a missing flow answers 204, no error."""
        self.transport.request("DELETE", f"{self.bases['flow']}{FLOW_ADMIN}/{env_id}/flows/{flow_id}"
                                         "?api-version=2016-11-01", expect_json=False)

    # Environment operations

    def copy_environment(self, source_env_id, target_env_id, target_name, full_copy=True, skip_audit_data=True,
                         security_group_id=None):
        """Start copying `source_env_id` over `target_env_id`; return the operation URL to poll.

        BAP answers 202 with a Location (Copy-PowerAppEnvironment); the target is overwritten.
        """
        url = (f"{self.bases['bap']}/providers/Microsoft.BusinessAppPlatform/environments/{target_env_id}/copyTo"
               "?api-version=2019-05-01")
        body = {"sourceEnvironmentId": source_env_id, "targetEnvironmentName": target_name,
                "copyType": "FullCopy" if full_copy else "MinimalCopy", "skipAuditData": skip_audit_data}
        if security_group_id:
            body["targetSecurityGroupId"] = str(security_group_id)
        headers = {}
        self.transport.request("POST", url, body=body, response_headers=headers)
        location = headers.get("Location") or headers.get("Operation-Location")
        if not location:
            raise MalformedResponse("copy accepted without an operation Location", url)
        return location

    def operation_status(self, url):
        """Poll an asynchronous operation: its `properties.status` (Running, Succeeded, Failed) and error."""
        body = self.transport.request("GET", url) or {}
        properties = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(properties, dict) or not properties.get("status"):
            raise MalformedResponse("operation without properties.status", url)
        error = properties.get("error") or {}
        return properties["status"], (error.get("message") if isinstance(error, dict) else str(error)) or ""


@lru_cache(maxsize=4)
def _shared_client(*configuration):
    # Keyed on the settings it is built from, so a changed configuration gets a new client.
    return PowerPlatformClient()
