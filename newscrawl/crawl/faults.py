"""What the web does wrong, named: failure reasons for the store, and non-article downloads cut short.

Scheduled crawls meet every fault sooner or later; none may crash a run or go unrecorded. Who
handles what (Scrapy's own components wherever one exists):

===========================  ===============================================================
fault                        handling -> ``fetches`` outcome / reason
===========================  ===============================================================
5xx, 408, 429, timeouts      :class:`BackoffRetryMiddleware` (Scrapy's RetryMiddleware plus an
                             exponential pause before each retry, ``Retry-After`` honoured;
                             one beyond the longest pause: no retry);
                             if every try fails -> ``failed`` / ``http_status_503``,
                             ``timeout``
404 / 410                    reach the spider (``HTTPERROR_ALLOWED_CODES``) -> ``skipped`` /
                             ``http_status_404``; the revisit policy treats them as gone
PDF, image, audio, video,    :class:`NonArticleDownloadStop` ends the download after the
archives by Content-Type     headers -> ``skipped`` / ``content_type:application/pdf``
binary bytes sent as HTML    the decode stage sniffs them -> ``skipped`` / ``not_text:...``
oversize                     ``DOWNLOAD_MAXSIZE`` cancels the download (also during gzip
                             decompression, and a chunked body without end: see
                             :mod:`newscrawl.crawl.connections`) -> ``failed`` / ``oversize``;
                             revisited like a gone page, not every run
header block without end     past 256 KiB of status line and headers the download fails
                             (:mod:`newscrawl.crawl.connections`) -> ``failed`` /
                             ``download_failed``
off-site redirect or         :mod:`newscrawl.crawl.safety` refuses the hop -> ``failed`` /
meta refresh, private        ``offsite_redirect:<host>``, ``offsite_refresh:<host>``,
address                      ``blocked_address:<ip>``; revisited like a gone page
robots.txt 5xx / no answer   the site's pages are held back for the run (RFC 9309) ->
                             ``failed`` / ``robots_unreachable:<why>``, tried next run
redirect loop                :class:`RedirectLoopMiddleware` stops a chain that comes back
                             to one of its URLs; RedirectMiddleware gives up after
                             ``REDIRECT_MAX_TIMES`` hops -> ``failed`` / ``redirect_loop``
bad gzip                     HttpCompressionMiddleware cannot decode -> ``failed`` /
                             ``bad_content_encoding``
compressed article cut off   its gzip/deflate/br/zstd stream ends before its end, whatever
                             the transport said (:mod:`newscrawl.crawl.compression`) ->
                             ``failed`` / ``truncated_content_encoding``, tried next run
truncated body               fewer bytes than Content-Length -> Scrapy's data-loss error
                             (``DOWNLOAD_FAIL_ON_DATALOSS`` stays on, retried) -> ``failed`` /
                             ``data_loss``. Storing a truncated page would record a bogus edit
                             of the story, so a retry next run is the better outcome.
malformed feed or sitemap    the discovery parsers recover what they can and report an error
                             (``newscrawl/discovery/parse_errors``); never an exception
===========================  ===============================================================

A ``failed`` fetch is retried on the next run (:mod:`newscrawl.crawl.incremental`). Each reason is
also a stat: ``newscrawl/fetch/failed/<reason>``.

:class:`NonArticleDownloadStop` is an extension on Scrapy's ``headers_received`` signal: for
article requests (those carrying :data:`~newscrawl.crawl.incremental.META_KEY`) whose Content-Type is
plainly not a page - a PDF or an image can be megabytes - it raises ``StopDownload(fail=False)``,
so the response reaches the spider with an empty body and the stages record it as skipped by
content type. Ambiguous types (``application/octet-stream``, none at all) are downloaded and
sniffed by the decode stage, because servers label HTML that way too.
"""

from __future__ import annotations

import gzip
import logging
import struct
import zlib

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
    StopDownload,
)
from scrapy.spidermiddlewares.httperror import HttpError

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.codings import CodingError
from newscrawl.crawl.safety import Refused

logger = logging.getLogger(__name__)

__all__ = ["NON_ARTICLE_TYPES", "BackoffRetryMiddleware", "NonArticleDownloadStop",
           "RedirectLoopMiddleware", "failure_reason",
           "is_non_article_type", "retry_delay"]

#: Content-Type prefixes that are never an article page.
NON_ARTICLE_TYPES = ("application/pdf", "image/", "audio/", "video/", "font/", "application/zip",
                     "application/gzip", "application/x-gzip", "application/msword",
                     "application/vnd.", "application/x-shockwave-flash", "application/x-tar",
                     "application/x-7z-compressed", "application/x-rar")


def is_non_article_type(content_type: str | bytes | None) -> bool:
    if not content_type:
        return False
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return content_type.split(";")[0].strip().lower().startswith(NON_ARTICLE_TYPES)


def failure_reason(failure) -> str:
    """A short, stable reason for a failed request (``fetches.reason`` and stats keys)."""
    from newscrawl.crawl.incremental import NotDue

    exc = failure.value
    if isinstance(exc, NotDue):
        return "not_due"
    if isinstance(exc, HttpError):
        return f"http_status_{exc.response.status}"
    if isinstance(exc, Refused):  # newscrawl's own refusals name their reason
        return exc.reason
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "robots.txt" in message:
            return "robots_forbidden"
        if "max redirections" in message:
            return "redirect_loop"
        if "DOWNLOAD_MAXSIZE" in message:
            return "oversize"
        return f"ignored:{message[:120]}"
    if isinstance(exc, DownloadTimeoutError):
        return "timeout"
    if isinstance(exc, DownloadCancelledError):
        return "oversize" if "max size" in str(exc) else "cancelled"
    if isinstance(exc, ResponseDataLossError):
        return "data_loss"
    if isinstance(exc, DownloadConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, CannotResolveHostError):
        return "dns_error"
    if isinstance(exc, DownloadFailedError):
        return "download_failed"
    if isinstance(exc, CodingError):  # an article's compressed body (newscrawl/crawl/compression.py)
        return exc.reason
    if isinstance(exc, (gzip.BadGzipFile, zlib.error, EOFError, struct.error)):
        return "bad_content_encoding"
    name = type(exc).__name__
    if "Timeout" in name:  # Twisted's own timeout errors, should one slip through unwrapped
        return "timeout"
    return f"error:{name}"


def retry_delay(retry_times: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number ``retry_times`` (1, 2, ...): exponential, capped.

    ``base``, ``2*base``, ``4*base``...; a server's ``Retry-After`` (seconds) is honoured when
    longer, up to ``cap`` - waiting longer than that would hold the run for one page.
    """
    delay = base * (2 ** max(retry_times - 1, 0))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, cap)


def _retry_after_seconds(value: bytes | str | None) -> float | None:
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        pass
    import email.utils

    try:  # the HTTP-date form
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import datetime as dt

    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, with a pause before each retry (Scrapy retries at once).

    A 503 or a timeout usually means the server is overloaded; asking again immediately adds to
    the load and fails again. The pause (``NEWSCRAWL_RETRY_BACKOFF_BASE`` seconds, doubled per
    retry, at most ``NEWSCRAWL_RETRY_BACKOFF_MAX``; a longer ``Retry-After`` is honoured up to
    the same cap) happens in ``process_request`` before the retry enters the downloader, so it
    holds no download slot: other pages are fetched meanwhile. Which codes and exceptions are
    retried, and how often, stay Scrapy's settings (``RETRY_HTTP_CODES``, ``RETRY_TIMES``).
    A ``Retry-After`` beyond ``NEWSCRAWL_RETRY_BACKOFF_MAX`` is not retried at all: the response
    goes on as the final answer (``failed`` / ``http_status_429``...), stat
    ``newscrawl/fetch/retry_after_too_far``.
    """

    RETRY_AFTER_KEY = "newscrawl_retry_after"

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE",
                                              defaults.NEWSCRAWL_RETRY_BACKOFF_BASE)
        self.backoff_max = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX",
                                             defaults.NEWSCRAWL_RETRY_BACKOFF_MAX)

    async def process_request(self, request, spider=None):
        retry_times = request.meta.get("retry_times", 0)
        if not retry_times or self.backoff_base <= 0:
            return None
        delay = retry_delay(retry_times, self.backoff_base, self.backoff_max,
                            request.meta.get(self.RETRY_AFTER_KEY))
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newscrawl/fetch/retry_backoff")
        from twisted.internet import reactor, task

        from scrapy.utils.defer import maybe_deferred_to_future

        await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return None

    def process_response(self, request, response, spider=None):
        retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        if (retry_after is not None and retry_after > self.backoff_max
                and response.status in self.retry_http_codes
                and not request.meta.get("dont_retry", False)
                and request.meta.get("retry_times", 0)
                < request.meta.get("max_retry_times", self.max_retry_times)):
            # The server said "not before" a moment past the longest pause newscrawl takes:
            # retrying sooner only asks again to be refused, so the page is given up now and
            # the next run tries it again.
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newscrawl/fetch/retry_after_too_far")
            logger.info("Not retrying %s (status %d): Retry-After %.0f s is beyond "
                        "NEWSCRAWL_RETRY_BACKOFF_MAX (%.0f s)", request.url, response.status,
                        retry_after, self.backoff_max)
            return response
        result = super().process_response(request, response)
        if result is not response and hasattr(result, "meta"):
            if retry_after is not None:
                result.meta[self.RETRY_AFTER_KEY] = retry_after
        return result


class RedirectLoopMiddleware:
    """Downloader middleware: a redirect back to a URL of its own chain is a loop; stop it.

    Scrapy's RedirectMiddleware only counts hops (``REDIRECT_MAX_TIMES``), and a redirect back
    to a URL already requested in this run is silently dropped by the dupefilter - the page
    would then be neither fetched nor recorded, and the next run would walk into it again.
    Placed after the RedirectMiddleware in priority (so it sees responses first), this raises
    ``IgnoreRequest("max redirections reached: loop ...")``, which the spider's errback records
    as ``failed`` / ``redirect_loop``.
    """

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        if response.status not in (301, 302, 303, 307, 308) or "Location" not in response.headers:
            return response
        from urllib.parse import urljoin

        from w3lib.url import canonicalize_url, safe_url_string

        location = response.headers["Location"].decode("latin-1")
        target = canonicalize_url(safe_url_string(urljoin(request.url, location)))
        chain = {canonicalize_url(u) for u in [*request.meta.get("redirect_urls", []), request.url]}
        if target in chain:
            if self.stats is not None:
                self.stats.inc_value("newscrawl/fetch/redirect_loops")
            raise IgnoreRequest(f"max redirections reached: loop back to {target}")
        return response


class NonArticleDownloadStop:
    """Extension: stop article downloads whose Content-Type is plainly not a page.

    Switched off with ``NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS = False``. Stat:
    ``newscrawl/fetch/stopped_non_article``.
    """

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS",
                                        defaults.NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS):
            raise NotConfigured("NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS is off")
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.headers_received, signal=signals.headers_received)
        return ext

    def headers_received(self, headers, body_length, request, spider=None) -> None:
        from newscrawl.crawl.incremental import META_KEY

        if META_KEY not in request.meta:
            return
        content_type = headers.get(b"Content-Type") or headers.get("Content-Type")
        if is_non_article_type(content_type):
            if self.stats is not None:
                self.stats.inc_value("newscrawl/fetch/stopped_non_article")
            logger.debug("Not downloading %s: Content-Type %s", request.url, content_type)
            raise StopDownload(fail=False)
