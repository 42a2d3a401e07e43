"""Microsoft identity platform stand-in: OpenID discovery, authorize, token and keys.

It speaks enough of the v2.0 endpoints for msal's authorization-code flow (sign-in, and delegated
tokens for a resource such as the inventory API, with a refresh token when `offline_access` is asked),
the refresh-token grant, and the client-credentials flow (app-only tokens for the admin APIs), with
signed JWTs. Grants, consent and revocation: identity_grants.py.
"""

import base64
import json
import secrets
import time
import uuid
from html import escape
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .identity_grants import DelegatedGrants, GrantError
from .server import Response

__all__ = ["DirectoryUser", "IdentityProvider", "start_identity_server"]


class DirectoryUser:
    """A user who can sign in: `roles` are the portal app's roles, `directory_roles` Entra's (by name)."""

    def __init__(self, email, name, roles=(), oid=None, directory_roles=()):
        self.email, self.name, self.roles = email, name, list(roles)
        self.directory_roles = list(directory_roles)
        self.oid = oid or str(uuid.uuid5(uuid.NAMESPACE_URL, email))


class IdentityProvider:
    """Routes for one tenant; register clients with `add_client` and users with `users`."""

    def __init__(self, tenant_id, users=(), token_lifetime=3600):
        self.tenant_id = tenant_id
        self.users = {user.email.lower(): user for user in users}
        self.clients = {}
        self.app_roles = {}  # (client id, audience) -> application permissions granted to the client
        self.codes = {}
        self.grants = DelegatedGrants()
        self.token_lifetime = token_lifetime
        self.tokens_issued = 0
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.base_url = ""

    def add_client(self, client_id, secret):
        self.clients[client_id] = secret

    def grant(self, client_id, audience, role):
        """Grant the client an application permission on `audience`: its app-only tokens carry it in `roles`."""
        self.app_roles.setdefault((client_id, audience.rstrip("/")), []).append(role)

    def consent(self, client_id, audience, *permissions):
        """Consent delegated permissions on `audience` for the client: its `.default` user tokens carry them."""
        self.grants.consent(client_id, audience, *permissions)

    # Test controls over the directory

    def user(self, upn):
        """The directory user signing in as `upn`, or KeyError."""
        return self.users[upn.lower()]

    def revoke(self, upn):
        """Void the refresh tokens `upn` holds (a password reset): refreshing gets invalid_grant, AADSTS50173."""
        self.grants.revoke(self.user(upn))

    def set_directory_roles(self, upn, roles):
        """Give `upn` these Entra directory roles (names), e.g. [] for a user who is no longer an admin."""
        self.user(upn).directory_roles = list(roles)

    def directory_roles(self, oid):
        """The directory roles of the user with object id `oid` (none for an unknown one)."""
        user = next((u for u in self.users.values() if u.oid == oid), None)
        return list(user.directory_roles) if user is not None else []

    def routes(self):
        prefix = rf"/(?P<tenant>{self.tenant_id})"
        return [
            ("GET", prefix + r"/v2\.0/\.well-known/openid-configuration", self.discovery),
            ("GET", prefix + r"/discovery/v2\.0/keys", self.keys),
            ("GET", prefix + r"/oauth2/v2\.0/authorize", self.authorize),
            ("POST", prefix + r"/oauth2/v2\.0/authorize", self.authorize),
            ("POST", prefix + r"/oauth2/v2\.0/token", self.token),
        ]

    def issuer(self):
        return f"{self.base_url}/{self.tenant_id}/v2.0"

    def discovery(self, request, tenant):
        root = f"{self.base_url}/{tenant}"
        return Response(body={
            "issuer": self.issuer(),
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
        })

    def keys(self, request, tenant):
        numbers = self.key.public_key().public_numbers()
        encode = lambda n: base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()  # noqa: E731
        return Response(body={"keys": [{"kty": "RSA", "use": "sig", "kid": self.kid, "alg": "RS256",
                                         "n": encode(numbers.n), "e": encode(numbers.e)}]})

    def authorize(self, request, tenant):
        params = {**request.query, **(request.form() if request.method == "POST" else {})}
        if params.get("client_id") not in self.clients:
            return Response(400, "unknown client_id", content_type="text/plain")
        user = self.users.get((params.get("login_hint") or "").lower())
        if user is None:
            return Response(body=self._picker(params), content_type="text/html; charset=utf-8")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"user": user, "client_id": params["client_id"], "nonce": params.get("nonce"),
                            "redirect_uri": params["redirect_uri"], "scope": params.get("scope", "")}
        target = params["redirect_uri"] + "?" + urlencode({"code": code, "state": params.get("state", "")})
        return Response(302, b"", headers={"Location": target}, content_type="text/plain")

    def _picker(self, params):
        hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                         for k, v in params.items() if k != "login_hint")
        options = "".join(f'<option value="{escape(u.email)}">{escape(u.name)} ({escape(u.email)})</option>'
                          for u in self.users.values())
        return (f"<!doctype html><title>Sign in</title><h1>Pick an account</h1><form method=post>{hidden}"
                f'<label>Account <select name="login_hint">{options}</select></label>'
                f'<button type="submit">Sign in</button></form>')

    def token(self, request, tenant):
        form = request.form()
        if self.clients.get(form.get("client_id")) != form.get("client_secret"):
            return self._error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        try:
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    return self._error(400, "invalid_grant", "AADSTS70008: The provided authorization code is invalid.")
                scope = form.get("scope") or grant["scope"]
                return Response(body=self._user_tokens(grant["user"], form, scope, grant["nonce"]))
            if form.get("grant_type") == "refresh_token":
                grant = self.grants.redeem(form.get("refresh_token"), form["client_id"])
                return Response(body=self._user_tokens(grant.user, form, form.get("scope") or grant.scope, None))
        except GrantError as exc:
            return Response(exc.status, exc.body())
        if form.get("grant_type") == "client_credentials":
            resource = form.get("scope", "").split(" ")[0].removesuffix(".default").rstrip("/")
            return Response(body=self._app_token(form["client_id"], resource))
        return self._error(400, "unsupported_grant_type", "AADSTS70003: unsupported grant type")

    def _error(self, status, code, description):
        return Response(status, {"error": code, "error_description": description})

    def _sign(self, claims):
        now = int(time.time())
        claims = {"iss": self.issuer(), "tid": self.tenant_id, "iat": now, "nbf": now,
                  "exp": now + self.token_lifetime, "uti": secrets.token_urlsafe(16), **claims}
        self.tokens_issued += 1
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def _user_tokens(self, user, form, scope, nonce):
        """Tokens for a signed-in user: for the resource the scope names, else Graph's User.Read (sign-in)."""
        client_id = form["client_id"]
        resource, permissions = self.grants.resource_permissions(client_id, scope)
        id_token = self._sign({"aud": client_id, "sub": user.oid, "oid": user.oid, "name": user.name,
                               "preferred_username": user.email, "email": user.email, "roles": user.roles,
                               "nonce": nonce, "ver": "2.0"})
        if resource is None:
            access = self._sign({"aud": "00000003-0000-0000-c000-000000000000", "oid": user.oid, "scp": "User.Read"})
            granted = "openid profile email"
        else:
            access = self._sign({"aud": resource, "oid": user.oid, "upn": user.email, "name": user.name,
                                 "scp": " ".join(permissions), "appid": client_id, "ver": "1.0"})
            granted = " ".join(f"{resource}/{permission}" for permission in permissions)
        tokens = {"token_type": "Bearer", "scope": granted, "expires_in": self.token_lifetime,
                  "ext_expires_in": self.token_lifetime, "access_token": access, "id_token": id_token}
        if "offline_access" in scope.split():
            tokens["refresh_token"] = self.grants.issue(user, client_id, scope)
        if form.get("client_info") == "1":  # msal asks for it and keys its account cache on it
            info = json.dumps({"uid": user.oid, "utid": self.tenant_id}).encode()
            tokens["client_info"] = base64.urlsafe_b64encode(info).decode().rstrip("=")
        return tokens

    def _app_token(self, client_id, resource):
        access = self._sign({"aud": resource, "appid": client_id, "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)),
                             "roles": list(self.app_roles.get((client_id, resource), []))})
        return {"token_type": "Bearer", "expires_in": self.token_lifetime, "ext_expires_in": self.token_lifetime,
                "access_token": access}


def start_identity_server(provider, tls_dir, port=0):
    """Serve `provider` on loopback HTTPS; return the running FakeServer."""
    from .server import FakeServer

    server = FakeServer(provider.routes(), tls_dir, port=port).start()
    provider.base_url = server.url
    return server
