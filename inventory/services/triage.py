"""What triage does when a sync finishes: re-run the tag rules and recompute recommendations."""

from django.db import transaction

__all__ = ["refresh", "sync_finished"]


def sync_finished(run_id):
    """Called once at the end of a sync run: queue the refresh when the run's row commits."""
    from ..tasks import refresh_triage

    transaction.on_commit(lambda: refresh_triage.delay(run_id))


def refresh():
    """Recompute every recommendation, then run the tag rules; return what changed."""
    from . import recommendations, tags

    return {"recommendations": recommendations.recompute(), "rules": tags.apply_rules()}
