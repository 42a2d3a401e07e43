"""Finding 2 of issue 21: "Sign in with Microsoft" sent the browser wherever `next` said."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from tests.comms.factories import comms_objects
from tests.support.identity import MAX

pytestmark = pytest.mark.django_db


def sign_in(client, server, next_url):
    start = client.get(reverse("entra-login"), {"login_hint": MAX.email, "next": next_url})
    answer = requests.get(start["Location"], allow_redirects=False, verify=str(server.ca_path), timeout=10)
    callback = urlsplit(answer.headers["Location"])
    return client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example/",
                                    "javascript:alert(1)", "http://testserver.evil.example/"])
def test_finding2_entra_sign_in_never_redirects_off_site(client, entra, target):
    _, server = entra
    response = sign_in(client, server, target)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_finding2_entra_sign_in_still_returns_to_a_portal_page(client, entra):
    _, server = entra
    response = sign_in(client, server, "/inventory/apps/?q=budget")
    assert response["Location"] == "/inventory/apps/?q=budget"


def test_finding2_answer_review_never_redirects_off_site(admin_client):
    recipient = comms_objects()["comms_recipient"]
    response = admin_client.post(reverse("comms:answer-reviewed", args=[recipient.pk]), {"next": "//evil.example/"})
    assert response["Location"] == reverse("comms:answer-queue")
