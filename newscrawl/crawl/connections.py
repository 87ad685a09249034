"""HTTP downloads with an option to use each connection for one request only.

A server (or a front end before it) that sends more bytes than a response's ``Content-Length``
can make a kept-alive connection hand those bytes to the *next* request as its answer: the
page of another URL stored under the one asked for (``canonical_elsewhere`` flags it when the
page names its own site). Twisted's HTTP/1.1 client, which Scrapy uses, drops surplus that
arrives with a response and closes a connection that receives bytes while idle, but surplus
arriving after the next request was sent cannot be told from that request's answer by any
HTTP/1.1 client. The only sure remedy is not to reuse connections:

``NEWSCRAWL_CONNECTION_CLOSE = True`` sends ``Connection: close`` with every request and keeps
no connection for a second one, whatever the server answers (a hostile server ignores the
header). The price is a new TCP (and TLS) handshake per request, so it is off by default; turn
it on for sites behind front ends known to mis-frame, or for a crawl that must not take that
risk at all.

A response's status line and headers together may take at most :data:`MAX_HEADER_BYTES`
(256 KiB, as Chrome allows). Twisted's client takes any number of header lines, so a server
sending header lines without end would fill the crawler's memory until the download timeout;
past the limit the download fails (``failed`` / ``download_failed``, retried like a broken
answer) with "header block larger than 262144 bytes" in the log.

A body without a ``Content-Length`` (chunked, or read to the close) that passes
``DOWNLOAD_MAXSIZE`` fails as ``oversize``, as one whose announced length is over it does
(Scrapy cancels it without a reason, which read as ``cancelled``: retried every run).
"""

from __future__ import annotations

import logging

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import DownloadCancelledError

from newscrawl.crawl import settings as defaults

__all__ = ["MAX_HEADER_BYTES", "HTTPDownloadHandler"]

logger = logging.getLogger(__name__)

#: Bytes a response's status line and header lines may take together.
MAX_HEADER_BYTES = 256 * 1024

try:
    # Private classes of Scrapy (2.18 and 2.19 have them) and Twisted: the only place a
    # response's header lines pass one by one. A later release without them crawls without the
    # bound, as Scrapy alone does, and a warning says so, instead of failing to import.
    from scrapy.core.downloader.handlers.http11 import (
        _LenientHTTP11ClientFactory,
        _LenientHTTP11ClientProtocol,
        _LenientHTTPClientParser,
    )
    from twisted.web._newclient import STATUS, ParseError
except ImportError:  # pragma: no cover - depends on the installed Scrapy
    _BoundedHeaderFactory = None
else:
    class _BoundedHeaderParser(_LenientHTTPClientParser):
        """Scrapy's response parser, failing a header block past :data:`MAX_HEADER_BYTES`.

        Put in place by a class swap, as Scrapy puts its own (so nothing of its own is set up
        front: the count starts with each status line, also the one after a 1xx answer)."""

        def lineReceived(self, line: bytes) -> None:
            # Lines come in the status and header states only (the body is read in raw mode).
            if self.state == STATUS:
                self._header_bytes = 0
            self._header_bytes += len(line) + 1
            if self._header_bytes > MAX_HEADER_BYTES:
                raise ParseError(f"header block larger than {MAX_HEADER_BYTES} bytes", line[:80])
            super().lineReceived(line)

    class _BoundedHeaderProtocol(_LenientHTTP11ClientProtocol):
        def request(self, request):
            d = super().request(request)
            self._parser.__class__ = _BoundedHeaderParser
            return d

    class _BoundedHeaderFactory(_LenientHTTP11ClientFactory):
        def buildProtocol(self, addr):
            return _BoundedHeaderProtocol(self._quiescentCallback)


class HTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler; with ``NEWSCRAWL_CONNECTION_CLOSE`` one request per connection."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        # Scrapy's pool builds connections with a factory of its own, whose protocol gives each
        # response Scrapy's parser; this one gives that parser with the bound.
        if _BoundedHeaderFactory is not None and hasattr(self._pool, "_factory"):
            self._pool._factory = _BoundedHeaderFactory
        else:  # pragma: no cover - depends on the installed Scrapy
            logger.warning("This Scrapy release has no lenient HTTP/1.1 parser to extend: response "
                           "header blocks are not bounded to %d bytes", MAX_HEADER_BYTES)
        self.close_connections = crawler.settings.getbool(
            "NEWSCRAWL_CONNECTION_CLOSE", defaults.NEWSCRAWL_CONNECTION_CLOSE)
        if self.close_connections:
            # Twisted's pool then closes every connection once its response is read. The pool
            # is the parent's own (no public way to hand it one).
            self._pool.persistent = False

    async def download_request(self, request):
        if self.close_connections:
            request.headers[b"Connection"] = b"close"
        try:
            return await super().download_request(request)
        except DownloadCancelledError as exc:
            if str(exc):
                raise
            # Scrapy's reader cancels a body of unannounced length (chunked, or to the close)
            # without a word once it passes the size limit - its only silent cancel: timeouts
            # and stops have errors of their own. Said, the fetch is recorded as oversize, as a
            # body whose announced length is over the limit is.
            maxsize = request.meta.get("download_maxsize", self._default_maxsize)
            raise DownloadCancelledError(f"Received more bytes than download max size "
                                         f"({maxsize}) in request {request}.") from exc
