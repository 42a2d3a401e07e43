"""Fill inventory's new migration_status / migration_target from the requests that exist."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

CLOSED = ("rejected", "cancelled")


def fill(apps, schema_editor):
    RequestItem = apps.get_model("migrations_app", "RequestItem")
    for model_name in ("app", "flow"):
        model = apps.get_model("inventory", model_name)
        latest = (RequestItem.objects.filter(**{model_name: OuterRef("pk")}).exclude(request__state__in=CLOSED)
                  .order_by("-request__created", "-request_id"))
        members = RequestItem.objects.filter(**{f"{model_name}__isnull": False}).values(model_name)
        model.objects.filter(pk__in=members).update(
            migration_status=Coalesce(Subquery(latest.values("request__state")[:1]), Value("")),
            migration_target=Subquery(latest.values("request__target_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("migrations_app", "0003_migflow"),
        ("inventory", "0005_mig8"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
