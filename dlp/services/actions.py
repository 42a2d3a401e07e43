"""Bulk actions on impacted items: tag, exempt, tag for a campaign, propose a target environment."""

from django.db import transaction
from django.utils.text import slugify

from inventory.models import App, Flow, Tag

from ..models import Exemption, TargetProposal
from . import impact
from .explain import item_key
from .targets import suggest_targets

__all__ = ["campaign_tag", "exempt_items", "propose_targets", "tag_items"]


def _split(rows):
    return [r.app_id for r in rows if r.app_id], [r.flow_id for r in rows if r.flow_id]


@transaction.atomic
def tag_items(rows, tag):
    """Put `tag` on the apps and flows of `rows` (ImpactItem); return how many items."""
    apps, flows = _split(rows)
    App.tags.through.objects.bulk_create([App.tags.through(app_id=pk, tag_id=tag.pk) for pk in apps],
                                         ignore_conflicts=True)
    Flow.tags.through.objects.bulk_create([Flow.tags.through(flow_id=pk, tag_id=tag.pk) for pk in flows],
                                          ignore_conflicts=True)
    return len(apps) + len(flows)


def campaign_tag(policy):
    """The tag that marks the makers to notify about `policy`."""
    name = f"DLP: {policy.display_name}"[:100]
    tag, _ = Tag.objects.get_or_create(name=name, defaults={
        "slug": slugify(f"dlp-{policy.pk}-{policy.display_name}")[:100],
        "description": f"Items a DLP change would break ({policy})"[:300]})
    return tag


@transaction.atomic
def exempt_items(run, policy, rows, reason, user=None):
    """Exempt the items of `rows` from `policy` and recompute just them in `run`."""
    apps, flows = _split(rows)

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
