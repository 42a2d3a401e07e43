"""A small inventory and policies built from a table row, for the DLP rule tests."""

from dlp.models import Exemption, ImpactRun, Policy, PolicyConnector
from dlp.services import impact
from inventory.models import App, Connector, ConnectorUsage, Environment, Flow, Maker

CONNECTORS = {
    "sharepoint": {}, "sql": {}, "twitter": {}, "o365users": {},
    "custom": {"is_custom": True}, "http": {"is_builtin": True},
}
ENVIRONMENTS = ("dev", "prod", "sandbox")


def build_inventory():
    envs = {name: Environment.objects.create(env_id=name, display_name=name.title()) for name in ENVIRONMENTS}
    connectors = {name: Connector.objects.create(connector_id=f"shared_{name}", display_name=name, **flags)
                  for name, flags in CONNECTORS.items()}
    return envs, connectors


def add_item(name, env, connectors, kind="app", maker=None):
    """An app (or flow) in `env` using the named connectors."""
    maker = maker or Maker.objects.get_or_create(email="max@contoso.example", defaults={"display_name": "Max"})[0]
    if kind == "app":
        item = App.objects.create(app_id=name, display_name=name, environment=env, owner=maker)
        usage = {"app": item}
    else:
        item = Flow.objects.create(flow_id=name, display_name=name, environment=env, creator=maker)
        usage = {"flow": item}
    for connector in connectors:
        ConnectorUsage.objects.create(connector=connector, **usage)
    return item


def add_policy(name, envs, connectors, groups=(), default="non_business", scope="AllEnvironments", scope_envs=(),
               custom="", draft=False, replaces=None, exempt=()):
    policy = Policy.objects.create(name="" if draft else name, display_name=name, default_group=default, scope=scope,
                                   custom_connector_group=custom, is_draft=draft, replaces=replaces)
    policy.environments.set([envs[e] for e in scope_envs])
    for connector, group in dict(groups).items():
        PolicyConnector.objects.create(policy=policy, connector=connectors[connector], group=group)
    for item in exempt:
        Exemption.objects.create(policy=policy, reason="approved", **{item._meta.model_name: item})
    return policy


def run_impact(draft=None):
    run = ImpactRun.objects.create(draft=draft)
    return impact.compute(run)
