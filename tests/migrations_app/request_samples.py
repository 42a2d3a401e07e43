"""A migration request (by someone other than the maker persona) with a job and a wave, for the permission matrix."""

from django.contrib.auth import get_user_model

from inventory.models import Environment
from migrations_app.models import MigrationJob, MigrationRequest, RequestItem, Wave

__all__ = ["migration_sample_kwargs"]


def migration_sample_kwargs(fixtures):
    """URL kwargs of the migration request pages; the objects are made once per test."""
    if "migration_request" not in fixtures:
        someone = get_user_model().objects.create_user("dora", "dora@contoso.example")
        target = Environment.objects.create(env_id="env-finance", display_name="Finance",
                                            dataverse_url="https://finance.crm4.dynamics.com")
        request = MigrationRequest.objects.create(requested_by=someone, target=target, reason="Team app")
        RequestItem.objects.create(request=request, flow=fixtures["flow"])
        MigrationJob.objects.create(request=request)
        fixtures["migration_request"] = request
        fixtures["migration_wave"] = Wave.objects.create(name="Wave 1")
    pk, wave = fixtures["migration_request"].pk, fixtures["migration_wave"].pk
    return {"migrations_app:request-detail": {"pk": pk}, "migrations_app:request-cancel": {"pk": pk},
            "migrations_app:request-send": {"pk": pk},
            "migrations_app:request-connections": {"pk": pk}, "migrations_app:request-retry": {"pk": pk},
            "migrations_app:wave-detail": {"pk": wave}, "migrations_app:wave-start": {"pk": wave},
            "migrations-api:request-detail": {"pk": pk}, "migrations-api:request-cancel": {"pk": pk},
            "migrations-api:wave-detail": {"pk": wave}}
