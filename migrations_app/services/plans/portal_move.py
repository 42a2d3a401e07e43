"""Portal configuration move (seed 004): checks, target preparation, and the CLI script."""

import re

from ...choices import PortalTemplate
from .common import Rejection, Step

__all__ = ["MIN_VERSION", "SCHEMA_FILES", "check_portal_move", "cli_script", "parse_version", "portal_steps",
           "schema_files"]

MIN_VERSION = "8.4.0.275"  # the oldest portal solution the migration schema files support
VERSION = re.compile(r"^\d+(\.\d+){1,3}$")
# Configuration Migration Tool schema files per portal template (seed 004). The blank portal
# has one per solution version, for Dataverse-only environments and for those with customer
# engagement apps: (minimum version, Dataverse only, with customer engagement apps).
BLANK_SCHEMAS = (
    ("9.3.2201.0", "https://go.microsoft.com/fwlink/?linkid=2186536", "https://go.microsoft.com/fwlink/?linkid=2186261"),
    ("9.2.2103.0", "https://go.microsoft.com/fwlink/p/?linkid=2162831",
     "https://go.microsoft.com/fwlink/p/?linkid=2162733"),
    ("0.0", "https://go.microsoft.com/fwlink/p/?linkid=2110477", "https://go.microsoft.com/fwlink/p/?linkid=2019804"),
)
SCHEMA_FILES = {
    PortalTemplate.COMMUNITY: "https://go.microsoft.com/fwlink/p/?linkid=2019704",
    PortalTemplate.CUSTOMER_SELF_SERVICE: "https://go.microsoft.com/fwlink/p/?linkid=2019705",
    PortalTemplate.PARTNER: "https://go.microsoft.com/fwlink/p/?linkid=2019803",
    PortalTemplate.EMPLOYEE_SELF_SERVICE: "https://go.microsoft.com/fwlink/p/?linkid=2019802",
}


def schema_files(template, version):
    """[(which environments, URL)] of the Configuration Migration Tool schema for a portal."""
    if template != PortalTemplate.BLANK:
        return [("Environments with customer engagement apps", SCHEMA_FILES[template])]
    parsed = parse_version(version) or (0, 0, 0, 0)
    for minimum, dataverse, engagement in BLANK_SCHEMAS:
        if parsed >= parse_version(minimum):
            return [("Environments with Dataverse only", dataverse),
                    ("Environments with customer engagement apps", engagement)]
    return []


def parse_version(text):
    """'9.3.2201.6' -> (9, 3, 2201, 6), padded to four parts; None when it is not a version."""
    text = (text or "").strip()
    if not VERSION.match(text):
        return None
    parts = tuple(int(part) for part in text.split("."))
    return parts + (0,) * (4 - len(parts))


def check_portal_move(plan):
    """Return the Rejections of moving `plan.source_site`'s configuration to the target environment."""
    rejections = []
    source_env = plan.source_site.environment
    if source_env.pk == plan.target_environment.pk and not plan.cross_tenant:
        rejections.append(Rejection("target_environment", "Choose a target environment other than the portal's "
                                                          f"own ({source_env})."))
    if plan.source_template != plan.target_template:
        rejections.append(Rejection("target_template", "Provision the target portal with the same template as the "
                                    f"source: the source is {PortalTemplate(plan.source_template).label}, the "
                                    f"target {PortalTemplate(plan.target_template).label}."))
    if plan.source_language != plan.target_language:
        rejections.append(Rejection("target_language", "Source and target must have the same default language: "
                                    f"the source has {plan.source_language}, the target {plan.target_language}."))
    for field, side in (("source_version", "source"), ("target_version", "target")):
        rejections += _check_version(field, side, getattr(plan, field))
    for side, environment in (("source", source_env), ("target_environment", plan.target_environment)):
        if not environment.dataverse_url:
            rejections.append(Rejection(side, f"'{environment}' has no Dataverse URL in the inventory: portals "
                                              "need Dataverse, and the CLI profile needs its URL."))
    return rejections


def _check_version(field, side, text):
    version = parse_version(text)
    if version is None:
        return [Rejection(field, f"The {side} portal solution version '{text}' is not a version number like "
                                 "9.3.2201.6.")]
    if version < parse_version(MIN_VERSION):
        return [Rejection(field, f"The {side} portal solution version {text} is older than {MIN_VERSION}, the "
                                 "minimum the migration supports: update the portal solution first.")]
    return []


def portal_steps(plan):
    """Prepare the target, transfer, provision; the tenant-to-tenant variant starts with a reset."""
    prepare, transfer = "Prepare the target", "Transfer"
    steps = []
    if plan.cross_tenant:
        steps.append(Step("reset_source", "Tenant-to-tenant", "Reset the portal in the source tenant",
                          "Portals do not support tenant-to-tenant migration: download the configuration first "
                          "(script below), then reset the source portal.", "CoE admin"))
    template = PortalTemplate(plan.target_template).label
    steps += [
        Step("provision_target", prepare, f"Provision a new portal on the target with the {template} template",
             "Use the same template as the source; this installs the portal solutions.", "CoE admin"),
        Step("delete_website", prepare, "Delete the new website record (Portal Management app)",
             "Removes the default portal configuration data from the target.", "CoE admin"),
        Step("delete_portal_app", prepare, "Delete the portal app on the target (not the Portal Management app)",
             "Do not delete the Portal Management app.", "CoE admin"),
        Step("transfer", transfer, "Transfer the portal configuration (CLI script or Configuration Migration Tool)",
             "The CLI does not migrate tables or schema: import customizations as solutions first.", "CoE admin"),
        Step("provision_existing", transfer, "Provision the portal using the existing website record",
             "Choose 'Use data from existing website record'.", "CoE admin"),
        Step("verify", transfer, "Check the portal shows the source's configuration", "", "Portal owner"),
    ]
    return steps


def cli_script(plan):
    """The Power Platform CLI commands of the transfer, as a PowerShell script."""
    site, target = plan.source_site, plan.target_environment
    path = plan.download_path.rstrip("\\/")
    lines = [
        f"# Move the configuration of portal '{site}' to {target}",
        "# Authentication profiles for the source and target environments",
        f"pac auth create --name PORTALSOURCE --url {site.environment.dataverse_url}",
        f"pac auth create --name PORTALTARGET --url {target.dataverse_url}",
        "pac auth list",
        "# Select the source profile (its index from pac auth list)",
        "pac auth select --name PORTALSOURCE",
        "# The website id of the source portal",
        "pac paportal list",
        f'pac paportal download --path "{path}" --webSiteId {site.site_id} --overwrite true',
        "pac auth select --name PORTALTARGET",
        f'pac paportal upload --path "{path}\\{_folder(site)}"',
    ]
    return "\r\n".join(lines) + "\r\n"


def _folder(site):
    # pac paportal download writes into a folder named after the website, lower-case and hyphenated.
    return re.sub(r"[^a-z0-9]+", "-", str(site).lower()).strip("-") or "portal"
