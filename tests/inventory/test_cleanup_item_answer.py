"""The item page offers the owner's answer only once the app is quarantined / the flow stopped.

While the quarantine/stop call runs the case is already WAITING (claimed) but has no grace period:
the page shows the running step and its progress, takes no answer, and polls until the item is held.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.models import JobRun
from inventory.models import App, CleanupCase, Flow
from inventory.services.cleanup_jobs import ITEM_KIND
from tests.inventory.factories import make_app, make_flow, make_maker
from tests.inventory.test_cleanup import wait_for

KEEP_FORM = "Keep my "


def cases_part(client, item):
    """The clean-up cases as the item page's HTMX poll gets them."""
    response = client.get(item.get_absolute_url(), {"part": "cases"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def badge(html):
    return re.search(r"<span class=\"badge\" data-stage>([^<]*)</span>", html).group(1)


@pytest.fixture
def world(make_synced_tenant):
    return make_synced_tenant(environments=1, apps=2, flows=2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model, call, doing, held", [(App, r"/setAppQuarantineState$", "Quarantining…", "quarantined"),
                                                      (Flow, r"/stop$", "Stopping…", "stopped")])
def test_the_owner_answer_is_offered_only_once_the_item_is_held(world, admin_client, celery_worker,
                                                                model, call, doing, held):
    tenant, servers = world
    servers.faults.slow_next(call, seconds=3)  # the tenant takes its time: the page is seen mid-call
    item = model.objects.filter(deleted_at__isnull=True).first()
    admin_client.post(reverse("inventory:cleanup-start", args=[item._meta.model_name, item.pk]), {"mode": "quarantine"})
    case = CleanupCase.objects.get()
    wait_for(lambda: CleanupCase.objects.filter(pk=case.pk, stage="waiting").exists(), timeout=30)

    page = admin_client.get(item.get_absolute_url()).content.decode()
    assert CleanupCase.objects.get(pk=case.pk).grace_until is None, "the tenant call ended before the page was read"
    assert badge(page) == doing and "Waiting for the owner" not in page
    assert KEEP_FORM not in page
    assert f"<p data-step>{doing}</p>" in page and "<progress" in page  # the running step's card
    assert f'hx-get="{item.get_absolute_url()}?part=cases"' in page  # follows the step
    refused = admin_client.post(reverse("inventory:case-answer", args=[case.pk]), {"answer": "too early"}, follow=True)
    assert f"cannot be released now ({doing})" in refused.content.decode()
    assert CleanupCase.objects.get(pk=case.pk).answered_at is None

    wait_for(lambda: CleanupCase.objects.get(pk=case.pk).grace_until is not None, timeout=30)
    part = cases_part(admin_client, item)
    assert badge(part) == "Waiting for the owner" and KEEP_FORM in part
    assert f"Done: {held}" in part and '?part=cases"' not in part  # the poll stops with the outcome
    admin_client.post(reverse("inventory:case-answer", args=[case.pk]), {"answer": "Still used by payroll"})
    wait_for(lambda: CleanupCase.objects.get(pk=case.pk).stage == "released", timeout=30)


@pytest.mark.django_db
@pytest.mark.parametrize("maker_item, doing", [(lambda owner: make_app(owner=owner), "Quarantining…"),
                                               (lambda owner: make_flow(creator=owner), "Stopping…")])
def test_the_owner_sees_the_running_step_and_cannot_answer_before_the_item_is_held(client, maker, maker_item, doing):
    item = maker_item(make_maker(email=maker.email))
    job = JobRun.objects.create(kind=ITEM_KIND, status="running", progress_total=1)
    case = CleanupCase.objects.create(**{item._meta.model_name: item}, stage="waiting", job=job)  # call running
    client.force_login(maker)

    page = client.get(item.get_absolute_url()).content.decode()
    assert badge(page) == doing and KEEP_FORM not in page
    assert f'hx-get="{item.get_absolute_url()}?part=cases"' in page
    client.post(reverse("inventory:case-answer", args=[case.pk]), {"answer": "mine"})
    case.refresh_from_db()
    assert case.stage == "waiting" and case.answered_at is None

    CleanupCase.objects.filter(pk=case.pk).update(grace_until=timezone.now() + timedelta(days=30))
    part = cases_part(client, item)
    assert badge(part) == "Waiting for the owner" and KEEP_FORM in part and '?part=cases"' not in part
    client.post(reverse("inventory:case-answer", args=[case.pk]), {"answer": "mine"})
    case.refresh_from_db()
    assert case.stage == "releasing" and case.answer == "mine"


@pytest.mark.django_db
def test_another_makers_item_cases_stay_hidden(client, other_maker, maker):
    app = make_app(owner=make_maker(email=maker.email))
    CleanupCase.objects.create(app=app, stage="waiting")
    client.force_login(other_maker)
    assert client.get(app.get_absolute_url(), {"part": "cases"}).status_code == 404
