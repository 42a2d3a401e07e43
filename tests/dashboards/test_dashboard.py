"""Snapshots per department and the dashboard built from them, as admin and as manager."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coe_portal.dashboards.models import Snapshot
from coe_portal.dashboards.snapshots import take_snapshot
from inventory.models import App, Environment, Flow, Maker, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(manager):
    default = Environment.objects.create(env_id="Default-1", display_name="Default", is_default=True,
                                         capacity_database_mb=900, capacity_file_mb=300, capacity_log_mb=50,
                                         capacity_database_rated_mb=1024, capacity_file_rated_mb=300,
                                         capacity_log_rated_mb=50, capacity_limit_mb=2000)
    other = Environment.objects.create(env_id="env-hr", display_name="HR", environment_type="Production")
    finance = Maker.objects.create(email=manager.email, display_name="Mia", department="Finance")
    sales = Maker.objects.create(email="sam@contoso.example", display_name="Sam", department="Sales")
    tag = Tag.objects.create(name="Migrate", slug="migrate")
    for n in range(3):
        App.objects.create(app_id=f"fin-{n}", environment=default, display_name=f"Fin {n}", owner=finance)
    App.objects.filter(app_id="fin-0").update(quarantine_status="quarantined")
    App.objects.get(app_id="fin-1").tags.add(tag)
    App.objects.filter(app_id="fin-2").update(deleted_at=timezone.now())
    Flow.objects.create(flow_id="s-1", environment=default, display_name="Sales flow", creator=sales)
    Flow.objects.create(flow_id="s-2", environment=other, display_name="Moved flow", creator=sales)
    return default


def figures(department):
    return Snapshot.objects.get(day=timezone.localdate(), department=department).figures


class TestSnapshots:
    def test_it_counts_default_environment_items_per_department(self, tenant):
        take_snapshot()
        # No target: HR, the only other environment, has no Dataverse, so no request could offer it.
        assert figures("Finance") == {"inventoried": 3, "tagged": 1, "quarantined": 1, "deleted": 1,
                                      "remaining": 2, "no_target": 2}
        assert figures("Sales")["inventoried"] == 1  # the flow in the HR environment is not counted
        # What counts against the limit: rated consumption (1,024 MB for a 900 MB database).
        assert figures(None)["capacity_database_mb"] == 1024 and figures(None)["items_elsewhere"] == 1

    def test_retaking_a_day_rewrites_it(self, tenant):
        take_snapshot()
        App.objects.filter(app_id="fin-1").update(deleted_at=timezone.now())
        take_snapshot()
        assert Snapshot.objects.filter(day=timezone.localdate()).count() == 3
        assert figures("Finance")["remaining"] == 1


class TestDashboard:
    def test_an_admin_sees_every_department(self, client, coe_admin, tenant):
        take_snapshot()
        client.force_login(coe_admin)
        page = client.get("/progress/").text
        assert "Sales" in page and "Finance" in page and "Migration funnel" in page

    def test_a_manager_sees_only_their_department(self, client, manager, tenant):
        take_snapshot()
        client.force_login(manager)
        rows = client.get("/progress/?export=departments").getvalue().decode().splitlines()
        assert rows[0].startswith("Department,") and len(rows) == 2 and rows[1].startswith("Finance,")
        assert client.get("/progress/?department=Sales&export=funnel").getvalue().decode() == \
            client.get("/progress/?export=funnel").getvalue().decode()  # Sales is not theirs: ignored

    def test_the_department_filter_and_csv_change_with_the_choice(self, client, coe_admin, tenant):
        take_snapshot()
        client.force_login(coe_admin)
        everyone = client.get("/progress/?export=funnel").getvalue().decode()
        sales = client.get("/progress/?department=Sales&export=funnel").getvalue().decode()
        assert "Inventoried,4" in everyone and "Inventoried,1" in sales

    def test_the_period_limits_the_burndown(self, client, coe_admin, tenant):
        take_snapshot(timezone.localdate() - timedelta(days=60))
        take_snapshot()
        client.force_login(coe_admin)
        assert len(client.get("/progress/?period=30&export=burndown").getvalue().decode().splitlines()) == 2
        assert len(client.get("/progress/?period=90&export=burndown").getvalue().decode().splitlines()) == 3

    def test_it_shows_an_empty_state_before_the_first_snapshot(self, client, coe_admin):
        client.force_login(coe_admin)
        assert "No figures yet" in client.get("/progress/").text

    def test_a_manager_without_a_department_is_told_so(self, client, manager):
        client.force_login(manager)
        assert "No department is assigned to you" in client.get("/progress/").text

    def test_an_unknown_chart_export_is_not_found(self, client, coe_admin, tenant):
        client.force_login(coe_admin)
        assert client.get("/progress/?export=nope").status_code == 404

    def test_queries_do_not_grow_with_history(self, client, coe_admin, tenant, django_assert_max_num_queries):
        for days in range(30):
            take_snapshot(timezone.localdate() - timedelta(days=days))
        client.force_login(coe_admin)
        # 12, 3 for the live usage figures (the inactive period and one count per model), 1 for the points of
        # the last days, and the blockers: 4 counted now, 1 read from the latest snapshot (no target)
        with django_assert_max_num_queries(21):
            assert client.get("/progress/").status_code == 200

    def test_charts_are_kept_until_the_next_snapshot(self, client, coe_admin, tenant,
                                                   django_assert_max_num_queries):
        take_snapshot()
        client.force_login(coe_admin)
        def funnel_csv():
            response = client.get("/progress/?export=funnel")
            return b"".join(response.streaming_content).decode().replace("\r", "")

        first = funnel_csv()
        assert client.get("/progress/").status_code == 200
        # session, user, roles, stamp: no figure is read again; the blockers are counted now (4, and 1 from the
        # latest snapshot)
        with django_assert_max_num_queries(9):
            assert client.get("/progress/").status_code == 200
        assert "Inventoried,4" in first
        App.objects.create(app_id="fin-9", environment=tenant, display_name="New", owner=Maker.objects.first())
        page = client.get("/progress/").text
        assert funnel_csv() == first and "Inventoried" in page  # no new snapshot yet
        take_snapshot()
        assert "Inventoried,5" in funnel_csv()
        assert client.get("/progress/").text != page  # the new snapshot shows at once


class TestDlpExposure:
    def test_it_counts_items_the_live_policies_break_per_department(self, tenant):
        from dlp.choices import Change, ItemStatus
        from dlp.models import ImpactItem, ImpactRun

        run = ImpactRun.objects.create(status=ImpactRun.Status.DONE, finished=timezone.now())
        finance_app = App.objects.get(app_id="fin-0")
        for current in (ItemStatus.BROKEN, ItemStatus.EXEMPT):
            ImpactItem.objects.create(run=run, app=finance_app, environment=tenant, maker=finance_app.owner,
                                      current=current, proposed=current, change=Change.UNCHANGED)
        take_snapshot()
        assert figures("Finance")["dlp_exposed"] == 1
        assert "dlp_exposed" not in figures("Sales")


class TestCommsFigures:
    def test_it_counts_items_whose_owner_was_told_and_answered(self, tenant):
        from comms.models import Campaign, Delivery, EmailTemplate, Recipient, RecipientItem

        template = EmailTemplate.objects.create(name="T", stage="identified", subject="s", body_text="t",
                                                body_html="t")
        campaign = Campaign.objects.create(name="C", template=template, source_kind="selection")
        owner = Maker.objects.get(department="Finance")
        recipient = Recipient.objects.create(campaign=campaign, maker=owner, email=owner.email)
        answered, silent, unsent = App.objects.filter(owner=owner).order_by("app_id")
        RecipientItem.objects.create(recipient=recipient, app=answered, answer="keep", answered_at=timezone.now())
        RecipientItem.objects.create(recipient=recipient, app=silent)
        Delivery.objects.create(campaign=campaign, recipient=recipient, to=owner.email, subject="s", body_text="t",
                                body_html="t", status="sent")
        other = Recipient.objects.create(campaign=Campaign.objects.create(name="D", template=template,
                                                                          source_kind="selection"),
                                         maker=owner, email=owner.email)
        RecipientItem.objects.create(recipient=other, app=unsent)  # queued, never sent
        take_snapshot()
        assert figures("Finance")["notified"] == 2 and figures("Finance")["answered"] == 1


class TestDepartmentChoices:
    def test_each_department_is_offered_once_however_long_the_history(self, client, coe_admin, tenant):
        for days in range(3):
            take_snapshot(timezone.localdate() - timedelta(days=days))
        client.force_login(coe_admin)
        page = client.get("/progress/").text
        assert page.count('<option value="Finance"') == 1


class TestDepartmentBars:
    def test_the_bars_show_items_left_whatever_figures_follow_it(self, client, coe_admin, tenant):
        take_snapshot()
        from coe_portal.dashboards.figures import Dashboard

        chart = next(chart for chart in Dashboard().charts() if chart["key"] == "departments")
        assert {bar["label"]: bar["value"] for bar in chart["drawing"].bars} == {"Finance": 2, "Sales": 1}
