"""Scrapy's HttpCompressionMiddleware, with an article cut off mid-stream refused and robots.txt bounded.

Scrapy decodes a gzip (or zstd) body that stops before the end of its stream into the part it
got, without a word. The transport cannot notice: the server sent all it announced, only the
compressed data inside is incomplete (its compressor died, a cache kept half a file). Stored,
that start of the page would be a bogus edit of its story, so:

* **Article downloads** (requests carrying :data:`~newscrawl.crawl.incremental.META_KEY`) are
  decoded whole or not at all (:func:`newscrawl.crawl.codings.decode`): a cut-off stream fails
  the fetch with ``failed`` / ``truncated_content_encoding`` (stat
  ``newscrawl/fetch/failed/truncated_content_encoding``), data that is not of its coding with
  ``bad_content_encoding``; tried again next run. Over ``DOWNLOAD_MAXSIZE``: Scrapy's own
  refusal (``oversize``).
* **robots.txt** is decoded only as far as ``NEWSCRAWL_ROBOTSTXT_MAXSIZE`` (plus one byte, so
  the robots.txt middleware sees the limit was passed and cuts at the last whole line): a small
  gzip that inflates to gigabytes is neither inflated whole nor - as past ``DOWNLOAD_MAXSIZE``
  it was - taken as "no robots.txt, allow all". The download itself stops at the same number of
  bytes, so its compressed stream is often cut: the whole lines decoded from it are the rules.
* **Feeds and sitemaps** keep Scrapy's decoding: what a cut-off feed decodes to is parsed for
  the entries it holds, as an uncompressed cut-off feed is.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.utils._compression import _DecompressionMaxSizeExceeded

from newscrawl.crawl import codings
from newscrawl.crawl.incremental import META_KEY
from newscrawl.crawl.politeness.robots import ROBOTS_BYTES_KEY, robots_maxsize

logger = logging.getLogger(__name__)

__all__ = ["StrictHttpCompressionMiddleware"]


class StrictHttpCompressionMiddleware(HttpCompressionMiddleware):
    """In place of Scrapy's HttpCompressionMiddleware (same position); see the module docstring."""

    def __init__(self, stats=None, *, crawler=None) -> None:
        super().__init__(stats, crawler=crawler)
        self.robots_maxsize = robots_maxsize(crawler.settings) if crawler is not None else 0
        # The request whose response is being decoded: Scrapy's ``_decode`` is not given it.
        self._request = None

    def process_response(self, request, response, spider=None):
        self._request = request
        try:
            return super().process_response(request, response)
        finally:
            self._request = None

    def _decode(self, body: bytes, encoding: bytes, max_size: int) -> bytes:
        request = self._request
        coding = encoding.decode("latin-1")
        if request is not None and META_KEY in request.meta:
            try:
                return codings.decode(body, coding, max_size)
            except codings.TooLarge as exc:
                raise _DecompressionMaxSizeExceeded(exc.size, max_size) from None
            except codings.CodingError as exc:
                logger.info("Not using %s: %s (Content-Encoding: %s)", request.url, exc, coding)
                raise
        if request is not None and ROBOTS_BYTES_KEY in request.meta:
            limit = self.robots_maxsize or max_size
            if not limit:
                return super()._decode(body, encoding, max_size)
            decoded, whole = codings.decode_prefix(body, coding, limit)
            if not whole and len(decoded) <= limit:
                # Cut off before the limit: the last line may be a rule cut short.
                end = max(decoded.rfind(b"\n"), decoded.rfind(b"\r"))
                decoded = decoded[:end + 1]
            return decoded
        return super()._decode(body, encoding, max_size)
