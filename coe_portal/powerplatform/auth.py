"""App-only tokens from Entra ID with msal, one audience per API family."""

import threading
import time

import msal
from django.conf import settings

from .errors import PowerPlatformError
from .session import CABundleSession

__all__ = ["TokenProvider", "entra_credential", "instance_discovery"]


def instance_discovery(authority_host):
    """msal's instance discovery asks login.microsoftonline.com about the authority host; an
    authority host the administrator set (a sovereign cloud, a local stand-in) is trusted as configured."""
    return None if authority_host.startswith("https://login.microsoftonline.com") else False


def entra_credential():
    """The app registration's credential: a certificate when configured, else the secret."""
    if settings.ENTRA_CLIENT_CERTIFICATE_PATH:
        with open(settings.ENTRA_CLIENT_CERTIFICATE_PATH) as pem:
            return {"private_key": pem.read(), "thumbprint": settings.ENTRA_CLIENT_CERTIFICATE_THUMBPRINT}
    return settings.ENTRA_CLIENT_SECRET


class TokenProvider:
    """Hand out a bearer token for a URL, chosen by which API's base URL the URL is under.

    msal caches each token until shortly before it expires; `invalidate` drops a token the
    service refused (expired early, or revoked) so the next call fetches a fresh one.
    """

    def __init__(self, scopes_by_base_url):
        self.scopes_by_base_url = sorted(scopes_by_base_url.items(), key=lambda item: -len(item[0]))
        self._lock = threading.Lock()
        self._tokens = {}  # scope -> (token, monotonic time to stop using it)
        self._refusals = {}  # scope -> how many of its tokens the service refused (see invalidate)
        self.app = msal.ConfidentialClientApplication(
            settings.ENTRA_CLIENT_ID,
            authority=f"{settings.ENTRA_AUTHORITY_HOST}/{settings.ENTRA_TENANT_ID}",
            client_credential=entra_credential(),
            http_client=CABundleSession(settings.ENTRA_CA_BUNDLE or settings.POWERPLATFORM_CA_BUNDLE),
            instance_discovery=instance_discovery(settings.ENTRA_AUTHORITY_HOST),
        )

    def add_base(self, base_url, scope):
        """Also hand out tokens for `scope` to URLs under `base_url` (a Dataverse org met in a listing)."""
        with self._lock:
            if any(base == base_url for base, _ in self.scopes_by_base_url):
                return
            self.scopes_by_base_url = sorted([*self.scopes_by_base_url, (base_url, scope)],
                                             key=lambda item: -len(item[0]))

    def scope_for(self, url):
        for base, scope in self.scopes_by_base_url:
            if url.startswith(base):
                return scope
        # Never hand a token to a host outside the configured APIs, even if a nextLink says so.
        raise PowerPlatformError("refusing to send a token to an unknown host", url)

    def token_for(self, url):
        scope = self.scope_for(url)
        with self._lock:
            token, use_until = self._tokens.get(scope, (None, 0))
            refusals = self._refusals.get(scope, 0)
        # msal's cache lookup costs more than the rest of a request; reuse the token we hold.
        if token and time.monotonic() < use_until:
            return token
        result = self.app.acquire_token_for_client(scopes=[scope])
        if "access_token" not in result:
            raise PowerPlatformError(f"token request failed: {result.get('error')}: "
                                     f"{result.get('error_description', '')}", scope)
        lifetime = float(result.get("expires_in") or 0)
        with self._lock:
            # A token refused while this one was fetched may be this one (msal's cache still held it): not kept.
            if self._refusals.get(scope, 0) == refusals:
                self._tokens[scope] = (result["access_token"], time.monotonic() + max(0.0, lifetime - 300))
        return result["access_token"]

    def invalidate(self, url):
        """Forget the scope's token, here and in msal's cache: the service refused it (expired early, revoked)."""
        scope = self.scope_for(url)
        with self._lock:
            self._refusals[scope] = self._refusals.get(scope, 0) + 1
            self._tokens.pop(scope, None)
        self._drop_cached(scope)

    def _drop_cached(self, scope):
        cache = self.app.token_cache
        for token in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN, target=[scope])):
            cache.remove_at(token)
