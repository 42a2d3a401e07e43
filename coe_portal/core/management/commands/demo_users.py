"""Create the demo users (one per role) and print their passwords.

Passwords are random, kept in var/demo-users.json (never in the repo) so a second run
prints the same ones.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Count, Q

from coe_portal.core.choices import Role
from coe_portal.core.models import UserProfile
from coe_portal.core.permissions import set_roles
from inventory.models import Maker

DEMO_USERS = [
    ("admin", "Ada", "Admin", "ada.admin@contoso.example", [Role.COE_ADMIN]),
    ("maker", "Max", "Maker", "max.maker@contoso.example", [Role.MAKER]),
    ("manager", "Mia", "Manager", "mia.manager@contoso.example", [Role.MANAGER]),
]


class Command(BaseCommand):
    help = "Create or refresh the demo users and print how to sign in."

    def handle(self, *args, **options):
        path = settings.VAR_DIR / "demo-users.json"
        passwords = json.loads(path.read_text()) if path.exists() else {}
        User = get_user_model()
        for username, first, last, email, roles in DEMO_USERS:
            passwords.setdefault(username, secrets.token_urlsafe(9))
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name, user.email = first, last, email
            user.set_password(passwords[username])
            user.save()
            set_roles(user, roles)
        self.link_demo_maker(User.objects.get(username="maker"))
        self.assign_demo_departments(User.objects.get(username="manager"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords, indent=2))
        path.chmod(0o600)
        self.stdout.write("Demo users (username / password / role):")
        for username, *_, roles in DEMO_USERS:
            self.stdout.write(f"  {username:8} / {passwords[username]} / {', '.join(r.label for r in roles)}")

    def assign_demo_departments(self, user):
        """Give the demo manager the three departments with most makers, so the dashboards have content."""
        largest = (Maker.objects.exclude(department="").values("department").annotate(n=Count("pk"))
                   .order_by("-n", "department").values_list("department", flat=True)[:3])
        UserProfile.objects.update_or_create(user=user, defaults={"managed_departments": list(largest)})
        if largest:
            self.stdout.write(f"The demo manager manages {', '.join(largest)}.")

    def link_demo_maker(self, user):
        """Make the demo maker the synced maker with the most items, so its pages have content.

        Only a person whose account is enabled: a disabled one could not sign in, and their own item
        pages would call them "disabled".
        """
        busiest = (Maker.objects.exclude(email="").exclude(is_disabled=True).filter(is_deleted_in_entra=False)
                   .annotate(items=Count("apps", filter=Q(apps__deleted_at__isnull=True), distinct=True)
                             + Count("flows", filter=Q(flows__deleted_at__isnull=True), distinct=True))
                   .order_by("-items", "pk").first())
        if busiest and busiest.items:
            user.email, user.first_name, user.last_name = busiest.email, *busiest.display_name.partition(" ")[::2]
            user.save()
            self.stdout.write(f"The demo maker signs in as {busiest.display_name} <{busiest.email}>, "
                              f"owner of {busiest.items} items.")
