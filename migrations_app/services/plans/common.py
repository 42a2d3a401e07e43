"""What the plan modules share: a rejection a user reads, and checklist creation."""

from dataclasses import dataclass

from django.conf import settings

from ...models import ChecklistItem

__all__ = ["Rejection", "Step", "create_checklist", "environment_tenant", "type_label"]


@dataclass(frozen=True)
class Rejection:
    """A rule the plan breaks: the form field it concerns and the message the user sees."""

    field: str
    message: str


@dataclass(frozen=True)
class Step:
    """A checklist step as the rules produce it, before it is saved on a plan."""

    key: str
    phase: str
    label: str
    detail: str = ""
    owner: str = ""


def environment_tenant(environment):
    """The tenant an inventory environment belongs to.

    The inventory syncs one tenant, so it is the portal's; a plan rule still compares them,
    so an environment added from elsewhere (`tenant_id` set on it) is refused.
    """
    return getattr(environment, "tenant_id", None) or settings.ENTRA_TENANT_ID


def type_label(environment):
    """'a Production environment', for messages."""
    kind = environment.environment_type
    return f"an {kind} environment" if kind[:1].upper() in "AEIOU" else f"a {kind} environment"


def create_checklist(plan, steps):
    """Save `steps` as the plan's checklist, keeping items already there (their owner and status)."""
    existing = set(plan.checklist.values_list("key", flat=True))
    ChecklistItem.objects.bulk_create([
        ChecklistItem(plan=plan, position=position, key=step.key, phase=step.phase, label=step.label,
                      detail=step.detail, owner=step.owner)
        for position, step in enumerate(steps, start=1) if step.key not in existing
    ])
