"""Finding 10 of issue 21: /healthz checked nothing, every 403 wrote a traceback, the token page could
be cached, the API's create told an existing id from a missing one, and cookies were not Secure."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from coe_portal.core.services import readiness
from coe_portal.core.tasks import heartbeat
from inventory.models import Environment, Maker
from tests.inventory.factories import make_app, make_environment

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_readiness():
    readiness._last.update(at=0.0, result=None)
    yield
    readiness._last.update(at=0.0, result=None)


def test_finding10_healthz_is_split_into_liveness_and_readiness(client, django_assert_num_queries):
    from django.core.cache import cache

    cache.delete(readiness.HEARTBEAT_KEY)
    with django_assert_num_queries(0):
        assert client.get(reverse("healthz")).content == b"ok"  # liveness: the process answers
    not_ready = client.get(reverse("healthz-ready"))
    assert not_ready.status_code == 503
    assert not_ready.json()["database"] == "ok" and not_ready.json()["redis"] == "ok"
    assert "no worker heartbeat" in not_ready.json()["worker"]
    heartbeat()
    readiness._last.update(at=0.0, result=None)
    ready = client.get(reverse("healthz-ready"))
    assert ready.status_code == 200 and ready.json() == {"ready": True, "database": "ok", "redis": "ok",
                                                         "worker": "ok"}
    with django_assert_num_queries(0):  # a burst is answered from the last result, not 200 checks
        for _ in range(50):
            assert client.get(reverse("healthz-ready")).status_code == 200


def test_finding10_readiness_fails_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    answer = client.get(reverse("healthz-ready"))
    assert answer.status_code == 503 and answer.json()["redis"] != "ok"


def test_finding10_a_403_is_logged_in_one_line(client, maker):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.force_login(maker)
        assert client.get(reverse("audit-list")).status_code == 403
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().strip().splitlines()
    assert lines == ["Forbidden (Permission denied): /audit/"]


def test_finding10_the_token_page_is_never_cached(client, maker):
    client.force_login(maker)
    response = client.post(reverse("api-tokens"), {"name": "nightly", "days": 30})
    assert "no-store" in response["Cache-Control"]


def test_finding10_api_create_answers_alike_for_someone_elses_and_a_missing_id(client, maker, other_maker):
    default = make_environment(default=True)
    target = Environment.objects.create(env_id="env-fin", display_name="Finance",
                                        dataverse_url="https://fin.crm4.dynamics.com")
    carols = make_app("Carol's app", default, owner=Maker.objects.create(email=other_maker.email, display_name="C"))
    client.force_login(maker)

    def create(app_id):
        body = {"items": [{"kind": "app", "id": app_id}], "target": target.env_id, "reason": "Used by the team"}
        answer = client.post(reverse("migrations-api:request-list"), body, content_type="application/json")
        return answer.status_code, str(answer.json()).replace(str(app_id), "<id>")

    assert create(carols.pk) == create(carols.pk + 1000)


def test_finding10_session_and_csrf_cookies_are_secure_in_production():
    environment = {k: v for k, v in os.environ.items() if k not in ("COE_EMBEDDED", "SESSION_COOKIE_SECURE",
                                                                     "CSRF_COOKIE_SECURE")}
    environment["SECRET_KEY"] = "p" * 60
    environment.pop("SECRET_KEY_FILE", None)
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == "True True", result.stdout + result.stderr
    assert settings.EMBEDDED  # the test run itself is embedded: plain http
