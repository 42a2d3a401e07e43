"""Starting a clean-up from an item's page: the grace period chosen, the page's parts re-rendered in place,
clear errors, the audit log; the hold uses the chosen period; the history reads as sentences."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coe_portal.core.audit_text import sentence
from coe_portal.core.models import AuditEntry
from inventory.models import CleanupCase, TriageSettings
from inventory.services import cleanup
from tests.inventory.factories import make_app, make_flow

pytestmark = pytest.mark.django_db


def start(client, item, **data):
    url = reverse("inventory:cleanup-start", args=[item._meta.model_name, item.pk])
    return client.post(url, data, HTTP_HX_REQUEST="true")


class FakeTenant:
    """Stands in for the Power Platform client: records the holds asked for."""

    def __init__(self):
        self.calls = []

    def set_app_quarantine(self, env_id, app_id, quarantined):
        self.calls.append(("quarantine", app_id, quarantined))

    def stop_flow(self, env_id, flow_id):
        self.calls.append(("stop", flow_id))


class TestCleanupStart:
    def test_it_opens_a_case_with_the_grace_period_chosen_and_answers_with_the_live_parts(self, admin_client):
        app = make_app("Expense tracker")
        response = start(admin_client, app, mode="quarantine", grace_days="14")
        assert response.status_code == 200
        case = CleanupCase.objects.get(app=app)
        assert case.grace_days == 14 and case.job is not None
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="item-cases"') and "?part=cases" in html  # it follows the step
        for part in ("item-facts", "cleanup-actions", "item-history"):
            assert f'id="{part}"' in html and html.count('hx-swap-oob="true"') == 3
        assert "with a grace period of 14 days" in html
        assert "Quarantine this app…" not in html  # an open case: no second start offered
        entry = AuditEntry.objects.get(action="cleanup.request")
        assert entry.details["grace_days"] == 14 and entry.actor_name == "alice"

    def test_a_grace_period_not_offered_is_refused_with_a_clear_error(self, admin_client):
        app = make_app()
        response = start(admin_client, app, mode="quarantine", grace_days="5")
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert not CleanupCase.objects.exists()

    def test_delete_only_needs_a_reason(self, admin_client):
        response = start(admin_client, make_flow(), mode="delete_only", reason=" ")
        assert response.status_code == 400
        assert "Say why the item is deleted without a backup" in response.content.decode()

    def test_a_second_start_is_refused_while_a_case_is_open(self, admin_client):
        app = make_app()
        CleanupCase.objects.create(app=app, stage="waiting")
        response = start(admin_client, app, mode="quarantine", grace_days="30")
        assert response.status_code == 409 and "already has an open case" in response.content.decode()

    def test_the_grace_choices_include_the_triage_default(self, admin_client):
        TriageSettings.objects.update_or_create(pk=1, defaults={"grace_days": 21})
        page = admin_client.get(make_app().get_absolute_url()).content.decode()
        assert '<option value="21" selected>21 days (default)</option>' in page
        assert '<option value="7">7 days</option>' in page

    def test_makers_and_managers_cannot_start_one(self, client, maker, manager):
        app = make_app()
        for user in (maker, manager):
            client.force_login(user)
            assert start(client, app, mode="quarantine").status_code == 403
        assert not CleanupCase.objects.exists()


class TestHoldUsesTheChosenGracePeriod:
    def test_the_grace_period_runs_from_the_hold(self):
        app = make_app()
        case = CleanupCase.objects.create(app=app, grace_days=7)
        tenant = FakeTenant()
        cleanup.start_case(case.pk, tenant)
        case.refresh_from_db()
        assert tenant.calls == [("quarantine", app.app_id, True)]
        assert abs(case.grace_until - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    def test_without_a_choice_the_triage_settings_apply(self):
        TriageSettings.objects.update_or_create(pk=1, defaults={"grace_days": 45})
        case = CleanupCase.objects.create(flow=make_flow())
        cleanup.start_case(case.pk, FakeTenant())
        case.refresh_from_db()
        assert abs(case.grace_until - (timezone.now() + timedelta(days=45))) < timedelta(minutes=1)


class TestHistorySentences:
    def test_the_item_history_reads_as_sentences(self, admin_client):
        app = make_app()
        case = CleanupCase.objects.create(app=app, grace_days=7)
        cleanup.start_case(case.pk, FakeTenant())
        page = admin_client.get(app.get_absolute_url()).content.decode()
        grace = timezone.localtime(CleanupCase.objects.get(pk=case.pk).grace_until)
        assert f"Quarantined; the owner has until {grace:%Y-%m-%d %H:%M} to answer." in page
        history = page[page.index('id="item-history"'):]
        assert "{" not in history and "'grace_until'" not in history

    def test_an_action_without_a_sentence_still_reads_as_words(self):
        details = {"package": "7f", "options": {"data": True}, "items": [1, 2]}
        entry = AuditEntry(action="package.request", details=details)
        assert sentence(entry) == "Package request: package 7f, options data yes, items 1, 2."
        assert sentence(AuditEntry(action="cleanup.retry", details={})) == "Clean-up queued again after a failure."
