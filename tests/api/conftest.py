import pytest
from django.utils import timezone

from coe_portal.core.models import ApiToken
from comms.models import Campaign, Delivery, EmailTemplate, Recipient, RecipientItem
from dlp.models import ImpactRun
from dlp.services import impact
from dlp.services.policies import copy_to_draft, move_connector
from inventory.models import App, Connector, ConnectorUsage, Environment, Flow, Maker, Tag
from tests.comms.factories import make_app, make_flow, make_maker, make_tag
from tests.dlp.world import add_item, add_policy, build_inventory


@pytest.fixture
def inventory(maker):
    """Two environments; the maker persona owns two apps and one flow, someone else one app and one flow."""
    default = Environment.objects.create(env_id="Default-1", display_name="Default", is_default=True)
    sales = Environment.objects.create(env_id="env-sales", display_name="Sales", environment_type="Production")
    bob = Maker.objects.create(email=maker.email, display_name="Bob", department="Finance")
    eve = Maker.objects.create(email="eve@contoso.example", display_name="Eve", department="Sales")
    sharepoint = Connector.objects.create(connector_id="shared_sharepointonline", display_name="SharePoint")
    apps = [App.objects.create(app_id="a-budget", environment=default, display_name="Budget", owner=bob),
            App.objects.create(app_id="a-leave", environment=sales, display_name="Leave requests", owner=bob),
            App.objects.create(app_id="a-leads", environment=default, display_name="Leads", owner=eve)]
    flows = [Flow.objects.create(flow_id="f-mine", environment=default, display_name="Mine", creator=bob),
             Flow.objects.create(flow_id="f-theirs", environment=default, display_name="Theirs", creator=eve)]
    ConnectorUsage.objects.create(app=apps[0], connector=sharepoint, connection_id="conn-1")
    Tag.objects.create(name="Migrate", slug="migrate")
    Tag.objects.create(name="Critical", slug="critical")
    return {"apps": apps, "flows": flows, "environments": [default, sales]}


@pytest.fixture
def bearer():
    def headers(user):
        return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user, 'test')[1]}"}
    return headers


@pytest.fixture
def dlp_world(db):
    """Live: Baseline (sharepoint, sql business) and No social (twitter blocked). Draft: sql to non-business.

    Poster (a flow using twitter) is broken under both; Mixer (sharepoint + sql) only with the draft.
    """
    envs, c = build_inventory()
    max_ = Maker.objects.create(email="max@contoso.example", display_name="Max", department="Finance")
    zoe = Maker.objects.create(email="zoe@contoso.example", display_name="Zoe", department="Sales")
    items = {"Mixer": add_item("Mixer", envs["dev"], [c["sharepoint"], c["sql"]], maker=max_),
             "Poster": add_item("Poster", envs["sandbox"], [c["sharepoint"], c["twitter"]], kind="flow", maker=zoe),
             "Plain": add_item("Plain", envs["prod"], [c["sql"]], maker=max_)}
    baseline = add_policy("Baseline", envs, c, groups={"sharepoint": "business", "sql": "business"},
                          default="business")
    social = add_policy("No social", envs, c, groups={"twitter": "blocked"}, default="business")
    draft = copy_to_draft(baseline)
    move_connector(draft, c["sql"], "non_business")
    live_run = impact.compute(ImpactRun.objects.create())
    draft_run = impact.compute(ImpactRun.objects.create(draft=draft))
    return {"envs": envs, "c": c, "items": items, "baseline": baseline, "social": social, "draft": draft,
            "live_run": live_run, "draft_run": draft_run, "makers": {"max": max_, "zoe": zoe}}


@pytest.fixture
def comms(maker):
    """A template and a tag; one launched campaign where bob (the maker persona) and eve answered."""
    template = EmailTemplate.objects.create(name="First", stage="identified", subject="Hi", body_text="x",
                                            body_html="<p>x</p>")
    tag = make_tag("Migrate out of default")
    bob = make_maker(email=maker.email, department="Finance", name="Bob")
    eve = make_maker(department="Sales", name="Eve")
    budget, leads, mine = make_app(owner=bob, name="Budget", tags=[tag]), make_app(owner=eve, name="Leads"), \
        make_flow(creator=bob, name="Mine")
    campaign = Campaign.objects.create(name="Wave 1", template=template, tag=tag, status="active")
    now = timezone.now()
    answers = {}
    for who, items, answer in ((bob, [budget, mine], "keep"), (eve, [leads], "migrate")):
        recipient = Recipient.objects.create(campaign=campaign, maker=who, email=who.email, answer=answer,
                                             answered_at=now)
        for item in items:
            answers[item.display_name] = RecipientItem.objects.create(
                recipient=recipient, answer=answer, answered_at=now, justification="payroll" * (answer == "keep"),
                **{item._meta.model_name: item})
        Delivery.objects.create(campaign=campaign, recipient=recipient, to=who.email, subject="Hi", body_text="x",
                                body_html="x", status="sent" if who is bob else "failed", error="" if who is bob
                                else "550 mailbox unavailable")
    return {"template": template, "tag": tag, "campaign": campaign, "answers": answers, "bob": bob, "eve": eve}
