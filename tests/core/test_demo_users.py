"""The demo users command: the manager gets departments, so the demo dashboards have content."""

import pytest
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
