"""The fake tenant on loopback HTTPS: an identity provider and one server per admin API family.

The client picks a token audience by host, so BAP, Power Apps, Flow and Graph each get a port
of their own; every Dataverse org is served under one more port, at `{server}/{org}`; then the
Office 365 Management Activity API (`manage`) and the Power Platform API (`ppapi`), usage-apis.md.
Every request passes, in order: route match (404), bearer token check (401),
the throttle (429), injected faults, the api-version check (400), then the route's view.
"""

import re
import time
from pathlib import Path

import jwt

from . import (
    routes_bap,
    routes_dataverse,
    routes_envops,
    routes_flow,
    routes_graph,
    routes_inventory,
    routes_manage,
    routes_package_import,
    routes_packages,
    routes_powerapps,
    routes_ppapi,
    routes_runs,
    routes_solutions,
    routes_usage_tables,
)
from .common import ApiContext, ApiOptions, auth_error, error
from .faults import Faults
from .identity import DirectoryUser, IdentityProvider
from .inventory import Inventory, InventoryOptions
from .server import FakeServer
from .throttle import Throttle, profile
from .usage import Usage, UsageOptions

__all__ = ["AUDIENCES", "FAMILIES", "FakeTenantServers", "InventoryOptions", "TenantIdentity", "TokenVerifier",
           "UsageOptions", "start_fake_tenant"]

# New families go last: a base port's offsets keep their meaning.
FAMILIES = ("bap", "powerapps", "flow", "graph", "dataverse", "manage", "ppapi")
AUDIENCES = {
    "bap": ("https://service.powerapps.com",),
    "powerapps": ("https://service.powerapps.com",),
    "flow": ("https://service.flow.microsoft.com",),
    "graph": ("https://graph.microsoft.com",),
    "dataverse": routes_dataverse.audiences,  # each org's own URL
    "manage": ("https://manage.office.com",),  # usage-apis.md §1.1
    "ppapi": ("https://api.powerplatform.com",),  # usage-apis.md §2.3, §3
}
# Dataverse service protection applies per user and org (web server), not per API family.
PARTITIONS = {"dataverse": routes_dataverse.org_of}
# The audit feed throttles per tenant and publisher, not per caller (usage-apis.md §1.7, §7.6).
THROTTLE_KEYS = {"manage": routes_manage.throttle_key}
REFUSALS = {"manage": routes_manage.refusal}
ROUTES = {"bap": lambda ctx: (routes_bap.routes(ctx) + routes_envops.routes(ctx) + routes_packages.routes(ctx)
                             + routes_package_import.routes(ctx)),
          "powerapps": lambda ctx: routes_powerapps.routes(ctx) + routes_solutions.powerapps_routes(ctx),
          "flow": lambda ctx: (routes_flow.routes(ctx) + routes_solutions.flow_routes(ctx)
                               + routes_runs.routes(ctx)), "graph": routes_graph.routes,
          "dataverse": lambda ctx: (routes_dataverse.routes(ctx) + routes_solutions.routes(ctx)
                                    + routes_usage_tables.routes(ctx)),
          "manage": routes_manage.routes, "ppapi": lambda ctx: routes_ppapi.routes(ctx) + routes_inventory.routes(ctx)}
# The demo's sign-in personas (core/management/commands/demo_users.py), so Entra sign-in works there too;
# Ada is the tenant's Power Platform administrator, who can connect the inventory API (inventory-api.md §1.2).
PERSONAS = (("ada.admin@contoso.example", "Ada Admin", ["CoE.Admin"], ["Power Platform Administrator"]),
            ("max.maker@contoso.example", "Max Maker", [], []),
            ("mia.manager@contoso.example", "Mia Manager", ["CoE.Manager"], []))


class TenantIdentity(IdentityProvider):
    """The identity provider, numbering its tokens so a fault can expire all issued so far."""

    def _sign(self, claims):
        return super()._sign({**claims, "xms_seq": self.tokens_issued + 1})


class TokenVerifier:
    """Check bearer tokens: signature, expiry, audience, and revocation by `faults.expire_tokens`."""

    def __init__(self, provider, faults):
        self.key = provider.key.public_key()
        self.faults = faults
        self.verified = {}

    def check(self, request, audiences):
        """Return (claims, None) for a good token, else (None, the 401 answer)."""
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None, auth_error("InvalidAuthenticationToken", "The 'Authorization' header is missing or is "
                                                                  "not a bearer token.")
        claims = self.verified.get(token)
        if claims is None:
            try:
                claims = jwt.decode(token, self.key, algorithms=["RS256"],
                                    options={"verify_aud": False, "verify_exp": False, "verify_nbf": False,
                                             "verify_iat": False})
            except jwt.PyJWTError as exc:
                return None, auth_error("InvalidAuthenticationToken", f"The access token is invalid: {exc}.")
            if len(self.verified) > 10_000:
                self.verified.clear()
            self.verified[token] = claims
        now = time.time()
        if claims.get("exp", 0) <= now or claims.get("xms_seq", 0) <= self.faults.revoked_through:
            return None, auth_error("ExpiredAuthenticationToken", "The access token expiry UTC time "
                                    f"'{time.strftime('%m/%d/%Y %H:%M:%S', time.gmtime(claims.get('exp', 0)))}' is "
                                    "earlier than current UTC time, or the token was revoked.")
        audience = str(claims.get("aud", "")).rstrip("/")
        if audience not in audiences:
            return None, auth_error("InvalidAuthenticationTokenAudience",
                                    f"The access token has been obtained for wrong audience or resource "
                                    f"'{claims.get('aud')}'. It should exactly match with one of the allowed "
                                    f"audiences {', '.join(repr(a + '/') for a in audiences)}.")
        return claims, None


class Gate:
    """Wrap a family's views with the token check, the throttle, faults and the api-version rule."""

    def __init__(self, family, verifier, throttle, faults, options):
        self.family, self.verifier, self.throttle, self.faults = family, verifier, throttle, faults
        self.options = options
        self.audiences = AUDIENCES[family]
        self.partition = PARTITIONS.get(family)
        self.throttle_key, self.refusal = THROTTLE_KEYS.get(family), REFUSALS.get(family)
        self.base_url = ""
        self.tenant = None

    def wrap(self, view, versioned):
        """Return `view` behind the checks; `versioned` routes need api-version."""
        if versioned == routes_packages.PUBLIC:  # a SAS link: its query is the credential
            return view
        def handle(request, **groups):
            request.base_url = self.base_url
            audiences = self.audiences(request) if callable(self.audiences) else self.audiences
            claims, refusal = self.verifier.check(request, audiences)
            if refusal is not None:
                return refusal
            request.claims = claims
            principal = claims.get("oid") or claims.get("appid") or "anonymous"
            if self.partition is not None:
                principal = f"{principal}:{self.partition(request)}"
            if self.throttle_key is not None:
                principal = self.throttle_key(request)
            ticket = self.throttle.enter(principal)
            if not hasattr(ticket, "bucket"):
                return ticket if self.refusal is None else self.refusal(self.tenant, request, ticket)
            try:
                return self._answer(request, view, versioned, groups)
            finally:
                self.throttle.leave(ticket)

        return handle

    def _answer(self, request, view, versioned, groups):
        fault = self.faults.draw(request)
        if fault is not None:
            replaced = fault.response()
            if replaced is not None:
                return replaced
            self.faults.pause(fault)
        self.throttle.wait_latency()
        if versioned and self.options.require_api_version and not request.query.get("api-version"):
            return error(400, "MissingApiVersionParameter",
                         "The api-version query parameter (?api-version=) is required for all requests.")
        response = view(request, **groups)
        return fault.spoil(response) if fault is not None else response


class FakeTenantServers:
    """The running fake: `urls`, `ca_path`, `tenant_id`, `stats()`, `settings()`, `stop()`."""

    def __init__(self, tenant, provider, identity_server, servers, throttles, faults, client_id, client_secret,
                 context):
        self.tenant, self.provider, self.identity_server = tenant, provider, identity_server
        self.servers, self.throttles, self.faults, self.context = servers, throttles, faults, context
        self.client_id, self.client_secret = client_id, client_secret
        self.tenant_id = tenant.tenant_id
        self.ca_path = identity_server.ca_path
        self.urls = {"authority_host": identity_server.url, **{family: servers[family].url for family in FAMILIES}}

    def stats(self):
        """Requests that passed the token check, and how many of them got a 429, per server."""
        return {family: self.throttles[family].counts() for family in FAMILIES}

    def settings(self):
        """The Django settings that point the portal at this fake."""
        ca = str(self.ca_path)
        return {
            "ENTRA_TENANT_ID": self.tenant_id, "ENTRA_CLIENT_ID": self.client_id,
            "ENTRA_CLIENT_SECRET": self.client_secret, "ENTRA_AUTHORITY_HOST": self.urls["authority_host"],
            "ENTRA_CA_BUNDLE": ca, "POWERPLATFORM_BAP_URL": self.urls["bap"],
            "POWERPLATFORM_POWERAPPS_URL": self.urls["powerapps"], "POWERPLATFORM_FLOW_URL": self.urls["flow"],
            "POWERPLATFORM_GRAPH_URL": self.urls["graph"], "POWERPLATFORM_CA_BUNDLE": ca,
            "POWERPLATFORM_DATAVERSE_URL_PATTERN": rf"^{re.escape(self.urls['dataverse'])}/[a-z0-9]+$",
            "POWERPLATFORM_MANAGE_URL": self.urls["manage"], "POWERPLATFORM_API_URL": self.urls["ppapi"],
        }

    def stop(self):
        """Stop every server of the fake."""
        for server in [*self.servers.values(), self.identity_server]:
            server.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def directory_users(tenant, count=50):
    """Sign-in accounts: the demo personas and the first makers still in the directory."""
    users = [DirectoryUser(email, name, roles, directory_roles=admin) for email, name, roles, admin in PERSONAS]
    taken = {user.email for user in users}
    for maker in tenant.makers:
        if len(users) >= count + len(PERSONAS):
            break
        if not maker.deleted and maker.enabled and maker.mail not in taken:
            users.append(DirectoryUser(maker.mail, maker.display_name, oid=maker.oid))
    return users


def start_fake_tenant(tenant, tls_dir, client_id, client_secret, throttle="none", faults="", base_port=0,
                      options=None, fault_seed=0, usage=None, activity_feed_role=True, inventory=None):
    """Start the identity provider and the BAP, Power Apps, Flow, Graph, Dataverse, Management Activity
    and Power Platform API servers over `tenant`.

    With `base_port`, they listen on base_port .. base_port + 7 in that order; else on free ports.
    The environments' Dataverse instance URLs are pointed at the Dataverse server. `usage` (UsageOptions)
    sets how the usage APIs behave; `activity_feed_role=False` withholds ActivityFeed.Read from the
    client, so the feed answers AF10001 (usage-apis.md §1.1). `inventory` (InventoryOptions) sets how the
    inventory API behaves (freshness lag, quota, page size); the client is consented its delegated
    permission (inventory-api.md §1.2).
    """
    tls_dir = Path(tls_dir)
    chosen = profile(throttle)
    fault_plan = faults if isinstance(faults, Faults) else Faults(faults, seed=fault_seed)
    provider = TenantIdentity(tenant.tenant_id, users=directory_users(tenant))
    provider.add_client(client_id, client_secret)
    if activity_feed_role:
        provider.grant(client_id, AUDIENCES["manage"][0], routes_manage.ROLE)
    provider.consent(client_id, AUDIENCES["ppapi"][0], routes_inventory.PERMISSION)
    if usage is not None:
        tenant._usage = Usage(tenant, usage)
    if inventory is not None:
        tenant._inventory = Inventory(tenant, inventory)
    fault_plan.tokens_issued = lambda: provider.tokens_issued
    port = lambda offset: base_port + offset if base_port else 0  # noqa: E731
    identity_server = FakeServer(provider.routes(), tls_dir, port=port(0)).start()
    provider.base_url = identity_server.url
    context = ApiContext(tenant, options or ApiOptions())
    context.directory = provider
    verifier = TokenVerifier(provider, fault_plan)
    servers, throttles = {}, {}
    try:
        for offset, family in enumerate(FAMILIES, start=1):
            throttles[family] = (routes_manage.ManageThrottle(chosen) if family == "manage"
                                 else Throttle(chosen, service=family))
            gate = Gate(family, verifier, throttles[family], fault_plan, context.options)
            gate.tenant = tenant
            table = [(method, pattern, gate.wrap(view, versioned))
                     for method, pattern, view, versioned in ROUTES[family](context)]
            servers[family] = FakeServer(table, tls_dir, port=port(offset))
            gate.base_url = servers[family].url
            servers[family].start()
    except Exception:
        for server in [*servers.values(), identity_server]:
            server.stop()
        raise
    point_dataverse_at(tenant, servers["dataverse"].url)
    return FakeTenantServers(tenant, provider, identity_server, servers, throttles, fault_plan, client_id,
                             client_secret, context)


def point_dataverse_at(tenant, url):
    """Give each Dataverse org of `tenant` an instance URL on the fake's Dataverse server."""
    for env in tenant.environments:
        if env.dataverse:
            org = env.dataverse["domainName"]
            env.dataverse["instanceUrl"] = env.dataverse["instanceApiUrl"] = f"{url}/{org}/"
