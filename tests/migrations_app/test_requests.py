"""Requests and their state rules, through the services and the pages (no tenant needed)."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from coe_portal.dashboards.freshness import mark_changed
from dlp.models import Policy, PolicyConnector
from inventory.models import Environment, Maker
from migrations_app.models import MigrationJob, MigrationRequest, StateError, Wave
from migrations_app.services import requests
from tests.inventory.factories import make_app, make_environment, make_flow, use_connector

pytestmark = pytest.mark.django_db


def jobs_queued(callbacks):
    """The on-commit callbacks but the dashboards' "figures changed" mark (a state change moves the funnel)."""
    return [callback for callback in callbacks if callback is not mark_changed]


@pytest.fixture
def setup(maker, other_maker):
    default = make_environment(default=True)
    finance = Environment.objects.create(env_id="env-fin", display_name="Finance",
                                         dataverse_url="https://fin.crm4.dynamics.com")
    no_dataverse = Environment.objects.create(env_id="env-x", display_name="No Dataverse")
    bob = Maker.objects.create(email=maker.email, display_name="Bob")
    carol = Maker.objects.create(email=other_maker.email, display_name="Carol")
    return {"default": default, "finance": finance, "no_dataverse": no_dataverse,
            "app": make_app("Expenses", default, owner=bob), "flow": make_flow("Notify", default, creator=bob),
            "carols": make_app("Carol's app", default, owner=carol)}


def submit(maker, setup, items=None):
    return requests.do_submit_request(maker, items or [setup["app"]], setup["finance"], "Used by 40 people")


class TestStateRules:
    def test_a_request_is_approved_into_a_wave_then_cannot_be_decided_again(self, setup, maker, coe_admin):
        request = submit(maker, setup)
        wave = Wave.objects.create(name="W1")
        request.approve(coe_admin, "ok", wave)
        assert (request.state, request.wave, request.decided_by) == ("scheduled", wave, coe_admin)
        with pytest.raises(StateError, match="scheduled"):
            request.reject(coe_admin, "no")

    def test_a_rejection_needs_a_message(self, setup, maker, coe_admin):
        request = submit(maker, setup)
        with pytest.raises(StateError, match="Say why"):
            request.reject(coe_admin, "  ")
        request.reject(coe_admin, "Use the Finance environment's app instead")
        assert request.state == "rejected"

    def test_a_maker_cancels_before_the_start_only(self, setup, maker, coe_admin):
        request = submit(maker, setup)
        request.approve(coe_admin, "", Wave.objects.create(name="W"))
        request.cancel()
        assert request.state == "cancelled"
        second = submit(maker, setup)  # a cancelled request does not block a new one
        second.approve(coe_admin, "", Wave.objects.create(name="W2"))
        requests.do_start_wave(second.wave)
        with pytest.raises(StateError, match="running"):
            MigrationRequest.objects.get(pk=second.pk).cancel()

    def test_a_wave_starts_once(self, setup, maker, coe_admin, django_capture_on_commit_callbacks):
        request = submit(maker, setup)
        wave = Wave.objects.create(name="W")
        request.approve(coe_admin, "", wave)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert len(requests.do_start_wave(wave)) == 1
            assert requests.do_start_wave(wave) == []
        assert len(jobs_queued(queued)) == 1 and MigrationJob.objects.filter(request=request).count() == 1

    def test_a_failed_job_is_retried_at_its_step_and_a_queued_one_is_not(self, setup, maker):
        job = MigrationJob.objects.create(request=submit(maker, setup), step="import", state="failed",
                                          steps={"import": {"state": "failed", "error": "x", "log": []}})
        job.retry()
        assert (job.state, job.step, job.steps["import"]["state"]) == ("queued", "import", "pending")
        with pytest.raises(StateError):
            job.retry()

    def test_bindings_must_name_a_connection_offered_for_each_reference(self, setup, maker):
        refs = [{"logical_name": "coe_sql", "connector_id": "shared_sql", "display_name": "SQL",
                 "choices": [{"id": "conn-1", "display_name": "SQL prod", "status": "Connected"}]}]
        job = MigrationJob.objects.create(request=submit(maker, setup), step="connections", state="needs_input",
                                          connection_refs=refs)
        with pytest.raises(StateError, match="Pick a connection for: SQL"):
            job.provide_bindings({}, "bob")
        with pytest.raises(StateError, match="not a connection"):
            job.provide_bindings({"coe_sql": "conn-other"}, "bob")
        job.provide_bindings({"coe_sql": "conn-1"}, "bob")
        assert (job.state, job.bindings, job.request.state) == ("queued", {"coe_sql": "conn-1"}, "running")


class TestSubmitting:
    def test_a_maker_cannot_request_someone_elses_item(self, setup, maker):
        with pytest.raises(StateError, match="your own"):
            submit(maker, setup, [setup["carols"]])

    def test_an_item_already_requested_is_refused(self, setup, maker):
        submit(maker, setup)
        with pytest.raises(StateError, match="Already requested: Expenses"):
            submit(maker, setup)

    def test_targets_exclude_the_default_environments_without_dataverse_and_dlp_breaks(self, setup):
        assert requests.target_choices([setup["app"]]) == [setup["finance"]]
        use_connector(setup["app"], "shared_twitter")
        policy = Policy.objects.create(name="p1", display_name="Block Twitter in Finance", scope="OnlyEnvironments")
        policy.environments.add(setup["finance"])
        from inventory.models import Connector

        PolicyConnector.objects.create(policy=policy, connector=Connector.objects.get(connector_id="shared_twitter"),
                                       group="blocked")
        assert requests.target_choices([setup["app"]]) == []
        assert requests.target_choices([setup["flow"]]) == [setup["finance"]]


class TestPages:
    def test_a_maker_requests_from_my_items_and_follows_it(self, client, setup, maker):
        client.force_login(maker)
        page = client.get(reverse("migrations_app:my-items"))
        assert b"Expenses" in page.content and b"Carol&#x27;s app" not in page.content
        url = reverse("migrations_app:request-new") + f"?app={setup['app'].pk}&flow={setup['flow'].pk}"
        form = client.get(url)
        offered = [str(env) for env in form.context["form"].fields["target"].queryset]
        assert form.status_code == 200 and offered == ["Finance"]
        refused = {str(r.environment): r.reasons for r in form.context["refused"]}
        assert refused == {"No Dataverse": ("It has no Dataverse database, and a solution needs one.",)}
        response = client.post(reverse("migrations_app:request-new"), {
            "app": setup["app"].pk, "flow": setup["flow"].pk, "target": setup["finance"].pk, "reason": "Team app",
            "preferred_from": "2026-12-01", "preferred_to": "2026-12-05", "source_action": "keep"})
        request = MigrationRequest.objects.get()
        assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
        assert request.items.count() == 2 and request.source_action == "keep"
        assert AuditEntry.objects.filter(action="migration.request.create", actor=maker).exists()
        assert b"Waiting for the CoE team" in client.get(request.get_absolute_url()).content

    def test_a_bad_window_is_named_and_nothing_is_created(self, client, setup, maker):
        client.force_login(maker)
        response = client.post(reverse("migrations_app:request-new"), {
            "app": setup["app"].pk, "target": setup["finance"].pk, "reason": "x", "preferred_from": "2026-12-05",
            "preferred_to": "2026-12-01", "source_action": "keep"})
        assert response.status_code == 200 and b"ends before it starts" in response.content
        assert not MigrationRequest.objects.exists()

    def test_others_requests_and_items_are_404(self, client, setup, maker, other_maker):
        request = submit(maker, setup)
        client.force_login(other_maker)
        assert client.get(request.get_absolute_url()).status_code == 404
        assert client.post(reverse("migrations_app:request-cancel", args=[request.pk])).status_code == 404
        assert client.get(reverse("migrations_app:request-new") + f"?app={setup['app'].pk}").status_code == 404

    def test_an_admin_approves_and_rejects_in_bulk_with_a_message(self, client, setup, maker, coe_admin):
        first, second = submit(maker, setup), submit(maker, setup, [setup["flow"]])
        wave = Wave.objects.create(name="December")
        client.force_login(coe_admin)
        client.post(reverse("migrations_app:request-bulk"), {"action": "approve", "wave": wave.pk,
                                                             "message": "See you in December", "pk": [first.pk]})
        refused = client.post(reverse("migrations_app:request-bulk"), {"action": "reject", "pk": [second.pk]},
                              follow=True)
        assert b"Say why" in refused.content
        client.post(reverse("migrations_app:request-bulk"),
                    {"action": "reject", "message": "Keep it", "pk": [second.pk]})
        first.refresh_from_db(), second.refresh_from_db()
        assert (first.state, first.wave, first.admin_message) == ("scheduled", wave, "See you in December")
        assert (second.state, second.admin_message) == ("rejected", "Keep it")
        assert AuditEntry.objects.filter(action="migration.request.approve", actor=coe_admin).count() == 1
        queue = client.get(reverse("migrations_app:request-queue") + "?state=scheduled")
        assert b"December" in queue.content and b"Notify" not in queue.content
        csv = b"".join(client.get(reverse("migrations_app:request-queue") + "?export=csv").streaming_content)
        assert b"Conflicts" in csv and b"Expenses" in csv


class TestWavesAndJobs:
    def test_beat_starts_the_waves_that_are_due_only(self, setup, maker, coe_admin, django_capture_on_commit_callbacks):
        from datetime import timedelta

        from django.utils import timezone

        due = Wave.objects.create(name="Due", scheduled_start=timezone.now() - timedelta(minutes=1))
        later = Wave.objects.create(name="Later", scheduled_start=timezone.now() + timedelta(days=1))
        submit(maker, setup).approve(coe_admin, "", due)
        submit(maker, setup, [setup["flow"]]).approve(coe_admin, "", later)
        with django_capture_on_commit_callbacks(execute=False):
            requests.start_due_waves()
        assert Wave.objects.get(pk=due.pk).state == "running" and Wave.objects.get(pk=later.pk).state == "planned"
        assert MigrationJob.objects.count() == 1

    def test_an_admin_retries_a_failed_step_and_it_is_audited(self, client, setup, maker, coe_admin,
                                                                django_capture_on_commit_callbacks):
        job = MigrationJob.objects.create(request=submit(maker, setup), step="export", state="failed",
                                          error="Export: the tenant refused")
        client.force_login(coe_admin)
        page = client.get(job.request.get_absolute_url())
        assert b"Retry the failed step" in page.content and b"the tenant refused" in page.content
        with django_capture_on_commit_callbacks(execute=False) as queued:
            client.post(reverse("migrations_app:request-retry", args=[job.request_id]))
        job.refresh_from_db()
        assert (job.state, job.step, len(jobs_queued(queued))) == ("queued", "export", 1)
        assert AuditEntry.objects.filter(action="migration.job.retry", actor=coe_admin).exists()

    def test_the_maker_picks_connections_offered_in_the_target(self, client, setup, maker, other_maker,
                                                               django_capture_on_commit_callbacks):
        refs = [{"logical_name": "coe_sql", "connector_id": "shared_sql", "display_name": "SQL",
                 "choices": [{"id": "conn-1", "display_name": "SQL prod", "status": "Connected"}]}]
        job = MigrationJob.objects.create(request=submit(maker, setup), step="connections", state="needs_input",
                                          connection_refs=refs)
        url = reverse("migrations_app:request-connections", args=[job.request_id])
        client.force_login(other_maker)
        assert client.get(url).status_code == 404
        client.force_login(maker)
        assert b"SQL prod (Connected)" in client.get(url).content
        refused = client.post(url, {"coe_sql": "conn-forged"})
        assert refused.status_code == 200 and MigrationJob.objects.get(pk=job.pk).state == "needs_input"
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert client.post(url, {"coe_sql": "conn-1"}).status_code == 302
        job.refresh_from_db()
        assert (job.state, job.bindings, job.bound_by, len(jobs_queued(queued))) == (
            "queued", {"coe_sql": "conn-1"}, "bob", 1)
