"""Inventory items for comms tests, with the fields the tests depend on as arguments."""

import itertools
import uuid

from inventory.models import App, Environment, Flow, Maker, Tag

_numbers = itertools.count(1)


def make_environment():
    env, _ = Environment.objects.get_or_create(env_id="Default-tenant", defaults={
        "display_name": "Contoso (default)", "is_default": True})
    return env


def make_maker(email=None, department="Finance", name=None):
    number = next(_numbers)
    email = f"maker{number}@contoso.example" if email is None else email
    return Maker.objects.create(entra_object_id=uuid.uuid4(), email=email, user_principal_name=email,
                                display_name=name or f"Maker {number}", department=department)


def make_app(owner=None, name=None, tags=()):
    number = next(_numbers)
    app = App.objects.create(app_id=str(uuid.uuid4()), environment=make_environment(),
                             display_name=name or f"App {number}", owner=owner or make_maker(),
                             open_url=f"https://apps.powerapps.com/play/{number}")
    app.tags.set(tags)
    return app


def make_flow(creator=None, name=None, tags=()):
    number = next(_numbers)
    flow = Flow.objects.create(flow_id=str(uuid.uuid4()), environment=make_environment(),
                               display_name=name or f"Flow {number}", creator=creator or make_maker())
    flow.tags.set(tags)
    return flow


def make_tag(name="Migrate out of default"):
    return Tag.objects.get_or_create(name=name, defaults={"slug": name.lower().replace(" ", "-")})[0]


def comms_objects():
    """A template, a launched campaign with one recipient and one item, for the permission matrix."""
    from comms.models import Campaign, EmailTemplate, Recipient, RecipientItem

    template = EmailTemplate.objects.create(name="Matrix template", stage="identified", subject="Hi",
                                            body_text="{{ maker.name }}", body_html="<p>{{ maker.name }}</p>")
    app = make_app()
    campaign = Campaign.objects.create(name="Matrix campaign", template=template, source_kind="selection",
                                       selection={"app": [app.pk]})
    recipient = Recipient.objects.create(campaign=campaign, maker=app.owner, email=app.owner.email)
    RecipientItem.objects.create(recipient=recipient, app=app)
    return {"comms_template": template, "comms_campaign": campaign, "comms_recipient": recipient, "comms_app": app}


def comms_sample_kwargs(fixtures):
    from comms.links import make_token

    return {"comms:template-edit": {"pk": fixtures["comms_template"].pk},
            "comms:campaign": {"pk": fixtures["comms_campaign"].pk},
            "comms:campaign-start": {"pk": fixtures["comms_campaign"].pk},
            "comms:campaign-retry": {"pk": fixtures["comms_campaign"].pk},
            "comms:answer-reviewed": {"pk": fixtures["comms_recipient"].pk},
            "comms:item-messages": {"kind": "app", "pk": fixtures["comms_app"].pk},
            "comms:answer": {"token": make_token(fixtures["comms_recipient"].code, "keep")}}


def launched_recipient(templates, **campaign_options):
    """Ann, asked about an app and a flow by a launched campaign (weekly, at most three reminders): her Recipient."""
    from comms.choices import CampaignStatus
    from comms.models import Campaign, Recipient
    from comms.services import campaigns

    tag = make_tag()
    ann = make_maker(email="ann@contoso.example")
    make_app(owner=ann, tags=[tag], name="Expense tracker")
    make_flow(creator=ann, tags=[tag], name="Approval flow")
    campaign = Campaign.objects.create(name="Clean-up", template=templates.first(), tag=tag,
                                       status=CampaignStatus.SCHEDULED, cadence_days=7, max_reminders=3,
                                       **campaign_options)
    campaigns.do_launch_campaign(campaign.pk, enqueue=False)
    return Recipient.objects.get()
