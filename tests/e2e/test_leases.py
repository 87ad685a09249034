"""Leases on the real Redis server (newscrawl/crawl/shared/leases.py): site slots never more than the limit
and handed out in order of asking, a dead holder's leases lapse within the TTL while a live
holder's are renewed, a lease lost while held is reported, and the concurrency middleware gives
a request's slot back once whichever way the request leaves."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import scrapy

from newscrawl.crawl.politeness.slots import SharedConcurrencyMiddleware
from newscrawl.crawl.shared.leases import LeaseKeeper

from .test_scale_out import REPO

TTL = 1.5


@pytest.fixture
def keepers(redis_frontier):
    """Lease keepers as separate processes would have them (one Redis client each)."""
    import redis

    made = []

    def make(ttl: float = TTL, **kwargs) -> LeaseKeeper:
        keeper = LeaseKeeper(redis.Redis.from_url(redis_frontier.url), ttl, **kwargs)
        made.append(keeper)
        return keeper

    yield make
    for keeper in made:
        keeper.close()


def test_site_slots_never_exceed_the_limit_and_go_in_order_of_asking(redis_frontier, keepers):
    a, b = keepers(), keepers()
    key = f"{redis_frontier.prefix}:inflight:site.example"
    a1, a2, a3, b1 = a.new_id(), a.new_id(), a.new_id(), b.new_id()
    assert a.try_slot(key, a1, 2) and a.try_slot(key, a2, 2)
    assert not b.try_slot(key, b1, 2)  # both taken: b1 waits in line
    assert not a.try_slot(key, a3, 2)  # behind b1
    assert redis_frontier.client.zcard(key) == 2
    a.release_slot(a1)
    # The freed slot goes to the first in line, not to the process that freed it.
    assert not a.try_slot(key, a3, 2)
    assert b.try_slot(key, b1, 2)
    assert not a.try_slot(key, a3, 2)
    b.release_slot(b1)
    assert a.try_slot(key, a3, 2)
    assert not a.release_slot(a1), "a slot is given back once"
    # Another site is counted on its own.
    other = f"{redis_frontier.prefix}:inflight:other.example"
    assert b.try_slot(other, b.new_id(), 2)
    # A waiter that stops asking (its request went away) leaves the line, and the keys go
    # once nothing is held or waiting.
    b2 = b.new_id()
    assert not b.try_slot(key, b2, 2)
    b.leave_line(key, b2)
    a.close()
    b.close()
    assert redis_frontier.keys() == []


def _start_holder(url: str, *args: str) -> tuple[subprocess.Popen, str]:
    holder = subprocess.Popen([sys.executable, "-m", "tests.e2e.lease_holder", url, str(TTL), *args],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    name = holder.stdout.readline().strip()
    assert name and holder.poll() is None, name + holder.stdout.read()
    return holder, name


def test_a_killed_holder_s_slots_lapse_within_the_ttl_while_a_live_holder_keeps_them(
        redis_frontier, keepers):
    key = f"{redis_frontier.prefix}:inflight:site.example"
    holder, name = _start_holder(redis_frontier.url, "slots", key, "2")
    try:
        mine = keepers()
        asking = mine.new_id()
        # Alive, the holder keeps both slots for two TTLs and more: it renews them.
        until = time.monotonic() + 2 * TTL
        while time.monotonic() < until:
            assert not mine.try_slot(key, asking, 2)
            time.sleep(0.1)
        held = [m.decode() for m in redis_frontier.client.zrange(key, 0, -1)]
        assert len(held) == 2 and all(m.startswith(name) for m in held)
    finally:
        holder.kill()
        holder.wait()
    killed_at = time.monotonic()
    while not mine.try_slot(key, asking, 2):
        assert time.monotonic() - killed_at < TTL + 1.0, "a dead holder's slot did not lapse"
        time.sleep(0.05)
    # Both of the dead holder's slots are free again: the second one too.
    assert mine.try_slot(key, mine.new_id(), 2)


def test_a_killed_holder_s_lock_lapses_within_the_ttl_while_a_live_holder_keeps_it(
        redis_frontier, keepers):
    key = f"{redis_frontier.prefix}:news:robots:lock:site.example"
    holder, name = _start_holder(redis_frontier.url, "lock", key)
    try:
        mine = keepers()
        time.sleep(2 * TTL)
        assert mine.try_lock(key) is None
        assert redis_frontier.client.get(key).decode().startswith(name)
    finally:
        holder.kill()
        holder.wait()
    killed_at = time.monotonic()
    while (token := mine.try_lock(key)) is None:
        assert time.monotonic() - killed_at < TTL + 1.0, "a dead holder's lock did not lapse"
        time.sleep(0.05)
    # Held by us now, and renewed past the TTL, until unlocked.
    time.sleep(2 * TTL)
    assert redis_frontier.client.get(key).decode() == token
    mine.unlock(key, token)
    assert redis_frontier.keys() == []


def test_a_lease_that_lapsed_while_held_is_reported_and_forgotten(redis_frontier, keepers):
    lost = []
    keeper = keepers(on_lost=lost.append)
    slots = f"{redis_frontier.prefix}:inflight:site.example"
    lock = f"{redis_frontier.prefix}:news:robots:lock:site.example"
    lease = keeper.new_id()
    assert keeper.try_slot(slots, lease, 1) and keeper.try_lock(lock)
    assert keeper.renew() == [] and keeper.held() == 2
    # As if this process had been stalled past the TTL and another had pruned its lease and
    # taken the lock.
    redis_frontier.client.zrem(slots, lease)
    redis_frontier.client.set(lock, "someone-else")
    assert sorted(keeper.renew()) == sorted([slots, lock]) == sorted(lost)
    assert keeper.held() == 0
    assert redis_frontier.client.get(lock) == b"someone-else"  # not ours to give back


def _run(coroutine):
    """Run a coroutine that never suspends (its slot is free) to its end."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the request had to wait")


def test_the_concurrency_middleware_gives_a_request_s_slot_back_once_however_it_leaves(
        redis_frontier, keepers):
    one, other = (SharedConcurrencyMiddleware(keepers(), redis_frontier.prefix, 1) for _ in range(2))
    slots = f"{redis_frontier.prefix}:inflight:site.example"
    first, second = scrapy.Request("http://site.example/a"), scrapy.Request("http://site.example/b")
    _run(one.process_request(first))
    assert one.in_flight() == 1 and redis_frontier.client.zcard(slots) == 1
    assert not other.keeper.try_slot(slots, "someone", 1)
    other.keeper.leave_line(slots, "someone")
    # The transfer ended (Scrapy's signal), then the response passes the middleware: one release.
    one.request_left_downloader(first)
    response = scrapy.http.Response(first.url)
    assert one.process_response(first, response) is response
    assert one.in_flight() == 0 and redis_frontier.client.zcard(slots) == 0
    # A request dropped after its slot was taken (an exception from a later middleware).
    _run(other.process_request(second))
    assert other.process_exception(second, scrapy.exceptions.IgnoreRequest()) is None
    assert other.in_flight() == 0
    # At the close everything still held is given back.
    _run(one.process_request(first))
    one.close()
    assert redis_frontier.keys() == []
