"""A fake tenant with custom connectors in its default environment and a Dataverse target, plus the real client."""

from dataclasses import dataclass

import pytest

from coe_portal.powerplatform.client import PowerPlatformClient
from coe_portal.powerplatform.fake.solution_store import SolutionOptions

__all__ = ["World", "world"]


@dataclass
class World:
    tenant: object
    servers: object
    client: PowerPlatformClient
    source: object  # the default environment (fake model)
    target: object  # a non-default environment with Dataverse

    @property
    def store(self):
        return self.servers.context.solutions

    @staticmethod
    def org(env):
        return env.dataverse["instanceUrl"]

    def plain_app(self, custom=False):
        """A live app of the default environment that is not solution-aware (with a custom connector if asked)."""
        return next(a for a in self.source.apps if a.live and not a.solution and a.kind == "canvas"
                    and any(c.is_custom for c in a.connectors) == custom)

    def plain_flows(self, count):
        """Live flows of the default environment not in Dataverse, using catalogue connectors only."""
        return [f for f in self.source.flows if f.live and not f.workflow_id
                and not any(c.is_custom for c in f.connectors)][:count]

    def connect_target(self, item_connectors, maker):
        """Give `maker` a connection in the target for each connector; return {connector name: connection name}."""
        return {c.name: self.tenant.add_connection(self.target, c.name, maker).name for c in item_connectors}


@pytest.fixture
def world(make_tenant):
    tenant, servers = make_tenant(seed=5, environments=4, apps=60, flows=120)
    servers.context.solutions.options = SolutionOptions(polls=2, seconds=60)
    target = next(env for env in tenant.environments[1:] if env.dataverse)
    return World(tenant, servers, PowerPlatformClient(), tenant.default_environment, target)
