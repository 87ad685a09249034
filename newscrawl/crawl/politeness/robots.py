"""robots.txt fetched once per site and run by all the processes of a shared crawl.

Scrapy's robots.txt middleware keeps the parsed robots.txt of a site in its process's memory:
N processes on one frontier would fetch it N times per crawl. :class:`SharedRobotsTxtMiddleware`
takes the place of Scrapy's ``RobotsTxtMiddleware`` (same position; put there by the
:class:`~newscrawl.crawl.shared.addon.RedisFrontier` add-on, only when a Redis URL is set).

The first process that needs a site's robots.txt takes a Redis lock for it (a lease of
:mod:`newscrawl.crawl.shared.leases`: ``NEWSCRAWL_LEASE_TTL`` seconds, renewed by its holder
while it downloads, so a process that dies while fetching blocks the others for at most that
long), downloads it through the normal downloader chain and stores status and body in a hash of
the crawl run (:func:`~newscrawl.crawl.shared.keys.robots_key`, field = the site's netloc); the
others wait for that copy (polling without blocking the reactor; the log says once per site
which process they wait for) and parse it themselves. A download error is stored too (every
process then allows everything, as Scrapy does after an error), so robots.txt is fetched once
per site and crawl run. The hash belongs to the run: the first process of a new run deletes it,
and so does the last one out (:mod:`newscrawl.crawl.shared.frontier`); a TTL
(``NEWSCRAWL_ROBOTSTXT_TTL``) bounds how long a copy can outlive a run that never ended.

Without a Redis URL it is Scrapy's middleware, unchanged.

Stats: ``newscrawl/robotstxt/shared`` (copies taken from Redis), ``newscrawl/robotstxt/fetched``
(downloads stored for the others), ``newscrawl/robotstxt/wait_ms`` (time spent waiting for
another process's download), ``newscrawl/leases/lost`` (download locks that lapsed while held).
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.shared.keys import connect, crawl_prefix, redis_url, robots_key, robots_lock_key
from newscrawl.crawl.shared.leases import LeaseKeeper, lease_ttl

logger = logging.getLogger(__name__)

#: How often a process waiting for another's robots.txt download looks again (seconds).
ROBOTSTXT_POLL = 0.1
#: Stored in place of status and body when the download failed.
_ERROR = b"error"


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
        self.server = server if server is not None else (connect(url) if url else None)
        self.hash_key = robots_key(crawl_prefix(settings), crawler.spidercls.name)
        self.ttl = settings.getint("NEWSCRAWL_ROBOTSTXT_TTL", defaults.NEWSCRAWL_ROBOTSTXT_TTL)
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


__all__ = ["SharedRobotsTxtMiddleware"]
