"""Microsoft Entra ID sign-in with msal's authorization-code flow."""

from functools import lru_cache

import msal
import requests
from django.conf import settings

__all__ = ["CABundleSession", "entra_app", "entra_enabled"]


class CABundleSession(requests.Session):
    """A requests session that always verifies against its own CA bundle.

    requests lets REQUESTS_CA_BUNDLE override `session.verify` for calls that pass no
    `verify`, which is how msal calls; passing it on every call keeps the bundle we chose.
    """

    def __init__(self, ca_bundle=None):
        super().__init__()
        self.verify = ca_bundle or True

    def request(self, method, url, **kwargs):
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, **kwargs)


def entra_enabled():
    return bool(settings.ENTRA_TENANT_ID and settings.ENTRA_CLIENT_ID)


def _credential():
    if settings.ENTRA_CLIENT_CERTIFICATE_PATH:
        with open(settings.ENTRA_CLIENT_CERTIFICATE_PATH) as pem:
            return {"private_key": pem.read(), "thumbprint": settings.ENTRA_CLIENT_CERTIFICATE_THUMBPRINT}
    return settings.ENTRA_CLIENT_SECRET


def entra_app():
    """Return the msal app for the configured tenant (built once per configuration)."""
    return _build_app(settings.ENTRA_AUTHORITY_HOST, settings.ENTRA_TENANT_ID, settings.ENTRA_CLIENT_ID,
                      settings.ENTRA_CA_BUNDLE)


@lru_cache(maxsize=4)
def _build_app(authority_host, tenant_id, client_id, ca_bundle):
    microsoft_host = authority_host.startswith("https://login.microsoftonline.com")
    return msal.ConfidentialClientApplication(
        client_id,
        authority=f"{authority_host}/{tenant_id}",
        client_credential=_credential(),
        http_client=CABundleSession(ca_bundle),
        # Instance discovery asks login.microsoftonline.com about the authority host; an
        # authority host set by the administrator is trusted as configured.
        instance_discovery=None if microsoft_host else False,
    )
