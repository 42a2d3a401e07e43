"""Each field of the request queue and the wave page has a label of its own (a person tells them apart)."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from migrations_app.models import Wave

pytestmark = pytest.mark.django_db


class LabelTexts(HTMLParser):
    """The text of each <label>, without the options of a select it wraps."""

    def __init__(self):
        super().__init__()
        self.labels, self._label, self._in_option = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "label":
            self._label = []
        self._in_option = self._in_option or tag == "option"

    def handle_endtag(self, tag):
        if tag == "option":
            self._in_option = False
        if tag == "label" and self._label is not None:
            self.labels.append(" ".join("".join(self._label).split()))
            self._label = None

    def handle_data(self, data):
        if self._label is not None and not self._in_option:
            self._label.append(data)


def labels(client, url):
    parser = LabelTexts()
    parser.feed(client.get(url).content.decode())
    return parser.labels


@pytest.mark.parametrize("page", ["migrations_app:request-queue", "migrations_app:wave-list"])
def test_no_two_fields_share_a_label(client, coe_admin, page):
    Wave.objects.create(name="December wave")
    client.force_login(coe_admin)
    found = labels(client, reverse(page))
    assert found and [label for label, count in Counter(found).items() if count > 1] == []


def test_the_queue_tells_the_wave_filter_from_the_wave_to_put_requests_in(client, coe_admin):
    client.force_login(coe_admin)
    found = labels(client, reverse("migrations_app:request-queue"))
    assert "Wave" in found and "Put them in wave" in found
