"""Fixtures and a plain `requests` client for testing the fake tenant from the outside."""

from datetime import UTC, datetime

import pytest
import requests

from coe_portal.powerplatform.fake.api import start_fake_tenant
from coe_portal.powerplatform.fake.tenant import FakeTenant

__all__ = [
    "BAP_ENVIRONMENTS", "CLIENT_ID", "CLIENT_SECRET", "FLOW_ADMIN", "FakeClient", "NOW", "POWERAPPS_ADMIN", "fake",
    "make_fake", "tls_dir",
]

CLIENT_ID = "7e57c11e-0000-4000-8000-00000000fa4e"
CLIENT_SECRET = "fake-tests-secret"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SCOPES = {"bap": "https://service.powerapps.com/.default", "powerapps": "https://service.powerapps.com/.default",
          "flow": "https://service.flow.microsoft.com//.default", "graph": "https://graph.microsoft.com/.default",
          "manage": "https://manage.office.com/.default", "ppapi": "https://api.powerplatform.com/.default"}
BAP_ENVIRONMENTS = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"
POWERAPPS_ADMIN = "/providers/Microsoft.PowerApps/scopes/admin/environments"
FLOW_ADMIN = "/providers/Microsoft.ProcessSimple/scopes/admin/environments"


class FakeClient:
    """Call the fake as a real client would: app-only tokens per audience, verify against its CA.

    requests ignores `session.verify` when REQUESTS_CA_BUNDLE is set, so every call passes verify.
    """

    def __init__(self, servers):
        self.servers, self.ca = servers, str(servers.ca_path)
        self.session = requests.Session()
        self.tokens = {}

    def url(self, family, path):
        return self.servers.urls[family] + path

    def token(self, family, fresh=False, scope=None):
        scope = scope or SCOPES[family]
        if fresh or scope not in self.tokens:
            answer = self.session.post(
                f"{self.servers.urls['authority_host']}/{self.servers.tenant_id}/oauth2/v2.0/token",
                data={"grant_type": "client_credentials", "client_id": self.servers.client_id,
                      "client_secret": self.servers.client_secret, "scope": scope}, verify=self.ca, timeout=10)
            answer.raise_for_status()
            self.tokens[scope] = answer.json()["access_token"]
        return self.tokens[scope]

    def call(self, method, family, path_or_url, token=None, **kwargs):
        url = path_or_url if path_or_url.startswith("https://") else self.url(family, path_or_url)
        headers = {"Authorization": f"Bearer {token or self.token(family)}", **kwargs.pop("headers", {})}
        return self.session.request(method, url, headers=headers, verify=self.ca, timeout=30, **kwargs)

    def get(self, family, path_or_url, **kwargs):
        return self.call("GET", family, path_or_url, **kwargs)

    def post(self, family, path_or_url, **kwargs):
        return self.call("POST", family, path_or_url, **kwargs)

    def delete(self, family, path_or_url, **kwargs):
        return self.call("DELETE", family, path_or_url, **kwargs)

    def all_pages(self, family, path_or_url, **kwargs):
        """Follow nextLink verbatim; return (items, pages)."""
        items, pages, url = [], [], path_or_url
        while url:
            answer = self.get(family, url, **kwargs)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            items += body["value"]
            pages.append(body)
            url = body.get("nextLink")
        return items, pages

    def dataverse(self, env, path, **kwargs):
        """GET `path` (or a full URL) of `env`'s Dataverse Web API with a token for its org."""
        root = env.dataverse["instanceUrl"].rstrip("/")
        token = self.token("dataverse", scope=f"{root}/.default")
        url = path if path.startswith("https://") else f"{root}/api/data/v9.2/{path}"
        return self.get("dataverse", url, token=token, **kwargs)

    # Paths

    def feed_path(self, rest, tenant=None):
        """A Management Activity API path under the feed's root (usage-apis.md §1.2)."""
        return f"/api/v1.0/{tenant or self.servers.tenant_id}/activity/feed/{rest}"

    def apps_path(self, env, top=None):
        return f"{POWERAPPS_ADMIN}/{env}/apps?api-version=2016-11-01" + (f"&$top={top}" if top else "")

    def app_path(self, env, app, suffix="", version="2016-11-01"):
        return f"{POWERAPPS_ADMIN}/{env}/apps/{app}{suffix}?api-version={version}"

    def flows_path(self, env, top=None, extra=""):
        return f"{FLOW_ADMIN}/{env}/v2/flows?api-version=2016-11-01" + (f"&$top={top}" if top else "") + extra

    def flow_path(self, env, flow, suffix=""):
        return f"{FLOW_ADMIN}/{env}/flows/{flow}{suffix}?api-version=2016-11-01"


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fake-tls")


@pytest.fixture
def make_fake(tls_dir):
    """Start fakes over generated tenants; stop them after the test."""
    started = []

    def make(environments=4, apps=60, flows=120, seed=3, throttle="none", faults="", **options):
        tenant = FakeTenant(seed=seed, environments=environments, apps=apps, flows=flows, now=NOW)
        servers = start_fake_tenant(tenant, tls_dir, CLIENT_ID, CLIENT_SECRET, throttle=throttle, faults=faults,
                                    **options)
        started.append(servers)
        return tenant, servers, FakeClient(servers)

    yield make
    for servers in started:
        servers.stop()


@pytest.fixture
def fake(make_fake):
    """A small tenant with no throttle and no faults: (tenant, servers, client)."""
    return make_fake()
