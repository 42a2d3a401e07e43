"""Every URL, visited as anonymous, outsider, maker, manager and CoE admin."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coe_portal.core.models import JobRun
from inventory.models import SyncRun
from tests.comms.factories import comms_objects, comms_sample_kwargs

# status codes in persona order: anonymous, outsider (signed in, no role), maker, manager, admin
PERSONAS = ("anonymous", "outsider", "maker", "manager", "coe_admin")
LOGIN = 302
EXPECTED = {
    # name: (method, expected statuses)
    "home": ("get", (LOGIN, 200, 200, 200, 200)),
    "healthz": ("get", (200, 200, 200, 200, 200)),
    "me": ("get", (LOGIN, 200, 200, 200, 200)),
    "login": ("get", (200, 302, 302, 302, 302)),
    "logout": ("post", (302, 302, 302, 302, 302)),
    "entra-login": ("get", (404, 404, 404, 404, 404)),  # Entra not configured here
    "entra-callback": ("get", (404, 404, 404, 404, 404)),
    "audit-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "user-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "user-roles": ("post", (LOGIN, 403, 403, 403, 200)),
    "health-check": ("post", (LOGIN, 403, 403, 403, 302)),
    "job": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:environment-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:app-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:flow-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:maker-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:connector-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:sync-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:import": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:sync-start": ("post", (LOGIN, 403, 403, 403, 302)),
    "inventory:sync-run": ("get", (LOGIN, 403, 403, 403, 200)),
    # Django's own admin site is for superusers; portal roles are redirected to its sign-in.
    "admin:index": ("get", (302, 302, 302, 302, 302)),
    # Communication (comms): admins run it; an item's messages for its owner, managers and admins;
    # the answer page is opened from a signed link in a maker's mailbox, signed in or not.
    "comms:template-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:template-new": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:template-edit": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:template-preview": ("post", (LOGIN, 403, 403, 403, 200)),
    "comms:campaign-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:campaign-new": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:campaign": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:campaign-start": ("post", (LOGIN, 403, 403, 403, 302)),
    "comms:campaign-retry": ("post", (LOGIN, 403, 403, 403, 302)),
    "comms:delivery-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:answer-queue": ("get", (LOGIN, 403, 403, 403, 200)),
    "comms:answer-reviewed": ("post", (LOGIN, 403, 403, 403, 302)),
    "comms:item-messages": ("get", (LOGIN, 403, 404, 200, 200)),  # bob owns no app: 404
    "comms:answer": ("get", (200, 200, 200, 200, 200)),
}


def url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "admin":
                yield "admin:index"
                continue
            yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


def sample_url(name, fixtures):
    kwargs = {"user-roles": {"pk": fixtures["maker"].pk}, "job": {"code": fixtures["job"].code},
              "inventory:sync-run": {"pk": fixtures["sync_run"].pk},
              **comms_sample_kwargs(fixtures)}.get(name, {})
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def fixtures(coe_admin, maker, manager, outsider):
    return {"coe_admin": coe_admin, "maker": maker, "manager": manager, "outsider": outsider,
            "job": JobRun.objects.create(kind="health_check", created_by=coe_admin),
            "sync_run": SyncRun.objects.create(status="completed"), **comms_objects()}


def test_every_url_is_in_the_matrix():
    assert sorted(set(url_names())) == sorted(EXPECTED), "add each new URL to EXPECTED with its allow/deny"


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(client, fixtures, django_capture_on_commit_callbacks, persona, name):
    method, statuses = EXPECTED[name]
    if persona != "anonymous":
        client.force_login(fixtures[persona])
    data = {"roles": ["maker"]} if name == "user-roles" else {}
    with django_capture_on_commit_callbacks(execute=False):
        response = getattr(client, method)(sample_url(name, fixtures), data)
    expected = statuses[PERSONAS.index(persona)]
    assert response.status_code == expected, f"{persona} {method.upper()} {name}"
    if expected == LOGIN and persona == "anonymous" and name not in ("logout", "admin:index"):
        assert response["Location"].startswith(reverse("login"))
