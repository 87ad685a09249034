"""Leases on Redis that lapse unless their holder keeps renewing them: locks and site slots.

Crawler processes sharing a Redis frontier (:mod:`newscrawl.crawl.shared.frontier`) coordinate their
politeness (:mod:`newscrawl.crawl.politeness`) through two kinds of lease:

* a **lock** (one holder): the process downloading a site's robots.txt for all the others;
* a **slot** (up to *limit* holders per site): one request in flight to the site, so that all
  processes together keep to one per-site concurrency limit.

A process can die at any moment (``kill -9``, OOM, a lost host); what it held must come free by
itself, soon, without a guess at how long the holder's work may take. Design:

* **Short TTL, renewed by the holder.** Every lease expires ``ttl`` seconds
  (``NEWSCRAWL_LEASE_TTL``) after its last renewal, and :class:`LeaseKeeper` renews all
  of its process's leases every ``ttl / 4``. A live holder keeps a lease however long its work
  takes (a robots.txt download with three attempts and back-off pauses may take minutes); a
  dead one stops renewing, and the others get the lease within ``ttl``. A fixed expiry would
  have to be as long as the longest possible download, and a dead holder would block every
  other process that long.
* **Renewed by a daemon thread, not a reactor timer.** The stages run in the reactor thread; a
  slow page (seconds of extraction) would hold up a reactor timer. The thread gets the GIL at
  least every 5 ms of Python code and during every blocking call, so only a frozen process
  (stopped, swapping) misses its renewals - which is the case the TTL is for. redis-py's client
  is thread-safe (a connection per command from its pool).
* **Redis' clock** (``TIME`` inside the Lua scripts) for every expiry, as for the shared pacing:
  processes on machines with skewed clocks agree.
* **A lease lost while held** (its process froze for longer than ``ttl``) is not taken back: its
  holder carries on - robots.txt is then fetched twice, or a site has one request more in flight
  than its limit, that once. The keeper counts it (``newscrawl/leases/lost``) and logs a warning.
* **Slots are handed out in order of asking** (a waiting line per site in Redis): otherwise the
  process that frees a slot would almost always take it again at once for its next request
  (it asks within a millisecond, the others poll), and another process's requests could wait
  until that process ran out of work for the site. A waiter that stops asking for
  :data:`WAITER_STALE` (its process died, or its request was cancelled without saying so)
  leaves the line.

**Without Redis** (one process, Scrapy's own scheduler) the same slots are kept in the process's
memory by :class:`~newscrawl.crawl.politeness.slots.LocalSlots`, which keeps the slot logic of
:class:`LeaseKeeper` (the concurrency middleware does not know which it talks to).

Keys, for a site slot key ``K`` (``<prefix>:inflight:<site>``): ``K`` (sorted set: lease id ->
expiry, ms), ``K:line`` (waiting requests -> when they started waiting, µs) and ``K:asked``
(waiting requests -> when they last asked). All three expire by themselves once unused.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

from newscrawl.crawl import settings as defaults

logger = logging.getLogger(__name__)

#: A waiter that has not asked for a slot for this long (ms) leaves the site's waiting line.
WAITER_STALE = 2000

# The current time on Redis' clock, in ms (and in µs: the waiting line's order, so that two
# requests asking within the same millisecond are still told apart by who asked first).
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function expire_at_least(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
"""

# KEYS: the slot set, the waiting line, the last-asked times; ARGV: lease id, limit, ttl (ms),
# stale (ms). 1 = the slot is granted (the lease expires ttl from now unless renewed); 0 = all
# taken, or others asked first: the caller is in the line and asks again.
_TAKE_SLOT = _NOW + """
local id, limit, ttl, stale = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - stale)
for _, waiter in ipairs(gone) do redis.call('ZREM', KEYS[2], waiter) end
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - stale) end
local free = limit - redis.call('ZCARD', KEYS[1])
if free > 0 then
  local ahead = redis.call('ZRANK', KEYS[2], id)
  if not ahead then ahead = redis.call('ZCARD', KEYS[2]) end
  if ahead < free then
    redis.call('ZADD', KEYS[1], now + ttl, id)
    expire_at_least(KEYS[1], ttl)
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
    return 1
  end
end
redis.call('ZADD', KEYS[2], 'NX', now_us, id)
redis.call('ZADD', KEYS[3], now, id)
redis.call('PEXPIRE', KEYS[2], stale)
redis.call('PEXPIRE', KEYS[3], stale)
return 0
"""

# KEYS: n locks, then m slot sets; ARGV: ttl (ms), n, then the n lock tokens, then the m lease
# ids. Extends every lease that is still its holder's by ttl from now; returns the 1-based
# positions of those that were not (expired and taken or dropped meanwhile).
_RENEW = _NOW + """
local ttl, locks = tonumber(ARGV[1]), tonumber(ARGV[2])
local lost = {}
for i, key in ipairs(KEYS) do
  local held = ARGV[i + 2]
  if i <= locks then
    if redis.call('GET', key) == held then redis.call('PEXPIRE', key, ttl)
    else table.insert(lost, i) end
  else
    if redis.call('ZSCORE', key, held) then
      redis.call('ZADD', key, 'XX', now + ttl, held)
      expire_at_least(key, ttl)
    else table.insert(lost, i) end
  end
end
return lost
"""

# KEYS: the lock; ARGV: its holder's token. Deletes the lock only if it is still the holder's.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def lease_ttl(settings: Any) -> float:
    """Seconds a lease of a dead process outlives it: ``NEWSCRAWL_LEASE_TTL``."""
    return settings.getfloat("NEWSCRAWL_LEASE_TTL", defaults.NEWSCRAWL_LEASE_TTL)


def holder_name() -> str:
    """This process, as other processes see it in a lease: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _line_keys(slot_key: str) -> list[str]:
    return [slot_key, f"{slot_key}:line", f"{slot_key}:asked"]


class LeaseKeeper:
    """Takes, renews and gives back one process's leases (module docstring).

    ``on_lost`` is called (from the renewing thread) with the key of each lease found lost.
    The thread starts with the first lease taken and stops at :meth:`close`, which also gives
    back whatever is still held.
    """

    #: Slots are freed by other processes too, unseen: a waiter asks again (polls).
    wakes_waiters = False

    def __init__(self, server, ttl: float = float(defaults.NEWSCRAWL_LEASE_TTL), *,
                 on_lost: Callable[[str], None] | None = None) -> None:
        if ttl <= 0:
            raise ValueError(f"a lease TTL must be positive, not {ttl!r}")
        self.server = server
        self.ttl_ms = max(1, int(round(ttl * 1000)))
        self.name = holder_name()
        self.on_lost = on_lost
        self._take_slot = server.register_script(_TAKE_SLOT)
        self._renew = server.register_script(_RENEW)
        self._unlock = server.register_script(_UNLOCK)
        self._ids = itertools.count(1)
        self._mutex = threading.Lock()
        self._locks: dict[str, str] = {}  # lock key -> our token
        self._slots: dict[str, str] = {}  # lease id -> slot key
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def ttl(self) -> float:
        return self.ttl_ms / 1000

    @property
    def renew_every(self) -> float:
        """Seconds between renewals: a quarter of the TTL, so three can fail in a row."""
        return self.ttl / 4

    def new_id(self) -> str:
        """A lease id for one request: this process's name and a counter."""
        return f"{self.name}:{next(self._ids)}"

    # ---------------------------------------------------------------- locks

    def try_lock(self, key: str) -> str | None:
        """Take the lock ``key`` if free; the token that holds it, else None."""
        token = self.new_id()
        if not self.server.set(key, token, nx=True, px=self.ttl_ms):
            return None
        with self._mutex:
            self._locks[key] = token
        self._start()
        return token

    def unlock(self, key: str, token: str) -> None:
        with self._mutex:
            if self._locks.get(key) == token:
                del self._locks[key]
        self._unlock(keys=[key], args=[token])

    # ---------------------------------------------------------------- slots

    def try_slot(self, slot_key: str, lease_id: str, limit: int) -> bool:
        """Take one of ``limit`` slots under ``slot_key`` for ``lease_id``, if free and nobody
        asked before; otherwise ``lease_id`` waits in line (ask again soon, or :meth:`leave_line`)."""
        granted = self._take_slot(keys=_line_keys(slot_key),
                                  args=[lease_id, max(1, limit), self.ttl_ms, WAITER_STALE])
        if granted:
            with self._mutex:
                self._slots[lease_id] = slot_key
            self._start()
        return bool(granted)

    def leave_line(self, slot_key: str, lease_id: str) -> None:
        """``lease_id`` stops waiting for a slot (its request went away)."""
        keys = _line_keys(slot_key)
        with self.server.pipeline(transaction=False) as pipe:
            pipe.zrem(keys[1], lease_id)
            pipe.zrem(keys[2], lease_id)
            pipe.execute()

    def release_slot(self, lease_id: str) -> bool:
        """Give back the slot ``lease_id`` holds; False if it held none (already given back)."""
        with self._mutex:
            slot_key = self._slots.pop(lease_id, None)
        if slot_key is None:
            return False
        self.server.zrem(slot_key, lease_id)
        return True

    def held(self) -> int:
        """How many leases (locks and slots) this keeper holds."""
        with self._mutex:
            return len(self._locks) + len(self._slots)

    # ---------------------------------------------------------------- renewal

    def renew(self) -> list[str]:
        """Extend every lease held by one TTL from now; the keys of those found lost (forgotten)."""
        with self._mutex:
            locks = list(self._locks.items())
            slots = list(self._slots.items())
        if not locks and not slots:
            return []
        keys = [key for key, _ in locks] + [key for _, key in slots]
        held = [token for _, token in locks] + [lease_id for lease_id, _ in slots]
        lost_at = self._renew(keys=keys, args=[self.ttl_ms, len(locks), *held])
        lost = []
        with self._mutex:
            for position in lost_at:
                index = int(position) - 1
                if index < len(locks):
                    key, token = locks[index]
                    if self._locks.get(key) == token:
                        del self._locks[key]
                else:
                    lease_id, key = slots[index - len(locks)]
                    self._slots.pop(lease_id, None)
                lost.append(keys[index])
        for key in lost:
            logger.warning("Lease on %s lapsed while held (this process was stalled for over "
                           "%.1f s); carrying on without it", key, self.ttl)
            if self.on_lost is not None:
                self.on_lost(key)
        return lost

    def _start(self) -> None:
        with self._mutex:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="newscrawl-lease-keeper",
                                            daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.renew_every):
            try:
                self.renew()
            except Exception as exc:  # noqa: BLE001 - Redis away for a moment: try next time
                logger.warning("Could not renew leases on Redis: %s", exc)

    def close(self) -> None:
        """Stop renewing and give back every lease still held."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._mutex:
            locks, self._locks = self._locks, {}
            slots, self._slots = self._slots, {}
        for key, token in locks.items():
            self._unlock(keys=[key], args=[token])
        for lease_id, key in slots.items():
            self.server.zrem(key, lease_id)


__all__ = ["LeaseKeeper", "holder_name", "lease_ttl"]
