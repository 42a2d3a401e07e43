"""Delegated grants of the fake identity provider: scopes, consent, refresh tokens and their revocation.

A signed-in user's authorization code, redeemed with `offline_access`, yields a refresh token; the
`refresh_token` grant trades it for a new access token (and a new refresh token; the old one keeps
working, as Entra's do until they lapse). Revoking a user (password reset, "revoke sessions") makes
every refresh token issued before that moment fail with `invalid_grant` and AADSTS50173, in the body
Entra sends (seen in public issue threads: Azure/azure-cli#16745, microsoft/azuredatastudio#13953).
Access tokens already issued stay valid until they expire: no continuous access evaluation is modelled.
"""

import secrets
import time
import uuid
from datetime import UTC, datetime

__all__ = ["DelegatedGrants", "GrantError", "RESERVED_SCOPES"]

RESERVED_SCOPES = {"openid", "profile", "offline_access", "email"}


class GrantError(Exception):
    """An OAuth error answer: status, `error` and an AADSTS description."""

    def __init__(self, status, error, code, description):
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def body(self):
        """The error body as Entra words it: AADSTS code first, then trace, correlation and time."""
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        return {"error": self.error,
                "error_description": f"AADSTS{self.code}: {self.description}\r\nTrace ID: {trace}\r\n"
                                     f"Correlation ID: {correlation}\r\nTimestamp: {now}",
                "error_codes": [self.code], "timestamp": now, "trace_id": trace, "correlation_id": correlation,
                "error_uri": f"https://login.microsoftonline.com/error?code={self.code}"}


def _stamp(seconds):
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


class _Grant:
    __slots__ = ("user", "client_id", "scope", "issued")

    def __init__(self, user, client_id, scope, issued):
        self.user, self.client_id, self.scope, self.issued = user, client_id, scope, issued


class DelegatedGrants:
    """Consented delegated permissions per (client, resource), refresh tokens, and revocations per user."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.consented = {}  # (client id, resource) -> {permission}
        self.refresh_tokens = {}  # token -> _Grant
        self.valid_from = {}  # user oid -> the moment before which that user's grants are void

    def consent(self, client_id, resource, *permissions):
        """Record an admin's consent: `.default` tokens of the client for `resource` carry these."""
        self.consented.setdefault((client_id, resource.rstrip("/")), set()).update(permissions)

    def resource_permissions(self, client_id, scope):
        """(resource, sorted permissions) a scope string asks for; (None, []) for sign-in only.

        `https://host/.default` stands for what was consented; a named permission is consented by
        the signing-in user on the way. Entra refuses scopes of two resources in one request.
        """
        wanted = [word for word in scope.split() if word not in RESERVED_SCOPES]
        if not wanted:
            return None, []
        resources = {word.rpartition("/")[0] for word in wanted}
        if len(resources) != 1 or "" in resources:
            raise GrantError(400, "invalid_scope", 28000, "Provided value for the input parameter scope is not "
                                                          "valid because it contains more than one resource.")
        resource = resources.pop()
        permissions = set(self.consented.get((client_id, resource), ()))
        for word in wanted:
            name = word.rpartition("/")[2]
            if name != ".default":
                permissions.add(name)
                self.consent(client_id, resource, name)
        return resource, sorted(permissions)

    def issue(self, user, client_id, scope):
        """A new refresh token for `user` through `client_id`."""
        token = "0.fake-rt." + secrets.token_urlsafe(48)
        self.refresh_tokens[token] = _Grant(user, client_id, scope, self.clock())
        return token

    def redeem(self, token, client_id):
        """The grant behind a refresh token, or GrantError: unknown, another client's, or revoked."""
        grant = self.refresh_tokens.get(token or "")
        if grant is None or grant.client_id != client_id:
            raise GrantError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        valid_from = self.valid_from.get(grant.user.oid)
        if valid_from is not None and grant.issued < valid_from:
            raise GrantError(400, "invalid_grant", 50173, (
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user "
                f"might have changed or reset their password. The grant was issued on '{_stamp(grant.issued)}' and "
                f"the TokensValidFrom date (before which tokens are not valid) for this user is "
                f"'{_stamp(valid_from)}'."))
        return grant

    def revoke(self, user):
        """Void every refresh token `user` holds now, as a password reset or "revoke sessions" does."""
        self.valid_from[user.oid] = self.clock()
