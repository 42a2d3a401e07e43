"""Sign-in with Entra ID through msal, against the OpenID provider stand-in on loopback HTTPS."""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from coe_portal.core.permissions import user_roles
from inventory.models import Maker
from tests.support.identity import ADA, MAX, MIA


def sign_in_with_entra(client, server, email):
    """Follow the browser's path: portal -> provider -> portal callback."""
    start = client.get(reverse("entra-login"), {"login_hint": email})
    assert start.status_code == 302 and start["Location"].startswith(server.url)
    answer = requests.get(start["Location"], allow_redirects=False, verify=str(server.ca_path), timeout=10)
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == reverse("entra-callback")
    return client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})


@pytest.mark.django_db
class TestEntraSignIn:
    def test_first_sign_in_creates_a_maker(self, client, entra):
        provider, server = entra
        response = sign_in_with_entra(client, server, MAX.email)
        assert response.status_code == 302 and response["Location"] == reverse("home")
        user = client.get(reverse("home")).context["user"]
        assert (user.email, user.get_full_name()) == (MAX.email, "Max Maker")
        assert user.profile.entra_object_id == uuid.UUID(MAX.oid)
        assert user_roles(user) == {"maker"}
        assert AuditEntry.objects.get(action="auth.login").details == {"method": "entra"}

    def test_app_roles_in_the_token_grant_portal_roles(self, client, entra):
        _, server = entra
        sign_in_with_entra(client, server, ADA.email)
        assert client.get(reverse("audit-list")).status_code == 200
        client.post(reverse("logout"))
        sign_in_with_entra(client, server, MIA.email)
        assert user_roles(client.get(reverse("home")).context["user"]) == {"maker", "manager"}

    def test_user_maps_to_inventory_maker_by_object_id_or_email(self, client, entra):
        _, server = entra
        by_oid = Maker.objects.create(entra_object_id=MAX.oid, display_name="Max (synced)", email="old@x.example")
        by_mail = Maker.objects.create(display_name="Max in a CSV import", email=MAX.email.upper())
        Maker.objects.create(display_name="Someone else", email="someone@contoso.example")
        sign_in_with_entra(client, server, MAX.email)
        response = client.get(reverse("me"))
        assert list(response.context["makers"]) == [by_oid, by_mail]  # ordered by display name

    def test_existing_local_account_waits_for_an_admin_to_confirm_the_link(self, client, entra,
                                                                           django_user_model):
        # Issue 21, finding 9: the e-mail claim alone no longer adopts an account (tests/security).
        local = django_user_model.objects.create_user("max", MAX.email, "pw")
        _, server = entra
        response = sign_in_with_entra(client, server, MAX.email)
        assert response["Location"] == reverse("login")
        assert local.pending_entra_links.count() == 1 and django_user_model.objects.count() == 1

    def test_second_sign_in_reuses_the_account(self, client, entra, django_user_model):
        _, server = entra
        sign_in_with_entra(client, server, MAX.email)
        client.post(reverse("logout"))
        sign_in_with_entra(client, server, MAX.email)
        assert django_user_model.objects.count() == 1

    def test_forged_state_is_rejected(self, client, entra):
        provider, server = entra
        start = client.get(reverse("entra-login"), {"login_hint": MAX.email})
        answer = requests.get(start["Location"], allow_redirects=False, verify=str(server.ca_path), timeout=10)
        query = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
        response = client.get(reverse("entra-callback"), {**query, "state": "forged"}, follow=True)
        assert "Microsoft sign-in failed" in response.content.decode()
        assert not response.context["user"].is_authenticated

    def test_wrong_client_secret_reports_the_provider_error(self, client, entra, settings):
        from coe_portal.core.entra import _build_app

        _, server = entra
        settings.ENTRA_CLIENT_SECRET = "wrong"
        _build_app.cache_clear()
        response = sign_in_with_entra(client, server, MAX.email)
        page = client.get(response["Location"])
        assert "AADSTS7000215" in page.content.decode()
        assert not page.context["user"].is_authenticated

    def test_login_page_offers_microsoft_when_configured(self, client, entra):
        assert "Sign in with Microsoft" in client.get(reverse("login")).content.decode()

    def test_login_page_hides_microsoft_when_not_configured(self, client):
        assert "Sign in with Microsoft" not in client.get(reverse("login")).content.decode()
