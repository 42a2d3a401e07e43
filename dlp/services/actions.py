"""Bulk actions on impacted items: tag, exempt, propose a target environment."""

from django.db import transaction

from inventory.models import App, Flow

from ..models import Exemption, TargetProposal
from . import impact
from .explain import item_key
from .targets import suggest_targets

__all__ = ["exempt_items", "propose_targets", "split_items", "tag_items"]


def split_items(rows):
    """([app ids], [flow ids]) of impact rows."""
    return [r.app_id for r in rows if r.app_id], [r.flow_id for r in rows if r.flow_id]


@transaction.atomic
def tag_items(rows, tag):
    """Put `tag` on the apps and flows of `rows` (ImpactItem); return how many items."""
    apps, flows = split_items(rows)
    App.tags.through.objects.bulk_create([App.tags.through(app_id=pk, tag_id=tag.pk) for pk in apps],
                                         ignore_conflicts=True)
    Flow.tags.through.objects.bulk_create([Flow.tags.through(flow_id=pk, tag_id=tag.pk) for pk in flows],
                                          ignore_conflicts=True)
    return len(apps) + len(flows)


@transaction.atomic
def exempt_items(run, policy, rows, reason, user=None):
    """Exempt the items of `rows` from `policy` and recompute just them in `run`."""
    apps, flows = split_items(rows)

    def create():
        Exemption.objects.bulk_create(
            [Exemption(policy=policy, app_id=pk, reason=reason, created_by=user) for pk in apps]
            + [Exemption(policy=policy, flow_id=pk, reason=reason, created_by=user) for pk in flows],
            ignore_conflicts=True)

    impact.recompute(run, keys=[item_key(row) for row in rows], change=create)
    return len(apps) + len(flows)


@transaction.atomic
def propose_targets(draft, rows, user=None):
    """Propose, for each item, the first environment where nothing would break it; return (proposed, none fit)."""
    departments = {item_key(row): getattr(row.maker, "department", "") for row in rows}
    targets = suggest_targets(draft, departments, departments)
    proposed = unplaced = 0
    for row in rows:
        fits = targets.get(item_key(row)) or []
        fits = [env for env in fits if env.pk != row.environment_id]
        if not fits:
            unplaced += 1
            continue
        field = {"app_id": row.app_id} if row.app_id else {"flow_id": row.flow_id}
        TargetProposal.objects.update_or_create(**field, defaults={"environment": fits[0], "draft": draft,
                                                                   "proposed_by": user})
        proposed += 1
    return proposed, unplaced
