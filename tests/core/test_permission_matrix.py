"""Every URL, visited as anonymous, outsider, maker, manager and CoE admin."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coe_portal.core.models import JobRun
from inventory.models import SyncRun

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
    # Triage
    "inventory:app-detail": ("get", (LOGIN, 403, 404, 200, 200)),  # a maker sees only their own items
    "inventory:flow-detail": ("get", (LOGIN, 403, 404, 200, 200)),
    "inventory:bot-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:site-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:columns": ("post", (LOGIN, 403, 403, 302, 302)),
    "inventory:bulk-tag": ("post", (LOGIN, 403, 403, 403, 400)),  # 400: the sample POST names no tag
    "inventory:tag-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:tag-create": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:tag-edit": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:tag-merge": ("post", (LOGIN, 403, 403, 403, 302)),
    "inventory:rule-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:rule-create": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:rule-edit": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:rule-apply": ("post", (LOGIN, 403, 403, 403, 302)),
    "inventory:triage-settings": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:case-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:case-run-due": ("post", (LOGIN, 403, 403, 403, 302)),
    "inventory:cleanup-start": ("post", (LOGIN, 403, 403, 403, 302)),
    "inventory:case-retry": ("post", (LOGIN, 403, 403, 403, 302)),
    "inventory:case-answer": ("post", (LOGIN, 403, 404, 403, 302)),  # the item's owner or an admin
    "inventory:backup-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:backup-download": ("get", (LOGIN, 403, 403, 403, 200)),
    # Django's own admin site is for superusers; portal roles are redirected to its sign-in.
    "admin:index": ("get", (302, 302, 302, 302, 302)),
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
              # Triage
              "inventory:app-detail": {"pk": fixtures["app"].pk}, "inventory:flow-detail": {"pk": fixtures["flow"].pk},
              "inventory:columns": {"table": "app"}, "inventory:bulk-tag": {"kind": "app"},
              "inventory:tag-edit": {"pk": fixtures["tag"].pk}, "inventory:tag-merge": {"pk": fixtures["tag"].pk},
              "inventory:rule-edit": {"pk": fixtures["rule"].pk}, "inventory:rule-apply": {"pk": fixtures["rule"].pk},
              "inventory:cleanup-start": {"kind": "app", "pk": fixtures["app"].pk},
              "inventory:case-retry": {"pk": fixtures["case"].pk}, "inventory:case-answer": {"pk": fixtures["case"].pk},
              "inventory:backup-download": {"pk": fixtures["backup"].pk},
              }.get(name, {})
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def fixtures(coe_admin, maker, manager, outsider):
    return {"coe_admin": coe_admin, "maker": maker, "manager": manager, "outsider": outsider,
            "job": JobRun.objects.create(kind="health_check", created_by=coe_admin),
            "sync_run": SyncRun.objects.create(status="completed"), **triage_fixtures()}


def triage_fixtures():
    from django.core.files.base import ContentFile

    from inventory.models import Backup, CleanupCase, TagRule
    from tests.inventory.factories import make_app, make_flow, make_tag

    tag = make_tag("keep-me")
    app = make_app()
    case = CleanupCase.objects.create(app=app, stage="released")
    backup = Backup(case=case, item_kind="app", item_id=app.app_id, item_name=str(app), size=2, sha256="0" * 64)
    backup.file.save("matrix.zip", ContentFile(b"PK"), save=True)
    return {"app": app, "flow": make_flow(), "tag": tag, "case": case, "backup": backup,
            "rule": TagRule.objects.create(name="Default env", tag=tag, kind="default_env")}


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
