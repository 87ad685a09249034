"""Politeness across crawler processes that share a Redis frontier (:mod:`newscrawl.frontier`).

Scrapy's politeness is per process: its robots.txt middleware keeps the parsed robots.txt of a
site in the process's memory, and a site's download delay and concurrency are counted by the
process's own downloader. With N processes on one frontier a site would have its robots.txt
fetched N times per crawl and be hit N times as hard. Both downloader middlewares here are put
in place by the :class:`~newscrawl.frontier.RedisFrontier` add-on, only when a Redis URL is set;
without it Scrapy's own behaviour is unchanged.

:class:`SharedRobotsTxtMiddleware` (in place of Scrapy's ``RobotsTxtMiddleware``, same
position): the first process that needs a site's robots.txt takes a Redis lock for it
(``SET NX`` with an expiry, so a process that dies while fetching does not hold it forever),
downloads it through the normal downloader chain and stores status and body in a hash of the
crawl run (``<prefix>:<spider>:robots``, field = the site's netloc); the others wait for that
copy (polling without blocking the reactor) and parse it themselves. A download error is stored
too (every process then allows everything, as Scrapy does after an error), so robots.txt is
fetched once per site and crawl run. The hash belongs to the run: the first process of a new run
deletes it, and so does the last one out (:mod:`newscrawl.frontier`); a TTL
(``NEWSCRAWL_ROBOTSTXT_TTL``, 1 day) bounds how long a copy can outlive a run that never ended.

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
* Concurrency stays per process (N processes may have N × ``CONCURRENT_REQUESTS_PER_DOMAIN``
  requests in flight to a slow site); the request *rate* is what is shared.

Stats: ``newscrawl/robotstxt/shared`` (copies taken from Redis), ``newscrawl/robotstxt/fetched``
(downloads stored for the others), ``newscrawl/pacing/paced`` (requests given a slot),
``newscrawl/pacing/waited`` (those that had to wait), ``newscrawl/pacing/wait_ms`` (total wait).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from newscrawl.frontier import crawl_prefix, redis_url, robots_key

logger = logging.getLogger(__name__)

#: How long a stored robots.txt may outlive its run (seconds), unless NEWSCRAWL_ROBOTSTXT_TTL.
DEFAULT_ROBOTSTXT_TTL = 24 * 3600
#: How often a process waiting for another's robots.txt download looks again (seconds).
ROBOTSTXT_POLL = 0.1
#: How often a request waiting for a free connection to its site looks again (seconds).
CAPACITY_POLL = 0.05
#: Stored in place of status and body when the download failed.
_ERROR = b"error"

# KEYS: the lock; ARGV: its owner's token. Deletes the lock only if it is still ours.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

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
        # A process that dies holding the lock blocks the others at most this long: as long as
        # a download with all its retries and back-off pauses may take.
        attempts = settings.getint("RETRY_TIMES", 2) + 1
        self.lock_ms = int(1000 * attempts * (settings.getfloat("DOWNLOAD_TIMEOUT", 180)
                                              + settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX", 60)))

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
        lock = f"{self.hash_key}:lock:{netloc}"
        token = uuid.uuid4().hex
        while True:
            stored = self.server.hget(self.hash_key, netloc)
            if stored is not None:
                self._stats.inc_value("newscrawl/robotstxt/shared")
                return _decode(stored)
            if self.server.set(lock, token, nx=True, px=self.lock_ms):
                break
            await sleep(ROBOTSTXT_POLL)  # another process is downloading it
        try:
            entry = await self._download(robots_url, request)
            self.server.hset(self.hash_key, netloc, _ERROR if entry is None else _encode(*entry))
            self.server.expire(self.hash_key, self.ttl)
            self._stats.inc_value("newscrawl/robotstxt/fetched")
            return entry
        finally:
            self.server.eval(_UNLOCK, 1, lock, token)

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


__all__ = ["SharedPacingMiddleware", "SharedRobotsTxtMiddleware"]
