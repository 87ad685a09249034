"""At most a site's concurrency limit of requests in flight: across the processes of a shared
crawl (slots leased in Redis), or in one process (slots in memory).

:class:`SharedConcurrencyMiddleware` allows at most ``NEWSCRAWL_SITE_CONCURRENCY`` requests in
flight to a site (default ``CONCURRENT_REQUESTS_PER_DOMAIN``; a site's ``DOWNLOAD_SLOTS``
concurrency where set). It is on in both modes (``DOWNLOADER_MIDDLEWARES`` in
:mod:`newscrawl.crawl.settings`; the :class:`~newscrawl.crawl.shared.addon.RedisFrontier` add-on
puts it at the same place) and does not know which table of slots (:class:`SiteSlots`) it talks
to:

* **With Redis** the slots are leases of :mod:`newscrawl.crawl.shared.leases` shared by all
  processes (a sorted set per site, :func:`~newscrawl.crawl.shared.keys.inflight_key`, lease ids
  scored by expiry; taken by a Lua script that first drops expired leases; a waiting line so
  that slots go to requests in the order they asked). A crashed process's leases lapse after
  ``NEWSCRAWL_LEASE_TTL``. A request waiting for a slot asks again every :data:`SLOT_POLL`
  seconds (a Lua call; the reactor keeps running). The frontier still hands a process requests
  for a site whose slots other processes hold, up to the process's own per-site limit, and they
  wait here: skipping such sites in the queue would leave an otherwise idle process asleep until
  Scrapy's 5-second engine heartbeat, since nothing of its own would finish to wake it.
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` still bounds each process as well (Scrapy's downloader).
  ``NEWSCRAWL_SHARED_SITE_CONCURRENCY = False`` switches it off (per-process concurrency; for
  measuring the difference).
* **Without Redis** the slots are kept in the process's memory by :class:`LocalSlots`: the same
  per-site limit, waiting line in order of asking and release paths, but nothing lapses (the
  slots die with their process) and a waiting request is woken the moment a slot it may take
  comes free, instead of asking again every few milliseconds: nobody else can free a slot behind
  its back. Scrapy's downloader does not keep the limit by itself at ``DOWNLOAD_DELAY = 0``:
  under the asyncio reactor (Scrapy 2.19, ``scrapy/core/downloader/__init__.py``)
  ``Downloader._process_queue`` starts each queued request with
  ``_schedule_coro(self._wait_for_download(...))``, which only creates an asyncio task; the
  request enters ``slot.transferring`` when that task first runs, in a later loop iteration. So
  its loop ``while slot.queue and slot.free_transfer_slots() > 0`` sees the same free count for
  every queued request and starts all of them: when a transfer ends with 4 requests queued
  behind a limit of 2, all 4 go out (a feed's links queue up like that). With a delay
  (``DOWNLOAD_DELAY`` or AutoThrottle's) the loop starts one request per delay and the limit
  holds. Here a request is let through to Scrapy's slot only while the site has a free slot, so
  the slot's queue never holds more than the limit allows.
  ``NEWSCRAWL_LOCAL_SITE_CONCURRENCY = False`` leaves it to Scrapy's downloader (for measuring).
  Scrapy's scheduler queue is replaced by
  :class:`~newscrawl.crawl.politeness.queue.SiteAwarePriorityQueue`, which sees the requests
  that wait here (Scrapy's own counts a request only once it reaches the download slot).

Each request takes a slot before it goes on, and gives it back when it leaves the downloader: at
the end of its transfer (``request_left_downloader``), or when a response or an exception comes
back without a transfer (a replayed page, a request dropped by a later middleware), whichever
comes first; at the spider's close everything still held is given back. The middleware sits
just before the pacing (so a request takes its pace slot only once it may be sent) and after
everything that may drop a request or pause it without sending (robots.txt, the revisit
decision, the retry back-off): a slot is held only by requests on their way out.

Stats: ``newscrawl/concurrency/leased`` (requests given a site slot),
``newscrawl/concurrency/waited`` (those that had to wait), ``newscrawl/concurrency/wait_ms``,
``newscrawl/leases/lost`` (slot leases that lapsed while held).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any, Protocol

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.shared.keys import connect, crawl_prefix, inflight_key, redis_url
from newscrawl.crawl.shared.leases import LeaseKeeper, lease_ttl

#: How often a request waiting for a shared site slot asks Redis again (seconds).
SLOT_POLL = 0.05


def site_limits(settings) -> tuple[int, dict[str, int]]:
    """Requests in flight allowed per site: the default (``NEWSCRAWL_SITE_CONCURRENCY``, else
    ``CONCURRENT_REQUESTS_PER_DOMAIN``, else ``CONCURRENT_REQUESTS``) and the sites that set
    their own (``DOWNLOAD_SLOTS`` concurrency)."""
    concurrency = (settings.getint("NEWSCRAWL_SITE_CONCURRENCY")
                   or settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
                   or settings.getint("CONCURRENT_REQUESTS"))
    per_site = {site: int(conf["concurrency"])
                for site, conf in settings.getdict("DOWNLOAD_SLOTS").items()
                if isinstance(conf, dict) and conf.get("concurrency")}
    return max(1, concurrency), per_site


class SiteSlots(Protocol):
    """What the concurrency middleware asks of a table of site slots: :class:`~newscrawl.crawl.shared.leases.LeaseKeeper` (in
    Redis, shared by processes) or :class:`LocalSlots` (in memory, one process).

    ``wakes_waiters`` says whether a waiter may sleep until :meth:`wake_when_free` calls it
    back (a local table sees every release); otherwise it asks again every few milliseconds.
    """

    wakes_waiters: bool

    def new_id(self) -> str: ...

    def try_slot(self, slot_key: str, lease_id: str, limit: int) -> bool: ...

    def leave_line(self, slot_key: str, lease_id: str) -> None: ...

    def release_slot(self, lease_id: str) -> bool: ...

    def held(self) -> int: ...

    def close(self) -> None: ...


class LocalSlots:
    """Site slots of one process, in memory (module docstring): the slot logic of
    :class:`~newscrawl.crawl.shared.leases.LeaseKeeper` - at most ``limit`` holders per slot key, free slots to the waiting line
    in order of asking - without Redis, leases or renewal.

    Used from the reactor thread only, so it takes no lock. A waiter registers a callback with
    :meth:`wake_when_free` after a refused :meth:`try_slot`; it is called (once) when the waiter
    is among the first ``free`` of its line, i.e. when its next :meth:`try_slot` succeeds -
    unless another request of the line asks first, which the order of the line prevents.
    """

    #: Every release happens here, so a waiter is told instead of asking again.
    wakes_waiters = True

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._holders: dict[str, set[str]] = {}  # slot key -> lease ids holding one of its slots
        self._slots: dict[str, str] = {}  # lease id -> slot key
        # Waiting lease ids per slot key, in order of asking (a dict keeps insertion order and
        # removes from the middle in O(1)).
        self._lines: dict[str, dict[str, None]] = {}
        self._limits: dict[str, int] = {}  # slot key -> the limit it was last asked with
        self._wakers: dict[str, Callable[[], None]] = {}  # waiting lease id -> its callback

    def new_id(self) -> str:
        return f"local:{next(self._ids)}"

    def _free(self, slot_key: str) -> int:
        return self._limits.get(slot_key, 1) - len(self._holders.get(slot_key, ()))

    def _first_in_line(self, slot_key: str, count: int) -> list[str]:
        return list(itertools.islice(self._lines.get(slot_key, {}), max(0, count)))

    def try_slot(self, slot_key: str, lease_id: str, limit: int) -> bool:
        """As :meth:`~newscrawl.crawl.shared.leases.LeaseKeeper.try_slot`: granted if a slot is free and nobody asked before."""
        self._limits[slot_key] = max(1, limit)
        line = self._lines.get(slot_key) or {}
        free = self._free(slot_key)
        # Those ahead of it: its place in the line, or the whole line for a newcomer.
        ahead = list(line).index(lease_id) if lease_id in line else len(line)
        if ahead < free:
            if line:
                line.pop(lease_id, None)
                if not line:
                    del self._lines[slot_key]
            self._wakers.pop(lease_id, None)
            self._holders.setdefault(slot_key, set()).add(lease_id)
            self._slots[lease_id] = slot_key
            return True
        self._lines.setdefault(slot_key, {}).setdefault(lease_id, None)
        return False

    def wake_when_free(self, slot_key: str, lease_id: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` once ``lease_id``, waiting in line, may take a slot (at once if it
        may already)."""
        if lease_id in self._first_in_line(slot_key, self._free(slot_key)):
            callback()
        else:
            self._wakers[lease_id] = callback

    def _wake(self, slot_key: str) -> None:
        """Tell the waiters that may now take a slot of ``slot_key``."""
        for lease_id in self._first_in_line(slot_key, self._free(slot_key)):
            callback = self._wakers.pop(lease_id, None)
            if callback is not None:
                callback()

    def leave_line(self, slot_key: str, lease_id: str) -> None:
        """``lease_id`` stops waiting (its request went away); those behind it move up."""
        self._wakers.pop(lease_id, None)
        line = self._lines.get(slot_key)
        if line is None or lease_id not in line:
            return
        del line[lease_id]
        if not line:
            del self._lines[slot_key]
        self._wake(slot_key)

    def release_slot(self, lease_id: str) -> bool:
        """Give back the slot ``lease_id`` holds; False if it held none (already given back)."""
        slot_key = self._slots.pop(lease_id, None)
        if slot_key is None:
            return False
        holders = self._holders[slot_key]
        holders.discard(lease_id)
        if not holders:
            del self._holders[slot_key]
            if slot_key not in self._lines:  # nothing left of the site: forget its limit
                self._limits.pop(slot_key, None)
        self._wake(slot_key)
        return True

    def held(self) -> int:
        """How many slots are held."""
        return len(self._slots)

    def waiting(self) -> int:
        """How many requests wait in a line."""
        return sum(len(line) for line in self._lines.values())

    def close(self) -> None:
        """Forget everything (the crawl is over; nobody is left to wake)."""
        self._holders.clear()
        self._slots.clear()
        self._lines.clear()
        self._limits.clear()
        self._wakers.clear()


class SharedConcurrencyMiddleware:
    """At most a site's concurrency limit of requests in flight: across all processes with Redis,
    in this process without (module docstring). ``keeper`` holds the slots: a
    :class:`~newscrawl.crawl.shared.leases.LeaseKeeper` or a :class:`LocalSlots`."""

    def __init__(self, keeper: SiteSlots, prefix: str, concurrency: int, *,
                 per_site: dict[str, int] | None = None, stats: Any = None,
                 crawler: Any = None) -> None:
        self.keeper = keeper
        self.prefix = prefix
        self.concurrency = max(1, concurrency)
        self.per_site = dict(per_site or {})
        self.stats = stats
        self.crawler = crawler
        #: Requests holding a slot: the request -> its lease id.
        self._leases: dict[Request, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        url = redis_url(settings)
        if url and not settings.getbool("NEWSCRAWL_SHARED_SITE_CONCURRENCY",
                                        defaults.NEWSCRAWL_SHARED_SITE_CONCURRENCY):
            raise NotConfigured("NEWSCRAWL_SHARED_SITE_CONCURRENCY is off: per-process concurrency")
        if not url and not settings.getbool("NEWSCRAWL_LOCAL_SITE_CONCURRENCY",
                                            defaults.NEWSCRAWL_LOCAL_SITE_CONCURRENCY):
            raise NotConfigured("NEWSCRAWL_LOCAL_SITE_CONCURRENCY is off: Scrapy's downloader alone")
        concurrency, per_site = site_limits(settings)
        stats = crawler.stats
        if url:
            keeper = LeaseKeeper(connect(url), lease_ttl(settings),
                                 on_lost=lambda key: stats.inc_value("newscrawl/leases/lost"))
        else:
            keeper = LocalSlots()
        middleware = cls(keeper, crawl_prefix(settings), concurrency, per_site=per_site,
                         stats=stats, crawler=crawler)
        crawler.signals.connect(middleware.request_left_downloader,
                                signal=signals.request_left_downloader)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def slot_key(self, site: str) -> str:
        return inflight_key(self.prefix, site)

    def limit(self, site: str) -> int:
        return self.per_site.get(site, self.concurrency)

    def _site(self, request: Request) -> str:
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        if downloader is not None:
            return downloader.get_slot_key(request)
        return urlparse_cached(request).hostname or ""

    async def process_request(self, request: Request) -> None:
        site = self._site(request)
        slot_key, limit = self.slot_key(site), self.limit(site)
        lease_id = self.keeper.new_id()
        waiting_since = None
        granted = False
        try:
            while not self.keeper.try_slot(slot_key, lease_id, limit):
                if waiting_since is None:
                    waiting_since = time.monotonic()
                await self._turn(slot_key, lease_id)
            granted = True
        finally:
            if not granted:  # cancelled while waiting (the crawl is closing): leave the line
                self.keeper.leave_line(slot_key, lease_id)
        self._leases[request] = lease_id
        self._inc("leased")
        if waiting_since is not None:
            self._inc("waited")
            self._inc("wait_ms", int(1000 * (time.monotonic() - waiting_since)))
        return None

    async def _turn(self, slot_key: str, lease_id: str) -> None:
        """Until ``lease_id`` should ask for a slot again: woken by the slot table where it can
        (in memory: the moment a slot comes free), else after :data:`SLOT_POLL`."""
        if not self.keeper.wakes_waiters:
            await sleep(SLOT_POLL)
            return
        turn: Deferred = Deferred()
        self.keeper.wake_when_free(slot_key, lease_id, lambda: turn.callback(None))
        # A Deferred, not an asyncio future: the middleware also runs on Twisted's default reactor.
        await maybe_deferred_to_future(turn)

    def release(self, request: Request) -> None:
        """Give back the slot of ``request``, if it holds one (it is given back once)."""
        lease_id = self._leases.pop(request, None)
        if lease_id is not None:
            self.keeper.release_slot(lease_id)

    def request_left_downloader(self, request: Request) -> None:
        self.release(request)

    def process_response(self, request: Request, response):
        self.release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.release(request)
        return None

    def close(self) -> None:
        """Give back every slot still held (requests cancelled at the close) and stop renewing."""
        self._leases.clear()
        self.keeper.close()

    def in_flight(self) -> int:
        """Requests of this process holding a slot."""
        return len(self._leases)

    def _inc(self, name: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/concurrency/{name}", count)


__all__ = ["LocalSlots", "SharedConcurrencyMiddleware", "SiteSlots", "site_limits"]
