"""Where a maker's items may go, in the maker's words: which environments are refused and why, which are theirs.

The rule of what is offered is requests.target_choices; this module explains it and never offers more.
"""

from dataclasses import dataclass

from dlp.services.reasons import target_blockers
from dlp.services.targets import candidate_environments
from inventory.models import Maker

from .requests import item_key, target_choices

__all__ = ["Options", "Refused", "owned_by", "preselected", "refused_targets", "request_options", "target_label"]


@dataclass(frozen=True)
class Refused:
    """An environment not offered for a request, with each reason (a DLP break names item, policy and connector)."""

    environment: object
    reasons: tuple


def refused_targets(items):
    """[Refused] for every live non-default environment the items are not in and may not move to."""
    offered = {env.pk for env in target_choices(items)}
    sources = {item.environment_id for item in items}
    refused = [env for env in candidate_environments() if env.pk not in offered and env.pk not in sources]
    names = {item_key(item): item.display_name for item in items}
    blockers = target_blockers(list(names), [env for env in refused if env.has_dataverse])
    found = []
    for env in refused:
        if not env.has_dataverse:
            reasons = ("It has no Dataverse database, and a solution needs one.",)
        else:
            reasons = tuple(dict.fromkeys(f"{names[key]}: {why}" for key, why in blockers.get(env.pk, [])))
        found.append(Refused(env, reasons or ("A DLP policy there would break these items.",)))
    return found


def owned_by(user, environments):
    """The environments of `environments` the person signed in as `user` made."""
    mine = set(Maker.objects.for_user(user).values_list("pk", flat=True))
    return [env for env in environments if env.creator_id is not None and env.creator_id in mine]


def preselected(user, environments):
    """The environment a request form starts with: the one offered that the maker made, else none.

    Never another person's: their developer environment is theirs alone, and a shared one is the
    maker's choice to make.
    """
    own = owned_by(user, environments)
    return own[0] if len(own) == 1 else None


def target_label(env, user_makers):
    """An environment as the target picker shows it: whose it is when it is a person's."""
    if env.creator_id is not None and env.creator_id in user_makers:
        return f"{env.display_name} (yours)"
    if env.is_personal and env.creator is not None:
        return f"{env.display_name} (developer environment of {env.creator})"
    return env.display_name


@dataclass(frozen=True)
class Options:
    """What a request form offers a maker: the targets, how each is named, the one preselected (or None)."""

    targets: list
    labels: dict
    initial: object


def request_options(user, items):
    """The targets offered for `items` to `user`, labelled by owner, with the maker's own one preselected."""
    targets = target_choices(items)
    mine = set(Maker.objects.for_user(user).values_list("pk", flat=True))
    return Options(targets, {env.pk: target_label(env, mine) for env in targets}, preselected(user, targets))
