"""Finding 6 of issue 21: 50 wrong passwords in 20 s, then the right one signed in (the portal's login
and /django-admin/login/); no throttling, nothing audited."""

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from coe_portal.core.services import signin
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_failures():
    """The counters live in the shared Redis: leave none behind for later tests signing in from 127.0.0.1."""
    yield
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("*signin:fail:*"):
        client.delete(key)


def sign_in(client, username, password, path=None):
    return client.post(path or reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize("path", [None, "/django-admin/login/"])
def test_finding6_an_account_is_throttled_after_repeated_failures(client, coe_admin, path):
    coe_admin.is_staff = True
    coe_admin.save()
    for _ in range(settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT):
        assert sign_in(client, "alice", "wrong", path).status_code == 200
    refused = sign_in(client, "alice", PASSWORD, path)
    assert refused.status_code == 200 and "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="auth.throttled")
    assert entry.details["username"] == "alice" and entry.details["by"] == ["account"]
    assert entry.ip_address == "127.0.0.1"


def test_finding6_an_address_is_throttled_across_accounts(client, coe_admin):
    for number in range(settings.SIGNIN_MAX_FAILURES_PER_ADDRESS):
        sign_in(client, f"guess{number}", "wrong")
    assert "Too many failed sign-ins" in sign_in(client, "alice", PASSWORD).content.decode()
    assert AuditEntry.objects.get(action="auth.throttled").details["by"] == ["address"]


def test_finding6_a_right_password_before_the_limit_resets_the_account(client, coe_admin):
    make_user("zed", [])
    for _ in range(settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT - 1):
        sign_in(client, "zed", "wrong")
    assert sign_in(client, "zed", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.SIGNIN_MAX_FAILURES_PER_ACCOUNT - 1):
        sign_in(client, "zed", "wrong")
    assert sign_in(client, "zed", PASSWORD).status_code == 302


def test_finding6_counters_are_shared_by_every_web_process_through_redis():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert signin.cache is not None
