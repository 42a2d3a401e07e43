"""The Audit.General feed: subscriptions, content descriptors and blobs (usage-apis.md §1.2-1.4, §7.1-7.5).

Generated blobs exist for every hour and shard; their content is built on demand from the launch days
that feed the hour (usage_launches.py), plus a few records of other workloads, and cached modestly.
Tests add blobs of their own: explicit launches, late blobs and repeats of earlier blobs.
"""

import calendar
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import msgspec
import numpy as np

from .usage_hash import guid_json, scalar
from .usage_launches import HOUR, LEGACY, NO_APP_ID, days_feeding_slot
from .usage_records import IP_JSON, LaunchTemplate, creation_times, noise_records

__all__ = ["CONTENT_TYPES", "Blob", "Feed"]

CONTENT_TYPES = ("Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All")
DAY = 86400


def _stamp(seconds):
    """21 digits: the timestamp part of a contentId, as in D2's example (§1.3)."""
    whole = int(seconds)
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(whole)) + f"{int((seconds - whole) * 1e7):07d}"


@dataclass
class Blob:
    """One blob: its contentId, when it became available, and (for added blobs) its records."""

    content_id: str
    created: float
    content_type: str = "Audit.General"
    records: list = field(default_factory=list)


class Feed:
    """Subscription state per content type and the blobs of the tenant's feed."""

    def __init__(self, usage, subscribed_since):
        self.usage = usage
        self.tenant = usage.tenant
        # content type -> {"status", "webhook", "periods": [[start, end or None]]}
        self.subscriptions = {}
        if subscribed_since is not None:
            self.subscriptions["Audit.General"] = {"status": "enabled", "webhook": None,
                                                   "periods": [[subscribed_since, None]]}
        self.added = OrderedDict()  # contentId -> Blob, for blobs tests publish
        self.bodies = OrderedDict()  # contentId -> rendered records (bytes), least recently used first

    # Subscriptions (§1.2)

    def start(self, content_type, webhook=None):
        """Enable a subscription; False if it already was (AF20024)."""
        state = self.subscriptions.get(content_type)
        if state is not None and state["status"] == "enabled":
            return False
        now = self.tenant.timestamp()
        if state is None:
            state = self.subscriptions[content_type] = {"status": "enabled", "webhook": None, "periods": []}
        state["status"], state["webhook"] = "enabled", webhook
        state["periods"].append([now, None])
        return True

    def stop(self, content_type):
        """Disable a subscription; content from the stopped period is never served (§1.2)."""
        state = self.subscriptions.get(content_type)
        if state is not None and state["status"] == "enabled":
            state["status"] = "disabled"
            state["periods"][-1][1] = self.tenant.timestamp()
        return state is not None

    def covered(self, content_type, created):
        """Whether content that became available at `created` falls in a subscribed period."""
        state = self.subscriptions.get(content_type)
        return state is not None and any(start <= created and (end is None or created < end)
                                         for start, end in state["periods"])

    # Descriptors

    def shards(self):
        return self.usage.shards

    def generated_id(self, slot, shard):
        return f"{self._id_stamp(slot, shard)}$audit_general$Audit_General$emea{shard:04d}"

    def _id_stamp(self, slot, shard):
        stamp = _stamp(self.created_at(slot, shard))
        return f"{stamp}${stamp}"

    def created_at(self, slot, shard):
        """When generated blob (slot, shard) became available: spread over its hour."""
        jitter = scalar(self.usage.seed, slot, shard) % 1000 / 1000
        return slot * HOUR + (shard + 0.5) * HOUR / self.shards() + jitter

    def blobs(self, content_type, start, end):
        """Blobs whose contentCreated is in [start, end), available now and subscribed, oldest first."""
        now = self.tenant.timestamp()
        end = min(end, now)
        found = []
        if content_type == "Audit.General":
            shards = self.shards()
            for slot in range(int(start // HOUR) - 1, int(end // HOUR) + 1):
                for shard in range(shards):
                    created = self.created_at(slot, shard)
                    if start <= created < end:
                        found.append(Blob(self.generated_id(slot, shard), created))
        found += [blob for blob in self.added.values()
                  if blob.content_type == content_type and start <= blob.created < end]
        found = [blob for blob in found if self.covered(content_type, blob.created)]
        found.sort(key=lambda blob: (blob.created, blob.content_id))
        return found

    def find(self, content_id):
        """The Blob called `content_id` (whether or not it is available yet), or None."""
        if content_id in self.added:
            return self.added[content_id]
        head, _, suffix = content_id.rpartition("$emea")
        if not suffix.isdigit() or not head.endswith("$audit_general$Audit_General"):
            return None
        shard = int(suffix)
        try:
            created = calendar.timegm(time.strptime(head[:14], "%Y%m%d%H%M%S"))
        except ValueError:
            return None
        slot = int(created // HOUR)
        if shard >= self.shards() or self.generated_id(slot, shard) != content_id:
            return None
        return Blob(content_id, self.created_at(slot, shard))

    # Content

    def body(self, blob):
        """The blob's records as JSON bytes (a JSON array, §1.2)."""
        cached = self.bodies.get(blob.content_id)
        if cached is not None:
            self.bodies.move_to_end(blob.content_id)
            return cached
        if blob.content_id in self.added:
            body = msgspec.json.encode(blob.records)
        else:
            body = b"[" + b",".join(record for _, record in self.encoded_records(blob)) + b"]"
        self.bodies[blob.content_id] = body
        while len(self.bodies) > 64:
            self.bodies.popitem(last=False)
        return body

    def records(self, blob):
        """The records of a generated blob as dicts, in the blob's order."""
        return msgspec.json.decode(self.body(blob))

    def encoded_records(self, blob):
        """[(Id, the record's JSON)] of a generated blob, launches then noise, in the blob's order (by Id, §1.3).

        A launch is its app's LaunchTemplate filled in (strings, GUIDs and times made per blob by numpy):
        encoding each record's dict took ~23 us of the fake's CPU a record, the bulk of a usage benchmark."""
        usage, tenant = self.usage, self.tenant
        shards = self.shards()
        slot = int(blob.created // HOUR)
        shard = int(blob.content_id.rpartition("$emea")[2])
        number = slot * shards + shard
        apps, makers = usage.apps.apps, tenant.makers
        people = {}
        records = []
        picked = [(launches, launches.in_blob(number))
                  for launches in (usage.launch_day(day) for day in days_feeding_slot(slot))]
        app, user, when, keys, flags = (np.concatenate([getattr(launches, name)[rows] for launches, rows in picked])
                                        for name in ("app", "user", "time", "key", "flags"))
        times = creation_times(when)
        columns = (app.tolist(), user.tolist(), times, (keys % np.uint64(250)).tolist(), flags.tolist(),
                   guid_json(keys), guid_json(keys ^ np.uint64(0xAC7)), guid_json(keys ^ np.uint64(0xC0)))
        for app_index, maker_index, moment, ip, flag, record_id, activity, correlation in zip(*columns, strict=True):
            app = apps[app_index]
            template = LaunchTemplate.of(tenant, app, usage.environment(app), bool(flag & LEGACY),
                                         not flag & NO_APP_ID)
            person = people.get(maker_index)
            if person is None:
                maker = makers[maker_index]
                person = people[maker_index] = (msgspec.json.encode(maker.oid), msgspec.json.encode(maker.upn))
            records.append((record_id, template.fill(f'"{moment}"'.encode(), record_id, activity, correlation,
                                                     person[0], person[1], IP_JSON[ip])))
        records += [(f'"{record["Id"]}"'.encode(), msgspec.json.encode(record))
                    for record in noise_records(tenant, apps, makers, scalar(usage.seed, number, 0xB10B), blob.created)]
        records.sort(key=lambda record: record[0])  # not in time order (§1.3)
        return records

    def add(self, records, created, content_type="Audit.General"):
        """Publish a blob of `records` available from `created`; return its contentId."""
        number = len(self.added)
        stamp = _stamp(created)
        content_id = f"{stamp}${stamp}$audit_general$Audit_General$emeax{number:04d}"
        self.added[content_id] = Blob(content_id, created, content_type, list(records))
        return content_id

    def expired(self, blob):
        return self.tenant.timestamp() - blob.created > self.usage.options.feed_reach_days * DAY
