"""The kinds of sync run the runner (sync.py) knows: each names its first step, its steps, what runs
last and what happens when it ends.

The inventory's full and incremental syncs are registered here; other apps (usage) register their
own kinds from their AppConfig.ready, so the runner's resumable tasks serve them without this app
importing theirs.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RunKind", "STEPS", "kind_of", "register"]


@dataclass(frozen=True)
class RunKind:
    """How a run of one kind goes.

    Args:
        family: runs of one family never overlap (a second start returns the running one).
        first: (step name, args, task key) of the task a run starts with.
        last: steps scheduled in order once every other task is done (e.g. makers through Graph).
        counts: run -> the figures stored on the run when it ends.
        finished: run id -> None, called once the run is closed (in its transaction).
    """

    family: str
    first: tuple
    steps: dict
    last: tuple = ()
    counts: Callable = field(default=lambda run: {})
    finished: Callable = field(default=lambda run_id: None)


_KINDS = {}
STEPS = {}  # every registered step by name, for the runner


def register(name, kind):
    """Make runs of `name` (a SyncKind value) go as `kind` says; step names must be unique across kinds."""
    clash = {step for step, run in kind.steps.items() if STEPS.get(step, run) is not run}
    if clash:
        raise ValueError(f"sync steps registered twice: {', '.join(sorted(clash))}")
    _KINDS[name] = kind
    STEPS.update(kind.steps)


def kind_of(name):
    return _KINDS[name]


def family_kinds(name):
    """Every kind in the same family as `name`."""
    family = _KINDS[name].family
    return [other for other, kind in _KINDS.items() if kind.family == family]
