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
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from newscrawl.crawl import settings as defaults

__all__ = ["HTTPDownloadHandler"]


class HTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler; with ``NEWSCRAWL_CONNECTION_CLOSE`` one request per connection."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.close_connections = crawler.settings.getbool(
            "NEWSCRAWL_CONNECTION_CLOSE", defaults.NEWSCRAWL_CONNECTION_CLOSE)
        if self.close_connections:
            # Twisted's pool then closes every connection once its response is read. The pool
            # is the parent's own (no public way to hand it one).
            self._pool.persistent = False

    async def download_request(self, request):
        if self.close_connections:
            request.headers[b"Connection"] = b"close"
        return await super().download_request(request)
