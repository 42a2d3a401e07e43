"""Two departments with something of every kind that blocks progress (tests of blockers, and the manager's journey)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from coe_portal.core.models import UserProfile
from comms.models import Campaign, Delivery, EmailTemplate, Recipient, RecipientItem
from dlp.models import Policy, PolicyConnector
from inventory.models import CleanupCase, Connector, Environment
from migrations_app.models import MigrationJob, MigrationRequest, RequestItem
from tests.inventory.factories import make_app, make_environment, make_flow, make_maker, use_connector

__all__ = ["blocked_request", "overdue_message", "two_departments"]


def blocked_request(item, state, error=""):
    someone = get_user_model().objects.create_user(f"requester{item.pk}{state}", f"r{item.pk}{state}@contoso.example")
    target = Environment.objects.get(env_id="env-target")
    request = MigrationRequest.objects.create(requested_by=someone, target=target, reason="Team app", state=state)
    RequestItem.objects.create(request=request, **{item._meta.model_name: item})
    MigrationJob.objects.create(request=request, state=state, step="connections" if state == "needs_input" else
                                "import", error=error)
    return request


def overdue_message(item, answer_by, sent=True, answered=False):
    template = EmailTemplate.objects.get_or_create(name="Ask", defaults={
        "stage": "identified", "subject": "Hi", "body_text": "x", "body_html": "<p>x</p>"})[0]
    campaign = Campaign.objects.create(name=f"Move out by {answer_by}", template=template, answer_by=answer_by,
                                       source_kind="selection", status="launched")
    recipient = Recipient.objects.create(campaign=campaign, maker=item.owner, email=item.owner.email)
    RecipientItem.objects.create(recipient=recipient, app=item, answered_at=timezone.now() if answered else None)
    Delivery.objects.create(campaign=campaign, recipient=recipient, to=recipient.email, subject="Hi", body_text="x",
                            body_html="x", status="sent" if sent else "queued")
    return recipient


def two_departments(manager):
    """Finance (the manager's) and Sales, each with one thing of every kind that blocks progress; no snapshot yet."""
    UserProfile.objects.create(user=manager, managed_departments=["Finance"])
    default = make_environment()
    target = Environment.objects.create(env_id="env-target", display_name="Finance prod",
                                        dataverse_url="https://fin.crm4.dynamics.com")
    finance, sales = make_maker("Fay", department="Finance"), make_maker("Sid", department="Sales")
    items = {name: make_app(name, default, owner=owner) for name, owner in
             (("Budget", finance), ("Forecast", finance), ("Leads", sales), ("Quotes", sales))}
    items["Invoices flow"] = make_flow("Invoices flow", default, creator=finance)
    blocked_request(items["Budget"], "needs_input")
    blocked_request(items["Leads"], "needs_input")
    blocked_request(items["Invoices flow"], "failed", error="Import failed: missing dependency")
    CleanupCase.objects.create(app=items["Quotes"], stage="failed", error="quarantine|403 from the tenant")
    yesterday = timezone.localdate() - timedelta(days=1)
    overdue_message(items["Forecast"], yesterday)
    overdue_message(items["Leads"], yesterday)
    # Twitter is blocked in the only environment with Dataverse: Forecast can go nowhere.
    use_connector(items["Forecast"], "shared_twitter")
    policy = Policy.objects.create(name="p1", display_name="Block Twitter", scope="OnlyEnvironments")
    policy.environments.add(target)
    PolicyConnector.objects.create(policy=policy, connector=Connector.objects.get(connector_id="shared_twitter"),
                                   group="blocked")
    return items
