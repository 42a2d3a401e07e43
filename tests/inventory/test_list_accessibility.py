"""The apps and flows lists: every selection box has an accessible name; the bulk forms are labelled."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.inventory.factories import make_app, make_environment, make_flow

pytestmark = pytest.mark.django_db


class Inputs(HTMLParser):
    """Every <input> and <select> with its attributes, and the text of <label>s around them."""

    def __init__(self):
        super().__init__()
        self.inputs, self.labels, self.open_labels = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.open_labels += 1
        if tag in ("input", "select", "textarea", "button"):
            attrs.update(tag=tag, in_label=self.open_labels > 0)
            self.inputs.append(attrs)

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def parse(response):
    parser = Inputs()
    parser.feed(response.content.decode())
    return parser.inputs


@pytest.mark.parametrize("kind, make", [("app", make_app), ("flow", make_flow)])
def test_every_row_box_and_the_select_all_box_have_an_accessible_name(client, coe_admin, kind, make):
    environment = make_environment()
    names = ["Expenses <beta>", "Leave & travel", "Onboarding"]
    for name in names:
        make(name, environment=environment)
    client.force_login(coe_admin)
    inputs = parse(client.get(reverse(f"inventory:{kind}-list")))
    rows = [attrs for attrs in inputs if attrs.get("name") == "pk"]
    assert sorted(attrs["aria-label"] for attrs in rows) == sorted(f"Select {name}" for name in names)
    [select_all] = [attrs for attrs in inputs if "data-select-all" in attrs]
    assert select_all["aria-label"] == "Select every row on this page"
    # The bulk forms' fields are keyboard controls with a label (visible text or aria-label).
    for attrs in inputs:
        if attrs["tag"] == "button" or attrs.get("type") in ("hidden", "submit"):
            continue
        assert attrs["in_label"] or attrs.get("aria-label") or attrs.get("id"), attrs
        assert attrs.get("tabindex") != "-1", attrs


def test_the_htmx_table_swap_keeps_the_names(client, coe_admin):
    make_app("Payroll", environment=make_environment())
    client.force_login(coe_admin)
    inputs = parse(client.get(reverse("inventory:app-list"), HTTP_HX_REQUEST="true"))
    assert [attrs["aria-label"] for attrs in inputs if attrs.get("name") == "pk"] == ["Select Payroll"]
