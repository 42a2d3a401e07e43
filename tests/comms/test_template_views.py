"""Admins edit templates with a live preview against a real item; hostile edits are refused."""

import pytest
from django.urls import reverse

from coe_portal.core.models import AuditEntry
from comms.models import EmailTemplate
from tests.comms.factories import make_app, make_maker

pytestmark = pytest.mark.django_db


def form_data(template, **changes):
    return {"name": template.name, "stage": template.stage, "audience": template.audience,
            "subject": template.subject, "body_text": template.body_text, "body_html": template.body_html,
            **changes}


def test_preview_renders_against_the_chosen_real_item(client, coe_admin, default_templates):
    app = make_app(owner=make_maker(name="Ann Lee"), name="Expense tracker")
    make_app(name="Another app")
    template = default_templates.get(stage="identified", audience="app_owners")
    client.force_login(coe_admin)
    response = client.post(reverse("comms:template-preview"), {**form_data(template), "app": app.pk},
                           HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hello Ann Lee," in page and "Expense tracker" in page and "Another app" not in page
    assert "/comms/a/" in page  # signed answer links rendered in the preview


def test_preview_shows_the_error_of_a_hostile_template(client, coe_admin, default_templates):
    make_app()
    template = default_templates.first()
    client.force_login(coe_admin)
    response = client.post(reverse("comms:template-preview"),
                           form_data(template, body_text="Hi\n{{ maker.apps.all.delete() }}"))
    page = response.content.decode()
    assert "does not render" in page and "text, line 2" in page and "has no attribute" in page


def test_save_refuses_a_hostile_template_and_keeps_the_old_one(client, coe_admin, default_templates):
    make_app()
    template = default_templates.first()
    client.force_login(coe_admin)
    response = client.post(template.get_absolute_url(), form_data(template, body_html="{% include 'base.html' %}"))
    assert response.status_code == 200 and "HTML, line 1" in response.content.decode()
    template.refresh_from_db()
    assert "include" not in template.body_html
    assert not AuditEntry.objects.filter(action="comms.template.edit").exists()


def test_save_stores_the_edit_and_audits_it(client, coe_admin, default_templates):
    make_app()
    template = default_templates.first()
    client.force_login(coe_admin)
    response = client.post(template.get_absolute_url(), form_data(template, subject="New: {{ items|length }} items"))
    assert response.status_code == 302
    assert EmailTemplate.objects.get(pk=template.pk).subject == "New: {{ items|length }} items"
    assert AuditEntry.objects.get(action="comms.template.edit").object_id == str(template.pk)


def test_edit_page_lists_the_documented_variables_and_shows_a_preview(client, coe_admin, default_templates):
    make_app(name="Budget app")
    client.force_login(coe_admin)
    page = client.get(default_templates.first().get_absolute_url()).content.decode()
    assert "maker.name" in page and "links.keep" in page and "Budget app" in page
