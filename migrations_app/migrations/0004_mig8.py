"""A draft state for requests made from e-mail answers; fill inventory's new migration_status / migration_target."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

CLOSED = ("draft", "rejected", "cancelled")


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
        ("inventory", "0006_mig8"),
    ]

    operations = [
        migrations.AlterField(
            model_name='migrationrequest',
            name='state',
            field=models.CharField(choices=[('draft', 'Draft'), ('requested', 'Requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('cancelled', 'Cancelled'), ('scheduled', 'Scheduled'), ('running', 'Running'), ('needs_input', 'Needs input'), ('done', 'Migrated'), ('failed', 'Failed')], db_index=True, default='requested', max_length=20),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
