"""One request rate per site across all the processes of a shared crawl.

Scrapy paces a site by its process's own download slot: N processes on one frontier would hit a
site N times as often. With :class:`SharedPacingMiddleware` (put in place by the
:class:`~newscrawl.crawl.shared.addon.RedisFrontier` add-on, only when a Redis URL is set) each
site has one "next allowed time" in Redis (:func:`~newscrawl.crawl.shared.keys.pace_key`); a
request reserves the next slot with one Lua script - atomic, and on Redis' clock, so processes
on machines with skewed clocks still agree - and waits until its slot before going on (an
asynchronous sleep: the reactor keeps running). The spacing is ``NEWSCRAWL_SITE_DELAY`` when
set, else ``DOWNLOAD_DELAY``, or AutoThrottle's current delay for the site when that is longer,
so N processes together keep to one process's pace. Details:

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
* The delay is kept by reservations, the concurrency by
  :class:`~newscrawl.crawl.politeness.slots.SharedConcurrencyMiddleware`.

Stats: ``newscrawl/pacing/paced`` (requests given a slot), ``newscrawl/pacing/waited`` (those
that had to wait), ``newscrawl/pacing/wait_ms`` (total wait).
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from newscrawl.crawl.shared.keys import connect, crawl_prefix, pace_key, redis_url

#: How often a request waiting for a free connection to its site looks again (seconds).
CAPACITY_POLL = 0.05

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
        return cls(connect(url), crawl_prefix(settings), delay, concurrency,
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
        return int(self._reserve(keys=[pace_key(self.prefix, site)],
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


__all__ = ["SharedPacingMiddleware"]
