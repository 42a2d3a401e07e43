"""Shared personas and real services: Redis, a Celery worker, the identity stand-in, Chromium."""

import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model

from coe_portal.celery import app as celery_app
from coe_portal.core.choices import Role
from coe_portal.core.permissions import set_roles

pytest_plugins = ["tests.support.identity", "tests.support.browser", "tests.support.tenant"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to
# run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Real hashing costs 0.2 s per user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest storage needs collectstatic; tests serve static files straight from static/.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def make_user(username, roles, email=None):
    user = get_user_model().objects.create_user(
        username, email or f"{username}@contoso.example", PASSWORD, first_name=username.capitalize())
    set_roles(user, roles)
    return user


@pytest.fixture
def coe_admin(db):
    return make_user("alice", [Role.COE_ADMIN])


@pytest.fixture
def admin_client(client, coe_admin):
    """The test client signed in as a CoE admin (replaces pytest-django's superuser one)."""
    client.force_login(coe_admin)
    return client


@pytest.fixture
def maker(db):
    return make_user("bob", [Role.MAKER])


@pytest.fixture
def other_maker(db):
    return make_user("carol", [Role.MAKER])


@pytest.fixture
def manager(db):
    return make_user("mia", [Role.MANAGER])


@pytest.fixture
def outsider(db):
    return make_user("oscar", [])


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the test Redis, in a thread of this process, serving every queue."""
    from django.conf import settings

    queues = [celery_app.conf.task_default_queue, settings.MIGRATION_QUEUE]
    with celery_app.connection_for_write() as connection:  # no task left from an earlier test
        for queue in queues:
            connection.default_channel.queue_purge(queue)
    with start_worker(celery_app, pool="solo", queues=queues, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def pytest_configure(config):
    from pathlib import Path

    from django.conf import settings

    # WhiteNoise warns on every request when the collectstatic folder is missing (fresh clone).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
