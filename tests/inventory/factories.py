"""Small builders for inventory rows the triage tests need."""

import itertools
import uuid
from datetime import timedelta

from django.utils import timezone

from inventory.models import App, Connector, ConnectorUsage, Environment, Flow, Maker, Tag

_numbers = itertools.count(1)


def make_environment(default=True):
    name = f"Default-{uuid.uuid4()}" if default else str(uuid.uuid4())
    return Environment.objects.create(env_id=name, display_name="Personal Productivity" if default else "Finance",
                                      is_default=default)


def make_maker(name="Ann Lee", email=None, department="Finance", location="Oslo", **fields):
    email = email or f"maker{next(_numbers)}@contoso.example"
    return Maker.objects.create(entra_object_id=uuid.uuid4(), display_name=name, email=email,
                                user_principal_name=email, department=department, location=location, **fields)


def _environment(environment):
    return environment or Environment.objects.filter(is_default=True).first() or make_environment()


def make_app(name=None, environment=None, owner=None, days_old=10, **fields):
    modified = timezone.now() - timedelta(days=days_old)
    return App.objects.create(app_id=str(uuid.uuid4()), display_name=name or f"App {next(_numbers)}",
                              environment=_environment(environment), owner=owner if owner is not None else make_maker(),
                              modified_time=modified, **fields)


def make_flow(name=None, environment=None, creator=None, days_old=10, **fields):
    modified = timezone.now() - timedelta(days=days_old)
    return Flow.objects.create(flow_id=str(uuid.uuid4()), display_name=name or f"Flow {next(_numbers)}",
                               environment=_environment(environment),
                               creator=creator if creator is not None else make_maker(), modified_time=modified,
                               **fields)


def make_tag(name="review"):
    return Tag.objects.create(name=name, slug=name.lower().replace(" ", "-"))


def use_connector(item, connector_id, is_custom=False):
    connector, _ = Connector.objects.get_or_create(connector_id=connector_id,
                                                   defaults={"display_name": connector_id, "is_custom": is_custom})
    kind = "app" if isinstance(item, App) else "flow"
    return ConnectorUsage.objects.create(connector=connector, **{kind: item})


def known_usage(item, days=400, source="run history", **figures):
    """Record what a usage source answered for `item`: every use known for `days` days, read just now."""
    now = timezone.now()
    for name, value in {"usage_known_since": now - timedelta(days=days), "usage_checked_time": now,
                        "usage_source": source, **figures}.items():
        setattr(item, name, value)
    item.save()
    return item


def ago(days=0, hours=0):
    return timezone.now() - timedelta(days=days, hours=hours)
