"""Data migration plan: load order with cycles and self-references, and a plan read from the fake's Dataverse."""

import pytest
from django.urls import reverse

from inventory.models import App, Connector, Environment, Flow, Maker
from migrations_app.services.dataplan import DATAVERSE, build_plan, load_order

pytestmark = pytest.mark.django_db


def position(plan, table):
    return [step.table for step in plan.steps].index(table)


class TestLoadOrder:
    def test_a_chain_loads_least_dependent_first(self):
        plan = load_order({"line": [("orderid", "order")], "order": [("customerid", "customer")], "customer": []})
        assert [step.table for step in plan.steps] == ["customer", "order", "line"]
        assert plan.cycles == [] and plan.second_pass == [] and plan.prerequisites == []

    def test_a_cycle_is_reported_and_broken_by_a_named_second_pass(self):
        plan = load_order({"account": [("primarycontactid", "contact")], "contact": [("parentcustomerid", "account")],
                           "task": [("regardingobjectid", "account")]})
        assert [step.table for step in plan.steps] == ["account", "contact", "task"]
        assert plan.cycles == ["account -> contact -> account"]
        assert plan.steps[0].deferred == [("primarycontactid", "contact")] and plan.steps[1].deferred == []
        assert plan.second_pass == [("account", "primarycontactid", "contact",
                                     "Second pass: set account.primarycontactid -> contact")]

    def test_a_self_reference_is_deferred_to_the_second_pass(self):
        plan = load_order({"account": [("parentaccountid", "account"), ("ownerid", "systemuser")]})
        assert plan.cycles == ["account -> itself"]
        assert plan.steps[0].deferred == [("parentaccountid", "account")]
        assert [row[:3] for row in plan.second_pass] == [("account", "parentaccountid", "account")]
        assert plan.prerequisites == [("account", "ownerid", "systemuser")]

    def test_a_three_table_cycle_defers_only_the_lookups_to_later_tables(self):
        plan = load_order({"a": [("b_id", "b")], "b": [("c_id", "c")], "c": [("a_id", "a"), ("d_id", "d")],
                           "d": []})
        assert position(plan, "d") == 0 and len(plan.cycles) == 1
        assert [step.table for step in plan.steps] == ["d", "a", "c", "b"]
        assert [row[:3] for row in plan.second_pass] == [("a", "b_id", "b")]  # one column, not one per table

    def test_independent_components_each_come_after_what_they_need(self):
        lookups = {"x": [("y_id", "y")], "y": [("x_id", "x"), ("z_id", "z")], "z": [], "w": [("z_id", "z")]}
        plan = load_order(lookups)
        assert position(plan, "z") < position(plan, "x") and position(plan, "z") < position(plan, "y")
        assert position(plan, "z") < position(plan, "w")
        assert plan.cycles == ["x -> y -> x"]


def dataverse_app(servers, tenant):
    env = next(e for e in tenant.environments if e.dataverse)
    environment = Environment.objects.create(env_id=env.name, display_name="With Dataverse",
                                             dataverse_url=env.dataverse["instanceUrl"].rstrip("/"))
    names = ["Accounts", "Contacts", "cr5f1_assets", "Requests", "Invoices (old)"]
    owner = Maker.objects.create(email="bob@contoso.example", display_name="Bob")
    app = App.objects.create(app_id="a-plan", environment=environment, display_name="Assets", owner=owner,
                             data_sources=[{"connector": DATAVERSE, "name": name} for name in names])
    flow = Flow.objects.create(flow_id="f-plan", environment=environment, display_name="On new asset",
                               creator=owner, trigger_kind="OpenApiConnection", trigger_connector=DATAVERSE,
                               trigger_table="cr5f1_asset")
    flow.usages.create(connector=Connector.objects.get_or_create(connector_id=DATAVERSE)[0])
    return app


class TestPlanFromTheTenant:
    def test_the_fakes_metadata_gives_order_cycles_skips_and_unknowns(self, make_tenant):
        tenant, servers = make_tenant(seed=5)
        plan = build_plan(dataverse_app(servers, tenant))
        order = [step.table for step in plan.steps]
        assert sorted(order) == ["account", "contact", "cr5f1_asset", "cr5f1_request"]
        assert max(order.index("account"), order.index("contact")) < min(order.index("cr5f1_asset"),
                                                                          order.index("cr5f1_request"))
        assert "account -> contact -> account" in plan.cycles and len(plan.cycles) == 2
        assert ("account", "parentaccountid", "account") in [row[:3] for row in plan.second_pass]
        assert {"createdon", "modifiedon", "ownerid", "versionnumber"} <= set(plan.skip_fields["account"])
        assert "overriddencreatedon" not in plan.skip_fields["account"]
        assert ("account", "createdby", "systemuser") in plan.prerequisites
        assert plan.unknown == ["Invoices (old)"]
        assert [(flow.display_name, table) for flow, table in plan.flows_to_pause] == [("On new asset", "cr5f1_asset")]

    def test_the_page_shows_the_plan_and_the_flows_warning(self, make_tenant, client, coe_admin):
        tenant, servers = make_tenant(seed=5)
        app = dataverse_app(servers, tenant)
        client.force_login(coe_admin)
        page = client.get(reverse("migrations_app:dataplan", args=["app", app.pk])).content.decode()
        assert 'data-table="account"' in page and "Second pass: set account.parentaccountid" in page
        assert "overriddencreatedon" in page and "Turn off the flows" in page and "On new asset" in page

    def test_an_item_without_dataverse_tables_has_no_plan(self, client, maker):
        environment = Environment.objects.create(env_id="Default-x", display_name="Default", is_default=True)
        owner = Maker.objects.create(email=maker.email)
        app = App.objects.create(app_id="a-none", environment=environment, display_name="Lists", owner=owner)
        client.force_login(maker)
        page = client.get(reverse("migrations_app:dataplan", args=["app", app.pk]))
        assert page.status_code == 200 and b'id="no-tables"' in page.content


def test_a_flows_tables_come_from_its_definition(make_tenant):
    from coe_portal.powerplatform.fake.render_flow import DATAVERSE_SETS

    tenant, _ = make_tenant(seed=5)
    env, fake_flow = next((e, f) for e in tenant.environments if e.dataverse for f in e.flows
                          if any(c.name == DATAVERSE for c in f.connectors))
    environment = Environment.objects.create(env_id=env.name, display_name="With Dataverse",
                                             dataverse_url=env.dataverse["instanceUrl"].rstrip("/"))
    flow = Flow.objects.create(flow_id=fake_flow.name, environment=environment, display_name=fake_flow.display_name)
    flow.usages.create(connector=Connector.objects.create(connector_id=DATAVERSE))
    plan = build_plan(flow)
    wanted = DATAVERSE_SETS[fake_flow.seed % len(DATAVERSE_SETS)]
    assert [step.table for step in plan.steps] == [wanted.removesuffix("s")] and plan.unknown == []


def add_flow(environment, name, **fields):
    flow = Flow.objects.create(flow_id=f"f-{name}", environment=environment, display_name=name,
                               trigger_kind="OpenApiConnection", **fields)
    flow.usages.create(connector=Connector.objects.get_or_create(connector_id=DATAVERSE)[0])
    return flow


class TestFlowsToTurnOff:
    """The plan lists the flows whose Dataverse trigger watches a table it loads, in the source and the target."""

    def test_only_flows_watching_the_plans_tables_in_the_source_or_target_are_listed(self, make_tenant):
        tenant, servers = make_tenant(seed=5)
        app = dataverse_app(servers, tenant)
        target = Environment.objects.create(env_id="env-target", display_name="Target")
        elsewhere = Environment.objects.create(env_id="env-else", display_name="Elsewhere")
        App.objects.filter(pk=app.pk).update(migration_status="scheduled", migration_target=target)
        app.refresh_from_db()
        add_flow(target, "Target on accounts", trigger_connector=DATAVERSE, trigger_table="accounts")
        add_flow(app.environment, "On tasks", trigger_connector=DATAVERSE, trigger_table="task")
        add_flow(app.environment, "SharePoint trigger", trigger_connector="shared_sharepointonline")
        add_flow(elsewhere, "Elsewhere on account", trigger_connector=DATAVERSE, trigger_table="account")
        add_flow(app.environment, "Table not named", trigger_connector=DATAVERSE)
        add_flow(target, "Not read since", trigger_connector="")
        plan = build_plan(app)
        assert [(flow.display_name, table) for flow, table in plan.flows_to_pause] == [
            ("On new asset", "cr5f1_asset"), ("Target on accounts", "account")]
        assert [flow.display_name for flow in plan.flows_to_check] == ["Not read since", "Table not named"]

    def test_the_page_links_each_flow_to_turn_off(self, make_tenant, client, coe_admin):
        tenant, servers = make_tenant(seed=5)
        app = dataverse_app(servers, tenant)
        unnamed = add_flow(app.environment, "Table not named", trigger_connector=DATAVERSE)
        watching = Flow.objects.get(flow_id="f-plan")
        client.force_login(coe_admin)
        page = client.get(reverse("migrations_app:dataplan", args=["app", app.pk])).content.decode()
        assert (f'<a href="{watching.get_absolute_url()}">On new asset</a> in With Dataverse: watches '
                "<code>cr5f1_asset</code>") in page
        assert f'<ul id="flows-to-check"><li data-flow="{unnamed.pk}"><a href="{unnamed.get_absolute_url()}">' in page

    def test_the_page_says_when_no_flow_watches_the_tables(self, make_tenant, client, coe_admin):
        tenant, servers = make_tenant(seed=5)
        app = dataverse_app(servers, tenant)
        Flow.objects.filter(flow_id="f-plan").update(trigger_table="task")
        client.force_login(coe_admin)
        page = client.get(reverse("migrations_app:dataplan", args=["app", app.pk])).content.decode()
        assert 'id="no-flows-to-pause"' in page and 'id="flows-to-pause"' not in page


@pytest.mark.django_db(transaction=True)
def test_the_sync_keeps_each_flows_trigger_connector_and_watched_table(make_tenant):
    from coe_portal.powerplatform.fake.render_flow import DATAVERSE_SETS
    from tests.support.tenant import sync_now

    tenant, _ = make_tenant(seed=5)
    sync_now()
    dataverse_triggered = [f for f in tenant.flows if f.trigger == "connector" and f.connectors[0].name == DATAVERSE]
    sharepoint = next(f for f in tenant.flows if f.trigger == "connector"
                      and f.connectors[0].name == "shared_sharepointonline")
    assert dataverse_triggered, "seed 5 has flows on a Dataverse trigger"
    for fake in dataverse_triggered:
        flow = Flow.objects.get(flow_id=fake.name)
        wanted = DATAVERSE_SETS[fake.seed % len(DATAVERSE_SETS)].removesuffix("s")
        assert (flow.trigger_connector, flow.trigger_table) == (DATAVERSE, wanted)
    assert Flow.objects.values_list("trigger_connector", "trigger_table").get(flow_id=sharepoint.name) == (
        "shared_sharepointonline", "")
    assert not Flow.objects.filter(trigger_kind="Recurrence").exclude(trigger_connector="").exists()
