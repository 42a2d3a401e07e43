"""Create the demo users (one per role) and print their passwords.

Passwords are random, kept in var/demo-users.json (never in the repo) so a second run
prints the same ones.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from coe_portal.core.choices import Role
from coe_portal.core.permissions import set_roles

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
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords, indent=2))
        path.chmod(0o600)
        self.stdout.write("Demo users (username / password / role):")
        for username, *_, roles in DEMO_USERS:
            self.stdout.write(f"  {username:8} / {passwords[username]} / {', '.join(r.label for r in roles)}")
