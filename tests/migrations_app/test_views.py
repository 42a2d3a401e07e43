"""The plan wizards and list as admins and managers use them."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from migrations_app.models import CopyEnvironmentPlan, Plan, PortalMovePlan, TenantMovePlan
from tests.migrations_app.plans import environment, make_plans, populate


@pytest.fixture
def plans(coe_admin):
    return make_plans(coe_admin)


def test_the_copy_wizard_shows_each_rule_a_request_breaks(client, coe_admin, db):
    prod, uat = environment("Prod", "Production"), environment("UAT US", region="unitedstates")
    client.force_login(coe_admin)
    response = client.post(reverse("migrations_app:plan-new", args=["copy"]),
                           {"title": "Oops", "source": uat.pk, "target": prod.pk, "level": "everything"})
    page = response.content.decode()
    assert response.status_code == 200 and not CopyEnvironmentPlan.objects.exists()
    assert "Target environment (overwritten): &#x27;Prod&#x27; is a production environment" in page
    assert "you can only copy to an environment in the same tenant and region." in page


def test_the_copy_wizard_saves_a_plan_with_its_checklist_and_truncated_tables(client, coe_admin, db):
    prod, uat = environment("Prod", "Production"), environment("UAT")
    client.force_login(coe_admin)
    response = client.post(reverse("migrations_app:plan-new", args=["copy"]),
                           {"title": "Dev copy", "source": prod.pk, "target": uat.pk, "level": "customizations"},
                           follow=True)
    plan = CopyEnvironmentPlan.objects.get()
    page = response.content.decode()
    assert plan.owner == coe_admin and plan.status == "ready" and plan.checklist.count() == 12
    assert "204 tables truncated by a customizations and schemas only copy" in page
    assert "Type the target environment&#x27;s name to confirm (UAT)" in page
    assert '<span data-outside="apps">0 apps</span>' in page
    assert AuditEntry.objects.filter(action="envops.plan.create", object_id=str(plan.pk)).exists()


def test_the_tenant_move_wizard_refuses_a_developer_environment(client, coe_admin, db):
    dev = environment("Dev", "Developer")
    client.force_login(coe_admin)
    response = client.post(reverse("migrations_app:plan-new", args=["tenant-move"]),
                           {"title": "Move", "environment": dev.pk, "destination_tenant": "fabrikam.com",
                            "source_cloud": "public", "destination_cloud": "public", "domain_rules": "contoso.com"})
    page = response.content.decode()
    assert "&#x27;Dev&#x27; is a Developer environment: only production and sandbox" in page
    assert "Domain rule line 1: write it as source.com=destination.com, not &#x27;contoso.com&#x27;." in page
    assert not TenantMovePlan.objects.exists()


def test_the_portal_wizard_refuses_an_old_portal_solution(client, coe_admin, db):
    site = populate(environment("Prod", "Production"))
    uat = environment("UAT")
    client.force_login(coe_admin)
    response = client.post(reverse("migrations_app:plan-new", args=["portal-move"]), {
        "title": "Portal", "source_site": site.pk, "target_environment": uat.pk, "source_template": "partner",
        "target_template": "partner", "source_language": 1033, "target_language": 1033,
        "source_version": "8.4.0.9", "target_version": "9.3.2201.6", "download_path": "C:\\p"})
    assert "The source portal solution version 8.4.0.9 is older than 8.4.0.275" in response.content.decode()
    assert not PortalMovePlan.objects.exists()


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_manager_reads_plans_without_controls(client, manager, plans, index):
    client.force_login(manager)
    page = client.get(reverse("migrations_app:plan-detail", args=[plans[index].pk])).content.decode()
    assert plans[index].title in page
    assert "<form" not in page.split("<main", 1)[1].replace('<form method="post" action="/logout/"', "")
    assert client.post(reverse("migrations_app:item-update",
                               args=[plans[index].pk, plans[index].checklist.first().pk])).status_code == 403


def test_the_admin_pages_show_readiness_and_the_script(client, coe_admin, plans):
    client.force_login(coe_admin)
    move = client.get(reverse("migrations_app:plan-detail", args=[plans[1].pk])).content.decode()
    assert 'data-count="flows">1<' in move and 'data-count="connections">2<' in move
    assert "2 users own items in this environment." in move
    portal = client.get(reverse("migrations_app:plan-detail", args=[plans[2].pk])).content.decode()
    assert "pac paportal download" in portal and "linkid=2019803" in portal
    script = client.get(reverse("migrations_app:portal-script", args=[plans[2].pk]))
    assert script.content.decode().startswith("# Move the configuration of portal 'Partner Site'")


def test_the_list_filters_sorts_and_exports(client, manager, plans):
    client.force_login(manager)
    url = reverse("migrations_app:plan-list")
    page = client.get(url, {"kind": "tenant_move"}).content.decode()
    assert "Move sales" in page and "Refresh UAT" not in page
    assert client.get(url, {"sort": "title"}).status_code == 200
    csv = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode()
    assert csv.splitlines()[0].startswith("Title,Kind,Status,Owner")
    assert "Refresh UAT,Copy environment,Ready,alice" in csv
    assert Plan.objects.count() == 3


def test_checklist_updates_complete_a_plan_and_are_audited(client, coe_admin, plans):
    client.force_login(coe_admin)
    portal = plans[2]
    for item in portal.checklist.all():
        client.post(reverse("migrations_app:item-update", args=[portal.pk, item.pk]),
                    {f"item{item.pk}-owner": "Ada", f"item{item.pk}-status": "done"})
    portal.refresh_from_db()
    assert portal.status == "completed" and portal.completed is not None
    assert AuditEntry.objects.filter(action="envops.checklist.update").count() == portal.checklist.count()


def test_the_home_dashboard_counts_plans_for_managers_not_makers(client, manager, maker, plans):
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert '<dd data-plan-count="Ready">3</dd>' in page and "Refresh UAT" in page
    client.force_login(maker)
    assert "Environment operation plans" not in client.get("/").content.decode()
