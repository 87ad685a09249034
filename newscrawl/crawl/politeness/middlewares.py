"""Politeness across crawler processes that share a Redis frontier (:mod:`newscrawl.crawl.shared.frontier`),
and the per-site concurrency limit of a single process without one.

Scrapy's politeness is per process: its robots.txt middleware keeps the parsed robots.txt of a
site in the process's memory, and a site's download delay and concurrency are counted by the
process's own downloader. With N processes on one frontier a site would have its robots.txt
fetched N times per crawl and be hit N times as hard. The robots.txt and pacing middlewares here
are put in place by the :class:`~newscrawl.crawl.shared.frontier.RedisFrontier` add-on, only when a Redis URL
is set; without it Scrapy's own behaviour is unchanged. The concurrency middleware is on in both
cases (``DOWNLOADER_MIDDLEWARES`` in :mod:`newscrawl.crawl.settings`; the add-on puts it at the same
place): without Redis it keeps the slots in the process's memory (below).

:class:`SharedRobotsTxtMiddleware` (in place of Scrapy's ``RobotsTxtMiddleware``, same
position): the first process that needs a site's robots.txt takes a Redis lock for it (a lease
of :mod:`newscrawl.crawl.shared.leases`: ``NEWSCRAWL_LEASE_TTL`` seconds, 10, renewed by its holder while it
downloads, so a process that dies while fetching blocks the others for at most that long),
downloads it through the normal downloader chain and stores status and body in a hash of the
crawl run (``<prefix>:<spider>:robots``, field = the site's netloc); the others wait for that
copy (polling without blocking the reactor; the log says once per site which process they wait
for) and parse it themselves. A download error is stored
too (every process then allows everything, as Scrapy does after an error), so robots.txt is
fetched once per site and crawl run. The hash belongs to the run: the first process of a new run
deletes it, and so does the last one out (:mod:`newscrawl.crawl.shared.frontier`); a TTL
(``NEWSCRAWL_ROBOTSTXT_TTL``, 1 day) bounds how long a copy can outlive a run that never ended.

:class:`SharedConcurrencyMiddleware`: at most ``NEWSCRAWL_SITE_CONCURRENCY`` requests in flight
to a site across all processes (default ``CONCURRENT_REQUESTS_PER_DOMAIN``, 2; a site's
``DOWNLOAD_SLOTS`` concurrency where set). Each request takes a slot lease of
:mod:`newscrawl.crawl.shared.leases` (a sorted set per site, ``<prefix>:inflight:<site>``, lease ids scored by
expiry; taken by a Lua script that first drops expired leases; a waiting line so that slots go
to requests in the order they asked) before it goes on, and gives it back when it leaves the
downloader: at the end of its transfer (``request_left_downloader``), or when a response or an
exception comes back without a transfer (a replayed page, a request dropped by a later
middleware), whichever comes first; at the spider's close everything still held is given back.
A crashed process's leases lapse after ``NEWSCRAWL_LEASE_TTL``. Details:

* It sits just before the pacing (so a request takes its pace slot only once it may be sent)
  and after everything that may drop a request or pause it without sending (robots.txt, the
  revisit decision, the retry back-off): a slot is held only by requests on their way out.
* A request waiting for a slot asks again every :data:`SLOT_POLL` seconds (a Lua call; the
  reactor keeps running). The frontier still hands a process requests for a site whose slots
  other processes hold, up to the process's own per-site limit, and they wait here: skipping
  such sites in the queue would leave an otherwise idle process asleep until Scrapy's 5-second
  engine heartbeat, since nothing of its own would finish to wake it.
* ``CONCURRENT_REQUESTS_PER_DOMAIN`` still bounds each process as well (Scrapy's downloader).
* ``NEWSCRAWL_SHARED_SITE_CONCURRENCY = False`` switches it off (per-process concurrency, as
  before; for measuring the difference).
* **Without Redis** the same middleware keeps the limit in one process, with the slots in memory
  (:class:`~newscrawl.crawl.shared.leases.LocalSlots`: the same limit, line and release paths; no leases to
  renew; a waiting request is woken the moment a slot it may take comes free, no polling).
  Scrapy's downloader does not keep it by itself at ``DOWNLOAD_DELAY = 0``: under the asyncio
  reactor (Scrapy 2.19, ``scrapy/core/downloader/__init__.py``) ``Downloader._process_queue``
  starts each queued request with ``_schedule_coro(self._wait_for_download(...))``, which only
  creates an asyncio task; the request enters ``slot.transferring`` when that task first runs,
  in a later loop iteration. So its loop ``while slot.queue and slot.free_transfer_slots() > 0``
  sees the same free count for every queued request and starts all of them: when a transfer
  ends with 4 requests queued behind a limit of 2, all 4 go out (a feed's links queue up like
  that). With a delay (``DOWNLOAD_DELAY`` or AutoThrottle's) the loop starts one request per
  delay and the limit holds. Here a request is let through to Scrapy's slot only while the site
  has a free slot, so the slot's queue never holds more than the limit allows.
  ``NEWSCRAWL_LOCAL_SITE_CONCURRENCY = False`` leaves it to Scrapy's downloader (for measuring).
  Scrapy's scheduler queue is replaced by :class:`SiteAwarePriorityQueue`, which sees the
  requests that wait here (Scrapy's own counts a request only once it reaches the download slot).

:class:`SharedPacingMiddleware`: each site has one "next allowed time" in Redis
(``<prefix>:pace:<site>``); a request reserves the next slot with one Lua script - atomic, and
on Redis' clock, so processes on machines with skewed clocks still agree - and waits until its
slot before going on (an asynchronous sleep: the reactor keeps running). The spacing is
``NEWSCRAWL_SITE_DELAY`` when set, else ``DOWNLOAD_DELAY``, or AutoThrottle's current delay for
the site when that is longer, so N processes together keep to one process's pace. Details:

* It sits last before the network (and before the offline replay), so it paces what is sent:
  article pages, feeds, sitemaps, robots.txt, retries and redirects (each goes through the
  scheduler and the chain again).
* A request is only given a slot when its process can send it at once: while the process's own
  requests to the site (transferring, queued in the download slot, or holding a reservation)
  reach ``CONCURRENT_REQUESTS_PER_DOMAIN``, it waits first. Otherwise Scrapy's per-site
  concurrency limit could hold it past its slot, into another process's.
* Scrapy's random ±50 % delay jitter is turned off in this mode (``DOWNLOAD_DELAY_JITTER = 0``
  by the add-on): the local delay would otherwise push a request past its shared slot.
* With a delay of 0 nothing is reserved (no Redis round trip): nothing to pace.
* The delay is kept by reservations, the concurrency by :class:`SharedConcurrencyMiddleware`.

Stats: ``newscrawl/robotstxt/shared`` (copies taken from Redis), ``newscrawl/robotstxt/fetched``
(downloads stored for the others), ``newscrawl/robotstxt/wait_ms`` (time spent waiting for
another process's download), ``newscrawl/concurrency/leased`` (requests given a site slot),
``newscrawl/concurrency/waited`` (those that had to wait), ``newscrawl/concurrency/wait_ms``,
``newscrawl/leases/lost`` (leases that lapsed while held), ``newscrawl/pacing/paced`` (requests given a slot),
``newscrawl/pacing/waited`` (those that had to wait), ``newscrawl/pacing/wait_ms`` (total wait).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.pqueues import DownloaderAwarePriorityQueue, DownloaderInterface
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from newscrawl.crawl.shared.frontier import crawl_prefix, redis_url, robots_key
from newscrawl.crawl.shared.leases import DEFAULT_LEASE_TTL, LeaseKeeper, LocalSlots, SiteSlots

logger = logging.getLogger(__name__)

#: How long a stored robots.txt may outlive its run (seconds), unless NEWSCRAWL_ROBOTSTXT_TTL.
DEFAULT_ROBOTSTXT_TTL = 24 * 3600
#: How often a process waiting for another's robots.txt download looks again (seconds).
ROBOTSTXT_POLL = 0.1
#: How often a request waiting for a free connection to its site looks again (seconds).
CAPACITY_POLL = 0.05
#: How often a request waiting for a shared site slot asks Redis again (seconds).
SLOT_POLL = 0.05
#: Stored in place of status and body when the download failed.
_ERROR = b"error"

# KEYS: the site's next allowed time (ms, Redis' clock); ARGV: the delay (ms).
# Reserves the first free slot at or after now; returns how long to wait for it (ms). The key
# expires a second after the slot it announces, so idle sites leave nothing behind.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local delay = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + delay, 'PX', at + delay - now + 1000)
return at - now
"""


def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def lease_ttl(settings) -> float:
    """Seconds a lease of a dead process outlives it: ``NEWSCRAWL_LEASE_TTL`` (10)."""
    return settings.getfloat("NEWSCRAWL_LEASE_TTL", DEFAULT_LEASE_TTL)


def robots_lock_key(hash_key: str, netloc: str) -> str:
    """The lock of one site's robots.txt download, next to the run's copies (``hash_key``)."""
    return f"{hash_key}:lock:{netloc}"


def _encode(status: int, body: bytes) -> bytes:
    return f"{status}\n".encode() + body


def _decode(stored: bytes) -> tuple[int, bytes] | None:
    """(status, body) of a stored robots.txt, None for a failed download."""
    if stored == _ERROR:
        return None
    status, _, body = stored.partition(b"\n")
    return int(status), body


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with one download per site and run (module docstring)."""

    def __init__(self, crawler, server=None) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        url = redis_url(settings)
        self.server = server if server is not None else (_redis(url) if url else None)
        self.hash_key = robots_key(crawl_prefix(settings), crawler.spidercls.name)
        self.ttl = settings.getint("NEWSCRAWL_ROBOTSTXT_TTL", DEFAULT_ROBOTSTXT_TTL)
        # The download lock: held as long as the download takes (renewed), lapses within the
        # lease TTL of a holder's death.
        self.keeper = (LeaseKeeper(self.server, lease_ttl(settings),
                                   on_lost=lambda key: self._stats.inc_value("newscrawl/leases/lost"))
                       if self.server is not None else None)
        if self.keeper is not None:
            crawler.signals.connect(self._close_keeper, signal=signals.spider_closed)

    def _close_keeper(self) -> None:
        self.keeper.close()

    async def robot_parser(self, request: Request):
        if self.server is None:
            return await super().robot_parser(request)
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            waiting: Deferred = Deferred()
            self._parsers[netloc] = waiting
            entry = await self._shared_copy(f"{url.scheme}://{netloc}/robots.txt", netloc, request)
            parser = None
            if entry is not None:
                parser = build_from_crawler(self._parserimpl, self.crawler, entry[1])
                await self.crawler.signals.send_catch_log_async(
                    signal=signals.robots_parsed, robotparser=parser, request=request)
            self._parsers[netloc] = parser
            waiting.callback(parser)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _shared_copy(self, robots_url: str, netloc: str,
                           request: Request) -> tuple[int, bytes] | None:
        """The run's copy of a site's robots.txt: from Redis, else downloaded under the lock."""
        lock = robots_lock_key(self.hash_key, netloc)
        waiting_since = None
        while True:
            stored = self.server.hget(self.hash_key, netloc)
            if stored is not None:
                self._stats.inc_value("newscrawl/robotstxt/shared")
                self._waited(waiting_since)
                return _decode(stored)
            token = self.keeper.try_lock(lock)
            if token is not None:
                break
            if waiting_since is None:  # another process is downloading it
                waiting_since = time.monotonic()
                holder = self.server.get(lock)
                logger.info("robots.txt of %s is being downloaded by %s; waiting for its copy",
                            netloc, holder.decode() if holder else "another process")
            await sleep(ROBOTSTXT_POLL)
        self._waited(waiting_since)
        try:
            entry = await self._download(robots_url, request)
            self.server.hset(self.hash_key, netloc, _ERROR if entry is None else _encode(*entry))
            self.server.expire(self.hash_key, self.ttl)
            self._stats.inc_value("newscrawl/robotstxt/fetched")
            return entry
        finally:
            self.keeper.unlock(lock, token)

    def _waited(self, since: float | None) -> None:
        if since is not None:
            self._stats.inc_value("newscrawl/robotstxt/wait_ms",
                                  int(1000 * (time.monotonic() - since)))

    async def _download(self, robots_url: str, request: Request) -> tuple[int, bytes] | None:
        """As Scrapy's middleware downloads robots.txt (same request, stats and error log)."""
        robots_request = Request(robots_url, priority=self.DOWNLOAD_PRIORITY,
                                 meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots_request)
        except Exception as exc:  # noqa: BLE001 - as Scrapy: any failure means "allow all"
            if not isinstance(exc, IgnoreRequest):
                logger.error("Error downloading %(request)s: %(f_exception)s",
                             {"request": robots_request, "f_exception": exc}, exc_info=True)
                self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            return None
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        return response.status, response.body


class SharedPacingMiddleware:
    """One request rate per site across all processes of a crawl (module docstring)."""

    def __init__(self, server, prefix: str, delay: float, concurrency: int, *,
                 autothrottle: bool = False, stats: Any = None, crawler: Any = None) -> None:
        self.server = server
        self.prefix = prefix
        self.delay = delay
        self.concurrency = max(1, concurrency)
        self.autothrottle = autothrottle
        self.stats = stats
        self.crawler = crawler
        self._reserve = server.register_script(_RESERVE)
        #: Requests of this process that hold a reservation and have not reached the downloader.
        self._reserved: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        url = redis_url(settings)
        if not url:
            raise NotConfigured("no Redis URL: Scrapy's per-process politeness")
        delay = settings.get("NEWSCRAWL_SITE_DELAY")
        delay = float(delay) if delay not in (None, "") else settings.getfloat("DOWNLOAD_DELAY")
        concurrency = (settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
                       or settings.getint("CONCURRENT_REQUESTS"))
        return cls(_redis(url), crawl_prefix(settings), delay, concurrency,
                   autothrottle=settings.getbool("AUTOTHROTTLE_ENABLED"), stats=crawler.stats,
                   crawler=crawler)

    def _downloader(self):
        engine = getattr(self.crawler, "engine", None)
        return getattr(engine, "downloader", None)

    def _site(self, request: Request) -> str:
        downloader = self._downloader()
        if downloader is not None:
            return downloader.get_slot_key(request)
        return urlparse_cached(request).hostname or ""

    def delay_for(self, site: str) -> float:
        """Seconds between two requests to ``site``: the configured delay, or AutoThrottle's."""
        delay = self.delay
        downloader = self._downloader()
        if self.autothrottle and downloader is not None and site in downloader.slots:
            delay = max(delay, downloader.slots[site].delay)
        return delay

    def _busy(self, site: str) -> int:
        """This process's requests to ``site`` between a reservation and the response."""
        downloader = self._downloader()
        slot = downloader.slots.get(site) if downloader is not None else None
        own = len(slot.transferring) + len(slot.queue) if slot is not None else 0
        return own + self._reserved.get(site, 0)

    def reserve(self, site: str, delay: float) -> float:
        """Reserve the next slot for ``site``; seconds to wait for it."""
        return int(self._reserve(keys=[f"{self.prefix}:pace:{site}"],
                                 args=[int(round(delay * 1000))])) / 1000

    async def process_request(self, request: Request) -> None:
        site = self._site(request)
        delay = self.delay_for(site)
        if delay <= 0:
            return None
        while self._busy(site) >= self.concurrency:
            await sleep(CAPACITY_POLL)
        wait = self.reserve(site, delay)
        self._inc("paced")
        if wait <= 0:
            return None
        self._inc("waited")
        self._inc("wait_ms", int(wait * 1000))
        self._reserved[site] = self._reserved.get(site, 0) + 1
        try:
            await sleep(wait)
        finally:
            self._reserved[site] -= 1
            if not self._reserved[site]:
                del self._reserved[site]
        return None

    def _inc(self, name: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/pacing/{name}", count)


class SharedConcurrencyMiddleware:
    """At most a site's concurrency limit of requests in flight: across all processes with Redis,
    in this process without (module docstring). ``keeper`` holds the slots: a
    :class:`~newscrawl.crawl.shared.leases.LeaseKeeper` or a :class:`~newscrawl.crawl.shared.leases.LocalSlots`."""

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
        if url and not settings.getbool("NEWSCRAWL_SHARED_SITE_CONCURRENCY", True):
            raise NotConfigured("NEWSCRAWL_SHARED_SITE_CONCURRENCY is off: per-process concurrency")
        if not url and not settings.getbool("NEWSCRAWL_LOCAL_SITE_CONCURRENCY", True):
            raise NotConfigured("NEWSCRAWL_LOCAL_SITE_CONCURRENCY is off: Scrapy's downloader alone")
        concurrency, per_site = site_limits(settings)
        stats = crawler.stats
        if url:
            keeper = LeaseKeeper(_redis(url), lease_ttl(settings),
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
        return f"{self.prefix}:inflight:{site}"

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


class _SiteLoad(DownloaderInterface):
    """The downloader's load per site as :class:`SiteAwarePriorityQueue` counts it."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.concurrency, self.per_site = site_limits(crawler.settings)
        self.ahead = crawler.settings.getint("NEWSCRAWL_SITE_QUEUE_AHEAD", 1)

    def stats(self, possible_slots) -> list[tuple[int, str]]:
        """(requests in the downloader, site) of the sites that may have one more."""
        load = Counter(self.downloader.get_slot_key(r) for r in self.downloader.active)
        return [(load[slot], slot) for slot in possible_slots
                if load[slot] < self.per_site.get(slot, self.concurrency) + self.ahead]


class SiteAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's default scheduler queue (a queue per site, the least busy site first) for a
    process without Redis, counting a site's requests anywhere in the downloader and holding
    back a site's requests while the downloader has its limit of them.

    Scrapy's queue counts a site's requests from the moment they reach the site's download slot
    (``Slot.active``), after the middlewares; requests waiting in
    :class:`SharedConcurrencyMiddleware` for a site slot, or for robots.txt, are not counted. The
    engine takes up to ``CONCURRENT_REQUESTS`` requests into the downloader, so a few sites with
    many queued requests would fill it with requests that wait for their site's slots while
    other sites' requests, which could be sent at once, stay in the queue. Here those are
    counted, and a site with its limit plus ``NEWSCRAWL_SITE_QUEUE_AHEAD`` (1) requests in the
    downloader is skipped (``None`` when every queued site is: the engine asks again as each
    download ends), as :class:`~newscrawl.crawl.shared.frontier.SlotAwareQueue` does with a Redis frontier.
    The one request ahead waits in the middleware and takes a freed slot at once; with none
    ahead, the next request had to come through the engine and every middleware first, each
    step a turn of the event loop, which also runs the stages - measured 0.83x of Scrapy's rate
    at the same limit on slow sites, against 1.09x with one ahead. Same on-disk state as
    Scrapy's (a ``JOBDIR`` resumes with either).
    """

    def __init__(self, crawler, downstream_queue_cls, key, slot_startprios=None, *,
                 start_queue_cls=None) -> None:
        super().__init__(crawler, downstream_queue_cls, key, slot_startprios,
                         start_queue_cls=start_queue_cls)
        self._downloader_interface = _SiteLoad(crawler)


__all__ = ["SharedConcurrencyMiddleware", "SharedPacingMiddleware", "SharedRobotsTxtMiddleware",
           "SiteAwarePriorityQueue", "lease_ttl", "robots_lock_key", "site_limits"]
