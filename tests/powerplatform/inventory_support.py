"""Calling the fake inventory API as the portal will: a delegated grant through msal, then resourcequery."""

from urllib.parse import parse_qsl, urlsplit

import msal
import requests

from coe_portal.powerplatform.session import CABundleSession

__all__ = ["ADA", "MAX", "QUERY", "READ", "connect", "everything", "query", "where_type"]

ADA, MAX = "ada.admin@contoso.example", "max.maker@contoso.example"
READ = "https://api.powerplatform.com/ResourceQuery.Resources.Read"  # inventory-api.md §1.2
QUERY = "/resourcequery/resources/query?api-version=2024-10-01"
REDIRECT = "https://portal.example/tenant-connection/callback"


def connect(servers, upn=ADA, scopes=(READ,)):
    """Sign `upn` in with msal's authorization-code flow; return (msal app, its token result)."""
    app = msal.ConfidentialClientApplication(
        servers.client_id, client_credential=servers.client_secret, instance_discovery=False,
        authority=f"{servers.urls['authority_host']}/{servers.tenant_id}",
        http_client=CABundleSession(str(servers.ca_path)))
    flow = app.initiate_auth_code_flow(list(scopes), redirect_uri=REDIRECT, login_hint=upn)
    signed_in = requests.get(flow["auth_uri"], verify=str(servers.ca_path), allow_redirects=False, timeout=10)
    callback = dict(parse_qsl(urlsplit(signed_in.headers["Location"]).query))
    return app, app.acquire_token_by_auth_code_flow(flow, callback)


def query(client, token, clauses, table="PowerPlatformResources", **options):
    """POST one resourcequery; `options` become the body's Options (Top, Skip, SkipToken)."""
    body = {"TableName": table, "Clauses": clauses}
    if options:
        body["Options"] = options
    return client.post("ppapi", QUERY, token=token, json=body)


def where_type(*types):
    """The clause that keeps rows of `types` (KQL literals need their own quotes: §1.4)."""
    return {"$type": "where", "FieldName": "type", "Operator": "in~", "Values": [f"'{t}'" for t in types]}


def everything(client, token, clauses):
    """Follow skipToken from the first page to the last; return (rows, pages)."""
    rows, pages, token_of_page = [], [], None
    while True:
        options = {"Top": 1000} if token_of_page is None else {"Top": 1000, "SkipToken": token_of_page}
        answer = query(client, token, clauses, **options)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages.append(page)
        rows += page["data"]
        token_of_page = page.get("skipToken")
        if not token_of_page:
            return rows, pages
