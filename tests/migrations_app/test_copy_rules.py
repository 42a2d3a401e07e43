"""Copy environment rules (seed 003), each with the message the admin reads."""

import pytest

from migrations_app.choices import CopyLevel
from migrations_app.services.plans.copy_environment import (
    POST_COPY_STEPS,
    check_confirmation,
    check_copy,
    post_copy_steps,
    truncated_tables,
)
from tests.migrations_app.plans import environment


def env(name, kind="Sandbox", region="europe", default=False, tenant=None):
    built = environment(name, kind, region, default, save=False)
    if tenant:
        built.tenant_id = tenant
    return built


CASES = [
    # (source, target, level, expected messages (empty: allowed))
    (env("Prod", "Production"), env("UAT"), CopyLevel.EVERYTHING, []),
    (env("Prod", "Production"), env("Preview", "Preview"), CopyLevel.CUSTOMIZATIONS, []),
    (env("Trial A", "Trial"), env("Trial B", "Trial"), CopyLevel.EVERYTHING, []),
    (env("UAT"), env("Prod", "Production"), CopyLevel.EVERYTHING,
     ["'Prod' is a production environment: production environments cannot be overwritten. Choose a sandbox or "
      "preview environment."]),
    (env("UAT"), env("Dev", "Developer"), CopyLevel.EVERYTHING,
     ["'Dev' is a Developer environment: the target must be a sandbox or preview environment."]),
    (env("UAT"), env("Team", "Teams"), CopyLevel.EVERYTHING,
     ["'Team' is a Teams environment: the target must be a sandbox or preview environment."]),
    (env("Contoso (default)", "Default", default=True), env("UAT"), CopyLevel.EVERYTHING,
     ["'Contoso (default)' is the default environment: you cannot copy from or to a default environment."]),
    (env("UAT"), env("Contoso (default)", "Default", default=True), CopyLevel.EVERYTHING,
     ["'Contoso (default)' is the default environment: you cannot copy from or to a default environment."]),
    (env("Trial A", "Trial"), env("UAT"), CopyLevel.EVERYTHING,
     ["'Trial A' is a Trial (subscription-based) environment: it can only be copied to another Trial "
      "(subscription-based) environment, and 'UAT' is a Sandbox environment."]),
    (env("UAT"), env("Trial B", "Trial"), CopyLevel.EVERYTHING,
     ["'Trial B' is a Trial environment: the target must be a sandbox or preview environment."]),
    (env("Prod", "Production", region="europe"), env("UAT US", region="unitedstates"), CopyLevel.EVERYTHING,
     ["'UAT US' is in region unitedstates and 'Prod' in europe: you can only copy to an environment in the same "
      "tenant and region."]),
    (env("Prod", "Production"), env("Fabrikam UAT", tenant="other-tenant"), CopyLevel.EVERYTHING,
     ["'Fabrikam UAT' is in another tenant: you can only copy to an environment in the same tenant and region."]),
    (env("Prod", "Production"), env("UAT"), "partial", ["Choose Everything or Customizations and schemas only."]),
]


@pytest.mark.parametrize(("source", "target", "level", "expected"), CASES,
                         ids=[f"{c[0]}->{c[1]}:{c[2]}" for c in CASES])
def test_copy_rules(source, target, level, expected):
    assert [r.message for r in check_copy(source, target, level)] == expected


def test_it_refuses_copying_an_environment_over_itself(db):
    uat = environment("UAT")
    assert [r.message for r in check_copy(uat, uat)] == [
        "Choose a target other than the source: an environment cannot be copied over itself."]


@pytest.mark.parametrize(("typed", "accepted"), [("UAT Sales", True), (" UAT Sales ", True), ("uat sales", False),
                                                  ("", False), ("UAT", False)])
def test_the_typed_confirmation_must_be_the_target_name(typed, accepted):
    messages = [r.message for r in check_confirmation(env("UAT Sales"), typed)]
    assert messages == ([] if accepted else [
        "Type the target environment's name, UAT Sales, exactly to confirm: it will be deleted and replaced, and "
        "its data cannot be recovered."])


def test_the_truncated_tables_are_the_articles_list():
    tables = truncated_tables()
    assert len(tables) == 204 == len(set(tables))
    for name in ("Account", "Contact", "Email", "Territory", "GlobalSearchConfiguration", "SharePointSite",
                 "PrincipalObjectAccess", "BookableResourceBookingExchangeSyncIdMapping"):
        assert name in tables


def test_the_post_copy_checklist_covers_the_review():
    class Plan:
        level = CopyLevel.EVERYTHING

    keys = [step.key for step in post_copy_steps(Plan)]
    assert keys == ["administration_mode", "background_operations", "email_sync", "sharepoint", "yammer",
                    "plugins", "client_scripts", "dataverse_search", "flows", "connection_references",
                    "custom_connectors"]
    assert len(POST_COPY_STEPS) == 11
    Plan.level = CopyLevel.CUSTOMIZATIONS
    assert post_copy_steps(Plan)[-1].key == "truncated_data"
