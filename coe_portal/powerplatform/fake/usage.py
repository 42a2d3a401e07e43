"""Usage of a fake tenant: app launches in the audit feed, flow runs, agent transcripts (usage-apis.md).

`tenant.usage` is made on first use. Everything is drawn from the tenant's seed, one day or one window
at a time, so a 20,000-app tenant costs nothing until a blob, a run page or a count is asked for.
Tests steer it with `set_app_pattern`, `add_launches`, `late_blob`, `duplicate_blob`, `set_flow_runs`
and `fail`, and read the ground truth with `launch_counts` and `run_counts`.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from .common import error
from .usage_feed import Feed
from .usage_hash import scalar, uniform
from .usage_launches import DAY, DUPLICATE, NO_APP_ID, PATTERNS, AppTable, LaunchDay
from .usage_records import launch_record
from .usage_runs import Runs, Schedule, schedule_for

__all__ = ["SOURCES", "Usage", "UsageOptions"]

SOURCES = ("audit", "runs", "dataverse", "advisor")


@dataclass
class UsageOptions:
    """How the usage APIs behave where the reference leaves a choice (usage-apis.md §7, §8)."""

    subscription: str = "enabled"  # Audit.General at generation: "enabled" (60 days before now) or "never"
    content_page_size: int = 200  # descriptors before a NextPageUri (§1.3; the real number is not documented)
    throttle_status: int = 403  # AF429 on 403 as in D2's example, or 429 (§1.6)
    shards: int | None = None  # blobs per hour; default one per 2,000 apps, 1 to 12
    run_retention_days: int = 28  # Flow API and Dataverse flowrun retention (§2.1, §2.2)
    flowrun_statuses: tuple = ("Succeeded", "Failed", "Cancelled")  # §2.2: D7 says "Success"; clients use this
    flowrun_duration: str = "seconds"  # §2.2: D7 says seconds, a third party measured milliseconds
    flowruns_apply: bool = False  # §2.2: $apply on flowruns is unverified; False answers 400
    ingestion_loss: bool = False  # §2.2: drop a day of the busiest solution flow's runs, with a flowevent row
    transcript_retention_days: int = 30  # §4 (unverified)
    feed_reach_days: int = 7  # content listed and served 7 days back (§1.3); a benchmark reads a month at once
    failing: dict = field(default_factory=dict)


def seconds(value):
    """Epoch seconds from an aware datetime or a number."""
    return value.timestamp() if isinstance(value, datetime) else float(value)


def moment(value):
    return None if value is None else datetime.fromtimestamp(value, UTC)


class Usage:
    """The usage of one FakeTenant; see the module docstring."""

    def __init__(self, tenant, options=None):
        self.tenant, self.seed = tenant, tenant.seed
        self.options = options or UsageOptions()
        self.lock = threading.RLock()
        self.patterns, self.schedules, self.failures = {}, {}, {}
        self.added_launches = {}  # app name -> [(epoch seconds, maker)]
        self.environments = {env.name: env for env in tenant.environments}
        apps = sum(len(env.apps) for env in tenant.environments)
        self.shards = self.options.shards or max(1, min(12, apps // 2000))
        self._apps, self._days, self._activity = None, OrderedDict(), {}
        self.feed = Feed(self, None if self.options.subscription == "never" else tenant.now - 60 * DAY)

    # Generated launches

    @property
    def apps(self):
        """The AppTable (every app the tenant generated), built on first use."""
        with self.lock:
            if self._apps is None:
                apps = [app for env in self.tenant.environments for app in env.apps]
                self._apps = AppTable(apps, self.seed, len(self.tenant.makers), self.patterns)
            return self._apps

    def environment(self, app):
        return self.environments[app.env]

    def launch_day(self, day):
        """The LaunchDay of `day` (days since the epoch), from a small cache."""
        with self.lock:
            found = self._days.get(day)
            if found is None:
                found = self._days[day] = LaunchDay(self.apps, self.seed, day, self.shards)
                while len(self._days) > 16:
                    self._days.popitem(last=False)
            else:
                self._days.move_to_end(day)
            return found

    def _changed(self):
        self._apps = None
        self._days.clear()
        self._activity.clear()
        self.feed.bodies.clear()

    # Test control: apps

    def set_app_pattern(self, app, pattern):
        """Give `app` a launch pattern: "dead", "busy", "seasonal" or "occasional"."""
        if pattern not in PATTERNS:
            raise ValueError(f"unknown pattern {pattern!r}; choose from {', '.join(PATTERNS)}")
        with self.lock:
            self.patterns[app.name] = pattern
            self._changed()

    def add_launches(self, app, launches, delay=timedelta(hours=2), legacy=False):
        """Launch `app` at [(aware datetime, Maker), ...]; each is published `delay` later, in a blob of its own
        per publication time. Return the new contentIds."""
        groups = {}
        for when, maker in launches:
            groups.setdefault(seconds(when) + delay.total_seconds(), []).append((seconds(when), maker))
        return [self._publish(app, group, created, legacy) for created, group in sorted(groups.items())]

    def late_blob(self, app, launches, published=None, legacy=False):
        """Publish launches of `app` (however old) in one blob available from `published` (default now)."""
        created = seconds(published) if published is not None else self.tenant.timestamp()
        return self._publish(app, [(seconds(when), maker) for when, maker in launches], created, legacy)

    def duplicate_blob(self, content_id, published=None):
        """Publish a blob that repeats every record of blob `content_id`, available from `published`
        (default an hour after the original). Return its contentId."""
        blob = self.feed.find(content_id)
        if blob is None:
            raise KeyError(content_id)
        created = seconds(published) if published is not None else blob.created + 3600
        return self.feed.add(self.feed.records(blob), created, blob.content_type)

    def _publish(self, app, launches, created, legacy):
        env = self.environment(app)
        with self.lock:
            known = self.added_launches.setdefault(app.name, [])
            records = []
            for when, maker in launches:
                key = scalar(self.seed, 0xADD, len(self.feed.added), len(known), int(when * 1000))
                records.append(launch_record(self.tenant, app, env, maker, when, key, legacy=legacy))
                known.append((when, maker))
            self._activity.clear()
            return self.feed.add(records, created)

    # Test control: flows

    def schedule(self, flow):
        """The flow's Schedule (generated on first use, or set by `set_flow_runs`)."""
        with self.lock:
            found = self.schedules.get(flow.name)
            if found is None:
                found = self.schedules[flow.name] = schedule_for(flow, self.seed)
            return found

    def set_flow_runs(self, flow, every=timedelta(hours=1), failure_rate=0.0, start=None, end=None):
        """Replace a flow's schedule: a run every `every` (None: never) from `start` (default: the flow's
        creation) until `end`, failing with probability `failure_rate`."""
        key = scalar(self.seed, flow.seed, 0x5E7)
        phase = seconds(start) if start is not None else flow.created
        with self.lock:
            self.schedules[flow.name] = Schedule(
                every.total_seconds() if every is not None else None, phase, float(failure_rate), key,
                start=None if start is None else seconds(start), end=None if end is None else seconds(end))

    def runs(self, flow, low, high, newest=None, skip=0, take=None):
        """The flow's Runs with start in [low, high), up to now (only the `newest` last ones, if given; or the
        `take` runs after the first `skip`)."""
        return Runs(flow, self.schedule(flow), seconds(low), seconds(high), self.tenant.timestamp(), newest,
                    skip, take)

    # Test control: errors

    def fail(self, source, status, code=None, message=None):
        """Make every call of `source` ("audit", "runs", "dataverse", "advisor") answer an error; None clears."""
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; choose from {', '.join(SOURCES)}")
        with self.lock:
            if status is None:
                self.failures.pop(source, None)
            else:
                self.failures[source] = (status, code or "InternalServerError", message or "The fake was told to fail.")

    def failure(self, source):
        """The error answer `source` is set to give, or None."""
        found = self.failures.get(source)
        return None if found is None else error(*found)

    # Ground truth

    def launch_counts(self, app, start, end):
        """{"launches", "users", "last_launch"}: the app's distinct launches with event time in [start, end)."""
        low, high = seconds(start), seconds(end)
        times, users = [], []
        index = self.apps.index.get(app.name)
        for day in range(int(low // DAY), int(np.ceil(high / DAY))):
            if index is not None:
                when, who = self.launch_day(day).truth(index)
                times.append(when)
                users.append(who)
        for when, maker in self.added_launches.get(app.name, ()):
            times.append(np.array([when]))
            users.append(np.array([maker.index]))
        when = np.concatenate(times) if times else np.zeros(0)
        who = np.concatenate(users) if users else np.zeros(0, dtype=np.int64)
        chosen = (when >= low) & (when < high)
        return {"launches": int(chosen.sum()), "users": len(np.unique(who[chosen])),
                "last_launch": moment(float(when[chosen].max())) if chosen.any() else None}

    def run_counts(self, flow, start, end):
        """{"runs", "failures", "last_run"}: the flow's runs that started in [start, end) (up to now)."""
        counts = self.runs(flow, start, end).counts()
        return {**counts, "last_run": moment(counts["last_run"])}

    def activity(self, days=30):
        """Per app of the AppTable: (last launch or NaN, distinct users) over the `days` days up to now."""
        now = self.tenant.timestamp()
        stamp = (int(now // DAY), days)
        with self.lock:
            if stamp in self._activity:
                return self._activity[stamp]
            table = self.apps
            last = np.full(table.count, np.nan)
            pairs = []
            for day in range(int(now // DAY) - days, int(now // DAY) + 1):
                launches = self.launch_day(day)
                real = ((launches.flags & (DUPLICATE | NO_APP_ID) == 0) & (launches.time < now)
                        & (launches.time >= now - days * DAY))
                app, when = launches.app[real], launches.time[real]
                np.fmax.at(last, app, when)
                pairs.append(app * table.makers + launches.user[real])
            for name, launches in self.added_launches.items():
                for when, maker in launches:
                    if now - days * DAY <= when < now:
                        last[table.index[name]] = np.fmax(last[table.index[name]], when)
                        pairs.append(np.array([table.index[name] * table.makers + maker.index]))
            unique = np.unique(np.concatenate(pairs)) if pairs else np.zeros(0, dtype=np.int64)
            users = np.bincount(unique // table.makers, minlength=table.count)
            self._activity = {stamp: (last, users)}
            return last, users

    # Copilot Studio transcripts (§4)

    def transcripts(self, bot, low, high):
        """Start times and hashes of a bot's conversations in [low, high), oldest first; idle bots have none."""
        key = scalar(self.seed, int(bot.row_id.replace("-", "")[:15], 16), 0xB07)
        busy = float(uniform(np.uint64(key), 1)) < 0.5
        high = min(high, self.tenant.timestamp())
        if not busy or high <= low:
            return np.zeros(0), np.zeros(0, dtype=np.uint64)
        rate = 2 + float(uniform(np.uint64(key), 2)) * 28
        times, hashes = [], []
        for day in range(int(low // DAY), int(np.ceil(high / DAY))):
            day_key = scalar(key, day)
            count = int(rate * (0.5 + float(uniform(np.uint64(day_key), 3))))
            ordinal = np.arange(count, dtype=np.uint64) ^ np.uint64(day_key)
            when = day * DAY + uniform(ordinal, 4) * DAY
            order = np.argsort(when)
            times.append(when[order])
            hashes.append(ordinal[order])
        when, keys = np.concatenate(times), np.concatenate(hashes)
        chosen = (when >= low) & (when < high)
        return when[chosen], keys[chosen]
