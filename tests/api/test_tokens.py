"""API tokens: stored hashed, shown once, revocable, expiring, and acting with their user's roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coe_portal.core.models import ApiToken

pytestmark = pytest.mark.django_db


class TestApiTokens:
    def test_it_stores_only_a_hash_of_the_key(self, coe_admin):
        token, raw = ApiToken.issue(coe_admin, "report")
        token.refresh_from_db()
        assert raw not in (token.key_hash, token.prefix) and len(raw) > 40
        assert ApiToken.objects.authenticate(raw) == token

    def test_a_revoked_or_expired_token_is_refused(self, client, coe_admin):
        revoked, revoked_key = ApiToken.issue(coe_admin, "old")
        revoked.revoke()
        _, expired_key = ApiToken.issue(coe_admin, "short", expires_at=timezone.now() - timedelta(seconds=1))
        for key in (revoked_key, expired_key, "not-a-token"):
            response = client.get("/api/inventory/apps/", HTTP_AUTHORIZATION=f"Bearer {key}")
            assert response.status_code == 401
            assert response["WWW-Authenticate"].startswith("Bearer")

    def test_a_token_acts_with_its_users_roles(self, client, outsider):
        _, key = ApiToken.issue(outsider, "no role")
        assert client.get("/api/inventory/apps/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403

    def test_the_tokens_page_shows_a_new_key_once_and_revokes(self, client, maker):
        client.force_login(maker)
        response = client.post("/api/tokens/", {"name": "nightly export", "days": "30"})
        token = maker.api_tokens.get()
        assert "Copy this token now" in response.text and token.prefix in response.text
        assert "Copy this token now" not in client.get("/api/tokens/").text
        client.post(f"/api/tokens/{token.pk}/revoke/")
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_a_user_cannot_revoke_another_users_token(self, client, maker, coe_admin):
        token, _ = ApiToken.issue(coe_admin, "admin's")
        client.force_login(maker)
        assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
