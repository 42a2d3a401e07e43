"""Tenant-to-tenant move (seed 002): which environments may move, and what to do before and after."""

from django.db.models import Q

from inventory.choices import AppKind, EnvironmentType
from inventory.models import App, Bot, Connector, ConnectorUsage, Flow, PagesSite

from ...choices import Cloud
from .common import Rejection, Step, type_label

__all__ = ["ELIGIBLE_TYPES", "check_move", "components", "move_steps"]

ELIGIBLE_TYPES = (EnvironmentType.PRODUCTION, EnvironmentType.SANDBOX)
GOVERNMENT = (Cloud.GCC, Cloud.GCC_HIGH, Cloud.DOD)
PHASES = ("Before the move", "During the move", "After the move")


def check_move(environment, source_cloud=Cloud.PUBLIC, destination_cloud=Cloud.PUBLIC):
    """Return the Rejections of moving `environment` to another tenant (empty: eligible)."""
    rejections = []
    if environment.is_default or environment.environment_type == EnvironmentType.DEFAULT:
        rejections.append(Rejection("environment", f"'{environment}' is the default environment: default "
                                                   "environments cannot move to another tenant. Only production "
                                                   "and sandbox environments can."))
    elif environment.environment_type not in ELIGIBLE_TYPES:
        rejections.append(Rejection("environment", f"'{environment}' is {type_label(environment)}: only production "
                                                   "and sandbox environments can move to another tenant (not "
                                                   "default, developer, trial or Teams)."))
    if (source_cloud in GOVERNMENT) != (destination_cloud in GOVERNMENT):
        rejections.append(Rejection("destination_cloud", f"Moves from {Cloud(source_cloud).label} to "
                                                         f"{Cloud(destination_cloud).label} are not supported: no "
                                                         "GCC to public cloud or public cloud to GCC."))
    return rejections


def components(environment):
    """What the inventory holds in `environment` that needs work before or after the move."""
    apps = App.objects.filter(environment=environment, deleted_at__isnull=True)
    flows = Flow.objects.filter(environment=environment, deleted_at__isnull=True)
    usages = ConnectorUsage.objects.filter(Q(app__in=apps) | Q(flow__in=flows))
    return {
        "flows_outside_solutions": list(flows.filter(is_solution_aware=False).order_by("display_name")),
        "canvas_apps": list(apps.filter(kind__in=[AppKind.CANVAS, AppKind.COMPONENT_LIBRARY])
                            .order_by("display_name")),
        "bots": list(Bot.objects.filter(environment=environment, deleted_at__isnull=True).order_by("display_name")),
        "portals": list(PagesSite.objects.filter(environment=environment, deleted_at__isnull=True)
                        .order_by("display_name")),
        "custom_connectors": list(Connector.objects.filter(environment=environment, is_custom=True,
                                                           deleted_at__isnull=True)),
        "connections": sorted(set(usages.exclude(connection_id="").values_list("connection_id", flat=True))),
    }


def _names(items, limit=10):
    names = [str(item) for item in items[:limit]]
    more = len(items) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def move_steps(plan, found):
    """The checklist of a move, from the components `found` in the inventory."""
    before, after = "Before the move", "After the move"
    steps = [
        Step("target_users", before, "Create users in the destination tenant and assign licences",
             "Users must exist and be enabled in Microsoft 365 / Entra ID in the destination tenant.",
             "Identity admin"),
        Step("usermapping", before, "usermapping.csv generated, checked and uploaded",
             "One file per environment, named usermapping.csv exactly, with columns Source and Destination.",
             "CoE admin"),
    ]
    steps += _component_steps(found, before, after)
    steps += [
        Step("marketing_licences", before, "Dynamics 365 Marketing licences in the destination tenant",
             "If the Marketing app is deployed, licences must be present in the destination to reprovision it.",
             "Licensing admin"),
        Step("lockbox", "During the move", "Approve the Lockbox request",
             "If Lockbox is enabled in the source tenant, approve its request when the move starts.", "Global admin"),
        Step("mailboxes", after, "Reconfigure mailboxes",
             "Users without a mailbox in the destination (e.g. on the onmicrosoft.com domain) need their mailbox "
             "configured again.", "Exchange admin"),
        Step("gateways", after, "Recreate gateways",
             "Gateways are not migrated and are not in the inventory: recreate any the environment used.", ""),
        Step("import_solutions", after, "Import the exported solutions and apps",
             "Import the solutions, apps and bots exported before the move; test them.", "Solution owners"),
    ]
    return sorted(steps, key=lambda step: PHASES.index(step.phase))


def _component_steps(found, before, after):
    table = (
        ("flows_outside_solutions", before, "Add {n} to Dataverse solutions", ("flow", "flows"),
         "Flows not in a solution are not migrated. Add-AdminFlowsToSolution does it in bulk: {names}."),
        ("canvas_apps", before, "Export {n}, then delete them",
         ("canvas app or component library", "canvas apps and component libraries"),
         "Solution-aware ones not deleted before the move stop working after it; others: Export package: {names}."),
        ("bots", before, "Export {n} through their solutions", ("bot", "bots"),
         "Reconfigure their connections, environment variables and custom connectors afterwards: {names}."),
        ("portals", before, "Delete {n} (move their configuration first)", ("portal", "portals"),
         "Back the configuration up with a portal configuration move plan before deleting: {names}."),
        ("custom_connectors", after, "Reconfigure {n}", ("custom connector", "custom connectors"),
         "Custom connectors are not migrated: {names}."),
        ("connections", after, "Recreate {n}", ("connection", "connections"),
         "Connections are not migrated: {names}."),
    )
    steps = []
    for key, phase, label, words, detail in table:
        items = found[key]
        if items:
            count = f"{len(items)} {words[0] if len(items) == 1 else words[1]}"
            steps.append(Step(key, phase, label.format(n=count), detail.format(names=_names(items)),
                              "Solution owners"))
    return steps
