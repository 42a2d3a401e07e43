"""Portal configuration move (seed 004): template, language, version, and the CLI script."""

import pytest

from migrations_app.choices import PortalTemplate
from migrations_app.models import PortalMovePlan
from migrations_app.services.plans.portal_move import (
    check_portal_move,
    cli_script,
    parse_version,
    portal_steps,
    schema_files,
)
from tests.migrations_app.plans import environment, populate

P, C = PortalTemplate.PARTNER, PortalTemplate.COMMUNITY
CASES = [
    ({}, []),
    ({"source_version": "8.4.0.275", "target_version": "8.4.0.275"}, []),
    ({"source_version": "8.10.0.1"}, []),
    ({"target_template": C},
     ["Provision the target portal with the same template as the source: the source is Partner portal, the target "
      "Community portal."]),
    ({"target_language": 1036},
     ["Source and target must have the same default language: the source has 1033, the target 1036."]),
    ({"source_version": "8.4.0.274"},
     ["The source portal solution version 8.4.0.274 is older than 8.4.0.275, the minimum the migration supports: "
      "update the portal solution first."]),
    ({"target_version": "8.3.9999.9999"},
     ["The target portal solution version 8.3.9999.9999 is older than 8.4.0.275, the minimum the migration "
      "supports: update the portal solution first."]),
    ({"target_version": "8.4"},
     ["The target portal solution version 8.4 is older than 8.4.0.275, the minimum the migration supports: update "
      "the portal solution first."]),
    ({"source_version": "9.x"}, ["The source portal solution version '9.x' is not a version number like 9.3.2201.6."]),
    ({"same_environment": True}, ["Choose a target environment other than the portal's own (Prod Sales)."]),
    ({"no_dataverse": True},
     ["'Bare' has no Dataverse URL in the inventory: portals need Dataverse, and the CLI profile needs its URL."]),
]


@pytest.mark.parametrize(("changes", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_portal_rules(db, changes, expected):
    source = environment("Prod Sales", "Production")
    site = populate(source)
    target = source if changes.pop("same_environment", False) else environment("UAT Sales")
    if changes.pop("no_dataverse", False):
        target = environment("Bare", dataverse=False)
    fields = {"source_template": P, "target_template": P, "source_language": 1033, "target_language": 1033,
              "source_version": "9.3.2201.6", "target_version": "9.2.2103.4", **changes}
    plan = PortalMovePlan(title="t", source_site=site, target_environment=target, **fields)
    assert [r.message for r in check_portal_move(plan)] == expected


@pytest.mark.parametrize(("text", "parsed"), [("8.4.0.275", (8, 4, 0, 275)), ("9.3", (9, 3, 0, 0)),
                                               ("10.0.0.0", (10, 0, 0, 0)), ("8.4.0.275.1", None), ("", None),
                                               ("v9.1", None)])
def test_versions_compare_as_numbers(text, parsed):
    assert parse_version(text) == parsed
    assert parse_version("8.10.0.0") > parse_version("8.4.0.275")  # not string order


def test_the_script_has_the_cli_steps_and_the_cross_tenant_variant(db):
    source = environment("Prod Sales", "Production")
    site = populate(source)
    plan = PortalMovePlan(title="t", source_site=site, target_environment=environment("UAT Sales"), source_template=P,
                          target_template=P, source_version="9.3.1.1", target_version="9.3.1.1")
    lines = cli_script(plan).splitlines()
    assert lines[2] == "pac auth create --name PORTALSOURCE --url https://prodsales.crm4.dynamics.com"
    assert lines[3] == "pac auth create --name PORTALTARGET --url https://uatsales.crm4.dynamics.com"
    assert "pac paportal list" in lines
    assert ('pac paportal download --path "C:\\paportals" --webSiteId db9db518-ea5c-ec11-8f8f-00224804e6cd '
            "--overwrite true") in lines
    assert lines[-1] == 'pac paportal upload --path "C:\\paportals\\partner-site"'
    keys = [step.key for step in portal_steps(plan)]
    assert keys == ["provision_target", "delete_website", "delete_portal_app", "transfer", "provision_existing",
                    "verify"]
    plan.cross_tenant = True
    assert [step.key for step in portal_steps(plan)][0] == "reset_source"


@pytest.mark.parametrize(("template", "version", "first"), [
    (PortalTemplate.BLANK, "9.3.2205.1", "https://go.microsoft.com/fwlink/?linkid=2186536"),
    (PortalTemplate.BLANK, "9.2.2103.4", "https://go.microsoft.com/fwlink/p/?linkid=2162831"),
    (PortalTemplate.BLANK, "8.4.0.275", "https://go.microsoft.com/fwlink/p/?linkid=2110477"),
    (PortalTemplate.COMMUNITY, "9.3.2205.1", "https://go.microsoft.com/fwlink/p/?linkid=2019704"),
])
def test_the_schema_file_follows_template_and_version(template, version, first):
    assert schema_files(template, version)[0][1] == first
