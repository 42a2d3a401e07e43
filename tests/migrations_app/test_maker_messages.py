"""What a maker is told: approved, waiting for them (once), completed with only the connections left; and what a
"Migrate" answer set off, on the answer page."""

import pytest
from django.urls import reverse

from comms.choices import CampaignStatus
from comms.links import make_token
from comms.models import Campaign, Delivery, Recipient
from comms.services import campaigns
from dlp.models import Policy, PolicyConnector
from inventory.models import Connector, Environment, Maker
from migrations_app.models import MigrationJob, MigrationRequest, Wave
from migrations_app.services import requests
from migrations_app.services.pipeline import runner
from tests.comms.conftest import default_templates  # noqa: F401  (the shipped e-mail templates)
from tests.inventory.factories import make_app, make_environment, make_tag, use_connector
from tests.migrations_app import world as world_module
from tests.migrations_app.world import settle

migration_world = world_module.migration_world
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_maker_hears_of_the_approval_of_the_wait_once_and_of_only_the_connections_left(migration_world,
                                                                                          coe_admin):
    world = migration_world
    request = requests.do_submit_request(world.user, [world.app], world.target, "Team app")
    wave = Wave.objects.create(name="Wave 1", created_by=coe_admin)
    requests.do_decide([request], coe_admin, True, "Monday it is", wave)
    approved = Delivery.objects.get(campaign__template__stage="migration_approved")
    assert approved.to == world.user.email and world.target.display_name in approved.subject
    assert "Monday it is" in approved.body_text and 'the wave "Wave 1"' in approved.body_text
    requests.do_start_wave(wave)
    job = MigrationJob.objects.get(request=request)
    assert settle(job.pk) == runner.WAITING
    made = world.connect_target()
    job.check_again()
    assert settle(job.pk) == runner.WAITING
    [waiting] = Delivery.objects.filter(campaign__template__stage="migration_needs_input")  # not again after a check
    assert "Pick a connection for" in waiting.body_text and request.get_absolute_url() in waiting.body_text
    job.refresh_from_db()
    world.pick(job, made)
    assert settle(job.pk) == runner.DONE
    job.refresh_from_db()
    done = Delivery.objects.get(pk=job.delivery_id)
    assert "create the connection" not in done.body_text
    assert "every one is mapped in the new environment, nothing to create" in done.body_text


def test_connections_left_are_the_unbound_ones_and_those_not_connected():
    job = MigrationJob(connection_refs=[
        {"logical_name": "a", "connector_id": "shared_sql", "display_name": "SQL",
         "choices": [{"id": "c1", "status": "Connected"}]},
        {"logical_name": "b", "connector_id": "shared_office365", "display_name": "Outlook",
         "choices": [{"id": "c2", "status": "Error"}]},
        {"logical_name": "c", "connector_id": "shared_teams", "display_name": "Teams", "choices": []}],
        bindings={"a": "c1", "b": "c2"})
    assert job.connections_left() == [
        "Outlook (shared_office365): the connection picked is Error; fix it or make a new one",
        "Teams (shared_teams)"]


@pytest.fixture
def answering(maker, default_templates):  # noqa: F811
    default = make_environment(default=True)
    Environment.objects.create(env_id="env-fin", display_name="Finance", dataverse_url="https://fin.crm4.dynamics.com")
    bob = Maker.objects.create(email=maker.email, display_name="Bob")
    tag = make_tag("move-me")

    def answer_link(client, *items):
        for item in items:
            item.tags.add(tag)
        campaign = Campaign.objects.create(name="Move out", template=default_templates.first(), tag=tag,
                                           status=CampaignStatus.SCHEDULED)
        campaigns.do_launch_campaign(campaign.pk, enqueue=False)
        recipient = Recipient.objects.get(campaign=campaign)
        link = reverse("comms:answer", kwargs={"token": make_token(recipient.code, "migrate")})
        entries = [str(pk) for pk in recipient.items.values_list("pk", flat=True)]
        return client.post(link, {"items": entries, "justification": ""}).content.decode()

    return default, bob, answer_link


def test_a_migrate_answer_links_the_draft_it_made(client, answering):
    default, bob, answer_link = answering
    page = answer_link(client, make_app("Expenses", default, owner=bob))
    draft = MigrationRequest.objects.get(state="draft")
    assert "A draft migration request for Expenses is ready: choose its target environment" in page
    assert f'href="{draft.get_absolute_url()}"' in page and "prepare the move with you" not in page


def test_a_migrate_answer_says_which_policy_keeps_the_items_out_when_no_draft_can_be_made(client, answering):
    default, bob, answer_link = answering
    tweeter = make_app("Tweeter", default, owner=bob)
    use_connector(tweeter, "shared_twitter")
    policy = Policy.objects.create(name="p1", display_name="No social media", scope="AllEnvironments")
    PolicyConnector.objects.create(policy=policy, connector=Connector.objects.get(connector_id="shared_twitter"),
                                   group="blocked")
    page = answer_link(client, tweeter)
    assert not MigrationRequest.objects.exists()
    assert "No draft request for Tweeter: no environment is offered." in page
    assert "Tweeter: DLP policy “No social media”: uses the blocked connector shared_twitter" in page
