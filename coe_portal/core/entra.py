"""Microsoft Entra ID sign-in with msal's authorization-code flow."""

from functools import lru_cache

import msal
from django.conf import settings

from coe_portal.powerplatform.auth import entra_credential, instance_discovery
from coe_portal.powerplatform.session import CABundleSession

__all__ = ["entra_app", "entra_enabled"]


def entra_enabled():
    return bool(settings.ENTRA_TENANT_ID and settings.ENTRA_CLIENT_ID)


def entra_app():
    """Return the msal app for the configured tenant (built once per configuration)."""
    return _build_app(settings.ENTRA_AUTHORITY_HOST, settings.ENTRA_TENANT_ID, settings.ENTRA_CLIENT_ID,
                      settings.ENTRA_CA_BUNDLE)


@lru_cache(maxsize=4)
def _build_app(authority_host, tenant_id, client_id, ca_bundle):
    return msal.ConfidentialClientApplication(
        client_id,
        authority=f"{authority_host}/{tenant_id}",
        client_credential=entra_credential(),
        http_client=CABundleSession(ca_bundle),
        instance_discovery=instance_discovery(authority_host),
    )
