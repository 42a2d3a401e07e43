"""Fixtures for the Entra ID stand-in: an OpenID provider on loopback HTTPS."""

import pytest

from coe_portal.core.entra import _build_app
from coe_portal.powerplatform.fake.identity import DirectoryUser, IdentityProvider, start_identity_server

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "stand-in-secret"

ADA = DirectoryUser("ada.admin@contoso.example", "Ada Admin", roles=["CoE.Admin"])
MAX = DirectoryUser("max.maker@contoso.example", "Max Maker")
MIA = DirectoryUser("mia.manager@contoso.example", "Mia Manager", roles=["CoE.Manager"])


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    provider = IdentityProvider(TENANT_ID, users=[ADA, MAX, MIA])
    provider.add_client(CLIENT_ID, CLIENT_SECRET)
    server = start_identity_server(provider, tmp_path_factory.mktemp("tls"))
    yield provider, server
    server.stop()


@pytest.fixture
def entra(settings, identity_provider):
    """Configure the portal's Entra sign-in against the stand-in."""
    provider, server = identity_provider
    settings.ENTRA_TENANT_ID = TENANT_ID
    settings.ENTRA_CLIENT_ID = CLIENT_ID
    settings.ENTRA_CLIENT_SECRET = CLIENT_SECRET
    settings.ENTRA_AUTHORITY_HOST = server.url
    settings.ENTRA_CA_BUNDLE = str(server.ca_path)
    _build_app.cache_clear()
    yield provider, server
    _build_app.cache_clear()
