"""A generated, deterministic Power Platform tenant held in memory, and the state the API changes.

`FakeTenant(seed=1, environments=5, apps=200, flows=400)` builds the same tenant for the same
arguments (timestamps are relative to `now`, by default today's midnight UTC). The admin API
(`api.py`) serves it; tests and benchmarks change it with `touch`, `remove_app`, `remove_flow`
and move `clock`. Whatever changes an app or a flow calls `keep_version` first, so the inventory
API can show the item as it was before (its freshness lag).
"""

import copy
import random
import threading
import time
from datetime import UTC, datetime

from .catalog import CONNECTORS
from .generate import populate
from .model import App, Connection, Environment, Flow, Maker

__all__ = ["App", "Clock", "Connection", "Environment", "FakeTenant", "Flow", "Maker"]

DAY = 86400.0


class Clock:
    """Real time, shifted by however far a test moves it; calling it returns an aware datetime."""

    def __init__(self, start=None):
        self.offset = 0.0 if start is None else start.timestamp() - time.time()

    def __call__(self):
        return datetime.fromtimestamp(time.time() + self.offset, UTC)

    def advance(self, seconds=0.0, days=0.0):
        """Move the clock forward (or back, with negative values)."""
        self.offset += seconds + days * DAY

    def set(self, moment):
        """Make the clock read `moment` (an aware datetime) now."""
        self.offset = moment.timestamp() - time.time()


def _midnight_today():
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class FakeTenant:
    """A tenant generated from `seed`, plus its mutable state.

    Args:
        makers: how many directory users own things (default max(20, (apps + flows) // 6)).
        now: the moment generated timestamps lead up to (default: today's midnight UTC).
        clock: what "now" is for changes made later (default: a `Clock` on real time).
    """

    app_retention_days = 7
    flow_retention_days = 21
    domain = "contoso.example"

    def __init__(self, seed=1, environments=5, apps=200, flows=400, makers=None, now=None, clock=None):
        if environments < 1:
            raise ValueError("a tenant has at least its default environment")
        self.seed = seed
        self.now = (now or _midnight_today()).timestamp()
        # Changes must never look older than the generated data, even with `now` in the future.
        self.clock = clock or Clock(start=now if now and self.now > time.time() else None)
        self.lock = threading.RLock()
        self.makers, self.environments, self.policies = [], [], []
        self.tenant_id = ""
        makers = max(1, makers if makers is not None else max(20, (apps + flows) // 6))
        populate(self, environments, apps, flows, makers)
        self.by_name = {env.name.lower(): env for env in self.environments}
        self.makers_by_oid = {maker.oid: maker for maker in self.makers}
        self._usage = self._inventory = None

    @property
    def inventory(self):
        """The kinds only the inventory API lists, and how that API behaves (inventory.py), made on first use."""
        with self.lock:
            if self._inventory is None:
                from .inventory import Inventory

                self._inventory = Inventory(self)
            return self._inventory

    @property
    def usage(self):
        """App launches, flow runs and agent transcripts (usage.py), made on first use."""
        with self.lock:
            if self._usage is None:
                from .usage import Usage

                self._usage = Usage(self)
            return self._usage

    # Lookups

    @property
    def default_environment(self):
        """The tenant's default environment."""
        return self.environments[0]

    @property
    def apps(self):
        """Every live app (not deleted, not removed), environment by environment."""
        return [app for env in self.environments for app in env.apps if app.live]

    @property
    def flows(self):
        """Every live flow (soft-deleted and removed ones left out)."""
        return [flow for env in self.environments for flow in env.flows if flow.live]

    def environment(self, name):
        """The environment called `name` (or `~default`), or None."""
        name = name.lower()
        if name == "~default":
            return self.default_environment
        return self.by_name.get(name)

    def app(self, env, name, include_deleted=False):
        """The app `name` in `env` (an Environment or a name), or None."""
        environment = self._env(env)
        app = environment and environment.app_index.get(_name(name).lower())
        if app is None or app.removed or (app.deleted is not None and not include_deleted):
            return None
        return app

    def flow(self, env, name, include_deleted=False):
        """The flow `name` in `env` (an Environment or a name), or None."""
        environment = self._env(env)
        flow = environment and environment.flow_index.get(_name(name).lower())
        if flow is None or flow.removed or (flow.deleted is not None and not include_deleted):
            return None
        return flow

    def maker(self, oid):
        """The maker with object id `oid`, deleted ones included, or None."""
        return self.makers_by_oid.get(str(oid).lower())

    def timestamp(self):
        """Now, by the tenant's clock, in seconds since the epoch."""
        return self.clock().timestamp()

    # Changes a test or benchmark makes

    def touch(self, fraction, seed=0):
        """Rename and re-save `fraction` of the live apps and flows; return (apps, flows) touched."""
        rng = random.Random(seed)
        now = self.timestamp()
        with self.lock:
            apps = [app for app in self.apps if rng.random() < fraction]
            flows = [flow for flow in self.flows if rng.random() < fraction]
            for item in apps + flows:
                self.keep_version(item)
                item.display_name = _renamed(item.display_name)
                item.modified = now
                item.changed()
            for app in apps:
                app.published, app.version = now, app.version + 1
        return apps, flows

    def remove_app(self, env, app):
        """Delete an app for good (past retention: not even in deletedApps); return whether it existed."""
        with self.lock:
            found = self.app(env, app, include_deleted=True)
            if found is not None:
                self.keep_version(found)
                found.removed = True
            return found is not None

    def remove_flow(self, env, flow):
        """Delete a flow for good (not even with include=softDeletedFlows); return whether it existed."""
        with self.lock:
            found = self.flow(env, flow, include_deleted=True)
            if found is not None:
                self.keep_version(found)
                found.removed = True
            return found is not None

    def suspend_flow(self, env, flow, reason="DlpViolation"):
        """Suspend a flow as the service does for DLP or licence problems."""
        return self._set_flow_state(env, flow, "Suspended", reason)

    # Changes the admin API makes

    def set_quarantine(self, env, app, quarantined):
        """Quarantine or release an app; return it, or None if missing."""
        with self.lock:
            found = self.app(env, app)
            if found is not None and found.quarantined != quarantined:
                self.keep_version(found)
                found.quarantined = quarantined
                found.changed()
            return found

    def delete_app(self, env, app):
        """Soft-delete an app into deletedApps; return whether it existed."""
        with self.lock:
            found = self.app(env, app)
            if found is not None:
                self.keep_version(found)
                found.deleted = self.timestamp()
                found.changed()
            return found is not None

    def restore_app(self, env, app):
        """Bring back a deleted app within retention; None if it cannot be."""
        with self.lock:
            found = self.app(env, app, include_deleted=True)
            if found is None or found.deleted is None or self._expired(found.deleted, self.app_retention_days):
                return None
            self.keep_version(found)
            found.deleted = None
            found.changed()
            return found

    def stop_flow(self, env, flow):
        """Turn a flow off; return it, or None if missing."""
        return self._set_flow_state(env, flow, "Stopped", "None")

    def start_flow(self, env, flow):
        """Turn a flow on; return it, or None if missing."""
        return self._set_flow_state(env, flow, "Started", "None")

    def delete_flow(self, env, flow):
        """Soft-delete a flow; return whether it existed."""
        with self.lock:
            found = self.flow(env, flow)
            if found is not None:
                self.keep_version(found)
                found.deleted = self.timestamp()
                found.changed()
            return found is not None

    def restore_flow(self, env, flow):
        """Bring back a soft-deleted flow, stopped, as the service does; None if it cannot be."""
        with self.lock:
            found = self.flow(env, flow, include_deleted=True)
            if found is None or found.deleted is None or self._expired(found.deleted, self.flow_retention_days):
                return None
            self.keep_version(found)
            found.deleted, found.state, found.suspension = None, "Stopped", "None"
            found.modified = self.timestamp()
            found.changed()
            return found

    def add_connection(self, env, connector_name, maker, status="Connected"):
        """Make a connection of `maker` to a catalogue or custom connector in `env`; return it."""
        environment = self._env(env)
        connector = next(c for c in (*CONNECTORS, *environment.custom_connectors) if c.name == connector_name)
        with self.lock:
            name = f"{connector_name.replace('_', '-')[:20]}-{random.getrandbits(128):032x}"
            connection = Connection(name, environment.name, connector, maker, self.timestamp(), status)
            environment.connections.setdefault((maker.index, connector_name), connection)
            environment.connection_list.append(connection)
        return connection

    def remove_connection(self, env, name):
        """Delete a connection; return whether it existed."""
        environment = self._env(env)
        with self.lock:
            for connection in environment.connection_list if environment else ():
                if connection.name.lower() == name.lower() and not connection.removed:
                    connection.removed = True
                    return True
        return False

    def keep_version(self, item):
        """Remember an app or flow as it is now, just before a change (None: it was not listed then).

        The inventory API shows each item as it was `freshness_lag` seconds ago (inventory-api.md
        §2.6), so it needs the versions a change replaced; nothing else reads them.
        """
        before = copy.copy(item) if item.live else None
        if before is not None:
            before.history = before.cached = None
        if self._inventory is not None:
            self._inventory.forget(item)
        if item.history is None:
            item.history = []
        item.history.append((self.timestamp(), before))

    def in_retention(self, item, days):
        """Whether a deleted item can still be listed and restored."""
        return item.deleted is not None and not self._expired(item.deleted, days)

    # Helpers

    def _set_flow_state(self, env, flow, state, reason):
        with self.lock:
            found = self.flow(env, flow)
            if found is not None and (found.state, found.suspension) != (state, reason):
                self.keep_version(found)
                found.state, found.suspension = state, reason
                found.modified = self.timestamp()
                found.changed()
            return found

    def _expired(self, deleted, days):
        return self.timestamp() - deleted > days * DAY

    def _env(self, env):
        return env if isinstance(env, Environment) else self.environment(str(env))


def _name(value):
    return value if isinstance(value, str) else value.name


def _renamed(name):
    head, marker, number = name.rpartition(" v")
    if marker and number.isdigit():
        return f"{head} v{int(number) + 1}"
    return f"{name} v2"
