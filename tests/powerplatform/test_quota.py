"""The request quota taken from Redis in batches: never more than the limit, stale slots dropped."""

import pytest

from coe_portal.core.ratelimit import SlidingWindowLimit
from coe_portal.powerplatform.quota import QuotaStock


class Stop(Exception):
    pass


def refuse(seconds):
    raise Stop(seconds)


@pytest.fixture
def key():
    SlidingWindowLimit("test:quota", 1, 1).reset()
    yield "test:quota"
    SlidingWindowLimit("test:quota", 1, 1).reset()


def test_processes_sharing_a_window_never_take_more_than_the_limit(key):
    stocks = [QuotaStock(key, limit=20, window=30, batch=8, max_age=60) for _ in range(3)]
    taken = 0
    with pytest.raises(Stop) as stopped:
        for turn in range(100):
            stocks[turn % 3].acquire(sleep=refuse)
            taken += 1
    # Slots in other processes' stock are spoken for: the 21st request anywhere waits.
    assert taken <= 20 and stopped.value.args[0] > 0
    assert stocks[0].script.registered_client.zcard(f"coe:ratelimit:{key}") == 20


def test_stock_older_than_max_age_is_given_back_not_used_late(key):
    now = [0.0]
    stock = QuotaStock(key, limit=100, window=30, batch=8, max_age=0.2, clock=lambda: now[0])
    stock.acquire()
    assert len(stock.stock) == 7
    now[0] = 0.5
    stock.acquire()  # a fresh batch: the seven old slots go back to the window unused
    assert len(stock.stock) == 7
    assert stock.script.registered_client.zcard(f"coe:ratelimit:{key}") == 9


def test_background_calls_leave_the_reserve_to_listing_pages(key):
    bulk = QuotaStock(key, limit=20, window=30, batch=1, max_age=60)
    listing = QuotaStock(key, limit=20, window=30, batch=1, max_age=60)
    taken = 0
    with pytest.raises(Stop) as stopped:
        for _ in range(30):
            bulk.acquire(sleep=refuse, reserve=3)
            taken += 1
    assert taken == 17 and 29_000 < stopped.value.args[0] * 1000 <= 30_000  # waits for the oldest slot to leave
    for _ in range(3):  # the reserve is still there for the pages the bulk work waits on
        assert listing.acquire(sleep=refuse) == 0
    with pytest.raises(Stop):
        listing.acquire(sleep=refuse)
