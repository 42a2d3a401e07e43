"""Inventory rows and plans the environment operation tests build on."""


from inventory.models import App, Bot, Connector, ConnectorUsage, Environment, Flow, Maker, PagesSite
from migrations_app.choices import CopyLevel, PortalTemplate
from migrations_app.models import CopyEnvironmentPlan, PortalMovePlan, TenantMovePlan
from migrations_app.services.plans.actions import create_plan

__all__ = ["envops_sample_kwargs", "environment", "inventory_of", "make_plans", "pair", "populate"]


def environment(name, kind="Sandbox", region="europe", default=False, save=True, dataverse=True):
    env = Environment(env_id=f"env-{name.lower().replace(' ', '-')}", display_name=name, environment_type=kind,
                      region=region, is_default=default,
                      dataverse_url=f"https://{name.lower().replace(' ', '')}.crm4.dynamics.com" if dataverse else "")
    if save:
        env.save()
    return env


def populate(env):
    """Two makers owning a canvas app, a flow outside solutions, a bot, a portal and a custom connector."""
    ann = Maker.objects.create(email="ann@contoso.com", display_name="Ann")
    bo = Maker.objects.create(user_principal_name="bo@contoso.com", display_name="Bo")
    app = App.objects.create(app_id=f"app-{env.pk}", environment=env, display_name="Expenses", owner=ann)
    flow = Flow.objects.create(flow_id=f"flow-{env.pk}", environment=env, display_name="Notify", creator=bo)
    Flow.objects.create(flow_id=f"flow2-{env.pk}", environment=env, display_name="In a solution", creator=bo,
                        is_solution_aware=True)
    Bot.objects.create(bot_id=f"bot-{env.pk}", environment=env, display_name="Helpdesk bot", owner=ann)
    site = PagesSite.objects.create(site_id="db9db518-ea5c-ec11-8f8f-00224804e6cd", environment=env,
                                    display_name="Partner Site", owner=ann)
    custom = Connector.objects.create(connector_id=f"cr_custom_{env.pk}", display_name="Custom CRM", is_custom=True,
                                      environment=env)
    ConnectorUsage.objects.create(app=app, connector=custom, connection_id="conn-1")
    ConnectorUsage.objects.create(flow=flow, connector=custom, connection_id="conn-2")
    return site


def make_plans(owner):
    """One saved plan of each kind."""
    source, target = environment("Prod Sales", "Production"), environment("UAT Sales", "Sandbox")
    site = populate(source)
    copy = create_plan(CopyEnvironmentPlan(title="Refresh UAT", source=source, target=target,
                                           level=CopyLevel.EVERYTHING), owner)
    move = create_plan(TenantMovePlan(title="Move sales", environment=source, destination_tenant="fabrikam.com",
                                      domain_rules="contoso.com=fabrikam.com"), owner)
    portal = create_plan(PortalMovePlan(title="Partner portal to UAT", source_site=site, target_environment=target,
                                        source_template=PortalTemplate.PARTNER, target_template=PortalTemplate.PARTNER,
                                        source_version="9.3.2201.6", target_version="9.3.2201.6"), owner)
    return copy, move, portal


def envops_sample_kwargs(fixtures):
    """URL kwargs for the permission matrix (plans created once per test)."""
    if "envops" not in fixtures:
        copy, move, portal = make_plans(fixtures["coe_admin"])
        item = copy.checklist.first()
        fixtures["envops"] = {
            "migrations_app:plan-new": {"kind": "copy"},
            "migrations_app:plan-detail": {"pk": copy.pk},
            "migrations_app:copy-start": {"pk": copy.pk},
            "migrations_app:item-update": {"pk": copy.pk, "item_pk": item.pk},
            "migrations_app:usermapping-download": {"pk": move.pk},
            "migrations_app:usermapping-upload": {"pk": move.pk},
            "migrations_app:portal-script": {"pk": portal.pk},
        }
    return fixtures["envops"]


def inventory_of(tenant):
    """Inventory rows for the fake tenant's environments, as a sync would write them."""
    for env in tenant.environments:
        Environment.objects.create(env_id=env.name, display_name=env.display_name, environment_type=env.sku,
                                   region=env.location, is_default=env.is_default)


def pair(tenant, target_sku="Sandbox"):
    source = next(e for e in tenant.environments if e.sku == "Production")
    target = next(e for e in tenant.environments if e.sku == target_sku and e.location == source.location)
    return Environment.objects.get(env_id=source.name), Environment.objects.get(env_id=target.name)
