"""Items no environment would take: every target a request could offer has a live DLP policy they break.

The same rule as the request form's target choices (requests.target_choices): a non-default
environment with Dataverse where no live policy breaks the item. Such an item cannot be
migrated until a policy, an exemption or a new environment makes room for it.
"""

from collections import Counter

import numpy as np

from coe_portal.dashboards.blockers import department_q
from dlp.services import matrix
from dlp.services.targets import allowed_environments, candidate_environments
from inventory.models import App, Environment, Flow, Maker

__all__ = ["KeyedItems", "count_by_department", "items_without_target"]


def _default_keys(departments):
    """Engine keys of the live apps and flows in the default environment, of `departments`."""
    live = {"environment__is_default": True, "deleted_at__isnull": True}
    apps = App.objects.filter(department_q(departments, "owner__department"), **live).values_list("pk", flat=True)
    flows = Flow.objects.filter(department_q(departments, "creator__department"), **live).values_list("pk", flat=True)
    return [*apps, *(-pk for pk in flows)]


def _makers(departments):
    """{maker pk: department} of `departments` (None: all); 0 stands for items without an owner."""
    makers = dict(Maker.objects.filter(department_q(departments, "department")).values_list("pk", "department"))
    if departments is None or "" in departments:
        makers[0] = ""
    return makers


def items_without_target(departments=None, items=None):
    """{engine key: department} of the default environment's items (of `departments`; None: all) with no target.

    Args:
        items: the matrix.Items to pick them from (a worker passes its cached copy of every item); by default
            the scope's items are read.
    """
    if items is None:
        items = matrix.load(keys=_default_keys(departments))
    makers = _makers(departments)
    defaults = list(Environment.objects.filter(is_default=True).values_list("pk", flat=True))
    chosen = np.isin(items.env, defaults) & np.isin(items.maker, list(makers))
    if not chosen.any():
        return {}
    items = matrix.select(items, keys=items.keys[chosen])
    targets = [env for env in candidate_environments() if env.has_dataverse]
    stuck = np.flatnonzero(~allowed_environments(None, items, targets).any(axis=1))
    return {int(key): makers[int(maker)] or "" for key, maker in zip(items.keys[stuck], items.maker[stuck],
                                                                       strict=True)}


def count_by_department():
    """{department: items with no target}: the dashboards' `no_target` figure, from the worker's copy of the items."""
    return dict(Counter(items_without_target(items=matrix.load_cached()).values()))


class KeyedItems:
    """Apps and flows by engine key (app pk, minus flow pk), in name order, read a page at a time.

    A list page and a CSV both slice it; only the slice's rows are read from the database.
    """

    def __init__(self, keys):
        apps = App.objects.filter(pk__in=[key for key in keys if key > 0])
        flows = Flow.objects.filter(pk__in=[-key for key in keys if key < 0])
        named = [(name, pk) for name, pk in apps.values_list("display_name", "pk")]
        named += [(name, -pk) for name, pk in flows.values_list("display_name", "pk")]
        self.keys = [key for _, key in sorted(named, key=lambda pair: (pair[0].lower(), pair[1]))]

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, index):
        keys = self.keys[index] if isinstance(index, slice) else [self.keys[index]]
        related = ("environment",)
        apps = App.objects.select_related("owner", *related).in_bulk([key for key in keys if key > 0])
        flows = Flow.objects.select_related("creator", *related).in_bulk([-key for key in keys if key < 0])
        found = [apps.get(key) if key > 0 else flows.get(-key) for key in keys]
        found = [item for item in found if item is not None]
        return found if isinstance(index, slice) else found[0]
