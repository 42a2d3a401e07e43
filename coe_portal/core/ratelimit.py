"""A sliding-window rate limit shared by every process through Redis.

Used to keep the sync inside the tenant's request quota and the mailer inside Exchange's
sending limits, however many workers run.
"""

import secrets
import time
from functools import lru_cache

import redis
from django.conf import settings

__all__ = ["SlidingWindowLimit", "shared_client"]

# Runs atomically in Redis, on Redis's clock, so workers on several machines agree.
ACQUIRE = """
redis.replicate_commands()
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


@lru_cache(maxsize=4)
def shared_client(url=None):
    """One Redis client (and connection pool) per URL and process; default: settings.REDIS_URL."""
    return redis.Redis.from_url(url or settings.REDIS_URL)


class SlidingWindowLimit:
    """At most `limit` acquisitions in any `window` seconds, across processes."""

    def __init__(self, name, limit, window, redis_url=None):
        self.key = f"coe:ratelimit:{name}"
        self.limit, self.window_ms = int(limit), int(window * 1000)
        self.redis = shared_client(redis_url)
        self._script = self.redis.register_script(ACQUIRE)

    def try_acquire(self):
        """Take a slot now if one is free; return 0, or the milliseconds until one frees."""
        return int(self._script(keys=[self.key], args=[self.window_ms, self.limit, secrets.token_hex(8)]))

    def acquire(self, sleep=time.sleep):
        """Wait for a slot; return the seconds waited."""
        waited = 0.0
        while (wait_ms := self.try_acquire()) > 0:
            sleep(wait_ms / 1000)
            waited += wait_ms / 1000
        return waited

    def reset(self):
        self.redis.delete(self.key)
