"""Readiness for load balancers: PostgreSQL answers, Redis answers, a worker ran a task lately.

Cheap under load: each web process asks at most once every CACHE_SECONDS and shares the answer.
"""

import time
from functools import lru_cache
from threading import Lock

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

__all__ = ["HEARTBEAT_KEY", "beat", "readiness"]

HEARTBEAT_KEY = "coe:worker:heartbeat"
CACHE_SECONDS = 5
_last = {"at": 0.0, "result": None}
_lock = Lock()


def beat():
    """Called by a periodic task: a worker is alive and takes work."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=settings.WORKER_HEARTBEAT_MAX_AGE * 2)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis():
    _redis(settings.REDIS_URL).ping()


@lru_cache(maxsize=4)
def _redis(url):
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _check_worker():
    last = cache.get(HEARTBEAT_KEY)
    if last is None or time.time() - last > settings.WORKER_HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"no worker heartbeat in the last {settings.WORKER_HEARTBEAT_MAX_AGE} s")


CHECKS = {"database": _check_database, "redis": _check_redis, "worker": _check_worker}


def readiness():
    """{check: "ok" or the error} for every check, computed at most once every CACHE_SECONDS per process."""
    with _lock:
        if _last["result"] is None or time.monotonic() - _last["at"] > CACHE_SECONDS:
            _last["result"], _last["at"] = _run(), time.monotonic()
        return _last["result"]


def _run():
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # readiness reports every failure as not ready
            results[name] = f"{type(exc).__name__}: {exc}"[:200]
    return results
