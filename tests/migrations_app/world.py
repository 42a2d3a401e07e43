"""A synced fake tenant, a maker who owns a plain app in the default environment, and a target with Dataverse."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from coe_portal.core.choices import Role
from coe_portal.powerplatform.fake.solution_store import SolutionOptions
from inventory.models import App, Environment
from migrations_app.models import MigrationJob
from migrations_app.services import requests
from tests.conftest import make_user

__all__ = ["MigrationWorld", "migration_world"]


@dataclass
class MigrationWorld:
    tenant: object
    servers: object
    fake_app: object
    app: App
    target: Environment
    fake_target: object
    user: object

    @property
    def store(self):
        return self.servers.context.solutions

    def connect_target(self):
        """Give the app's owner a connection in the target for each connector the app uses."""
        return {c.name: self.tenant.add_connection(self.fake_target, c.name, self.fake_app.owner).name
                for c in self.fake_app.connectors}

    @staticmethod
    def pick(job, made, who="bob"):
        """Play the maker: pick, for each of the job's connection references, the connection `made` for it."""
        job.provide_bindings({ref["logical_name"]: made[ref["connector_id"]] for ref in job.connection_refs}, who)

    def request(self, admin, **fields):
        """The maker's request for the app, approved into a wave and started: its job."""
        from migrations_app.models import Wave

        request = requests.do_submit_request(self.user, [self.app], self.target, "Shared with the whole team",
                                             **fields)
        wave = Wave.objects.create(name="Wave 1", created_by=admin)
        request.approve(admin, "Go ahead", wave)
        requests.do_start_wave(wave)
        return MigrationJob.objects.get(request=request)


def _plain_app(tenant):
    default = tenant.default_environment
    return next(a for a in default.apps if a.live and not a.solution and a.kind == "canvas" and a.connectors
                and not any(c.is_custom for c in a.connectors) and a.owner is not None and a.owner.mail)


@pytest.fixture
def migration_world(make_synced_tenant, settings):
    settings.MIGRATION_POLL_SECONDS = 0.02
    settings.MIGRATION_RETRY_SECONDS = 1
    tenant, servers = make_synced_tenant(seed=5, environments=4, apps=40, flows=40)
    servers.context.solutions.options = SolutionOptions(polls=1, seconds=60)
    fake_app = _plain_app(tenant)
    fake_target = next(env for env in tenant.environments[1:] if env.dataverse)
    app = App.objects.get(app_id=fake_app.name)
    user = get_user_model().objects.filter(email__iexact=app.owner.email).first() or make_user(
        "maker-" + app.owner.email.split("@")[0][:20], [Role.MAKER], email=app.owner.email)
    target = Environment.objects.get(env_id=fake_target.name)
    return MigrationWorld(tenant, servers, fake_app, app, target, fake_target, user)


def settle(job_id, polls=20):
    """Run the job as its worker would, again after each poll of a tenant operation, until it needs a
    person, fails, must wait for its target or ends; return that outcome."""
    from migrations_app.services.pipeline import runner

    for _ in range(polls):
        outcome = runner.run(job_id)
        if outcome != runner.POLL:
            return outcome
    raise AssertionError(f"job {job_id} still polls its operation after {polls} runs")
