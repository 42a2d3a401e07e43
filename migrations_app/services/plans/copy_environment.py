"""Copy environment (seed 003): who may be copied over whom, and what to review afterwards."""

from functools import lru_cache
from pathlib import Path

from inventory.choices import EnvironmentType

from ...choices import CopyLevel
from .common import Rejection, Step, environment_tenant, type_label

__all__ = ["POST_COPY_STEPS", "TARGET_TYPES", "check_confirmation", "check_copy", "outside_solutions",
           "post_copy_steps", "truncated_tables"]

# A target can be a sandbox or preview environment, never production. "Preview" is not an
# inventory type yet; environments of that type would carry it.
TARGET_TYPES = (EnvironmentType.SANDBOX, "Preview")
TABLES_FILE = Path(__file__).resolve().parents[2] / "data" / "truncated_tables.txt"


def check_copy(source, target, level=CopyLevel.EVERYTHING):
    """Return the Rejections of copying `source` over `target` (empty: allowed)."""
    if source.pk is not None and source.pk == target.pk:
        return [Rejection("target", "Choose a target other than the source: an environment cannot be copied "
                                    "over itself.")]
    rejections = []
    for side, environment in (("source", source), ("target", target)):
        if environment.is_default or environment.environment_type == EnvironmentType.DEFAULT:
            rejections.append(Rejection(side, f"'{environment}' is the default environment: you cannot copy "
                                              "from or to a default environment."))
    rejections += _target_type(source, target)
    if environment_tenant(source) != environment_tenant(target):
        rejections.append(Rejection("target", f"'{target}' is in another tenant: you can only copy to an "
                                              "environment in the same tenant and region."))
    if (source.region or "").lower() != (target.region or "").lower():
        rejections.append(Rejection("target", f"'{target}' is in region {target.region or 'unknown'} and "
                                              f"'{source}' in {source.region or 'unknown'}: you can only copy to "
                                              "an environment in the same tenant and region."))
    if level not in CopyLevel.values:
        rejections.append(Rejection("level", "Choose Everything or Customizations and schemas only."))
    return rejections


def _target_type(source, target):
    if target.environment_type == EnvironmentType.PRODUCTION:
        return [Rejection("target", f"'{target}' is a production environment: production environments cannot "
                                    "be overwritten. Choose a sandbox or preview environment.")]
    if source.environment_type == EnvironmentType.TRIAL:
        if target.environment_type != EnvironmentType.TRIAL:
            return [Rejection("target", f"'{source}' is a Trial (subscription-based) environment: it can only be "
                                        f"copied to another Trial (subscription-based) environment, and "
                                        f"'{target}' is {type_label(target)}.")]
        return []
    if target.environment_type not in TARGET_TYPES and not target.is_default:
        return [Rejection("target", f"'{target}' is {type_label(target)}: the target must be a sandbox or "
                                    "preview environment.")]
    return []


def check_confirmation(target, typed):
    """The typed confirmation must be the target's name, since the copy overwrites it."""
    if (typed or "").strip() != target.display_name:
        return [Rejection("confirmation", f"Type the target environment's name, {target.display_name}, exactly "
                                          "to confirm: it will be deleted and replaced, and its data cannot "
                                          "be recovered.")]
    return []


def outside_solutions(source):
    """Counts of the source's apps, flows and custom connectors not in a solution: they may not be copied."""
    from inventory.models import App, Connector, Flow

    live = {"environment": source, "deleted_at__isnull": True}
    return {"apps": App.objects.filter(is_solution_aware=False, **live).count(),
            "flows": Flow.objects.filter(is_solution_aware=False, **live).count(),
            "custom connectors": Connector.objects.filter(is_custom=True, **live).count()}


@lru_cache(maxsize=1)
def truncated_tables():
    """The tables a customizations and schemas only copy truncates, as seed 003 lists them."""
    lines = TABLES_FILE.read_text().splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# key, label, detail, default owner
POST_COPY_STEPS = (
    ("administration_mode", "Administration mode",
     "The copy is in administration mode: only System Administrators and System Customizers can sign in. "
     "Turn it off when the review below is done.", "CoE admin"),
    ("background_operations", "Background operations",
     "Background operations (workflows, Exchange synchronisation) are disabled. Enable them after the review.",
     "CoE admin"),
    ("email_sync", "Email synchronisation set to None",
     "A mailbox cannot sync with two environments: set Incoming Email, Outgoing Email and Appointments, "
     "Contacts, Tasks to None on the copied mailboxes.", "Exchange admin"),
    ("sharepoint", "SharePoint",
     "Deactivate or redirect SharePoint sites (Settings > Documentation Management > SharePoint Sites).",
     "SharePoint admin"),
    ("yammer", "Yammer",
     "Disable Yammer or redirect it to a test network before turning background processes back on.", ""),
    ("plugins", "Server-side plug-ins and custom workflow activities",
     "Disable those that reach external services.", "Solution owner"),
    ("client_scripts", "Client scripts and IFRAMEs",
     "Review JavaScript and HTML web resources for writes to external services; check IFRAMEs do not target "
     "production.", "Solution owner"),
    ("dataverse_search", "Dataverse search",
     "Confirm search returns expected results; if not, turn it off for 12 hours and on again.", ""),
    ("flows", "Flows",
     "Review flows: adjust triggers and actions, enable and disable as needed.", "Solution owner"),
    ("connection_references", "Connection references",
     "Create new connections and set them on every connection reference.", "Solution owner"),
    ("custom_connectors", "Custom connectors",
     "Review custom connectors; delete and reinstall them if needed.", "Solution owner"),
)


def post_copy_steps(plan):
    """The review checklist for the copy's target environment."""
    steps = [Step(key, "After the copy", label, detail, owner) for key, label, detail, owner in POST_COPY_STEPS]
    if plan.level == CopyLevel.CUSTOMIZATIONS:
        detail = "A customizations-only copy truncates data: check users and security groups have access."
        steps.append(Step("truncated_data", "After the copy", "Truncated tables", detail, "CoE admin"))
    return steps
