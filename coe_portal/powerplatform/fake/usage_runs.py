"""Cloud flow runs: a schedule and a failure rate per flow, runs computed on demand (usage-apis.md §2).

Schedules: every 5-15 minutes, hourly, daily, weekly, seasonal (daily in some weeks) or dead. Most flows
never fail, some fail partly, a few always. Only flows that are Started run: a flow turned off stops
running when it was changed (`flow.modified`). Runs are arithmetic (start = phase + k * every), so a
window of a flow's runs costs what it holds, whatever the tenant's size.
"""

from dataclasses import dataclass

import numpy as np

from .usage_hash import mix, run_name, run_names, scalar, uniform

__all__ = ["CANCELLED", "FAILED", "Runs", "STATUSES", "Schedule", "SUCCEEDED", "schedule_for"]

SUCCEEDED, FAILED, CANCELLED = 0, 1, 2
STATUSES = ("Succeeded", "Failed", "Cancelled")
WEEK = 7 * 86400
KINDS = ((0.08, "frequent"), (0.23, "hourly"), (0.53, "daily"), (0.65, "weekly"), (0.72, "seasonal"))


@dataclass
class Schedule:
    """When a flow runs: every `every` seconds from `phase` (None: never), within [start, end)."""

    every: float | None
    phase: float
    failure_rate: float
    key: int
    start: float | None = None
    end: float | None = None
    seasonal: bool = False


def schedule_for(flow, seed):
    """The generated schedule of `flow`."""
    key = scalar(seed, flow.seed, 0xF10)
    roll, second, third = (float(uniform(np.uint64(key), salt)) for salt in (1, 2, 3))
    kind = next((name for limit, name in KINDS if roll < limit), "dead")
    every = {"frequent": 60.0 * (5 + int(second * 11)), "hourly": 3600.0, "daily": 86400.0, "weekly": float(WEEK),
             "seasonal": 86400.0}.get(kind)
    if flow.state != "Started":
        every = None
    failure = 0.0 if third < 0.70 else 1.0 if third > 0.95 else 0.02 + (third - 0.70) / 0.25 * 0.28
    phase = (float(uniform(np.uint64(key), 4)) * every) if every else 0.0
    return Schedule(every, phase, failure, key, seasonal=kind == "seasonal")


class Runs:
    """A flow's runs in a window, oldest first: `start`, `status`, `duration` arrays and `hashes`."""

    def __init__(self, flow, schedule, low, high, now, newest=None, skip=0, take=None):
        """`newest`: only the last that many runs of the window (a page of the history needs no more);
        `skip`, `take`: only the `take` runs after the first `skip`, oldest first (a page of flowruns)."""
        high = min(high, now)
        if flow.state != "Started":
            high = min(high, flow.modified)
        low = max(low, flow.created, schedule.start if schedule.start is not None else low)
        if schedule.end is not None:
            high = min(high, schedule.end)
        every = schedule.every
        if every is None or high <= low:
            ordinal = np.zeros(0, dtype=np.int64)
        else:
            first, end = int(np.ceil((low - schedule.phase) / every)), int(np.ceil((high - schedule.phase) / every))
            if newest is not None and not schedule.seasonal:
                first = max(first, end - newest)
            if not schedule.seasonal:
                first = min(first + skip, end)
                end = end if take is None else min(end, first + take)
            ordinal = np.arange(first, end, dtype=np.int64)
        start = schedule.phase + ordinal * every if every else np.zeros(0)
        hashes = mix(np.uint64(schedule.key) ^ ordinal.astype(np.uint64))
        if schedule.seasonal and ordinal.size:
            weeks = (start // WEEK).astype(np.uint64)
            keep = uniform(mix(weeks) ^ np.uint64(schedule.key), 5) < 0.3
            start, hashes = start[keep], hashes[keep]
            if newest is not None:
                start, hashes = start[-newest:], hashes[-newest:]
            stop = None if take is None else skip + take
            start, hashes = start[skip:stop], hashes[skip:stop]
        roll = uniform(hashes, 6)
        rate = schedule.failure_rate
        status = np.where(roll < rate, FAILED, SUCCEEDED)
        if 0 < rate < 1:
            status[(roll >= rate) & (roll < rate + 0.01)] = CANCELLED
        self.start, self.hashes, self.status = start, hashes, status
        self.duration = np.where(status == FAILED, 1 + uniform(hashes, 7) * 20, 2 + uniform(hashes, 7) * 178)

    def __len__(self):
        return len(self.start)

    def name(self, position):
        """The run's Logic Apps id (§2.1; the same as the Dataverse `name`, §2.2)."""
        return run_name(int(self.hashes[position]))

    def names(self, positions):
        """`name` of each run at `positions`."""
        return run_names(self.hashes[positions])

    def counts(self):
        """{"runs", "failures", "last_run"} (epoch seconds or None)."""
        return {"runs": len(self), "failures": int((self.status == FAILED).sum()),
                "last_run": float(self.start[-1]) if len(self) else None}
