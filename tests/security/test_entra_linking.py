"""Finding 9 of issue 21: Entra sign-in adopted an existing local account by the e-mail claim, which a
tenant's user can set (the "nOAuth" pattern); the stand-in directory held the local admin's address."""

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from coe_portal.core.models import AuditEntry, PendingEntraLink, UserProfile
from coe_portal.core.permissions import user_roles
from tests.core.test_entra_signin import sign_in_with_entra
from tests.support.identity import MAX

pytestmark = pytest.mark.django_db


def test_finding9_an_email_claim_matching_the_local_admin_does_not_sign_in_as_them(client, entra, coe_admin):
    coe_admin.email = MAX.email  # a tenant user claims the local admin's address
    coe_admin.save()
    _, server = entra
    response = sign_in_with_entra(client, server, MAX.email)
    assert response["Location"] == reverse("login")
    page = client.get(reverse("login")).content.decode()
    assert "A CoE admin must confirm" in page
    assert "_auth_user_id" not in client.session
    assert not UserProfile.objects.filter(user=coe_admin, entra_object_id__isnull=False).exists()
    link = PendingEntraLink.objects.get()
    assert link.user == coe_admin and str(link.entra_object_id) == MAX.oid
    assert AuditEntry.objects.filter(action="auth.entra_link.requested").count() == 1


def test_finding9_the_link_works_once_an_admin_confirms_it_and_is_audited(client, entra, coe_admin,
                                                                          django_user_model):
    local = django_user_model.objects.create_user("max", MAX.email, "pw")
    _, server = entra
    sign_in_with_entra(client, server, MAX.email)
    superuser = django_user_model.objects.create_superuser("root", "root@contoso.example", "pw")
    client.force_login(superuser)
    changelist = reverse("admin:core_pendingentralink_changelist")
    response = client.post(changelist, {"action": "confirm", admin.helpers.ACTION_CHECKBOX_NAME:
                                        [PendingEntraLink.objects.get().pk]})
    assert response.status_code == 302 and not PendingEntraLink.objects.exists()
    assert AuditEntry.objects.get(action="auth.entra_link.confirm").actor == superuser
    client.logout()
    response = sign_in_with_entra(client, server, MAX.email)
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == local
    assert user_roles(local) == {"maker"}


def test_finding9_accounts_are_found_by_tenant_and_object_id_only(client, entra, django_user_model):
    other_tenant = django_user_model.objects.create_user("elsewhere", "someone@fabrikam.example", "pw")
    UserProfile.objects.create(user=other_tenant, entra_object_id=uuid.UUID(MAX.oid),
                               entra_tenant_id=uuid.uuid4())  # the same object id in another tenant
    _, server = entra
    sign_in_with_entra(client, server, MAX.email)
    user = client.get(reverse("home")).context["user"]
    assert user != other_tenant


def test_finding9_an_email_claim_does_not_make_an_entra_user_another_makers_owner(client, entra):
    from inventory.models import App, Environment, Maker

    env = Environment.objects.create(env_id="Default-1", display_name="Default", is_default=True)
    victim = Maker.objects.create(entra_object_id=uuid.uuid4(), email=MAX.email.lower(), display_name="Victim")
    App.objects.create(app_id="victims-app", environment=env, display_name="Payroll", owner=victim)
    _, server = entra
    sign_in_with_entra(client, server, MAX.email)  # a new tenant user whose e-mail claim is the victim's address
    user = client.get(reverse("home")).context["user"]
    assert user.email.lower() == MAX.email.lower()
    assert not Maker.objects.for_user(user).exists()
    assert not App.objects.visible_to(user).exists()
    own = Maker.objects.create(entra_object_id=uuid.UUID(MAX.oid), email="max@elsewhere.example")
    imported = Maker.objects.create(email=MAX.email.upper(), display_name="Known by address only (CSV)")
    assert set(Maker.objects.for_user(user)) == {own, imported}
