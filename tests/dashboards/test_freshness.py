"""Dashboards current after each change: changes mark them stale, one check retakes them; people may refresh."""

import time

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry, UserProfile
from coe_portal.core.ratelimit import SlidingWindowLimit, shared_client
from coe_portal.dashboards import freshness, tasks
from coe_portal.dashboards.models import Snapshot
from coe_portal.dashboards.snapshots import take_snapshot
from comms.models import Recipient
from comms.signals import maker_answered
from inventory.models import App, CleanupCase
from inventory.services.tags import bulk_tag
from inventory.signals import cleanup_event
from migrations_app.models.requests import sync_items
from tests.inventory.factories import make_app, make_environment, make_maker, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_flags(manager):
    redis = shared_client()
    redis.delete(freshness.CHANGED_KEY, freshness.ASKED_KEY)
    SlidingWindowLimit(f"dashboard-refresh:{manager.pk}", 1, 1).reset()
    yield
    redis.delete(freshness.CHANGED_KEY, freshness.ASKED_KEY)


@pytest.fixture
def finance(manager):
    UserProfile.objects.create(user=manager, managed_departments=["Finance"])
    make_environment()
    return [make_app(owner=make_maker(department="Finance")) for _ in range(3)]


def stale():
    return bool(shared_client().exists(freshness.CHANGED_KEY))


CHANGES = {
    "a bulk tag": lambda app: bulk_tag(App.objects.filter(pk=app.pk), make_tag()),
    "a tag from the API": lambda app: app.tags.add(make_tag("api")),
    "a clean-up stage": lambda app: cleanup_event.send(sender=CleanupCase, item=app, stage="quarantined",
                                                       case=CleanupCase.objects.create(app=app, stage="quarantined")),
    "an answer": lambda app: maker_answered.send(sender=Recipient, maker=app.owner, items=[app], answer="keep",
                                                 justification="", recipient=None),
    "a request or job state": lambda app: sync_items([]),
}


class TestFreshness:
    @pytest.mark.parametrize("change", CHANGES)
    def test_each_change_the_figures_count_marks_them_stale_once_committed(self, change, finance,
                                                                          django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as pending:
            CHANGES[change](finance[0])
        assert not stale()  # nothing before the commit: a rolled-back change moves no figure
        for callback in pending:
            callback()
        assert stale()

    def test_one_check_retakes_the_figures_however_many_changes_came(self, finance,
                                                                     django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            for app in finance:
                bulk_tag(App.objects.filter(pk=app.pk), make_tag(f"tag-{app.pk}"))
        tasks.snapshot_if_changed()
        assert Snapshot.objects.get(department="Finance").figures["tagged"] == 3
        taken = Snapshot.objects.get(department="Finance").taken_at
        tasks.snapshot_if_changed()  # nothing changed since: nothing retaken
        assert Snapshot.objects.get(department="Finance").taken_at == taken

    def test_the_dashboard_says_when_the_figures_were_taken_to_the_minute(self, client, manager, finance):
        take_snapshot()
        client.force_login(manager)
        page = client.get(reverse("dashboards:dashboard")).content.decode()
        taken = Snapshot.objects.latest("taken_at").taken_at
        assert f">{taken:%-d %b %Y, %H:%M}</time>" in page and "Refresh figures" in page


class TestRefresh:
    def test_a_manager_refreshes_once_per_window_and_it_is_audited(self, client, manager, finance,
                                                                   django_capture_on_commit_callbacks):
        client.force_login(manager)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = client.post(reverse("dashboards:refresh"), {"next": reverse("home")})
        assert response.status_code == 302 and response["Location"] == reverse("home")
        assert len(queued) == 1
        entry = AuditEntry.objects.get(action="dashboard.refresh")
        assert entry.actor == manager and entry.details == {"departments": ["Finance"]}
        with django_capture_on_commit_callbacks(execute=False) as queued:
            again = client.post(reverse("dashboards:refresh"), {"next": reverse("home")}, follow=True)
        assert queued == [] and AuditEntry.objects.filter(action="dashboard.refresh").count() == 1
        assert "you can again in 5 min" in again.content.decode()

    def test_the_next_page_stays_within_the_portal(self, client, manager, finance):
        client.force_login(manager)
        response = client.post(reverse("dashboards:refresh"), {"next": "https://evil.example/"})
        assert response["Location"] == reverse("dashboards:dashboard")

    def test_the_home_cards_poll_while_the_refresh_runs_and_stop_once_taken(self, client, manager, finance):
        take_snapshot()
        client.force_login(manager)
        response = client.post(reverse("dashboards:refresh"), HTTP_HX_REQUEST="true")
        assert response.status_code == 204 and response["HX-Trigger"] == "figures-refresh"
        cards = client.get(reverse("dashboards:home-cards"), HTTP_HX_REQUEST="true").content.decode()
        assert "every 3s" in cards and "Recomputing the figures" in cards
        assert "The figures are being recomputed" in cards  # the message, in the cards an HTMX request swaps
        time.sleep(0.01)
        take_snapshot()  # what the queued task does
        cards = client.get(reverse("dashboards:home-cards"), HTTP_HX_REQUEST="true").content.decode()
        assert "every 3s" not in cards and "Refresh figures" in cards

    def test_makers_cannot_refresh(self, client, maker):
        client.force_login(maker)
        assert client.post(reverse("dashboards:refresh")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_beat_retakes_the_figures_through_the_worker(celery_worker, manager):
    UserProfile.objects.create(user=manager, managed_departments=["Finance"])
    make_environment()
    make_app(owner=make_maker(department="Finance"))
    freshness.figures_changed()  # outside a transaction: marked at once
    tasks.snapshot_if_changed.delay()
    deadline = time.monotonic() + 20
    while not Snapshot.objects.filter(department="Finance").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Snapshot.objects.get(department="Finance").figures["inventoried"] == 1
    assert not stale()
