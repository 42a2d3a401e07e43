"""Home pages by role (issue 20): each figure is a link to the filtered list that shows exactly those rows."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import App, Flow
from tests.inventory.factories import make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db


def figures(html):
    """{label: (number, url)} of the page's figure tables."""
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num"><a href="([^"]+)">(\d+)</a>', html)
    return {label: (int(number), url.replace("&amp;", "&")) for label, url, number in rows}


def listed(client, url):
    """How many rows the list at `url` says it holds."""
    page = client.get(url)
    assert page.status_code == 200, url
    return page.context["table"].paginator.count


def test_the_admin_home_counts_what_needs_doing_and_each_figure_opens_its_rows(admin_client):
    default, other = make_environment(), make_environment(default=False)
    now = timezone.now()
    for _ in range(3):
        make_app(environment=default)
    make_app(environment=other)
    make_flow(environment=default, recommendation="quarantine")
    unused = make_flow(environment=default, days_old=400)
    Flow.objects.filter(pk=unused.pk).update(usage_known_since=now - timedelta(days=400), usage_checked_time=now)
    App.objects.filter(environment=default).update(recommendation="delete")
    page = admin_client.get(reverse("home"))
    shown = figures(page.content.decode())
    assert shown["Apps in the default environment"][0] == 3
    assert shown["Apps recommended for deletion"][0] == 3
    assert shown["Flows recommended for quarantine"][0] == 1
    assert shown["Flows unused for 180 days"][0] == 1
    assert shown["Answers to review"][0] == 0
    for label, (number, url) in shown.items():
        if url.startswith(("/inventory/apps/", "/inventory/flows/")):
            assert listed(admin_client, url) == number, label


def test_makers_and_managers_do_not_get_the_admin_figures(client, maker, manager):
    for user in (maker, manager):
        client.force_login(user)
        assert "Needs attention" not in client.get(reverse("home")).content.decode()


def test_a_maker_home_says_what_the_coe_asks_with_grace_dates_and_reasons(client, maker):
    from inventory.models import CleanupCase
    from tests.inventory.factories import make_maker

    me, someone = make_maker(email=maker.email), make_maker()
    held = make_app("Expense tracker", owner=me)
    CleanupCase.objects.create(app=held, stage="waiting", grace_until=timezone.now() + timedelta(days=5))
    make_flow("Invoice mover", creator=me, recommendation="migrate", recommendation_reasons="excel_data")
    make_app("Not mine", owner=someone, recommendation="delete")
    client.force_login(maker)
    html = client.get(reverse("home")).content.decode()
    assert "What the CoE asks of you" in html and "Expense tracker" in html
    assert (timezone.now() + timedelta(days=5)).strftime("%-d %b %Y") in html
    assert "Invoice mover" in html and "Uses Excel workbook data" in html
    assert "Not mine" not in html


def test_a_manager_home_shows_progress_in_percent_with_the_time_it_was_taken(client, manager):
    from coe_portal.core.models import UserProfile
    from coe_portal.dashboards.snapshots import take_snapshot

    UserProfile.objects.update_or_create(user=manager, defaults={"managed_departments": ["Finance"]})
    for _ in range(4):
        make_app(environment=make_environment())  # owners in Finance (the factory's default)
    take_snapshot()
    client.force_login(manager)
    html = client.get(reverse("home")).content.decode()
    assert "Progress: Finance" in html and "Figures taken" in html
    assert '<th scope="row">Inventoried</th><td class="num">4 <span class="muted">(100 %)</span>' in html
