"""The tenant's request quota, taken from Redis a few slots at a time.

Every worker process shares one sliding window per API in Redis (the same key as
coe_portal.core.ratelimit.SlidingWindowLimit, so either can reset it). Asking Redis once per
request cost a round trip and a Lua call each; here a process takes up to `batch` slots in one
call and hands them to its threads. A slot is stamped when taken, so slots not used within
`max_age` seconds are given back, not used late: the window Redis keeps never runs behind the
one the service counts, and no slot is lost to a process that stopped asking.
"""

import threading
import time

from coe_portal.core.ratelimit import shared_client

__all__ = ["QuotaStock"]

# Grant up to ARGV[3] slots now, leaving ARGV[4] free; return {granted, milliseconds until the next slot
# frees, the number before the granted members' names (they are first + 1 .. first + granted)}.
TAKE = """
redis.replicate_commands()
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local window, limit, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local free = limit - tonumber(ARGV[4]) - redis.call('ZCARD', KEYS[1])
local granted = math.min(wanted, math.max(0, free))
if granted > 0 then
  local first = redis.call('INCRBY', KEYS[1] .. ':seq', granted) - granted
  local members = {}
  for i = 1, granted do
    members[#members + 1] = now
    members[#members + 1] = tostring(first + i)
  end
  redis.call('ZADD', KEYS[1], unpack(members))
  redis.call('PEXPIRE', KEYS[1], window)
  return {granted, 0, first}
end
local index = 0
if free < 0 then index = -free end
local oldest = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
if #oldest == 0 then oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES') end
return {0, math.max(1, tonumber(oldest[2]) + window - now), 0}
"""


class QuotaStock:
    """At most `limit` requests per `window` seconds across processes; `acquire` waits for a slot."""

    def __init__(self, name, limit, window, batch=8, max_age=0.2, redis_url=None, clock=time.monotonic):
        self.key = f"coe:ratelimit:{name}"
        self.limit, self.window_ms = int(limit), int(window * 1000)
        self.batch, self.max_age, self.clock = max(1, batch), max_age, clock
        self.redis = shared_client(redis_url)
        self.script = self.redis.register_script(TAKE)
        self.lock = threading.Lock()
        self.stock, self.taken_at = [], 0.0  # names of the slots taken and not yet used

    def acquire(self, sleep=time.sleep, reserve=0):
        """Take a slot, from this process's stock or from Redis; return the seconds waited.

        `reserve` slots of the window are left to other callers: bulk work (a sync's detail
        calls) passes one so listing pages, which the bulk work waits on, are never starved.
        """
        waited = 0.0
        while True:
            with self.lock:
                if self.stock and self.clock() - self.taken_at <= self.max_age:
                    self.stock.pop()
                    return waited
                if self.stock:  # too old to use: give them back to the window
                    self.redis.zrem(self.key, *self.stock)
                    self.stock = []
                granted, wait_ms, first = (int(value) for value in self.script(
                    keys=[self.key], args=[self.window_ms, self.limit, self.batch, reserve]))
                if granted:
                    self.stock, self.taken_at = [str(first + n) for n in range(2, granted + 1)], self.clock()
                    return waited
            sleep(wait_ms / 1000)
            waited += wait_ms / 1000
