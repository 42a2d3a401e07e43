"""Finding 7 of issue 21: usermapping.csv was written with a maker's e-mail as given
(`=hyperlink(...)@...`), and the other CSV exports did not guard against the full-width `＝`."""

import csv
import io

import pytest
from django.urls import reverse

from coe_portal.core.export import safe_cell
from tests.inventory.factories import make_app, make_environment, make_maker
from tests.migrations_app.plans import make_plans

pytestmark = pytest.mark.django_db

HOSTILE = ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "＝HYPERLINK(\"http://evil.example\")", "＋1",
           "－1", "＠SUM(A1)"]


@pytest.mark.parametrize("value", HOSTILE)
def test_finding7_the_one_guard_defuses_ascii_full_width_tab_and_cr(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell(-3) == "-3" and safe_cell("a=b") == "a=b"


def test_finding7_usermapping_csv_defuses_a_makers_formula_address(client, coe_admin):
    plan = make_plans(coe_admin)[1]
    make_app(environment=plan.environment, owner=make_maker(email='=hyperlink("http://evil.example")@contoso.com'))
    make_app(environment=plan.environment, owner=make_maker(email="＝cmd|x@contoso.com"))
    client.force_login(coe_admin)
    response = client.get(reverse("migrations_app:usermapping-download", args=[plan.pk]) + "?generated=1")
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert any("hyperlink" in cell for cell in cells) and any("cmd" in cell for cell in cells)
    assert not [cell for cell in cells if cell.startswith(("=", "＝", "+", "-", "@"))]


def test_finding7_list_exports_defuse_full_width_formulas(admin_client):
    make_app(name="＝HYPERLINK(\"http://evil.example\",\"Open\")", environment=make_environment())
    response = admin_client.get(reverse("inventory:app-list") + "?export=csv")
    body = b"".join(response.streaming_content).decode()
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'＝HYPERLINK(\"http://evil.example\",\"Open\")" in cells
