from django.urls import reverse

from coe_portal.core.choices import Role
from coe_portal.core.models import AuditEntry
from coe_portal.core.permissions import has_role, set_roles, user_roles


class TestRoles:
    def test_it_sets_roles_exactly(self, maker):
        added, removed = set_roles(maker, [Role.MANAGER])
        assert (added, removed) == (["manager"], ["maker"])
        assert user_roles(maker) == {"manager"}

    def test_superuser_holds_coe_admin(self, django_user_model):
        root = django_user_model.objects.create_superuser("root", "root@x.example", "pw")
        assert has_role(root, Role.COE_ADMIN)
        assert not has_role(root, Role.MAKER)

    def test_admin_changes_roles_and_it_is_audited(self, client, coe_admin, maker):
        client.force_login(coe_admin)
        response = client.post(reverse("user-roles", args=[maker.pk]), {"roles": ["maker", "manager"]},
                               REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 200
        assert b"Saved" in response.content
        maker.refresh_from_db()
        assert user_roles(maker) == {"maker", "manager"}
        entry = AuditEntry.objects.get(action="user.roles")
        assert (entry.actor, entry.object_id, entry.ip_address) == (coe_admin, str(maker.pk), "10.1.2.3")
        assert entry.details == {"added": ["manager"], "removed": []}

    def test_admin_cannot_remove_own_admin_role(self, client, coe_admin):
        client.force_login(coe_admin)
        response = client.post(reverse("user-roles", args=[coe_admin.pk]), {"roles": ["maker"]})
        assert response.status_code == 400
        assert has_role(coe_admin, Role.COE_ADMIN)

    def test_unknown_role_is_rejected(self, client, coe_admin, maker):
        client.force_login(coe_admin)
        response = client.post(reverse("user-roles", args=[maker.pk]), {"roles": ["superhero"]})
        assert response.status_code == 400
        assert user_roles(maker) == {"maker"}

    def test_403_page_names_the_role_needed(self, client, maker):
        client.force_login(maker)
        response = client.get(reverse("audit-list"))
        assert response.status_code == 403
        assert "This page needs the role <strong>CoE admin</strong>" in response.content.decode()
        assert "with the role Maker" in response.content.decode()
