"""Every URL, visited as anonymous, outsider, maker, manager and CoE admin."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coe_portal.core.models import ApiToken, JobRun
from dlp.models import Policy
from inventory.models import App, Connector, Environment, Flow, Maker, SyncRun, Tag
from tests.comms.factories import comms_objects, comms_sample_kwargs
from tests.migrations_app.packages_support import migtenant_objects, migtenant_sample_kwargs
from tests.migrations_app.plans import envops_sample_kwargs
from tests.migrations_app.request_samples import migration_sample_kwargs

# status codes in persona order: anonymous, outsider (signed in, no role), maker, manager, admin
PERSONAS = ("anonymous", "outsider", "maker", "manager", "coe_admin")
LOGIN = 302
EXPECTED = {
    # name: (method, expected statuses)
    "home": ("get", (LOGIN, 200, 200, 200, 200)),
    "healthz": ("get", (200, 200, 200, 200, 200)),
    "healthz-ready": ("get", (200, 200, 200, 200, 200)),  # public, like liveness (the fixture stamps a heartbeat)
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
    "dashboards:dashboard": ("get", (LOGIN, 403, 403, 200, 200)),
    "dashboards:refresh": ("post", (LOGIN, 403, 403, 302, 302)),  # managers refresh too (rate-limited)
    "dashboards:home-cards": ("get", (LOGIN, 403, 403, 200, 200)),
    "dashboards:blockers": ("get", (LOGIN, 403, 403, 200, 200)),
    "dashboards:blocker": ("get", (LOGIN, 403, 403, 200, 200)),
    # REST API: the schema and its docs page are public; data needs a role, as in the UI.
    "api-schema": ("get", (200, 200, 200, 200, 200)),
    "api-docs": ("get", (200, 200, 200, 200, 200)),
    "api-tokens": ("get", (LOGIN, 403, 200, 200, 200)),
    "api-token-revoke": ("post", (LOGIN, 403, 404, 404, 302)),  # only the token's own user
    "inventory-api:environment-list": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:environment-detail": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:maker-list": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:maker-detail": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:connector-list": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:connector-detail": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:tag-list": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:tag-detail": ("get", (401, 403, 403, 200, 200)),
    "inventory-api:app-list": ("get", (401, 403, 200, 200, 200)),
    "inventory-api:app-detail": ("get", (401, 403, 200, 200, 200)),  # the maker owns the sample app
    "inventory-api:app-tags": ("post", (401, 403, 403, 403, 200)),
    "inventory-api:flow-list": ("get", (401, 403, 200, 200, 200)),
    "inventory-api:flow-detail": ("get", (401, 403, 404, 200, 200)),  # someone else's flow
    "inventory-api:flow-tags": ("post", (401, 403, 403, 403, 200)),
    # Environment operation plans: CoE admins act, managers read
    "migrations_app:plan-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "migrations_app:plan-new": ("get", (LOGIN, 403, 403, 403, 200)),
    "migrations_app:plan-detail": ("get", (LOGIN, 403, 403, 200, 200)),
    "migrations_app:copy-start": ("post", (LOGIN, 403, 403, 403, 302)),
    "migrations_app:item-update": ("post", (LOGIN, 403, 403, 403, 302)),
    "migrations_app:usermapping-download": ("get", (LOGIN, 403, 403, 403, 200)),
    "migrations_app:usermapping-upload": ("post", (LOGIN, 403, 403, 403, 302)),
    "migrations_app:portal-script": ("get", (LOGIN, 403, 403, 403, 200)),
    # Migration requests: makers request and follow their own (404 for others'), CoE admins decide and run waves
    "migrations_app:my-items": ("get", (LOGIN, 403, 200, 403, 200)),
    "migrations_app:request-new": ("get", (LOGIN, 403, 302, 403, 302)),  # nothing ticked: back to my items
    "migrations_app:request-detail": ("get", (LOGIN, 403, 404, 403, 200)),  # the sample is someone else's
    "migrations_app:request-cancel": ("post", (LOGIN, 403, 404, 403, 302)),
    "migrations_app:request-send": ("post", (LOGIN, 403, 404, 403, 302)),  # the sample is no draft: back to it
    "migrations_app:request-connections": ("get", (LOGIN, 403, 404, 403, 302)),  # not waiting: back to it
    "migrations_app:request-queue": ("get", (LOGIN, 403, 403, 403, 200)),
    "migrations_app:request-bulk": ("post", (LOGIN, 403, 403, 403, 302)),
    "migrations_app:request-retry": ("post", (LOGIN, 403, 403, 403, 302)),
    "migrations-api:request-list": ("get", (401, 403, 200, 403, 200)),
    "migrations-api:request-detail": ("get", (401, 403, 404, 403, 200)),  # someone else's request
    "migrations-api:request-cancel": ("post", (401, 403, 404, 403, 200)),
    "migrations-api:request-decide": ("post", (401, 403, 403, 403, 400)),  # empty body
    "migrations-api:wave-list": ("get", (401, 403, 403, 403, 200)),
    "migrations-api:wave-detail": ("get", (401, 403, 403, 403, 200)),
    "migrations_app:wave-list": ("get", (LOGIN, 403, 403, 403, 200)),
    "migrations_app:wave-detail": ("get", (LOGIN, 403, 403, 403, 200)),
    "migrations_app:wave-start": ("post", (LOGIN, 403, 403, 403, 302)),
    # DLP policies and impact review: managers read, CoE admins act.
    "dlp:policy-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "dlp:policy-sync": ("post", (LOGIN, 403, 403, 403, 302)),
    "dlp:draft-new": ("post", (LOGIN, 403, 403, 403, 302)),
    "dlp:policy": ("get", (LOGIN, 403, 403, 200, 200)),
    "dlp:policy-copy": ("post", (LOGIN, 403, 403, 403, 404)),  # the sample is a draft: only live ones copy
    "dlp:policy-connectors": ("get", (LOGIN, 403, 403, 200, 200)),
    "dlp:policy-move": ("post", (LOGIN, 403, 403, 403, 404)),  # no connector given
    "dlp:policy-scope": ("post", (LOGIN, 403, 403, 403, 302)),
    "dlp:impact": ("get", (LOGIN, 403, 403, 200, 200)),
    "dlp:impact-compute": ("post", (LOGIN, 403, 403, 403, 302)),
    "dlp:impact-items": ("get", (LOGIN, 403, 403, 200, 200)),
    "dlp:impact-bulk": ("post", (LOGIN, 403, 403, 403, 302)),
    "dlp:impact-apps-csv": ("get", (LOGIN, 403, 403, 200, 200)),
    "dlp:impact-flows-csv": ("get", (LOGIN, 403, 403, 200, 200)),
    "dlp:connector": ("get", (LOGIN, 403, 403, 200, 200)),
    # Triage
    "inventory:app-detail": ("get", (LOGIN, 403, 404, 200, 200)),  # a maker sees only their own items
    "inventory:flow-detail": ("get", (LOGIN, 403, 404, 200, 200)),
    "inventory:bot-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:site-list": ("get", (LOGIN, 403, 403, 200, 200)),
    "inventory:columns": ("post", (LOGIN, 403, 403, 302, 302)),
    "inventory:connector-suggest": ("get", (LOGIN, 403, 403, 200, 200)),  # as the lists it serves
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
    "inventory:bulk-cleanup": ("post", (LOGIN, 403, 403, 403, 302)),  # 302: back to the list, no scope given
    "inventory:delete-batch": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:cleanup-job": ("get", (LOGIN, 403, 403, 403, 200)),
    "inventory:delete-batch-confirm": ("post", (LOGIN, 403, 403, 403, 302)),
    "inventory:cleanup-job-retry": ("post", (LOGIN, 403, 403, 403, 302)),
    # Usage fragments the inventory's pages load: an item's daily usage (as its page), the sources (Sync page)
    "usage:item": ("get", (LOGIN, 403, 200, 200, 200)),  # the maker owns the sample app
    "usage:sources": ("get", (LOGIN, 403, 403, 403, 200)),
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
    "comms:case-notice": ("get", (LOGIN, 403, 404, 200, 200)),  # as its item's page: bob does not own the app
    "comms:answer": ("get", (200, 200, 200, 200, 200)),
    # Legacy packages and data plans (migtenant): admins, and makers for their own items (the sample app is bob's).
    "migrations_app:package-new": ("get", (LOGIN, 403, 200, 403, 200)),
    "migrations_app:package-detail": ("get", (LOGIN, 403, 200, 403, 200)),
    "migrations_app:package-download": ("get", (LOGIN, 403, 200, 403, 200)),
    "migrations_app:dataplan": ("get", (LOGIN, 403, 200, 403, 200)),
    # REST API for DLP (as its pages: managers read) and comms (admins; answers scoped per role)
    "dlp-api:policy-list": ("get", (401, 403, 403, 200, 200)),
    "dlp-api:policy-detail": ("get", (401, 403, 403, 200, 200)),
    "dlp-api:run-list": ("get", (401, 403, 403, 200, 200)),
    "dlp-api:run-detail": ("get", (401, 403, 403, 200, 200)),
    "dlp-api:impact-item-list": ("get", (401, 403, 403, 200, 200)),
    "dlp-api:impact-item-detail": ("get", (401, 403, 403, 200, 200)),
    "comms-api:campaign-list": ("get", (401, 403, 403, 403, 200)),
    "comms-api:campaign-detail": ("get", (401, 403, 403, 403, 200)),
    "comms-api:campaign-start": ("post", (401, 403, 403, 403, 200)),
    "comms-api:delivery-list": ("get", (401, 403, 403, 403, 200)),
    "comms-api:delivery-detail": ("get", (401, 403, 403, 403, 200)),
    "comms-api:answer-list": ("get", (401, 403, 200, 200, 200)),
    "comms-api:answer-detail": ("get", (401, 403, 200, 404, 200)),  # bob's answer; mia manages no department
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
              "api-token-revoke": {"pk": fixtures["token"].pk},
              # Triage
              "inventory:app-detail": {"pk": fixtures["triage_app"].pk},
              "inventory:flow-detail": {"pk": fixtures["triage_flow"].pk},
              "inventory:columns": {"table": "app"}, "inventory:bulk-tag": {"kind": "app"},
              "inventory:tag-edit": {"pk": fixtures["triage_tag"].pk},
              "inventory:tag-merge": {"pk": fixtures["triage_tag"].pk},
              "inventory:rule-edit": {"pk": fixtures["triage_rule"].pk},
              "inventory:rule-apply": {"pk": fixtures["triage_rule"].pk},
              "inventory:cleanup-start": {"kind": "app", "pk": fixtures["triage_app"].pk},
              "inventory:case-retry": {"pk": fixtures["triage_case"].pk},
              "inventory:case-answer": {"pk": fixtures["triage_case"].pk},
              "comms:case-notice": {"pk": fixtures["triage_case"].pk},
              "inventory:backup-download": {"pk": fixtures["triage_backup"].pk},
              "inventory:bulk-cleanup": {"kind": "app"},
              "inventory:cleanup-job": {"pk": fixtures["triage_job"].pk},
              "inventory:delete-batch-confirm": {"pk": fixtures["triage_job"].pk},
              "inventory:cleanup-job-retry": {"pk": fixtures["triage_job"].pk},
              "usage:item": {"kind": "app", "pk": fixtures["app"].pk},
              "dashboards:blocker": {"key": "needs_input"},
              **comms_sample_kwargs(fixtures), **envops_sample_kwargs(fixtures),
              **migtenant_sample_kwargs(fixtures), **migration_sample_kwargs(fixtures),
              **(api_sample_kwargs(fixtures) if name.startswith(("dlp-api:", "comms-api:")) else {})}.get(name)
    if kwargs is None and name.startswith("inventory-api:") and not name.endswith("-list"):
        kind = name.split(":")[1].rsplit("-", 1)[0]
        kwargs = {"pk": fixtures["maker_record" if kind == "maker" else kind].pk}
    if name.startswith("dlp:") and name not in ("dlp:policy-list", "dlp:policy-sync", "dlp:draft-new"):
        kwargs = {"pk": fixtures["dlp_connector"].pk if name == "dlp:connector" else fixtures["dlp_draft"].pk}
    return reverse(name, kwargs=kwargs or {})


@pytest.fixture
def fixtures(coe_admin, maker, manager, outsider):
    from coe_portal.core.services import readiness

    readiness.beat()
    readiness._last.update(at=0.0, result=None)
    items = inventory_items(maker)
    return {"coe_admin": coe_admin, "maker": maker, "manager": manager, "outsider": outsider,
            "job": JobRun.objects.create(kind="health_check", created_by=coe_admin),
            "sync_run": SyncRun.objects.create(status="completed"),
            "token": ApiToken.issue(coe_admin, "matrix")[0],
            "dlp_draft": Policy.objects.create(display_name="What if", is_draft=True),
            "dlp_connector": Connector.objects.create(connector_id="shared_sql"),
            **items, **triage_fixtures(), **comms_objects(), **migtenant_objects(items["app"])}


def api_sample_kwargs(fixtures):
    """DLP and comms API samples: an impact run with a row, a delivery, bob's answer about his app."""
    from comms.models import Delivery, Recipient, RecipientItem
    from dlp.models import ImpactItem, ImpactRun

    run = ImpactRun.objects.create(status="done")
    row = ImpactItem.objects.create(run=run, app=fixtures["app"], environment=fixtures["environment"],
                                    current=2, proposed=2, change=3)
    campaign = fixtures["comms_campaign"]
    delivery = Delivery.objects.create(campaign=campaign, to="x@contoso.example", subject="Hi", body_text="x",
                                       body_html="x")
    bob = Recipient.objects.create(campaign=campaign, maker=fixtures["maker_record"], email="bob@contoso.example",
                                   answer="keep")
    answer = RecipientItem.objects.create(recipient=bob, app=fixtures["app"], answer="keep")
    return {"dlp-api:policy-detail": {"pk": fixtures["dlp_draft"].pk}, "dlp-api:run-detail": {"pk": run.pk},
            "dlp-api:impact-item-detail": {"pk": row.pk},
            "comms-api:campaign-detail": {"pk": campaign.pk}, "comms-api:campaign-start": {"pk": campaign.pk},
            "comms-api:delivery-detail": {"pk": delivery.pk}, "comms-api:answer-detail": {"pk": answer.pk}}


def inventory_items(maker_user):
    """An app owned by the maker persona and a flow owned by someone else."""
    environment = Environment.objects.create(env_id="Default-1", display_name="Default", is_default=True)
    owner = Maker.objects.create(email=maker_user.email, display_name="Bob")
    someone = Maker.objects.create(email="someone@contoso.example", display_name="Someone")
    return {"environment": environment, "connector": Connector.objects.create(connector_id="c"),
            "tag": Tag.objects.create(name="Critical", slug="critical"),
            "app": App.objects.create(app_id="a1", environment=environment, display_name="Bob's app", owner=owner),
            "flow": Flow.objects.create(flow_id="f1", environment=environment, display_name="Flow", creator=someone),
            "maker_record": owner}


def triage_fixtures():
    from django.core.files.base import ContentFile

    from inventory.models import Backup, CleanupCase, TagRule
    from tests.inventory.factories import make_app, make_flow, make_tag

    tag = make_tag("keep-me")
    app = make_app()
    case = CleanupCase.objects.create(app=app, stage="released")
    backup = Backup(case=case, item_kind="app", item_id=app.app_id, item_name=str(app), size=2, sha256="0" * 64)
    backup.file.save("matrix.zip", ContentFile(b"PK"), save=True)
    return {"triage_app": app, "triage_flow": make_flow(), "triage_tag": tag, "triage_case": case,
            "triage_backup": backup,
            "triage_job": JobRun.objects.create(kind="cleanup.delete_batch", result={
                "mode": "delete_only", "reason": "matrix", "items": {}, "count": 0, "unknown": [],
                "already_deleted": [], "in_cleanup": 0, "confirmed": False}),
            "triage_rule": TagRule.objects.create(name="Default env", tag=tag, kind="default_env")}


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
