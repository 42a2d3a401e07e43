"""Finding 5 of issue 21, outside the lists (test_hostile_filters.py walks those): server errors any
signed-in user could cause with a NUL in a search, a hostile usermapping.csv or a runaway template."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comms.rendering import TemplateRenderError, render
from dlp.models import Policy
from tests.comms.factories import make_app
from tests.migrations_app.plans import make_plans

pytestmark = pytest.mark.django_db


def test_finding5_nul_in_the_dlp_connector_search_is_a_400(admin_client):
    policy = Policy.objects.create(display_name="Draft", is_draft=True)
    response = admin_client.get(reverse("dlp:policy-connectors", args=[policy.pk]), {"q": "\x00"})
    assert response.status_code == 400
    assert admin_client.get(reverse("dlp:policy-connectors", args=[policy.pk]), {"q": "x" * 10_000}).status_code == 200


@pytest.mark.parametrize("body, line", [
    (b"Source,Destination\r\nann@contoso.com,ann@fabrikam.com\r\nb\x00b@contoso.com,bo@fabrikam.com\r\n", "Line 3"),
    (b"Source,Destination\r\n" + b"a" * 200_000 + b"@contoso.com,x@fabrikam.com\r\n", "Line 2"),
    (b"Source,Destination\r\n" + b"a" * 100_000 + b"@contoso.com,x@fabrikam.com\r\n", "Line 2"),
])
def test_finding5_usermapping_upload_refuses_nul_and_huge_fields_naming_the_line(client, coe_admin, body, line):
    plan = make_plans(coe_admin)[1]
    client.force_login(coe_admin)
    response = client.post(reverse("migrations_app:usermapping-upload", args=[plan.pk]),
                           {"file": SimpleUploadedFile("usermapping.csv", body, content_type="text/csv")})
    assert response.status_code == 400
    text = response.content.decode()
    assert line in text and len(text) < 50_000
    plan.refresh_from_db()
    assert plan.usermapping == ""


HOSTILE_TEMPLATES = [
    "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "{{ 'x' * 100000000 }}",
    "{% for i in 'x' * 900000 %}{{ 'y' * 900000 }}{% endfor %}",
    "{% for a in 'x' * 900000 %}{% for b in 'x' * 900000 %}{% endfor %}{% endfor %}",
    "{{ 'x'|center(100000000) }}",
    "{{ 9 ** 99999999 }}",
]


@pytest.mark.parametrize("source", HOSTILE_TEMPLATES)
def test_finding5_template_rendering_is_bounded_with_a_clear_error(source):
    started = time.monotonic()
    with pytest.raises(TemplateRenderError):
        render(source, {})
    assert time.monotonic() - started < 10


def test_finding5_template_preview_of_a_recursive_macro_is_an_error_not_a_500(admin_client):
    make_app()
    response = admin_client.post(reverse("comms:template-preview"), {
        "subject": "Hi", "body_text": HOSTILE_TEMPLATES[0], "body_html": HOSTILE_TEMPLATES[1]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "does not render" in page and "too deeply" in page and "longer than" in page


def test_finding5_a_nul_in_the_migration_request_api_target_is_a_400(client, maker):
    client.force_login(maker)
    body = {"items": [{"kind": "app", "id": make_app().pk}], "target": "\x00", "reason": "x"}
    answer = client.post("/api/migrations/requests/", body, content_type="application/json")
    assert answer.status_code == 400 and "target" in answer.json()
