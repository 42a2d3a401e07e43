"""usermapping.csv: generated from the inventory, uploaded back, and bad files refused by line and reason."""

import pytest
from django.urls import reverse

from migrations_app.services.plans import usermapping
from tests.migrations_app.plans import make_plans

GOOD_USERS = ["ann@contoso.com", "bo@contoso.com"]
HEAD = "Source,Destination\r\n"


@pytest.fixture
def plan(coe_admin):
    return make_plans(coe_admin)[1]


def test_it_generates_the_file_from_the_environments_makers_with_domain_rules(plan):
    text = usermapping.generate(plan.environment, usermapping.parse_rules(plan.domain_rules))
    assert text == "Source,Destination\r\nann@contoso.com,ann@fabrikam.com\r\nbo@contoso.com,bo@fabrikam.com\r\n"
    assert usermapping.generate(plan.environment, []).count("contoso.com") == 4  # no rule: address kept


def test_round_trip_generate_download_upload_validate(client, coe_admin, plan):
    client.force_login(coe_admin)
    download = client.get(reverse("migrations_app:usermapping-download", args=[plan.pk]) + "?generated=1")
    assert download["Content-Disposition"] == 'attachment; filename="usermapping.csv"'
    body = download.content
    upload = _upload(client, plan, body)
    assert upload.status_code == 302
    plan.refresh_from_db()
    assert plan.usermapping == body.decode()
    assert plan.checklist.get(key="usermapping").status == "done"
    again = client.get(reverse("migrations_app:usermapping-download", args=[plan.pk]))
    assert again.content == body


BAD_FILES = [
    ("users.csv", "Source,Destination\r\nann@contoso.com,ann@fabrikam.com\r\n",
     ["The file must be named usermapping.csv exactly (the name is case-sensitive), not users.csv."]),
    ("UserMapping.csv", "Source,Destination\r\n",
     ["The file must be named usermapping.csv exactly (the name is case-sensitive), not UserMapping.csv."]),
    ("usermapping.csv", "From,To\r\nann@contoso.com,ann@fabrikam.com\r\n",
     ["Line 1: the header must be Source,Destination, not From,To."]),
    ("usermapping.csv", "", ["Line 1: the header must be Source,Destination, not an empty file."]),
    ("usermapping.csv", "Source,Destination\r\n", ["The file has no user rows under its header."]),
    ("usermapping.csv", "Source,Destination\r\nann@contoso.com,ann@fabrikam.com\r\nann@contoso.com,a2@fabrikam.com\r\n",
     ["Line 3, column Source: ann@contoso.com is already mapped on line 2."]),
    ("usermapping.csv", "Source,Destination\r\nann@contoso.com,x@fabrikam.com\r\nbo@contoso.com,x@fabrikam.com\r\n",
     ["Line 3, column Destination: x@fabrikam.com is already the destination on line 2."]),
    ("usermapping.csv", HEAD + "ann@contoso.com,ann@fabrikam.com\r\nzed@contoso.com,zed@fabrikam.com\r\n",
     ["Line 3, column Source: zed@contoso.com is not a user of this environment in the inventory."]),
    ("usermapping.csv", "Source,Destination\r\nann@contoso,ann@fabrikam.com\r\nbo@contoso.com,bo at fabrikam\r\n",
     ["Line 2, column Source: 'ann@contoso' is not a valid e-mail address.",
      "Line 3, column Destination: 'bo at fabrikam' is not a valid e-mail address."]),
    ("usermapping.csv", "Source,Destination\r\nann@contoso.com\r\nbo@contoso.com,bo@fabrikam.com,extra\r\n",
     ["Line 2: expected 2 columns (Source, Destination), found 1.",
      "Line 3: expected 2 columns (Source, Destination), found 3."]),
]


@pytest.mark.parametrize(("name", "text", "problems"), BAD_FILES, ids=[p[2][0][:40] for p in BAD_FILES])
def test_bad_files_are_refused_with_line_and_reason(name, text, problems):
    with pytest.raises(usermapping.MappingError) as caught:
        usermapping.validate(text.encode(), name, GOOD_USERS)
    assert caught.value.problems == problems


def test_a_bom_and_blank_lines_are_accepted():
    text = "\ufeffSource,Destination\n\nANN@contoso.com , ann@fabrikam.com\n\n"
    assert usermapping.validate(text.encode(), "usermapping.csv", GOOD_USERS) == (
        "Source,Destination\r\nann@contoso.com,ann@fabrikam.com\r\n")


def test_people_deleted_from_entra_are_left_out(plan):
    from inventory.models import Maker

    Maker.objects.filter(email="ann@contoso.com").update(is_deleted_in_entra=True)
    assert usermapping.environment_users(plan.environment) == ["bo@contoso.com"]


def test_an_upload_with_a_bad_line_saves_nothing_and_shows_the_line(client, coe_admin, plan):
    client.force_login(coe_admin)
    bad = b"Source,Destination\r\nann@contoso.com,ann@fabrikam.com\r\nzed@contoso.com,zed@fabrikam.com\r\n"
    response = _upload(client, plan, bad, follow=True)
    assert ("usermapping.csv was not accepted: Line 3, column Source: zed@contoso.com is not a user of this "
            "environment in the inventory.") in response.content.decode()
    plan.refresh_from_db()
    assert plan.usermapping == "" and plan.checklist.get(key="usermapping").status == "todo"
    from coe_portal.core.models import AuditEntry as Entry

    assert Entry.objects.filter(action="envops.usermapping.refused", object_id=str(plan.pk)).exists()


def _upload(client, plan, body, name="usermapping.csv", **kwargs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("migrations_app:usermapping-upload", args=[plan.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, body, content_type="text/csv")}, **kwargs)
