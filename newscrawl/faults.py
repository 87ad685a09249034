"""What the web does wrong, named: failure reasons for the store, and non-article downloads cut short.

Scheduled crawls meet every fault sooner or later; none may crash a run or go unrecorded. Who
handles what (Scrapy's own components wherever one exists):

===========================  ===============================================================
fault                        handling -> ``fetches`` outcome / reason
===========================  ===============================================================
5xx, 408, 429, timeouts      RetryMiddleware (``RETRY_TIMES``, Scrapy's exponential backoff
                             between tries); if every try fails -> ``failed`` /
                             ``http_status_503``, ``timeout``
404 / 410                    reach the spider (``HTTPERROR_ALLOWED_CODES``) -> ``skipped`` /
                             ``http_status_404``; the revisit policy treats them as gone
PDF, image, audio, video,    :class:`NonArticleDownloadStop` ends the download after the
archives by Content-Type     headers -> ``skipped`` / ``content_type:application/pdf``
binary bytes sent as HTML    the decode stage sniffs them -> ``skipped`` / ``not_text:...``
oversize                     ``DOWNLOAD_MAXSIZE`` cancels the download (also during gzip
                             decompression) -> ``failed`` / ``oversize``
redirect loop                RedirectMiddleware gives up (``REDIRECT_MAX_TIMES``) ->
                             ``failed`` / ``redirect_loop``
bad gzip                     HttpCompressionMiddleware cannot decode -> ``failed`` /
                             ``bad_content_encoding``
truncated body               fewer bytes than Content-Length -> Scrapy's data-loss error
                             (``DOWNLOAD_FAIL_ON_DATALOSS`` stays on, retried) -> ``failed`` /
                             ``data_loss``. Storing a truncated page would record a bogus edit
                             of the story, so a retry next run is the better outcome.
malformed feed or sitemap    the discovery parsers recover what they can and report an error
                             (``newscrawl/discovery/parse_errors``); never an exception
===========================  ===============================================================

A ``failed`` fetch is retried on the next run (:mod:`newscrawl.incremental`). Each reason is
also a stat: ``newscrawl/fetch/failed/<reason>``.

:class:`NonArticleDownloadStop` is an extension on Scrapy's ``headers_received`` signal: for
article requests (those carrying :data:`~newscrawl.incremental.META_KEY`) whose Content-Type is
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

logger = logging.getLogger(__name__)

__all__ = ["NON_ARTICLE_TYPES", "NonArticleDownloadStop", "failure_reason", "is_non_article_type"]

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
    from newscrawl.incremental import NotDue

    exc = failure.value
    if isinstance(exc, NotDue):
        return "not_due"
    if isinstance(exc, HttpError):
        return f"http_status_{exc.response.status}"
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
    if isinstance(exc, (gzip.BadGzipFile, zlib.error, EOFError, struct.error)):
        return "bad_content_encoding"
    name = type(exc).__name__
    if "Timeout" in name:  # Twisted's own timeout errors, should one slip through unwrapped
        return "timeout"
    return f"error:{name}"


class NonArticleDownloadStop:
    """Extension: stop article downloads whose Content-Type is plainly not a page.

    Switched off with ``NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS = False``. Stat:
    ``newscrawl/fetch/stopped_non_article``.
    """

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS", True):
            raise NotConfigured("NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS is off")
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.headers_received, signal=signals.headers_received)
        return ext

    def headers_received(self, headers, body_length, request, spider=None) -> None:
        from newscrawl.incremental import META_KEY

        if META_KEY not in request.meta:
            return
        content_type = headers.get(b"Content-Type") or headers.get("Content-Type")
        if is_non_article_type(content_type):
            if self.stats is not None:
                self.stats.inc_value("newscrawl/fetch/stopped_non_article")
            logger.debug("Not downloading %s: Content-Type %s", request.url, content_type)
            raise StopDownload(fail=False)
