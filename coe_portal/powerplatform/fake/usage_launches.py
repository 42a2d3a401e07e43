"""App launches, generated one UTC day at a time, and their place in the audit feed's blobs (usage-apis.md §1.3-1.4).

Every app has a pattern: busy (launched daily by several makers, less at weekends), seasonal (busy only
in some weeks), occasional (a launch every few days or weeks) or dead (never launched). A day's launches
are drawn for all apps at once with numpy; each launch is then published in a blob 1-24 h later (a
tail up to 48 h, §7.5), so a later blob may hold older events than an earlier one. The blob is
(slot, shard): the hour its content became available and one of `shards` blobs of that hour.
"""

import numpy as np

from .usage_hash import mix, uniform

__all__ = ["DEAD", "PATTERNS", "AppTable", "LaunchDay", "days_feeding_slot"]

DAY, HOUR = 86400, 3600
PATTERNS = {"dead": 0, "busy": 1, "seasonal": 2, "occasional": 3}
DEAD = 0
LEGACY, DUPLICATE, NO_APP_ID = 1, 2, 4  # flags of a launch row
MAX_LATE_HOURS = 48 + 7  # the longest delay plus where a duplicate may land


class AppTable:
    """Per-app arrays: pattern, daily rate, the makers who launch it, creation time."""

    def __init__(self, apps, seed, makers, overrides):
        self.apps = apps
        self.index = {app.name: position for position, app in enumerate(apps)}
        count = len(apps)
        keys = mix(np.array([app.seed for app in apps], dtype=np.uint64) ^ np.uint64(seed))
        self.keys = keys
        roll = uniform(keys, 1)
        pattern = np.select([roll < 0.12, roll < 0.25, roll < 0.60], [1, 2, 3], 0).astype(np.int8)
        libraries = np.array([app.kind == "component_library" for app in apps], dtype=bool)
        pattern[libraries] = DEAD  # a component library is never launched on its own
        for name, value in overrides.items():
            if name in self.index:
                pattern[self.index[name]] = PATTERNS[value]
        self.pattern = pattern
        # Busy apps: 5 to 100 launches a working day (log-uniform); seasonal: 1 to 20 in an active week.
        self.busy_rate = np.exp(np.log(5) + uniform(keys, 2) * np.log(20))
        self.season_rate = 1 + uniform(keys, 3) * 19
        self.rare_rate = 0.03 + uniform(keys, 4) * 0.3
        self.pool = np.maximum(1, np.minimum(makers, (3 + uniform(keys, 5) * 37).astype(np.int64)))
        self.user_base = (uniform(keys, 6) * makers).astype(np.int64)
        self.created = np.array([app.created for app in apps], dtype=np.float64)
        self.makers = makers
        self.count = count

    def rates(self, day):
        """Expected launches of each app on `day` (days since the epoch)."""
        weekday = (day + 3) % 7
        week = np.uint64(day // 7)
        busy = self.busy_rate * (0.25 if weekday >= 5 else 1.0)
        in_season = uniform(self.keys ^ mix(week), 7) < 0.35
        rates = np.select([self.pattern == 1, (self.pattern == 2) & in_season, self.pattern == 3],
                          [busy, self.season_rate * (0.2 if weekday >= 5 else 1.0), self.rare_rate], 0.0)
        rates[self.created > (day + 1) * DAY] = 0.0
        return rates


def _poisson(rates, u):
    """Poisson counts by inverse transform from one fixed uniform per app (stable under other apps' changes)."""
    counts = np.zeros(len(rates), dtype=np.int64)
    probability = np.exp(-rates)
    cumulative = probability.copy()
    active = np.flatnonzero((rates > 0) & (u > cumulative))
    step = 0
    while active.size and step < 1000:
        step += 1
        counts[active] += 1
        probability[active] *= rates[active] / counts[active]
        cumulative[active] += probability[active]
        active = active[u[active] > cumulative[active]]
    return counts


class LaunchDay:
    """The launches of one UTC day, sorted by the blob that carries them.

    Arrays: app (index in the AppTable), user (maker index), time (epoch seconds), blob (slot * shards +
    shard), key (the record's hash: its Id), flags (LEGACY, DUPLICATE copy, NO_APP_ID).
    """

    def __init__(self, table, seed, day, shards, legacy_share=0.25, duplicate_share=0.02, missing_share=0.004):
        base = mix(np.uint64(seed) ^ mix(np.uint64(day)))
        counts = _poisson(table.rates(day), uniform(table.keys ^ base, 8))
        app = np.repeat(np.arange(table.count, dtype=np.int64), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        ordinal = np.arange(app.size, dtype=np.int64) - first
        key = mix(base ^ table.keys[app] ^ (ordinal.astype(np.uint64) << np.uint64(40)))
        user = (table.user_base[app] + (uniform(key, 1) * table.pool[app]).astype(np.int64)) % table.makers
        flags = np.where(uniform(key, 2) < legacy_share, LEGACY, 0).astype(np.uint8)
        # Launches the feed carries without an app id: extra events, not part of any app's truth.
        missing = max(0, int(round(app.size * missing_share)))
        if missing:
            pick = (uniform(mix(base ^ np.uint64(0xABCD)) + np.arange(missing, dtype=np.uint64), 3)
                    * app.size).astype(np.int64)
            extra_key = mix(key[pick] ^ np.uint64(0x0DDBA11))
            app, user = np.concatenate([app, app[pick]]), np.concatenate([user, user[pick]])
            key = np.concatenate([key, extra_key])
            flags = np.concatenate([flags, np.full(missing, NO_APP_ID, dtype=np.uint8)])
        when = uniform(key, 4)
        office_hours = uniform(key, 5) < 0.85
        time = day * DAY + np.where(office_hours, 7 * HOUR + when * 12 * HOUR, when * DAY)
        late = uniform(key, 6)
        # The drawn delay is 2-23 h (tail 24-47 h); the blob's place in its hour moves it by up to an hour.
        delay = np.where(uniform(key, 7) < 0.95, 2 * HOUR + late * 21 * HOUR, 24 * HOUR + late * 23 * HOUR)
        slot = ((time + delay) // HOUR).astype(np.int64)
        shard = (uniform(key, 9) * shards).astype(np.int64)
        copies = np.flatnonzero(uniform(key, 10) < duplicate_share)
        copy_slot = slot[copies] + 1 + (uniform(key[copies], 11) * 6).astype(np.int64)
        copy_shard = (uniform(key[copies], 12) * shards).astype(np.int64)
        self.app = np.concatenate([app, app[copies]])
        self.user = np.concatenate([user, user[copies]])
        self.time = np.concatenate([time, time[copies]])
        self.key = np.concatenate([key, key[copies]])
        self.flags = np.concatenate([flags, flags[copies] | DUPLICATE])
        self.blob = np.concatenate([slot * shards + shard, copy_slot * shards + copy_shard])
        order = np.argsort(self.blob, kind="stable")
        for name in ("app", "user", "time", "key", "flags", "blob"):
            setattr(self, name, getattr(self, name)[order])
        self.day = day

    def in_blob(self, blob):
        """Row positions of the launches in blob number `blob`."""
        return np.arange(np.searchsorted(self.blob, blob), np.searchsorted(self.blob, blob, side="right"))

    def truth(self, app_index):
        """Times and makers of one app's real launches this day (duplicates and id-less records left out)."""
        chosen = (self.app == app_index) & (self.flags & (DUPLICATE | NO_APP_ID) == 0)
        return self.time[chosen], self.user[chosen]


def days_feeding_slot(slot):
    """The days whose launches can be published in hour `slot`."""
    return range((slot * HOUR - MAX_LATE_HOURS * HOUR) // DAY, (slot * HOUR) // DAY + 1)
