"""The demo users command: the manager gets departments, so the demo dashboards have content."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coe_portal.core.models import UserProfile
from inventory.models import Maker

pytestmark = pytest.mark.django_db


class TestDemoUsers:
    def test_the_demo_manager_manages_the_largest_departments(self, settings, tmp_path):
        settings.VAR_DIR = tmp_path
        for department, count in (("Finance", 3), ("Sales", 2), ("Legal", 1), ("HR", 4), ("", 9)):
            for n in range(count):
                Maker.objects.create(email=f"{department}{n}@contoso.example", department=department)
        call_command("demo_users", stdout=open(tmp_path / "out.txt", "w"))
        profile = UserProfile.objects.get(user__username="manager")
        assert profile.managed_departments == ["HR", "Finance", "Sales"]

    def test_the_demo_maker_is_the_busiest_maker_whose_account_is_enabled(self, settings, tmp_path):
        from tests.inventory.factories import make_app

        settings.VAR_DIR = tmp_path
        disabled = Maker.objects.create(email="omar@contoso.example", display_name="Omar Baker", is_disabled=True)
        enabled = Maker.objects.create(email="bianca@contoso.example", display_name="Bianca Wilson",
                                       is_disabled=False)
        for n in range(3):
            make_app(f"Omar's app {n}", owner=disabled)
        make_app("Bianca's app", owner=enabled)
        call_command("demo_users", stdout=open(tmp_path / "out.txt", "w"))
        maker = get_user_model().objects.get(username="maker")
        assert (maker.email, maker.first_name, maker.last_name) == ("bianca@contoso.example", "Bianca", "Wilson")
