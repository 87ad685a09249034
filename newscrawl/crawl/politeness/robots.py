"""robots.txt: a site that cannot answer is not crawled; one download per site for a shared crawl.

:class:`StrictRobotsTxtMiddleware` is Scrapy's robots.txt middleware with RFC 9309's rules for a
robots.txt that does not answer: a 5xx (after Scrapy's retries), a timeout or another network
error means "disallow all" for the rest of the run (Scrapy allows everything then), so no page of
the site is fetched; each article so held back is recorded as a failed fetch with the reason
``robots_unreachable:<why>`` (``http_status_503``, ``timeout``...), so the next run tries again.
A 4xx means "allow all", whatever its body. A robots.txt request that newscrawl itself refused
(a private address, :mod:`newscrawl.crawl.safety`) allows all, so each page is refused with its
own reason. Stats: ``newscrawl/robotstxt/unreachable`` (sites), ``newscrawl/robotstxt/held_back``
(requests not sent because of it).

robots.txt fetched once per site and run by all the processes of a shared crawl:

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
process then holds the site back, or allows everything after a refusal, as above), so
robots.txt is fetched once per site and crawl run. The hash belongs to the run: the first process of a new run deletes it,
and so does the last one out (:mod:`newscrawl.crawl.shared.frontier`); a TTL
(``NEWSCRAWL_ROBOTSTXT_TTL``) bounds how long a copy can outlive a run that never ended.

Without a Redis URL it is :class:`StrictRobotsTxtMiddleware`.

Stats: ``newscrawl/robotstxt/shared`` (copies taken from Redis), ``newscrawl/robotstxt/fetched``
(downloads stored for the others), ``newscrawl/robotstxt/wait_ms`` (time spent waiting for
another process's download), ``newscrawl/leases/lost`` (download locks that lapsed while held).
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.faults import failure_reason
from newscrawl.crawl.safety import Refused
from newscrawl.crawl.shared.keys import connect, crawl_prefix, redis_url, robots_key, robots_lock_key
from newscrawl.crawl.shared.leases import LeaseKeeper, lease_ttl

logger = logging.getLogger(__name__)

#: How often a process waiting for another's robots.txt download looks again (seconds).
ROBOTSTXT_POLL = 0.1
#: Stored in place of status and body when the download was refused or ignored (allow all).
_ERROR = b"error"
#: Stored, followed by the reason, when robots.txt could not be reached (disallow all).
_UNREACHABLE = b"unreachable"


class Unreachable:
    """The "parser" of a robots.txt that did not answer: nothing is allowed (RFC 9309 2.3.1.4)."""

    def __init__(self, why: str) -> None:
        self.why = why

    def allowed(self, url, user_agent) -> bool:
        return False


#: Request meta of a robots.txt download: bytes received so far (the size limit is counted in it).
ROBOTS_BYTES_KEY = "newscrawl_robots_bytes"


def robots_maxsize(settings) -> int:
    """``NEWSCRAWL_ROBOTSTXT_MAXSIZE``: bytes of a robots.txt read and parsed (0: no own limit)."""
    value = settings.getint("NEWSCRAWL_ROBOTSTXT_MAXSIZE", defaults.NEWSCRAWL_ROBOTSTXT_MAXSIZE)
    if value < 0:
        raise ValueError(f"NEWSCRAWL_ROBOTSTXT_MAXSIZE must be >= 0 bytes, got {value!r}")
    return value


def cut_robots(body: bytes, maxsize: int) -> bytes:
    """The part of a robots.txt ``body`` that is parsed: its whole lines within ``maxsize`` bytes.

    Cut at the last line end, not at the byte: a rule cut mid-path would be another rule
    (``Allow: /news/today`` cut to ``Allow: /``)."""
    if not maxsize or len(body) <= maxsize:
        return body
    head = body[:maxsize]
    end = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[:end + 1]


def robots_txt_request(url: str) -> Request:
    """The download of a site's robots.txt (the local and the shared middleware alike)."""
    return Request(url, priority=RobotsTxtMiddleware.DOWNLOAD_PRIORITY,
                   meta={"dont_obey_robotstxt": True, ROBOTS_BYTES_KEY: 0}, callback=NO_CALLBACK)


def _unreachable_reason(exc: BaseException) -> str | None:
    """Why ``exc`` makes a robots.txt unreachable; None when it allows all (ignored, refused)."""
    if isinstance(exc, IgnoreRequest):  # refused by newscrawl or dropped by a middleware
        return None
    return failure_reason(Failure(exc))


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware; 5xx and network errors disallow all (module docstring).

    A robots.txt is read up to ``NEWSCRAWL_ROBOTSTXT_MAXSIZE`` bytes (the download stops there)
    and its whole lines within them are parsed; stat ``newscrawl/robotstxt/cut``.
    """

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.robots_maxsize = robots_maxsize(crawler.settings)
        if self.robots_maxsize:
            crawler.signals.connect(self._headers_received, signal=signals.headers_received)
            crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _headers_received(self, headers, body_length, request: Request, spider=None) -> None:
        # A redirect or retry copies the meta with the count of the answer before; each
        # answer's body is counted from its own start.
        if ROBOTS_BYTES_KEY in request.meta:
            request.meta[ROBOTS_BYTES_KEY] = 0

    def _bytes_received(self, data: bytes, request: Request, spider=None) -> None:
        received = request.meta.get(ROBOTS_BYTES_KEY)
        if received is None:
            return
        received += len(data)
        request.meta[ROBOTS_BYTES_KEY] = received
        if received > self.robots_maxsize:
            raise StopDownload(fail=False)

    def _cut(self, body: bytes, url: str) -> bytes:
        cut = cut_robots(body, self.robots_maxsize)
        if len(cut) < len(body):
            self._stats.inc_value("newscrawl/robotstxt/cut")
            logger.info("robots.txt %s is over NEWSCRAWL_ROBOTSTXT_MAXSIZE (%d bytes): "
                        "rules past byte %d are ignored", url, self.robots_maxsize, len(cut))
        return cut

    def _unreachable(self, netloc: str, why: str) -> Unreachable:
        logger.warning("robots.txt of %s unreachable (%s): no page of the site is fetched this run",
                       netloc, why)
        self._stats.inc_value("newscrawl/robotstxt/unreachable")
        return Unreachable(why)

    def _settle(self, netloc: str, parser) -> None:
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    async def robot_parser(self, request: Request):
        """Scrapy's, but a failed download is one log line (no traceback: it is the site's fault)."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robots_request = robots_txt_request(f"{url.scheme}://{netloc}/robots.txt")
            try:
                response = await self.crawler.engine.download_async(robots_request)
                await self._parse_robots(response, netloc, request)
            except Exception as exc:  # noqa: BLE001 - every failure is unreachable or allow-all
                if not isinstance(exc, IgnoreRequest):
                    logger.warning("robots.txt %s: %s: %s", robots_request.url,
                                   type(exc).__name__, exc)
                self._robots_error(exc, netloc)
            self._stats.inc_value("robotstxt/request_count")
        return await self._settled(netloc)

    async def _settled(self, netloc: str):
        """The parser of ``netloc``, once its robots.txt is in.

        Read from the dict after the wait, not taken from the Deferred: awaited as asyncio
        futures, a Deferred hands its result to the first waiter only and None (allow all) to
        every later one, so a third request to a site would skip its robots.txt.
        """
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            await maybe_deferred_to_future(parser)
            parser = self._parsers[netloc]
        return parser

    async def _parse_robots(self, response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._settle(netloc, self._unreachable(netloc, f"http_status_{response.status}"))
            return
        if response.status >= 400:  # "unavailable": no rules, whatever the error page says
            response = response.replace(body=b"")
        else:
            response = response.replace(body=self._cut(response.body, response.url))
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        why = _unreachable_reason(exc)
        if why is None:
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._settle(netloc, self._unreachable(netloc, why))

    def process_request_2(self, rp, request: Request) -> None:
        if isinstance(rp, Unreachable):
            self._stats.inc_value("newscrawl/robotstxt/held_back")
            raise Refused(f"robots_unreachable:{rp.why}",
                          f"robots.txt of {urlparse_cached(request).netloc} unreachable ({rp.why})")
        super().process_request_2(rp, request)


def _encode(status: int, body: bytes) -> bytes:
    return f"{status}\n".encode() + body


def _decode(stored: bytes) -> tuple[int, bytes] | str | None:
    """(status, body) of a stored robots.txt, the reason it was unreachable, or None (allow all)."""
    if stored == _ERROR:
        return None
    head, _, rest = stored.partition(b"\n")
    if head == _UNREACHABLE:
        return rest.decode("utf-8", "replace")
    return int(head), rest


class SharedRobotsTxtMiddleware(StrictRobotsTxtMiddleware):
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
            if isinstance(entry, str):
                parser = self._unreachable(netloc, entry)
            elif entry is not None and entry[0] >= 500:
                parser = self._unreachable(netloc, f"http_status_{entry[0]}")
            elif entry is not None:
                body = entry[1] if entry[0] < 400 else b""
                parser = build_from_crawler(self._parserimpl, self.crawler, body)
                await self.crawler.signals.send_catch_log_async(
                    signal=signals.robots_parsed, robotparser=parser, request=request)
            self._parsers[netloc] = parser
            waiting.callback(parser)
        return await self._settled(netloc)

    async def _shared_copy(self, robots_url: str, netloc: str,
                           request: Request) -> tuple[int, bytes] | str | None:
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
                # The holder before us may have stored its copy and let go of the lock between
                # our look and our lock: look again under the lock before downloading.
                stored = self.server.hget(self.hash_key, netloc)
                if stored is None:
                    break
                self.keeper.unlock(lock, token)
                self._stats.inc_value("newscrawl/robotstxt/shared")
                self._waited(waiting_since)
                return _decode(stored)
            if waiting_since is None:  # another process is downloading it
                waiting_since = time.monotonic()
                holder = self.server.get(lock)
                logger.info("robots.txt of %s is being downloaded by %s; waiting for its copy",
                            netloc, holder.decode() if holder else "another process")
            await sleep(ROBOTSTXT_POLL)
        self._waited(waiting_since)
        try:
            entry = await self._download(robots_url, request)
            stored = (_ERROR if entry is None else
                      _UNREACHABLE + b"\n" + entry.encode() if isinstance(entry, str) else _encode(*entry))
            self.server.hset(self.hash_key, netloc, stored)
            self.server.expire(self.hash_key, self.ttl)
            self._stats.inc_value("newscrawl/robotstxt/fetched")
            return entry
        finally:
            self.keeper.unlock(lock, token)

    def _waited(self, since: float | None) -> None:
        if since is not None:
            self._stats.inc_value("newscrawl/robotstxt/wait_ms",
                                  int(1000 * (time.monotonic() - since)))

    async def _download(self, robots_url: str, request: Request) -> tuple[int, bytes] | str | None:
        """As the local middleware downloads robots.txt (same request, stats and log line).

        (status, body); for a failed download the reason it is unreachable, or None when the
        failure allows all (see :func:`_unreachable_reason`)."""
        robots_request = robots_txt_request(robots_url)
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots_request)
        except Exception as exc:  # noqa: BLE001 - every failure is either unreachable or allow-all
            if not isinstance(exc, IgnoreRequest):
                logger.warning("robots.txt %s: %s: %s", robots_url, type(exc).__name__, exc)
                self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            return _unreachable_reason(exc)
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        body = self._cut(response.body, robots_url) if response.status < 400 else response.body
        return response.status, body


__all__ = ["ROBOTS_BYTES_KEY", "SharedRobotsTxtMiddleware", "StrictRobotsTxtMiddleware",
           "Unreachable", "cut_robots", "robots_maxsize", "robots_txt_request"]
