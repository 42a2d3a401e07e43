"""Finding 3 of issue 21: a manager read any department's answers on an item's answer page by walking
ids (/comms/items/app/<id>/), while the API limited the same data to their departments."""

import pytest
from django.urls import reverse

from coe_portal.core.models import UserProfile
from comms.models import Campaign, EmailTemplate, Recipient, RecipientItem
from tests.comms.factories import make_app, make_maker

pytestmark = pytest.mark.django_db


def answered_app(department, justification):
    app = make_app(owner=make_maker(department=department))
    template = EmailTemplate.objects.create(name=f"T {department}", stage="identified", subject="Hi",
                                            body_text="x", body_html="<p>x</p>")
    campaign = Campaign.objects.create(name=f"C {department}", template=template, source_kind="selection",
                                       selection={"app": [app.pk]})
    recipient = Recipient.objects.create(campaign=campaign, maker=app.owner, email=app.owner.email, answer="keep")
    RecipientItem.objects.create(recipient=recipient, app=app, answer="keep", justification=justification)
    return app


def test_finding3_manager_reads_only_their_departments_answers_on_the_item_page(client, manager):
    UserProfile.objects.update_or_create(user=manager, defaults={"managed_departments": ["Sales"]})
    theirs, other = answered_app("Sales", "Sales keeps it"), answered_app("HR", "Salary data, keep secret")
    client.force_login(manager)
    page = client.get(reverse("comms:item-messages", args=["app", theirs.pk]))
    assert page.status_code == 200 and "Sales keeps it" in page.content.decode()
    page = client.get(reverse("comms:item-messages", args=["app", other.pk]))
    assert page.status_code == 200 and "Salary data" not in page.content.decode()
    assert other.owner.email not in page.content.decode()
    api = client.get("/api/comms/answers/").json()["results"]
    assert [row["justification"] for row in api] == ["Sales keeps it"]  # the same rule as the API


def test_finding3_maker_gets_404_for_another_makers_item(client, maker):
    other = answered_app("HR", "Not yours")
    client.force_login(maker)
    assert client.get(reverse("comms:item-messages", args=["app", other.pk])).status_code == 404
