"""The dashboard's usage figures: apps and flows unused for the inactive period, and usage unknown, each a link."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from coe_portal.dashboards.snapshots import take_snapshot
from inventory.models import TriageSettings
from tests.inventory.factories import ago, known_usage, make_app, make_flow, make_maker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_figures():
    caches["local"].clear()  # the figures are kept per snapshot stamp, and these tests take no snapshot


@pytest.fixture
def items():
    finance, sales = make_maker(department="Finance"), make_maker(department="Sales")
    known_usage(make_flow("Idle", creator=finance, created_time=ago(900)), last_run_time=ago(400))
    known_usage(make_flow("Idle too", creator=sales, created_time=ago(900)))
    known_usage(make_flow("Busy", creator=finance, created_time=ago(900)), last_run_time=ago(1))
    make_flow("Unread", creator=finance, created_time=ago(900))
    known_usage(make_app("Idle app", owner=finance, created_time=ago(900)), source="audit feed")
    make_app("Unread app", owner=sales, created_time=ago(900))
    make_app("New app", owner=sales, created_time=ago(3))
    return finance


class TestUsageFigures:
    def test_it_counts_unused_and_unknown_items_linking_to_the_filtered_lists(self, admin_client, items):
        html = admin_client.get(reverse("dashboards:dashboard")).content.decode()
        flows, apps = reverse("inventory:flow-list"), reverse("inventory:app-list")
        assert f'<a href="{flows}?unused_for=180">Flows unused for 180 days: <strong>2</strong></a>' in html
        assert f'<a href="{apps}?unused_for=180">Apps unused for 180 days: <strong>1</strong></a>' in html
        assert f'<a href="{flows}?usage_unknown=true">Flows: usage unknown: <strong>1</strong></a>' in html
        assert f'<a href="{apps}?usage_unknown=true">Apps: usage unknown: <strong>1</strong></a>' in html
        listed = admin_client.get(f"{flows}?unused_for=180").context["table"].page.object_list
        assert sorted(row.record.display_name for row in listed) == ["Idle", "Idle too"]

    def test_it_follows_the_inactive_period_and_the_department(self, admin_client, items):
        TriageSettings.objects.update_or_create(pk=1, defaults={"inactive_days": 500})
        take_snapshot()  # the department filter offers the departments with figures
        html = admin_client.get(reverse("dashboards:dashboard"), {"department": "Finance"}).content.decode()
        flows = reverse("inventory:flow-list")
        assert f'<a href="{flows}?unused_for=500&amp;department=Finance">Flows unused for 500 days: ' \
               "<strong>0</strong></a>" in html
        assert f'<a href="{flows}?usage_unknown=true&amp;department=Finance">Flows: usage unknown: ' \
               "<strong>1</strong></a>" in html
