import pytest

from coe_portal.core.models import ApiToken
from inventory.models import App, Connector, ConnectorUsage, Environment, Flow, Maker, Tag


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
